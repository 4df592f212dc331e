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

import numpy as np
import pandas as pd

from waste.errors import InputError
from waste.forecasting.timebase import to_hours

#: Columns of an emptyings (collections) table, as the store keeps them.
COLLECTION_COLUMNS: tuple[str, ...] = ("bin_id", "ts", "fill_before_pct", "fill_after_pct", "kind")
#: Values of the ``flag`` column of :attr:`CleanResult.readings`.
FLAGS: tuple[str, ...] = ("ok", "spike", "dip", "stuck")


@dataclass(frozen=True, slots=True)
class CleaningConfig:
    """Settings of :func:`clean_readings`; fill levels in %, durations in hours."""

    spike_pct: float = 15.0
    spike_window_h: float = 12.0
    min_drop_pct: float = 20.0
    full_after_pct: float = 15.0
    partial_max_ratio: float = 0.5
    compactor_after_pct: float = 30.0
    confirm_readings: int = 2
    confirm_h: float = 12.0
    stuck_min_readings: int = 24
    stuck_h: float = 14 * 24.0

    def __post_init__(self) -> None:
        for name in ("spike_pct", "min_drop_pct", "spike_window_h", "confirm_h", "stuck_h"):
            if getattr(self, name) <= 0:
                msg = f"{name} must be > 0, got {getattr(self, name)!r}"
                raise ValueError(msg)


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
        reading before it), ``fill_before_pct``, ``fill_after_pct``, ``kind`` (``"full"`` or ``"partial"``).
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


def _neighbour(values: np.ndarray, same: np.ndarray, step: int, fill: float) -> np.ndarray:
    """``values`` shifted by ``step`` (+1 = next, -1 = previous) where ``same`` says it is the same bin."""
    out = np.full(values.shape, fill, dtype=float)
    if step > 0:
        out[:-step] = np.where(same[:-step], values[step:], fill)
    else:
        out[-step:] = np.where(same[-step:], values[:step], fill)
    return out


def _flag_spikes(codes: np.ndarray, t: np.ndarray, x: np.ndarray, keep: np.ndarray, cfg: CleaningConfig) -> None:
    """Flag spikes and dips among the readings still marked ``keep`` (updated in place)."""
    for _ in range(2):
        idx = np.flatnonzero(keep)
        if idx.size < 3:
            return
        c, tt, xx = codes[idx], t[idx], x[idx]
        same_prev = np.r_[False, c[1:] == c[:-1]]
        same_next = np.r_[c[1:] == c[:-1], False]
        xp = _neighbour(xx, same_prev, -1, np.nan)
        xn = _neighbour(xx, same_next, 1, np.nan)
        tp = _neighbour(tt, same_prev, -1, np.nan)
        tn = _neighbour(tt, same_next, 1, np.nan)
        d1, d2 = xx - xp, xx - xn
        with np.errstate(invalid="ignore"):
            spike = (
                (np.abs(d1) > cfg.spike_pct)
                & (np.abs(d2) > cfg.spike_pct)
                & (np.sign(d1) == np.sign(d2))
                & (np.abs(xn - xp) <= cfg.spike_pct)
                & (tn - tp <= cfg.spike_window_h)
            )
        if not spike.any():
            return
        keep[idx[spike]] = False


def _find_emptyings(
    codes: np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    keep: np.ndarray,
    compactor: np.ndarray,
    cfg: CleaningConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Emptyings among kept readings: (index of last reading before, index of first after, dip mask to drop)."""
    idx = np.flatnonzero(keep)
    c, tt, xx = codes[idx], t[idx], x[idx]
    n = idx.size
    same_prev = np.r_[False, c[1:] == c[:-1]]
    drop = np.zeros(n, dtype=bool)
    drop[1:] = same_prev[1:] & (xx[:-1] - xx[1:] >= cfg.min_drop_pct)
    # consecutive falling steps form one event: from the reading before the first to the reading after the last
    start = drop & ~np.r_[False, drop[:-1]]
    end = drop & ~np.r_[drop[1:], False]
    first_after = np.flatnonzero(end)
    last_before = np.flatnonzero(start) - 1
    before, after = xx[last_before], xx[first_after]
    fall = before - after
    # a fall that comes back within the next readings is a dip, not an emptying
    reverted = np.zeros(first_after.size, dtype=bool)
    for k in range(1, cfg.confirm_readings + 1):
        j = first_after + k
        ok = j < n
        jj = np.where(ok, j, 0)
        ok &= (c[jj] == c[first_after]) & (tt[jj] - tt[first_after] <= cfg.confirm_h)
        reverted |= ok & (xx[jj] >= before - fall / 2.0)
    pressed = compactor[c[first_after]] & (after > cfg.compactor_after_pct)
    # a partial emptying leaves at most half of what was there; smaller falls at high levels are settling or noise
    pressed |= (after > cfg.full_after_pct) & (after > cfg.partial_max_ratio * before)
    dip_mask = np.zeros(idx.size, dtype=bool)
    if reverted.any():
        # flag every reading of the reverted fall (from the first low one to the event's end) as a dip
        marks = np.zeros(n + 1, dtype=int)
        np.add.at(marks, last_before[reverted] + 1, 1)
        np.add.at(marks, first_after[reverted] + 1, -1)
        dip_mask = np.cumsum(marks[:-1]) > 0
    real = ~reverted & ~pressed
    dips = np.zeros(codes.size, dtype=bool)
    dips[idx[dip_mask]] = True
    return idx[last_before[real]], idx[first_after[real]], dips


def _flag_stuck(codes: np.ndarray, t: np.ndarray, x: np.ndarray, keep: np.ndarray, cfg: CleaningConfig) -> None:
    """Flag the repeats of a value held for ``stuck_h`` hours or more (in place on ``keep``)."""
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        return
    c, tt, xx = codes[idx], t[idx], x[idx]
    new_run = np.r_[True, (c[1:] != c[:-1]) | (xx[1:] != xx[:-1])]
    run = np.cumsum(new_run) - 1
    first = np.flatnonzero(new_run)
    last = np.r_[first[1:] - 1, idx.size - 1]
    length = last - first + 1
    duration = tt[last] - tt[first]
    stuck_run = (length >= cfg.stuck_min_readings) & (duration >= cfg.stuck_h)
    stuck = stuck_run[run] & ~new_run
    keep[idx[stuck]] = False


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
        The flagged readings with their fill ``cycle`` and the emptyings found.

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
    keep = np.ones(len(frame), dtype=bool)
    _flag_spikes(codes, t, x, keep, cfg)
    spikes = ~keep.copy()
    before, after, dips = _find_emptyings(codes, t, x, keep, _compactors(frame, uniques, bins), cfg)
    keep &= ~dips
    _flag_stuck(codes, t, x, keep, cfg)
    flag = np.full(len(frame), "ok", dtype=object)
    flag[~keep] = "stuck"
    flag[dips] = "dip"
    flag[spikes] = "spike"
    # cycle = emptyings of the bin so far: +1 from each first-reading-after-a-fall on
    step = np.zeros(len(frame), dtype=np.int64)
    step[after] = 1
    total = np.cumsum(step)
    first_of_bin = np.r_[0, np.flatnonzero(codes[1:] != codes[:-1]) + 1] if len(frame) else np.array([], int)
    offset = np.repeat(total[first_of_bin] - step[first_of_bin], np.diff(np.r_[first_of_bin, len(frame)]))
    out = frame.assign(flag=pd.Series(flag, dtype=str).to_numpy(), cycle=total - offset)
    after_pct = x[after]
    emptyings = pd.DataFrame(
        {
            "bin_id": frame["bin_id"].to_numpy()[after],
            "ts": frame["ts"].to_numpy()[after],
            "ts_before": frame["ts"].to_numpy()[before],
            "fill_before_pct": x[before],
            "fill_after_pct": after_pct,
            "kind": np.where(after_pct <= cfg.full_after_pct, "full", "partial"),
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
