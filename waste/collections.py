"""Emptyings and clean series: find when each bin was collected, and remove what the sensor got wrong.

A fill-level series is a sawtooth: it rises while the bin fills and drops when the bin is emptied. Ultrasonic
sensors add artefacts: an object under the sensor gives a single reading far above its neighbours (a spike), a
reflection a single reading far below them (a dip), a frozen sensor repeats one value for weeks, and loggers send
readings twice or out of order. :func:`clean_readings` handles all of these in one vectorised pass over every bin
and returns the cleaned series together with the emptyings it found:

1. sort by ``bin_id, ts``; drop readings without a fill level and keep the last of readings with the same time;
2. flag **spikes and dips**: a reading more than ``spike_pct`` away from both neighbours, on the same side, whose
   neighbours agree with each other (within ``spike_pct``) and lie within ``spike_window_h`` of each other (a
   whole day between neighbours is a real fill-and-empty, not a spike). Done twice, for two-reading artefacts;
3. find **emptyings**: a fall of at least ``min_drop_pct`` between consecutive readings (consecutive falls are one
   event) that leaves at most ``full_after_pct`` or at most ``partial_max_ratio`` of the level before it (a
   smaller fall at a high level is waste settling or sensor noise). A fall is not an emptying if the level comes
   back to within half the fall of where it was in the next ``confirm_readings`` readings (within
   ``confirm_h``): those low readings are flagged as dips. In a **solar compactor** a fall that ends above
   ``compactor_after_pct`` is the compactor pressing the waste, not a collection. An emptying ending at or
   below ``full_after_pct`` is ``"full"``, otherwise ``"partial"``;
4. flag **stuck** sensors: the same value repeated at least ``stuck_min_readings`` times over at least ``stuck_h``
   hours; the first reading of the run is kept, the repeats are flagged.

Gaps are left as they are: the forecaster does not learn fill rates across gaps longer than its own limit, and a
collection hidden in a gap shows as a fall like any other. Each cleaned reading carries ``cycle``, the number of
emptyings of its bin before it (0, 1, 2, ...): one fill cycle runs from one emptying to the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from waste.errors import InputError
from waste.forecasting.cleaning import FLAGS, CleanArrays, CleaningConfig, clean_arrays
from waste.forecasting.timebase import to_hours

if TYPE_CHECKING:
    from waste.store import Store

__all__ = [
    "COLLECTION_COLUMNS",
    "FLAGS",
    "CleanArrays",
    "CleanResult",
    "CleaningConfig",
    "clean_arrays",
    "clean_readings",
    "collection_history",
    "detect_emptyings",
    "match_emptyings",
    "record_emptyings",
    "save_emptyings",
]

#: Columns of an emptyings (collections) table, as the store keeps them.
COLLECTION_COLUMNS: tuple[str, ...] = ("bin_id", "ts", "fill_before_pct", "fill_after_pct", "kind")


@dataclass(frozen=True, slots=True)
class CleanResult:
    """Output of :func:`clean_readings`.

    Attributes
    ----------
    readings
        Every reading kept after de-duplication, sorted by ``bin_id, ts``, with ``flag`` (one of :data:`FLAGS`)
        and ``cycle`` (emptyings of the bin before this reading).
    emptyings
        One row per detected emptying: ``bin_id``, ``ts`` (first reading after the fall), ``ts_before`` (last
        reading before it), ``fill_before_pct``, ``fill_after_pct``, ``kind`` (``"full"`` or ``"partial"``),
        ``confirmed`` (see :class:`CleanArrays`: only confirmed emptyings are stored).
    duplicates
        Number of readings dropped because another reading of the same bin had the same time.
    """

    readings: pd.DataFrame
    emptyings: pd.DataFrame
    duplicates: int

    @property
    def clean(self) -> pd.DataFrame:
        """The cleaned series: readings flagged ``ok`` only."""
        return self.readings[self.readings["flag"].to_numpy() == "ok"].reset_index(drop=True)


def _check_readings(readings: pd.DataFrame) -> None:
    for name in ("bin_id", "ts", "fill_pct"):
        if name not in readings.columns:
            raise InputError(f"readings have no {name!r} column", field=name)
    if not isinstance(readings["ts"].dtype, pd.DatetimeTZDtype):
        raise InputError("readings 'ts' must be timezone-aware datetimes (UTC)", field="ts")


def _prepare(readings: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    _check_readings(readings)
    frame = readings[readings["fill_pct"].notna()]
    frame = frame.assign(
        bin_id=frame["bin_id"].astype(str),
        ts=frame["ts"].dt.tz_convert("UTC").astype("datetime64[ns, UTC]"),
        fill_pct=frame["fill_pct"].astype(float).clip(0.0, 100.0),
    )
    frame = frame.sort_values(["bin_id", "ts"], kind="stable")
    n = len(frame)
    frame = frame.drop_duplicates(["bin_id", "ts"], keep="last").reset_index(drop=True)
    return frame, n - len(frame)


def _compactors(frame: pd.DataFrame, bin_codes: pd.Index, bins: pd.DataFrame | None) -> np.ndarray:
    if bins is None or "kind" not in bins.columns:
        return np.zeros(len(bin_codes), dtype=bool)
    kinds = bins.assign(bin_id=bins["bin_id"].astype(str)).drop_duplicates("bin_id").set_index("bin_id")["kind"]
    return (kinds.reindex(bin_codes).to_numpy() == "compactor").astype(bool)


def clean_readings(
    readings: pd.DataFrame,
    bins: pd.DataFrame | None = None,
    config: CleaningConfig | None = None,
) -> CleanResult:
    """Clean every bin's series and detect its emptyings, in one vectorised pass.

    Parameters
    ----------
    readings
        Long-format readings: ``bin_id`` (str), ``ts`` (timezone-aware), ``fill_pct`` (%, 0-100); any order;
        extra columns are kept.
    bins
        Optional bins table; its ``kind`` column tells solar compactors (whose compaction falls are not
        emptyings).
    config
        Thresholds; the defaults suit sensors read every few hours to once a day.

    Returns
    -------
    CleanResult
        The flagged readings with their fill ``cycle`` and the emptyings found (with ``confirmed``, see
        :class:`CleanArrays`).

    Raises
    ------
    InputError
        When ``readings`` lacks a required column or its times are not timezone-aware.
    """
    cfg = config or CleaningConfig()
    frame, duplicates = _prepare(readings)
    codes, uniques = pd.factorize(frame["bin_id"], sort=True)
    t = to_hours(frame["ts"])
    x = frame["fill_pct"].to_numpy(dtype=float)
    res = clean_arrays(codes, t, x, _compactors(frame, uniques, bins), cfg)
    flags = np.asarray(FLAGS, dtype=object)[res.flag]
    out = frame.assign(flag=pd.Series(flags, dtype=str).to_numpy(), cycle=res.cycle.astype(np.int64))
    after, before = res.after, res.before
    after_pct = x[after]
    ts = frame["ts"].array  # index the timezone-aware array: to_numpy() would box every timestamp
    emptyings = pd.DataFrame(
        {
            "bin_id": frame["bin_id"].to_numpy()[after],
            "ts": ts[after],
            "ts_before": ts[before],
            "fill_before_pct": x[before],
            "fill_after_pct": after_pct,
            "kind": np.where(after_pct <= cfg.full_after_pct, "full", "partial"),
            "confirmed": res.confirmed,
        }
    )
    for col in ("ts", "ts_before"):
        emptyings[col] = pd.to_datetime(emptyings[col], utc=True).astype("datetime64[ns, UTC]")
    return CleanResult(readings=out, emptyings=emptyings, duplicates=duplicates)


def detect_emptyings(
    readings: pd.DataFrame, bins: pd.DataFrame | None = None, config: CleaningConfig | None = None
) -> pd.DataFrame:
    """Emptyings found in ``readings``, in the store's collections schema (:data:`COLLECTION_COLUMNS`).

    See :func:`clean_readings` for the parameters and the rules.
    """
    return clean_readings(readings, bins, config).emptyings.loc[:, list(COLLECTION_COLUMNS)]


def save_emptyings(store: Store, emptyings: pd.DataFrame) -> int:
    """Store the confirmed emptyings of :attr:`CleanResult.emptyings` in ``store``; return how many were new.

    Idempotent: the store keys collections by (bin, time of the first reading after the fall), so running the
    detection again over overlapping windows stores nothing twice. A fall too recent to have been tested as a
    dip (``confirmed`` false) is left for a later run, so that a sensor glitch at the end of the series never
    becomes a stored collection.
    """
    if "confirmed" in emptyings.columns:
        emptyings = emptyings[emptyings["confirmed"].to_numpy(dtype=bool)]
    if emptyings.empty:
        return 0
    return store.save_collections(emptyings.loc[:, list(COLLECTION_COLUMNS)])


def record_emptyings(
    store: Store, readings: pd.DataFrame, bins: pd.DataFrame | None = None, config: CleaningConfig | None = None
) -> int:
    """Detect the emptyings in ``readings`` and store the confirmed ones (:func:`save_emptyings`); new count."""
    return save_emptyings(store, clean_readings(readings, bins, config).emptyings)


def collection_history(emptyings: pd.DataFrame) -> pd.DataFrame:
    """Per-bin summary of a collections table.

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``bin_id``, ``collections`` (count), ``partial`` (count), ``first_ts``, ``last_ts``,
        ``median_interval_h`` (hours between collections; NaN with fewer than two) and ``median_fill_before_pct``.
    """
    if emptyings.empty:
        cols = ["bin_id", "collections", "partial", "first_ts", "last_ts", "median_interval_h"]
        return pd.DataFrame(columns=[*cols, "median_fill_before_pct"])
    frame = emptyings.sort_values(["bin_id", "ts"], kind="stable")
    gap_h = frame.groupby("bin_id")["ts"].diff().dt.total_seconds() / 3600.0
    frame = frame.assign(interval_h=gap_h, is_partial=frame["kind"] == "partial")
    grouped = frame.groupby("bin_id", sort=True)
    return pd.DataFrame(
        {
            "collections": grouped.size(),
            "partial": grouped["is_partial"].sum(),
            "first_ts": grouped["ts"].min(),
            "last_ts": grouped["ts"].max(),
            "median_interval_h": grouped["interval_h"].median(),
            "median_fill_before_pct": grouped["fill_before_pct"].median(),
        }
    ).reset_index()


def match_emptyings(detected: pd.DataFrame, truth: pd.DataFrame, tolerance_h: float = 6.0) -> dict[str, float]:
    """Precision and recall of detected emptyings against known collections.

    A detected emptying matches a true one of the same bin when its ``ts`` (first reading after the fall) lies
    within ``tolerance_h`` after the true time, or its ``ts_before`` (when given) lies before the true time;
    each true collection is matched at most once (greedy, in time order).

    Returns
    -------
    dict
        ``detected``, ``true``, ``matched``, ``precision``, ``recall`` (NaN when undefined).
    """
    det = detected.sort_values(["bin_id", "ts"], kind="stable")
    tru = truth.sort_values(["bin_id", "ts"], kind="stable")
    key_d = pd.factorize(pd.concat([det["bin_id"], tru["bin_id"]]).astype(str), sort=True)[0]
    kd, kt = key_d[: len(det)], key_d[len(det) :]
    t_det = to_hours(det["ts"])
    t_true = to_hours(tru["ts"])
    lo = t_det - tolerance_h
    if "ts_before" in det.columns:
        lo = np.minimum(lo, to_hours(det["ts_before"]))
    # true collection of the same bin in [lo, t_det]: the first one not already used (searchsorted over bin+time)
    big = 1e7
    true_key = kt * big + t_true
    pos = np.searchsorted(true_key, kd * big + lo - 1e-9, side="left")
    used = np.zeros(len(tru), dtype=bool)
    matched = 0
    for i in range(len(det)):  # greedy one-to-one matching; this is a report, not a hot path
        j = pos[i]
        while j < len(tru) and kt[j] == kd[i] and t_true[j] <= t_det[i] + 1e-9:
            if not used[j]:
                used[j] = True
                matched += 1
                break
            j += 1
    n_det, n_true = len(det), len(tru)
    return {
        "detected": float(n_det),
        "true": float(n_true),
        "matched": float(matched),
        "precision": matched / n_det if n_det else float("nan"),
        "recall": matched / n_true if n_true else float("nan"),
    }
