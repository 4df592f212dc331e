"""What the global model sees: features of (origin reading, target time) pairs and the training samples.

Every feature is known at the origin and comes from the bin's own readings up to it, so a sample built inside a
training window and a forecast made at the end of it see the same kind of numbers:

* the level now (last reading, and the mean of the cycle's last three), the last three rises and the time since
  the last reading;
* the age of the current fill cycle and the straight line's increment over it (the :class:`LinearCycle` slope
  times the horizon);
* the bin's mean fill rate over its history up to the origin (rise over hours within fill cycles, gaps over
  72 h left out) and its increment over the horizon, the hours of that history, the mean length of its
  completed fill cycles, and the share of its readings so far at its threshold (a bin that often sits full);
* the horizon, the hour of day at the origin and at the target, the weekday at the target, and the bin's group
  (stream and area type or material) as a category.

Training samples (:func:`regression_samples`) pair origins (thinned to at most :data:`MAX_ORIGINS_PER_BIN` per bin)
with the reading nearest each of :data:`TRAIN_HORIZONS_H` and with the next reading, in the same fill cycle, as
the backtest scores them:
what a bin holds after an emptying is not a fill forecast. Overflow samples (:func:`overflow_samples`) ask whether a
reading up to the next visit (``visit_h`` later, or the cycle's end if sooner) reaches the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from waste.forecasting.panel import Panel
from waste.forecasting.timebase import week_position

#: Horizons (hours) at which training targets are taken.
TRAIN_HORIZONS_H = np.array([1.0, 3.0, 6.0, 12.0, 24.0, 36.0, 48.0, 72.0, 96.0, 120.0, 168.0])
#: Most training origins per bin (evenly spread over its readings): bounds the cost on long, dense histories.
MAX_ORIGINS_PER_BIN = 120
#: Most training origins over all bins (a city of thousands of bins gets fewer per bin).
MAX_TRAINING_ORIGINS = 20_000
#: Steps longer than this (hours) are gaps, left out of a bin's mean fill rate.
MAX_RATE_STEP_H = 72.0
#: Longest horizon (hours) of a training pair.
MAX_NEXT_READING_H = 336.0
#: Readings before the origin whose rises are features.
LAGS = 3

FEATURE_NAMES: tuple[str, ...] = (
    "level",
    "level_mean3",
    *(f"rise_{k}" for k in range(1, LAGS + 1)),
    "since_last_h",
    "cycle_age_h",
    "line_increment",
    "line_slope",
    "bin_rate",
    "rate_increment",
    "history_h",
    "mean_cycle_h",
    "full_share",
    "horizon_h",
    "origin_hour",
    "target_hour",
    "target_weekday",
    "headroom",
    "group",
)
#: Index of the categorical feature (the bin's group) in :data:`FEATURE_NAMES`.
CATEGORICAL = (FEATURE_NAMES.index("group"),)


@dataclass(frozen=True, slots=True)
class ReadingState:
    """What the features read at some origins (reading indices ``origins``, sorted; arrays aligned with them)."""

    origins: np.ndarray
    level_mean3: np.ndarray
    rises: np.ndarray  # (n, LAGS): level now minus the level k readings back in the cycle (NaN before its start)

    def rows(self, origin: np.ndarray) -> np.ndarray:
        """Positions of reading indices ``origin`` in :attr:`origins` (each must be there)."""
        pos = np.searchsorted(self.origins, origin)
        pos = np.minimum(pos, max(self.origins.size - 1, 0))
        if origin.size and (self.origins.size == 0 or (self.origins[pos] != origin).any()):
            msg = "features asked at an origin whose state was not computed"
            raise ValueError(msg)
        return pos

    since_last_h: np.ndarray
    cycle_age_h: np.ndarray
    line_slope: np.ndarray
    bin_rate: np.ndarray
    history_h: np.ndarray
    mean_cycle_h: np.ndarray
    full_share: np.ndarray  # share of the bin's readings so far at its threshold


def _cycle_start_of(panel: Panel, origins: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Index of the first reading of each origin's fill cycle: a bisection within the bin's readings before it.

    A bin's cycle numbers never fall, so the readings of the origin's cycle are the last ones up to it.
    """
    a, b = lo.copy(), origins.copy()
    cyc = panel.cycle[origins]
    while True:
        active = a < b
        if not active.any():
            return a
        mid = (a + b) // 2
        below = active & (panel.cycle[mid] < cyc)
        a = np.where(below, mid + 1, a)
        b = np.where(active & ~below, mid, b)


def _segment_sums(values: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sums of ``values[a_i:b_i]`` (b_i > a_i) for any, even overlapping, ranges: ``add.reduceat`` on pairs."""
    if a.size == 0:
        return np.zeros(0)
    return np.add.reduceat(np.r_[values, 0], np.column_stack([a, b]).ravel())[::2]


def _ranges(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every index of the ranges ``a_i:b_i`` concatenated, and the range each belongs to."""
    length = b - a
    owner = np.repeat(np.arange(a.size), length)
    idx = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length) + np.repeat(a, length)
    return idx, owner


def reading_state(panel: Panel, origins: np.ndarray | None = None) -> ReadingState:
    """The :class:`ReadingState` of ``origins`` (sorted reading indices; default every reading), vectorised.

    Only what the origins need is computed: with one origin per bin (a forecast from each bin's last reading)
    the cost is a few passes over the panel and the memory a few of its columns, whatever its size.
    """
    n = panel.t.size
    o = np.arange(n, dtype=np.int64) if origins is None else np.asarray(origins, dtype=np.int64)
    t, x = panel.t, panel.x
    code = panel.code[o]
    lo = panel.indptr[code]
    start = _cycle_start_of(panel, o, lo)
    rises = np.full((o.size, LAGS), np.nan)
    for k in range(1, LAGS + 1):
        ok = o - k >= start
        rises[ok, k - 1] = x[o[ok]] - x[o[ok] - k]
    # mean of the cycle's last three readings
    first3 = np.maximum(o - 2, start)
    level_mean3 = _segment_sums(x, first3, o + 1) / (o + 1 - first3)
    since_last = np.where(o > lo, t[o] - t[np.maximum(o - 1, 0)], np.nan)
    # the straight line through the cycle so far (the LinearCycle baseline's slope, not below zero)
    idx, owner = _ranges(start, o + 1)
    u = t[idx] - t[start][owner]
    xi = x[idx]
    cnt = np.bincount(owner, minlength=o.size).astype(float)
    su = np.bincount(owner, weights=u, minlength=o.size)
    sx = np.bincount(owner, weights=xi, minlength=o.size)
    suu = np.bincount(owner, weights=u * u, minlength=o.size)
    sux = np.bincount(owner, weights=u * xi, minlength=o.size)
    del idx, owner, u, xi
    with np.errstate(divide="ignore", invalid="ignore"):
        var = suu - su * su / cnt
        slope = (sux - su * sx / cnt) / var
    line_slope = np.where((cnt >= 2) & (var > 1e-9), np.maximum(np.nan_to_num(slope), 0.0), 0.0)
    # per reading: is it the first of a fill cycle, and the step that reaches it (rise, hours) when it counts
    new_cycle = np.ones(n, dtype=bool)
    if n > 1:
        new_cycle[1:] = (panel.code[1:] != panel.code[:-1]) | (panel.cycle[1:] != panel.cycle[:-1])
    dt = np.zeros(n)
    dx = np.zeros(n)
    if n > 1:
        np.subtract(t[1:], t[:-1], out=dt[1:])
        np.subtract(x[1:], x[:-1], out=dx[1:])
        bad = new_cycle | (dt > MAX_RATE_STEP_H)
        dt[bad] = 0.0
        dx[bad] = 0.0
        del bad
    # the bin's mean rate up to the origin: rises over hours of steps within a cycle and not across a gap
    sdx, sdt = _segment_sums(dx, lo, o + 1), _segment_sums(dt, lo, o + 1)
    del dx, dt
    bin_rate = np.where(sdt > 0, sdx / np.where(sdt > 0, sdt, 1.0), np.nan)
    # completed cycles: from the start of the bin's second cycle (the first is cut by the window) to this one's
    starts_idx = np.flatnonzero(new_cycle)
    del new_cycle
    cyc_no = np.searchsorted(starts_idx, start) - np.searchsorted(starts_idx, lo)
    sec_pos = np.minimum(np.searchsorted(starts_idx, lo) + 1, max(starts_idx.size - 1, 0))
    sec = starts_idx[sec_pos] if starts_idx.size else np.zeros(o.size, dtype=np.int64)
    done = cyc_no - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_cycle = np.where(done >= 1, (t[start] - t[sec]) / np.maximum(done, 1.0), np.nan)
    thr = panel.threshold_pct[panel.code] - 0.5 if n else np.zeros(0)
    full_share = _segment_sums((x >= thr).astype(np.float32), lo, o + 1) / (o - lo + 1.0)
    return ReadingState(
        origins=o,
        level_mean3=level_mean3,
        rises=rises,
        since_last_h=since_last,
        cycle_age_h=t[o] - t[start],
        line_slope=line_slope,
        bin_rate=bin_rate,
        history_h=t[o] - t[lo],
        mean_cycle_h=mean_cycle,
        full_share=full_share,
    )


def pair_features(panel: Panel, state: ReadingState, origin: np.ndarray, target_h: np.ndarray) -> np.ndarray:
    """Feature matrix ``(n, len(FEATURE_NAMES))`` (float32) of pairs (origin reading, target time in hours)."""
    origin = np.asarray(origin, dtype=np.int64)
    target_h = np.broadcast_to(np.asarray(target_h, dtype=np.float64), origin.shape)
    t0 = panel.t[origin]
    h = np.maximum(target_h - t0, 0.0)
    r = state.rows(origin)
    rate = state.bin_rate[r]
    cols = [
        panel.x[origin],
        state.level_mean3[r],
        *(state.rises[r, k] for k in range(LAGS)),
        state.since_last_h[r],
        state.cycle_age_h[r],
        state.line_slope[r] * h,
        state.line_slope[r],
        rate,
        rate * h,
        state.history_h[r],
        state.mean_cycle_h[r],
        state.full_share[r],
        h,
        np.mod(t0, 24.0),
        np.mod(target_h, 24.0),
        np.floor(week_position(target_h) / 24.0),
        panel.threshold_pct[panel.code[origin]] - panel.x[origin],
        panel.group[panel.code[origin]].astype(np.float64),
    ]
    return np.column_stack(cols).astype(np.float32) if origin.size else np.zeros((0, len(cols)), np.float32)


def training_origins(
    panel: Panel, max_per_bin: int = MAX_ORIGINS_PER_BIN, max_total: int = MAX_TRAINING_ORIGINS
) -> np.ndarray:
    """Reading indices used as training origins: every reading, thinned evenly to ``max_per_bin`` per bin.

    A city of many bins gets fewer per bin (``max_total`` over all, at least 4 per bin): the training cost stays
    bounded while every bin still counts.
    """
    max_per_bin = max(4, min(max_per_bin, max_total // max(panel.n_bins, 1)))
    counts = np.diff(panel.indptr)
    stride = np.maximum(1, np.ceil(counts / max_per_bin)).astype(np.int64)
    if panel.t.size == 0:
        return np.zeros(0, dtype=np.int64)
    pos = np.arange(panel.t.size) - panel.indptr[:-1][panel.code]
    return np.flatnonzero(pos % stride[panel.code] == 0)


def regression_samples(
    panel: Panel, state: ReadingState, origins: np.ndarray, horizons_h: np.ndarray = TRAIN_HORIZONS_H
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training pairs: ``(features, increment over the origin's level, origin index, bin index)``.

    For each origin and horizon the target is the reading nearest ``origin + h`` within ``min(h/2, max(1.5 h,
    half the bin's step))``, in the same fill cycle and after the origin (the backtest's rule).
    """
    step = np.nan_to_num(panel.median_step_h(), nan=24.0)
    o = np.repeat(origins, horizons_h.size)
    hz = np.tile(horizons_h, origins.size)
    code = panel.code[o]
    tol = np.minimum(hz / 2.0, np.maximum(1.5, step[code] / 2.0))
    tg = panel.nearest(code, panel.t[o] + hz, tol)
    # and the next reading itself, wherever it falls: on a sparse log (a collection log, a daily sensor) the
    # horizons above rarely meet a reading, and the next one is what a forecast there is asked about
    nxt = np.minimum(origins + 1, max(panel.t.size - 1, 0))
    o, tg = np.r_[o, origins], np.r_[tg, np.where(nxt > origins, nxt, -1)]
    ok = tg > o
    ok[ok] &= (panel.code[tg[ok]] == panel.code[o[ok]]) & (panel.cycle[tg[ok]] == panel.cycle[o[ok]])
    ok[ok] &= panel.t[tg[ok]] - panel.t[o[ok]] <= MAX_NEXT_READING_H
    o, tg = o[ok], tg[ok]
    pair = np.unique(np.column_stack([o, tg]), axis=0) if o.size else np.zeros((0, 2), dtype=np.int64)
    o, tg = pair[:, 0], pair[:, 1]
    feats = pair_features(panel, state, o, panel.t[tg])
    return feats, (panel.x[tg] - panel.x[o]).astype(np.float64), o, panel.code[o]


def overflow_window(panel: Panel, origin: np.ndarray, visit_h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per origin: ``(last reading index up to the visit in the cycle, its time, valid)``.

    The window runs from the reading after the origin to the visit ``visit_h`` later or the end of the fill cycle;
    valid when it holds a reading and the panel's readings cover it (the bin's series goes on past the visit, or
    the cycle ended before it).
    """
    t0 = panel.t[origin]
    code = panel.code[origin]
    b = panel.last_at(t0 + visit_h, code)
    # stop at the end of the fill cycle
    end_cycle = np.searchsorted(
        panel.key(panel.code, panel.cycle.astype(float)), panel.key(code, panel.cycle[origin] + 0.5)
    )
    last = np.minimum(b, end_cycle - 1)
    bin_end = panel.indptr[code + 1] - 1
    covered = (last < bin_end) | (panel.t[np.maximum(bin_end, 0)] >= t0 + visit_h)
    valid = (last > origin) & covered
    return last, panel.t[np.maximum(last, 0)], valid


def overflow_samples(
    panel: Panel, state: ReadingState, origins: np.ndarray, visit_h: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training cases of "a reading up to the next visit reaches the threshold": ``(features, event, bin index)``.

    ``visit_h`` hours after the origin, or with None at the next reading of the cycle (a collection log, where
    the next reading is the next collection). Origins already at the threshold are left out (nothing to
    predict). The features are those of the pair (origin, end of the window): the horizon is the time to the visit.
    """
    thr = panel.threshold_pct[panel.code[origins]]
    origins = origins[panel.x[origins] < thr - 0.5]
    if visit_h is None:
        last = np.minimum(origins + 1, max(panel.t.size - 1, 0))
        valid = (last > origins) & (panel.code[last] == panel.code[origins])
        valid &= (panel.cycle[last] == panel.cycle[origins]) & (panel.t[last] - panel.t[origins] <= MAX_NEXT_READING_H)
        until = panel.t[last]
    else:
        last, until, valid = overflow_window(panel, origins, visit_h)
    o, last, until = origins[valid], last[valid], until[valid]
    xs = np.r_[panel.x, -np.inf]
    peak = np.maximum.reduceat(xs, np.column_stack([o + 1, last + 1]).ravel())[::2] if o.size else np.zeros(0)
    event = peak >= panel.threshold_pct[panel.code[o]] - 0.5
    return pair_features(panel, state, o, until), event, panel.code[o]
