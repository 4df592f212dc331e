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
    """Per reading of a panel: what the features read at an origin there (all arrays of the panel's length)."""

    level_mean3: np.ndarray
    rises: np.ndarray  # (n, LAGS): level now minus the level k readings back in the cycle (NaN before its start)
    since_last_h: np.ndarray
    cycle_age_h: np.ndarray
    line_slope: np.ndarray
    bin_rate: np.ndarray
    history_h: np.ndarray
    mean_cycle_h: np.ndarray
    full_share: np.ndarray  # share of the bin's readings so far at its threshold


def _cycle_starts(panel: Panel) -> np.ndarray:
    """Index of the first reading of each reading's fill cycle."""
    n = panel.t.size
    new = np.ones(n, dtype=bool)
    new[1:] = (panel.code[1:] != panel.code[:-1]) | (panel.cycle[1:] != panel.cycle[:-1])
    return np.maximum.accumulate(np.where(new, np.arange(n), 0)), new


def _per_bin_cumsum(v: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Running sum of ``v`` restarting at each bin's first reading (``first``: its index per reading)."""
    c = np.cumsum(v)
    return c - (c[first] - v[first])


def reading_state(panel: Panel) -> ReadingState:
    """Every reading's :class:`ReadingState`, vectorised over the whole panel (a few passes, no loop over bins)."""
    from waste.forecasting.baselines import LinearCycle  # the straight line of the baseline, same numbers

    n = panel.t.size
    t, x = panel.t, panel.x
    start, new_cycle = _cycle_starts(panel)
    first = panel.indptr[:-1][panel.code] if n else np.zeros(0, dtype=np.int64)
    idx = np.arange(n)
    rises = np.full((n, LAGS), np.nan)
    for k in range(1, LAGS + 1):
        back = idx - k
        ok = back >= start
        rises[ok, k - 1] = x[ok] - x[back[ok]]
    # mean of the cycle's last three readings
    cx = _per_bin_cumsum(x, first)
    back3 = np.maximum(idx - 3, start - 1)
    take = idx - back3
    prev = np.where(back3 >= first, cx[np.maximum(back3, 0)], 0.0)
    level_mean3 = (cx - prev) / np.maximum(take, 1)
    since_last = np.where(idx > first, t - t[np.maximum(idx - 1, 0)], np.nan)
    # the bin's mean rate up to each reading: rises over hours of steps within a cycle and not across a gap
    dx = np.zeros(n)
    dt = np.zeros(n)
    step = (idx > first) & ~new_cycle
    if n:
        dt_all = t - t[np.maximum(idx - 1, 0)]
        step &= dt_all <= MAX_RATE_STEP_H
        dx[step] = x[step] - x[idx[step] - 1]
        dt[step] = dt_all[step]
    sdx, sdt = _per_bin_cumsum(dx, first), _per_bin_cumsum(dt, first)
    bin_rate = np.where(sdt > 0, sdx / np.where(sdt > 0, sdt, 1.0), np.nan)
    # completed cycles: from the start of the bin's second cycle (the first is cut by the window) to this one's
    cyc_no = _per_bin_cumsum(new_cycle.astype(float), first) - 1.0  # 0 for the first cycle in the window
    starts_idx = np.flatnonzero(new_cycle)
    second = np.full(panel.n_bins, -1, dtype=np.int64)
    if starts_idx.size:
        bin_of_start = panel.code[starts_idx]
        rank = np.arange(starts_idx.size) - np.searchsorted(bin_of_start, bin_of_start, side="left")
        second[bin_of_start[rank == 1]] = starts_idx[rank == 1]
    sec = second[panel.code] if n else np.zeros(0, dtype=np.int64)
    done = cyc_no - 1.0
    mean_cycle = np.where((sec >= 0) & (done >= 1), (t[start] - t[np.maximum(sec, 0)]) / np.maximum(done, 1.0), np.nan)
    at_thr = (x >= panel.threshold_pct[panel.code] - 0.5).astype(float) if n else np.zeros(0)
    full_share = _per_bin_cumsum(at_thr, first) / (idx - first + 1.0) if n else np.zeros(0)
    line = LinearCycle()
    line._fit(panel)
    return ReadingState(
        level_mean3=level_mean3,
        rises=rises,
        since_last_h=since_last,
        cycle_age_h=t - t[start] if n else np.zeros(0),
        line_slope=line.slope_,
        bin_rate=bin_rate,
        history_h=t - t[first] if n else np.zeros(0),
        mean_cycle_h=mean_cycle,
        full_share=full_share,
    )


def pair_features(panel: Panel, state: ReadingState, origin: np.ndarray, target_h: np.ndarray) -> np.ndarray:
    """Feature matrix ``(n, len(FEATURE_NAMES))`` (float32) of pairs (origin reading, target time in hours)."""
    origin = np.asarray(origin, dtype=np.int64)
    target_h = np.broadcast_to(np.asarray(target_h, dtype=np.float64), origin.shape)
    t0 = panel.t[origin]
    h = np.maximum(target_h - t0, 0.0)
    rate = state.bin_rate[origin]
    cols = [
        panel.x[origin],
        state.level_mean3[origin],
        *(state.rises[origin, k] for k in range(LAGS)),
        state.since_last_h[origin],
        state.cycle_age_h[origin],
        state.line_slope[origin] * h,
        state.line_slope[origin],
        rate,
        rate * h,
        state.history_h[origin],
        state.mean_cycle_h[origin],
        state.full_share[origin],
        h,
        np.mod(t0, 24.0),
        np.mod(target_h, 24.0),
        np.floor(week_position(target_h) / 24.0),
        panel.threshold_pct[panel.code[origin]] - panel.x[origin],
        panel.group[panel.code[origin]].astype(np.float64),
    ]
    return np.column_stack(cols).astype(np.float32) if origin.size else np.zeros((0, len(cols)), np.float32)


def training_origins(panel: Panel, max_per_bin: int = MAX_ORIGINS_PER_BIN) -> np.ndarray:
    """Reading indices used as training origins: every reading, thinned evenly to ``max_per_bin`` per bin."""
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
    panel: Panel, state: ReadingState, origins: np.ndarray, visit_h: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training cases of "a reading up to the next visit reaches the threshold": ``(features, event, bin index)``.

    Origins already at the threshold are left out (nothing to predict). The features are those of the pair
    (origin, end of the window), so the horizon feature is the time to the visit.
    """
    thr = panel.threshold_pct[panel.code[origins]]
    origins = origins[panel.x[origins] < thr - 0.5]
    last, until, valid = overflow_window(panel, origins, visit_h)
    o, last, until = origins[valid], last[valid], until[valid]
    xs = np.r_[panel.x, -np.inf]
    peak = np.maximum.reduceat(xs, np.column_stack([o + 1, last + 1]).ravel())[::2] if o.size else np.zeros(0)
    event = peak >= panel.threshold_pct[panel.code[o]] - 0.5
    return pair_features(panel, state, o, until), event, panel.code[o]
