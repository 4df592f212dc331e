"""Readers for foreign fill-level logs: each returns the project's long-format readings (and what else it knows).

Formats read here:

``prague``
    Long CSV of Prague's ultrasonic container sensors (Golemio / Sensoneo): ``container_id, type_code, folder,
    address, measured_at_utc, fill_pct``; sub-daily, fill in whole percent, times in UTC with a ``Z``.
``wyndham``
    Daily export of Wyndham City's solar compactor bins: ``Bin ID, Fullness, fullnessThreshold, timestamp, reason``.
    ``Fullness`` is a level 0 (empty) to 8 (full) in steps of 2, and 10 for "above full"; it becomes
    ``fill_pct = level / 8 * 100``, with 10 read as 100 % and ``overflow = True``. ``timestamp`` is a day
    (``DD-MM-YYYY``), kept as midnight UTC of that day. Rows are not in time order.
``edinburgh``
    Collection log of Edinburgh's 2016 litter-bin trial: one row per emptying with the fill level just before it,
    local time (Europe/London). Read as a collections table, the ground truth of emptyings.
``readings``
    The project's own long format: ``bin_id, ts, fill_pct`` and optionally ``battery_v, temperature_c``.

Every reader validates its input and raises :class:`waste.errors.InputError` naming the file, the line (1-based,
the header is line 1), the field and the reason.

Long-format readings (the contract with the rest of the project): ``bin_id`` (str), ``ts``
(``datetime64[ns, UTC]``), ``fill_pct`` (float, 0-100), optional ``battery_v`` (V) and ``temperature_c`` (degC).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from waste.errors import InputError

#: Formats understood by :func:`load_source`.
FORMATS: tuple[str, ...] = ("prague", "wyndham", "edinburgh", "readings")

#: Prague type codes (from the file names of the source data) -> material held by the container.
PRAGUE_MATERIALS: dict[int, str] = {1: "glass", 3: "metal_or_plastic", 5: "paper"}

_WYNDHAM_LEVELS = (0, 2, 4, 6, 8, 10)
_EDINBURGH_FILL = "Fill level before collection (%) [Nb 100% is actually a bin that's 80% full]"
_EDINBURGH_TS = "Date & Time of bin collection (Europe/London)"


@dataclass(frozen=True, slots=True)
class SourceData:
    """What a foreign log tells: readings in the long format, and the bins and collections it describes.

    Attributes
    ----------
    readings
        Long-format readings sorted by ``bin_id, ts`` (empty for a collections-only log).
    bins
        One row per bin with the columns of :data:`waste.model.BIN_COLUMNS` that the log knows (others are
        missing or NaN), plus ``threshold_pct`` where the log states a "ready for collection" level.
    collections
        Known emptyings (``bin_id, ts, fill_before_pct, fill_after_pct, kind``) or ``None``.
    """

    readings: pd.DataFrame
    bins: pd.DataFrame
    collections: pd.DataFrame | None = None


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read CSV: {exc}", file=str(path)) from exc
    for name in required:
        if name not in frame.columns:
            raise InputError(f"missing column {name!r}", file=str(path), row=1, field=name)
    return frame


def _bad(frame: pd.DataFrame, mask: np.ndarray, column: str) -> tuple[int, str]:
    """1-based file line (header = line 1) and raw value of the first row of ``frame`` flagged in ``mask``."""
    pos = int(np.flatnonzero(mask)[0])
    return int(frame.index[pos]) + 2, frame[column].iloc[pos]


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(frame[column].str.strip(), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        row, value = _bad(frame, bad, column)
        raise InputError(f"not a number: {value!r}", file=str(path), row=row, field=column)
    return values


def _times(frame: pd.DataFrame, column: str, path: Path, fmt: str | None = None) -> pd.Series:
    ts = pd.to_datetime(frame[column].str.strip(), format=fmt, utc=True, errors="coerce")
    bad = ts.isna().to_numpy()
    if bad.any():
        row, value = _bad(frame, bad, column)
        raise InputError(f"not a time: {value!r}", file=str(path), row=row, field=column)
    return ts.astype("datetime64[ns, UTC]")


def _check_fill(fill: np.ndarray, path: Path, frame: pd.DataFrame, field: str) -> None:
    bad = (fill < 0) | (fill > 100)
    if bad.any():
        row, value = _bad(frame, bad, field)
        raise InputError(f"fill level {value!r} outside 0-100 %", file=str(path), row=row, field=field)


def _sorted(readings: pd.DataFrame) -> pd.DataFrame:
    return readings.sort_values(["bin_id", "ts"], kind="stable").reset_index(drop=True)


def read_prague(path: str | Path) -> SourceData:
    """Read the Prague long CSV (Golemio / Sensoneo ultrasonic sensors).

    Parameters
    ----------
    path
        ``readings_long.csv`` with columns ``container_id, type_code, folder, address, measured_at_utc,
        fill_pct``.

    Returns
    -------
    SourceData
        Readings with ``bin_id = "PRG-<container_id>"``; bins with ``stream = "recycling"``, ``kind =
        "container"``, no compaction, and the extra column ``material`` (glass, paper, metal_or_plastic) from
        the type code.

    Raises
    ------
    InputError
        On a missing column, a time or number that does not parse, or a fill outside 0-100 %.
    """
    path = Path(path)
    required = ("container_id", "type_code", "address", "measured_at_utc", "fill_pct")
    raw = _read_csv(path, required)
    fill = _numbers(raw, "fill_pct", path)
    _check_fill(fill, path, raw, "fill_pct")
    codes = _numbers(raw, "type_code", path).astype(int)
    bin_id = "PRG-" + raw["container_id"].str.strip()
    readings = _sorted(pd.DataFrame({"bin_id": bin_id, "ts": _times(raw, "measured_at_utc", path), "fill_pct": fill}))
    first = pd.DataFrame({"bin_id": bin_id, "code": codes, "address": raw["address"]}).drop_duplicates("bin_id")
    bins = pd.DataFrame(
        {
            "bin_id": first["bin_id"].to_numpy(),
            "stream": "recycling",
            "kind": "container",
            "compaction_ratio": 1.0,
            "capacity_l": np.nan,
            "area": None,
            "material": [PRAGUE_MATERIALS.get(int(c), f"type_{int(c)}") for c in first["code"]],
            "address": first["address"].to_numpy(),
        }
    )
    return SourceData(readings=readings, bins=bins.sort_values("bin_id").reset_index(drop=True))


def read_wyndham(path: str | Path) -> SourceData:
    """Read the Wyndham daily export of solar compactor bins (levels 0-8, 10 = above full).

    Parameters
    ----------
    path
        ``readings_raw.csv`` with columns ``Bin ID, Fullness, fullnessThreshold, timestamp, reason``.

    Returns
    -------
    SourceData
        Readings with ``bin_id = "WYN-<Bin ID>"``, ``fill_pct = level / 8 * 100`` (level 10 -> 100 % with
        ``overflow = True``), ``reason`` kept; timestamps at midnight UTC of the reported day; sorted by time.
        Bins with ``kind = "compactor"`` and ``threshold_pct`` from ``fullnessThreshold`` (same scale, in %).
        When a bin has several rows on one day, the last in file order is kept.

    Raises
    ------
    InputError
        On a missing column, a date that is not ``DD-MM-YYYY``, or a level not in 0, 2, 4, 6, 8, 10.
    """
    path = Path(path)
    raw = _read_csv(path, ("Bin ID", "Fullness", "fullnessThreshold", "timestamp"))
    level = _numbers(raw, "Fullness", path)
    bad = ~np.isin(level, _WYNDHAM_LEVELS)
    if bad.any():
        row, value = _bad(raw, bad, "Fullness")
        raise InputError(
            f"level {value!r} is not one of 0, 2, 4, 6, 8, 10",
            file=str(path),
            row=row,
            field="Fullness",
        )
    threshold = _numbers(raw, "fullnessThreshold", path)
    ts = _times(raw, "timestamp", path, fmt="%d-%m-%Y")
    frame = pd.DataFrame(
        {
            "bin_id": "WYN-" + raw["Bin ID"].str.strip(),
            "ts": ts,
            "fill_pct": np.minimum(level, 8.0) / 8.0 * 100.0,
            "overflow": level > 8,
            "reason": raw["reason"] if "reason" in raw.columns else "",
            "threshold_pct": np.minimum(threshold, 8.0) / 8.0 * 100.0,
        }
    )
    frame = frame.drop_duplicates(["bin_id", "ts"], keep="last")
    readings = _sorted(frame.drop(columns="threshold_pct"))
    last = frame.sort_values("ts", kind="stable").drop_duplicates("bin_id", keep="last")
    bins = pd.DataFrame(
        {
            "bin_id": last["bin_id"].to_numpy(),
            "stream": "general",
            "kind": "compactor",
            "compaction_ratio": np.nan,
            "capacity_l": np.nan,
            "area": None,
            "threshold_pct": last["threshold_pct"].to_numpy(),
        }
    )
    return SourceData(readings=readings, bins=bins.sort_values("bin_id").reset_index(drop=True))


def read_edinburgh(path: str | Path) -> SourceData:
    """Read Edinburgh's 2016 collection log: one row per emptying, with the fill level just before it.

    Parameters
    ----------
    path
        ``collections.csv`` (the sheet read from its header row).

    Returns
    -------
    SourceData
        ``collections`` with ``bin_id = "EDI-<Site>"``, ``ts`` (UTC, from Europe/London local time),
        ``fill_before_pct``, ``fill_after_pct`` and ``kind = "full"``; ``readings`` holds the same events as a
        sawtooth (the level before each collection one second before it, the level after at it), which is all
        the log says about the series; bins with ``stream = "general"``, ``kind = "litter"``.

    Raises
    ------
    InputError
        On a missing column, a time or number that does not parse, or a fill outside 0-100 %.
    """
    path = Path(path)
    raw = _read_csv(path, ("Site", _EDINBURGH_TS, _EDINBURGH_FILL))
    before = _numbers(raw, _EDINBURGH_FILL, path)
    _check_fill(before, path, raw, _EDINBURGH_FILL)
    after = _numbers(raw, "Fill level after", path) if "Fill level after" in raw.columns else np.zeros_like(before)
    local = pd.to_datetime(raw[_EDINBURGH_TS].str.strip(), errors="coerce")
    bad = local.isna().to_numpy()
    if bad.any():
        row, value = _bad(raw, bad, _EDINBURGH_TS)
        raise InputError(f"not a time: {value!r}", file=str(path), row=row, field=_EDINBURGH_TS)
    ts = local.dt.tz_localize("Europe/London", ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert("UTC")
    collections = pd.DataFrame(
        {
            "bin_id": "EDI-" + raw["Site"].str.strip(),
            "ts": ts.astype("datetime64[ns, UTC]"),
            "fill_before_pct": before,
            "fill_after_pct": np.clip(after, 0.0, 100.0),
            "kind": "full",
        }
    )
    collections = collections.dropna(subset=["ts"]).drop_duplicates(["bin_id", "ts"])
    collections = _sorted(collections)
    one_s = pd.Timedelta(seconds=1)
    readings = _sorted(
        pd.concat(
            [
                pd.DataFrame(
                    {
                        "bin_id": collections["bin_id"],
                        "ts": collections["ts"] - one_s,
                        "fill_pct": collections["fill_before_pct"],
                    }
                ),
                pd.DataFrame(
                    {
                        "bin_id": collections["bin_id"],
                        "ts": collections["ts"],
                        "fill_pct": collections["fill_after_pct"],
                    }
                ),
            ],
            ignore_index=True,
        )
    )
    ids = np.sort(collections["bin_id"].unique())
    bins = pd.DataFrame(
        {
            "bin_id": ids,
            "stream": "general",
            "kind": "litter",
            "compaction_ratio": 1.0,
            "capacity_l": np.nan,
            "area": None,
        }
    )
    return SourceData(readings=readings, bins=bins, collections=collections)


def read_readings(path: str | Path) -> SourceData:
    """Read readings in the project's long format (CSV, optionally gzip-compressed).

    Parameters
    ----------
    path
        CSV with at least ``bin_id, ts, fill_pct``; ``battery_v`` and ``temperature_c`` are kept when present.
        Rows with an empty ``fill_pct`` are dropped (a reading may carry only a raw distance).

    Raises
    ------
    InputError
        On a missing column, a time that does not parse, or a fill outside 0-100 %.
    """
    path = Path(path)
    raw = _read_csv(path, ("bin_id", "ts", "fill_pct"))
    raw = raw[raw["fill_pct"].str.strip() != ""]
    fill = _numbers(raw, "fill_pct", path)
    _check_fill(fill, path, raw, "fill_pct")
    frame = pd.DataFrame({"bin_id": raw["bin_id"].str.strip().to_numpy(), "ts": _times(raw, "ts", path)})
    frame["fill_pct"] = fill
    for extra in ("battery_v", "temperature_c"):
        if extra in raw.columns:
            frame[extra] = pd.to_numeric(raw[extra], errors="coerce").to_numpy(dtype=float)
    readings = _sorted(frame)
    bins = pd.DataFrame({"bin_id": np.sort(readings["bin_id"].unique())})
    return SourceData(readings=readings, bins=bins)


def load_source(path: str | Path, fmt: str) -> SourceData:
    """Read ``path`` in format ``fmt`` (one of :data:`FORMATS`).

    Raises
    ------
    InputError
        When the format is unknown, the file is missing, or its content is malformed.
    """
    readers = {
        "prague": read_prague,
        "wyndham": read_wyndham,
        "edinburgh": read_edinburgh,
        "readings": read_readings,
    }
    if fmt not in readers:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}", file=str(path))
    if not Path(path).is_file():
        raise InputError("no such file", file=str(path))
    return readers[fmt](path)
