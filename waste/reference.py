"""Reading and checking a city's reference data: sites, bins and fleet files.

Unlike sensor readings, reference data must be whole before it is used (a route cannot be planned to half a
depot), so every problem in a file is collected and reported at once and nothing is loaded from a bad file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from waste.errors import InputError
from waste.model import BIN_COLUMNS, FLEET_COLUMNS, SITE_COLUMNS, STREAMS, Column

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
#: Problems listed in one error message before the rest are summarised as a count.
_MAX_LISTED = 20


@dataclass(frozen=True, slots=True)
class CityFiles:
    """The reference files of a city: three tables and, optionally, ``city.toml`` (name, time zone, currency)."""

    sites: Path
    bins: Path
    fleet: Path
    info: Path | None = None

    @classmethod
    def in_folder(cls, folder: Path) -> CityFiles:
        """The standard file names (``sites.csv``, ``bins.csv``, ``fleet.csv``, ``city.toml``) in ``folder``."""
        return cls(folder / "sites.csv", folder / "bins.csv", folder / "fleet.csv", folder / "city.toml")


@dataclass(frozen=True, slots=True)
class CityInfo:
    """Who a city is: display name, IANA time zone (local clock times are in it) and currency of its costs."""

    name: str
    timezone: str = "UTC"
    currency: str = "USD"


@dataclass(frozen=True, slots=True)
class CityTables:
    """A city's validated reference tables."""

    sites: pd.DataFrame
    bins: pd.DataFrame
    fleet: pd.DataFrame
    info: CityInfo | None = None


def read_city_info(path: Path, default_name: str) -> CityInfo:
    """Read ``city.toml``; a missing file means UTC and USD.

    Raises
    ------
    InputError
        When the file does not parse or names an unknown time zone.
    """
    if not path.is_file():
        return CityInfo(name=default_name)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", file=str(path)) from exc
    info = CityInfo(
        name=str(data.get("name", default_name)),
        timezone=str(data.get("timezone", "UTC")),
        currency=str(data.get("currency", "USD")),
    )
    try:
        pd.Timestamp("2026-01-01", tz=info.timezone)
    except (KeyError, ValueError) as exc:
        raise InputError(f"unknown time zone {info.timezone!r}", file=str(path), field="timezone") from exc
    return info


def read_city(files: CityFiles) -> CityTables:
    """Read and check a city's three files, and the references between them.

    Raises
    ------
    InputError
        Naming the file, and each bad line and field, when anything is wrong.
    """
    sites = read_table(files.sites, SITE_COLUMNS, key="site_id")
    bins = read_table(files.bins, BIN_COLUMNS, key="bin_id")
    fleet = read_table(files.fleet, FLEET_COLUMNS, key="vehicle_type")
    depots = set(sites.loc[sites["kind"] == "depot", "site_id"])
    unknown = fleet.index[~fleet["depot_id"].isin(depots)]
    if len(unknown):
        problems = [
            f"line {i + 2}, field 'depot_id': {fleet.at[i, 'depot_id']!r} is not a depot in {files.sites.name}"
            for i in unknown
        ]
        raise InputError(_summarise(problems), file=str(files.fleet))
    info = read_city_info(files.info, files.sites.parent.name) if files.info is not None else None
    return CityTables(sites=sites, bins=bins, fleet=fleet, info=info)


def read_table(path: Path, columns: Sequence[Column], *, key: str) -> pd.DataFrame:
    """Read one reference CSV file and check every value against ``columns``.

    Returns
    -------
    pandas.DataFrame
        Exactly the columns named in ``columns``, in order, with numeric columns as numbers and optional
        empty cells as missing values.

    Raises
    ------
    InputError
        When the file is missing, unreadable, lacks a required column, or has bad values (all listed).
    """
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot parse as CSV: {exc}", file=str(path)) from exc
    missing = [c.name for c in columns if c.required and c.name not in raw.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", file=str(path), row=1)
    problems: list[str] = []
    out: dict[str, pd.Series] = {}
    for column in columns:
        values = raw[column.name].str.strip() if column.name in raw else pd.Series([""] * len(raw), dtype=str)
        converted, bad = _check_column(values, column)
        for i in np.flatnonzero(bad)[:_MAX_LISTED]:
            problems.append(f"line {i + 2}, field {column.name!r}: {values.iat[i]!r} {_expectation(column)}")
        if bad.sum() > _MAX_LISTED:
            problems.append(f"field {column.name!r}: {int(bad.sum()) - _MAX_LISTED} more bad values")
        out[column.name] = converted
    frame = pd.DataFrame(out)
    duplicated = frame[key].duplicated(keep="first") & frame[key].notna()
    for i in np.flatnonzero(duplicated.to_numpy())[:_MAX_LISTED]:
        problems.append(f"line {i + 2}, field {key!r}: {frame[key].iat[i]!r} appears twice")
    if problems:
        raise InputError(_summarise(problems), file=str(path))
    return frame


def _check_column(values: pd.Series, column: Column) -> tuple[pd.Series, np.ndarray]:
    """Convert one column; return the converted values and a mask of bad cells."""
    empty = (values == "").to_numpy()
    allowed_empty = empty & (not column.required)
    if column.kind in ("float", "int"):
        numbers = pd.to_numeric(values.where(~empty), errors="coerce")
        bad = (numbers.isna().to_numpy() & ~empty) | (empty & ~allowed_empty)
        finite = numbers.to_numpy(dtype=float, na_value=np.nan)
        if column.minimum is not None:
            bad |= finite < column.minimum
        if column.maximum is not None:
            bad |= finite > column.maximum
        if column.kind == "int":
            bad |= ~np.isnan(finite) & (finite != np.round(finite))
            return numbers.astype("Int64") if not bad.any() else numbers, bad
        return numbers.astype(float), bad
    if column.kind == "choice":
        bad = ~values.isin(column.choices).to_numpy() & ~allowed_empty
    elif column.kind == "hhmm":
        bad = ~values.str.match(_HHMM).to_numpy() & ~allowed_empty
    elif column.kind == "streams":
        parts = values.str.split(";")
        bad = ~parts.map(lambda p: bool(p) and all(s.strip() in STREAMS for s in p)).to_numpy()
        bad &= ~allowed_empty
    else:
        bad = empty & ~allowed_empty
    return values.where(~empty, None), bad


def _expectation(column: Column) -> str:
    if column.kind == "choice":
        return f"is not one of {', '.join(column.choices)}"
    if column.kind == "hhmm":
        return "is not a clock time HH:MM"
    if column.kind == "streams":
        return f"is not a ';'-separated list of {', '.join(STREAMS)}"
    if column.kind in ("float", "int"):
        limits = []
        if column.minimum is not None:
            limits.append(f">= {column.minimum:g}")
        if column.maximum is not None:
            limits.append(f"<= {column.maximum:g}")
        what = "a whole number" if column.kind == "int" else "a number"
        return f"is not {what}" + (f" {' and '.join(limits)}" if limits else "")
    return "is required"


def _summarise(problems: list[str]) -> str:
    listed = problems[:_MAX_LISTED]
    more = len(problems) - len(listed)
    text = "; ".join(listed)
    return f"{len(problems)} problem(s): {text}" + (f"; and {more} more" if more else "")
