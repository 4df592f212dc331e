"""Prediction intervals from a model's own errors: the calibration behind :mod:`waste.forecasting.base`.

After fitting, the model forecasts its training history from origins a few hours apart (at most
:data:`MAX_CALIBRATION_ORIGINS` per bin, each error then counting for the hours between origins), at horizons of
1 h to one week, stopping at the next emptying (what happens after a collection is not a fill forecast). The
errors' quantiles, per bin and horizon, are shrunk toward those of the bin's group and of all bins when a bin has
few of them, widened so that they never narrow as the horizon grows, and given a small floor for sensor
resolution.

Errors are rounded to :data:`ERROR_RESOLUTION_PCT` (a histogram cell). Two passes:

* :func:`calibrate_local` runs over chunks of whole bins, on several threads (:mod:`waste.forecasting.parallel`):
  each chunk's errors become its bins' quantiles at once (a sort of a few hundred thousand packed integers that
  stays in the CPU caches) and are added to a histogram per group and horizon. The errors themselves are never
  kept: on 10^5 bins they would be 4 x 10^7 numbers and a global sort;
* :func:`finish_calibration` shrinks the bins' quantiles toward their group's and all bins'. Both histograms add
  up exactly over partitions holding whole groups (the all-bins one is what a partitioned fit sums), and the
  quantiles read from a histogram are exactly those of the sorted errors.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

from waste.forecasting.parallel import bin_chunks, map_chunks

if TYPE_CHECKING:
    from waste.forecasting.base import FillModel
    from waste.forecasting.panel import Panel

#: Probability levels of the stored forecast distribution (the 10/50/90 % quantiles are among them).
LEVELS = np.array([0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98])
#: Horizons (hours) at which errors are measured; others are interpolated in log(1 + h).
CALIBRATION_HORIZONS_H = np.array([1.0, 3.0, 6.0, 12.0, 24.0, 48.0, 72.0, 120.0, 168.0])
_Z = np.array([NormalDist().inv_cdf(p) for p in LEVELS])
#: Resolution (points of fill %) to which calibration errors are rounded: the group and all-bins error quantiles
#: come from histograms at this resolution, which partitions of a distributed run add up exactly.
ERROR_RESOLUTION_PCT = 0.01
_N_CELLS = round(200.0 / ERROR_RESOLUTION_PCT) + 1  # errors lie in [-100, 100] points
#: Most calibration origins per bin. A longer history gets its origins further apart, each counting for more in
#: the shrinkage (see :func:`finish_calibration`): the cost stays bounded while a bin's weight stays the same.
MAX_CALIBRATION_ORIGINS = 48
#: Largest group histogram (cells) kept in memory (int64: 64 MB); with more groups their errors are sorted instead.
_MAX_HISTOGRAM_CELLS = 1 << 23


def _cells(values: np.ndarray) -> np.ndarray:
    """Errors (points) as histogram cells 0.._N_CELLS-1, int64."""
    return np.clip(np.rint((values + 100.0) / ERROR_RESOLUTION_PCT), 0, _N_CELLS - 1).astype(np.int64)


def _type7(sorted_cells: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Linear-interpolation quantiles at :data:`LEVELS` of sorted cells in runs ``starts``/``counts`` (all > 0)."""
    # positions relative to each run, so that a run's quantiles do not depend on where it sits in the array
    rel = LEVELS[None, :] * (counts[:, None] - 1)
    w = rel - np.floor(rel)
    lo = starts[:, None] + np.floor(rel).astype(np.int64)
    hi = np.minimum(lo + 1, starts[:, None] + counts[:, None] - 1)
    v_lo = sorted_cells[lo] * ERROR_RESOLUTION_PCT - 100.0
    v_hi = sorted_cells[hi] * ERROR_RESOLUTION_PCT - 100.0
    return v_lo * (1 - w) + v_hi * w


def _cell_quantiles(packed: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles at :data:`LEVELS` and counts per key (0..n_keys-1) of errors packed as ``key * _N_CELLS + cell``.

    Key and cell in one integer: a single (SIMD) integer sort replaces a two-key ``lexsort`` that costs several
    times more. Rows without errors are NaN.
    """
    if n_keys * _N_CELLS < 2**31:  # a chunk's keys: half the bytes to sort
        packed = packed.astype(np.int32)
    packed = np.sort(packed)
    key = packed // _N_CELLS  # a division by a constant is vectorised, a remainder is not: the cell from the key
    counts = np.bincount(key, minlength=n_keys)
    out = np.full((n_keys, LEVELS.size), np.nan)
    has = counts > 0
    if has.any():
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        key *= _N_CELLS
        packed -= key
        out[has] = _type7(packed, starts[has], counts[has])
    return out, counts


def histogram_quantiles(hist: np.ndarray) -> np.ndarray:
    """The quantiles of :func:`_cell_quantiles` from counts per key and cell, int ``(n_keys, cells)``.

    Exactly the same numbers as sorting the errors the histogram counts: what lets partitions add up histograms.
    """
    counts = hist.sum(axis=1)
    out = np.full((hist.shape[0], LEVELS.size), np.nan)
    has = counts > 0
    if not has.any():
        return out
    cum = np.cumsum(hist[has], axis=1)  # rank r (0-based) of a key lies in the first cell with cum > r
    n = counts[has]
    pos = LEVELS[None, :] * (n[:, None] - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n[:, None] - 1)
    c_lo = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cum, lo, strict=True)])
    c_hi = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cum, hi, strict=True)])
    w = pos - lo
    out[has] = (c_lo * ERROR_RESOLUTION_PCT - 100.0) * (1 - w) + (c_hi * ERROR_RESOLUTION_PCT - 100.0) * w
    return out


def calibration_origins(
    panel: Panel, step_h: float = 7.0, max_origins: int | None = None, *, workers: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Origins of the calibration: ``(reading indices, each bin's median step in hours, its origin weight)``.

    A bin's readings about ``step_h`` hours apart (at least one reading apart), thinned evenly to at most
    ``max_origins`` (default :data:`MAX_CALIBRATION_ORIGINS`) over its history, always ending at its last
    reading. Chosen per bin from its own readings only, so a partitioned fit picks the same origins. The weight is
    the hours between a bin's origins over ``step_h`` (at least 1): errors from origins further apart are less
    alike, so the shrinkage toward the group counts a bin's evidence in hours of history rather than in errors. A
    thinned long history keeps the weight it would have had unthinned, and a sparse sensor (daily readings) is not
    treated as if it had few errors only because it reports rarely. The indices come sorted (by bin, then time).
    """
    max_origins = MAX_CALIBRATION_ORIGINS if max_origins is None else max_origins
    step = np.nan_to_num(panel.median_step_h(workers=workers), nan=step_h)
    n_per = np.diff(panel.indptr)
    stride = np.maximum(1, np.round(step_h / np.maximum(step, 1e-6))).astype(np.int64)
    stride = np.maximum(stride, -(-n_per // max(max_origins, 1)))
    count = np.where(n_per > 0, -(-n_per // stride), 0)
    # counted back from the bin's last reading (the newest behaviour is always among the origins), oldest first:
    # origin k of a bin is its last reading less (count - 1 - k) strides; per-bin values repeated, not gathered
    back = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - 1, count)  # k - (count - 1)
    back *= np.repeat(stride, count)
    origins = np.repeat(panel.indptr[1:] - 1, count)
    origins += back
    weight = np.maximum(1.0, stride * step / step_h)
    return origins, step, weight


@dataclass(frozen=True, slots=True)
class LocalCalibration:
    """What :func:`calibrate_local` keeps of a panel's calibration errors for :func:`finish_calibration`.

    Attributes
    ----------
    q_bin, n_bin
        Per bin and horizon (row ``bin * n_horizons + horizon``): error quantiles at :data:`LEVELS` (NaN without
        errors) and number of errors.
    group_hist
        Per group and horizon: counts of errors per cell, int64 ``(n_groups * n_horizons, cells)``; None when
        there are too many groups for a histogram, ``group_packed`` then holding every error as
        ``(group * n_horizons + horizon) * cells + cell``.
    horizon_hist
        Per horizon: counts of errors per cell over all bins, int64 ``(n_horizons, cells)``: what partitions add up.
    weight
        Per bin: how many errors each of its errors counts for (thinned origins).
    """

    q_bin: np.ndarray
    n_bin: np.ndarray
    group_hist: np.ndarray | None
    group_packed: np.ndarray | None
    horizon_hist: np.ndarray
    weight: np.ndarray


def calibrate_local(
    model: FillModel, panel: Panel, *, step_h: float = 7.0, chunk: int = 1 << 14, workers: int | None = None
) -> LocalCalibration:
    """Errors of ``model`` forecasting its own training history, summarised per bin, group and horizon.

    Origins come from :func:`calibration_origins`; the target at each of :data:`CALIBRATION_HORIZONS_H` is the
    reading nearest ``origin + h`` of the same fill cycle. Chunks of whole bins with about ``chunk`` origins run
    on ``workers`` threads; the result does not depend on either. One thread runs as fast with chunks of 4,096 to
    32,768 origins; two threads are fastest with 16,384, about 1.2 times faster than with 4,096 (each chunk's
    Python steps between array operations wait for the other thread's).
    """
    origins, step, weight = calibration_origins(panel, step_h, workers=workers)
    n_b, n_h = panel.n_bins, CALIBRATION_HORIZONS_H.size
    n_gh = max(panel.n_groups, 1) * n_h
    # reading steps each horizon spans on a bin's usual sampling: the guess at the target
    hops = np.round(CALIBRATION_HORIZONS_H[:, None] / np.maximum(step, 1e-6)[None, :]).astype(np.int64)
    o_ptr = np.searchsorted(origins, panel.indptr)  # bin b's origins: o_ptr[b]:o_ptr[b + 1]
    q_bin = np.full((n_b * n_h, LEVELS.size), np.nan)
    n_bin = np.zeros(n_b * n_h, dtype=np.int64)
    dense = n_gh * _N_CELLS <= _MAX_HISTOGRAM_CELLS
    group_hist = np.zeros(n_gh * _N_CELLS, dtype=np.int64) if dense else None
    lock = threading.Lock()

    def part(bins: tuple[int, int]) -> np.ndarray | None:
        b0, b1 = bins
        code, hz, err = _chunk_errors(model, panel, origins[o_ptr[b0] : o_ptr[b1]], hops)
        if code.size == 0:
            return None
        cells = _cells(err)
        q, counts = _cell_quantiles(((code - b0) * n_h + hz) * _N_CELLS + cells, (b1 - b0) * n_h)
        q_bin[b0 * n_h : b1 * n_h], n_bin[b0 * n_h : b1 * n_h] = q, counts  # chunks write disjoint rows
        packed = (panel.group[code] * n_h + hz) * _N_CELLS + cells
        if not dense:
            return packed
        with lock:  # integer counts: the order chunks are added in does not matter
            np.add.at(group_hist, packed, 1)
        return None

    parts = map_chunks(part, bin_chunks(o_ptr, chunk), workers)
    if dense:
        hist, packed = group_hist.reshape(n_gh, _N_CELLS), None
        horizon_hist = hist.reshape(-1, n_h, _N_CELLS).sum(axis=0)
    else:
        hist = None
        packed = np.concatenate([p for p in parts if p is not None] or [np.zeros(0, np.int64)])
        horizon_hist = np.bincount(packed // _N_CELLS % n_h * _N_CELLS + packed % _N_CELLS, minlength=n_h * _N_CELLS)
        horizon_hist = horizon_hist.reshape(n_h, _N_CELLS)
    return LocalCalibration(q_bin, n_bin, hist, packed, horizon_hist, weight)


def _chunk_errors(model: FillModel, panel: Panel, origins: np.ndarray, hops: np.ndarray) -> tuple[np.ndarray, ...]:
    """Calibration errors of some origins: ``(bin, horizon index, error)`` each (see :func:`calibrate_local`).

    Every horizon at once, origin by origin (each origin's targets side by side): one pass of each array
    operation over a chunk instead of one per horizon, reading the panel near each origin while it is in the CPU
    caches. The errors come in that order; their quantiles and histograms do not depend on it.
    """
    n_h = CALIBRATION_HORIZONS_H.size
    code = panel.code[origins].astype(np.int64)
    lo, hi = panel.indptr[code], panel.indptr[code + 1]
    tol = np.minimum(np.maximum(0.5, 0.25 * CALIBRATION_HORIZONS_H), 12.0)
    # (origin, horizon) pairs, origin-major
    o_all = np.repeat(origins, n_h)
    target_h = (panel.t[origins][:, None] + CALIBRATION_HORIZONS_H[None, :]).ravel()
    guess = (origins[:, None] + hops[:, code].T).ravel()
    slices = np.repeat(lo, n_h), np.repeat(hi, n_h)
    target = panel.nearest(np.repeat(code, n_h), target_h, np.tile(tol, origins.size), guess=guess, slices=slices)
    ok = target > o_all
    ok &= panel.cycle[np.maximum(target, 0)] == np.repeat(panel.cycle[origins], n_h)
    pair = np.flatnonzero(ok)
    if pair.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    which, hz = np.divmod(pair, n_h)  # origin (position in ``origins``) and horizon of each pair
    pre = model._origin_state(origins)
    state = None if pre is None else {k: v[which] for k, v in pre.items()}
    tg = target[pair]
    err = panel.x[tg] - model._point_at_readings(origins[which], tg, state)
    return code[which], hz, err


def _fill_horizons(q: np.ndarray) -> np.ndarray:
    """Fill horizons without errors (NaN rows along axis -2) from the nearest horizon that has them."""
    out = q.copy()
    n_h = out.shape[-2]
    have = ~np.isnan(out[..., 0])
    for j in range(n_h):  # loop over the handful of horizons, never over bins
        missing = ~have[..., j]
        if not missing.any():
            continue
        dist = np.where(have, np.abs(np.arange(n_h) - j) + (np.arange(n_h) < j) * 0.5, np.inf)
        nearest = np.argmin(dist, axis=-1)
        src = np.take_along_axis(out, nearest[..., None, None], axis=-2)[..., 0, :]
        out[..., j, :] = np.where(missing[..., None], src, out[..., j, :])
    return np.nan_to_num(out, nan=0.0)


def _shrink(q_own: np.ndarray, n_own: np.ndarray, q_prior: np.ndarray, k: float) -> np.ndarray:
    w = (n_own / (n_own + k))[..., None]
    return np.where(np.isnan(q_own), q_prior, w * np.nan_to_num(q_own) + (1 - w) * q_prior)


def finish_calibration(
    panel: Panel, local: LocalCalibration, q_all: np.ndarray, *, shrink: float = 30.0, workers: int | None = None
) -> np.ndarray:
    """Error quantiles per bin and horizon, ``(n_bins, n_horizons, n_levels)``, from :func:`calibrate_local`.

    Parameters
    ----------
    panel
        The training panel.
    local
        Output of :func:`calibrate_local` on ``panel``.
    q_all
        Quantiles of the errors of all bins per horizon, ``(n_horizons, n_levels)`` (NaN rows: none); in a
        partitioned fit they come from the sum of every partition's ``horizon_hist``.
    shrink
        Pseudo-count of errors: a bin with ``shrink`` errors at a horizon weighs its own quantiles and its group's
        equally.
    workers
        Threads for the per-bin part (chunks of bins); the result does not depend on it.
    """
    n_b, n_h = panel.n_bins, CALIBRATION_HORIZONS_H.size
    q_bin, n_bin = local.q_bin.reshape(n_b, n_h, -1), local.n_bin.reshape(n_b, n_h)
    n_gh = max(panel.n_groups, 1) * n_h
    if local.group_hist is not None:
        q_grp, n_grp = histogram_quantiles(local.group_hist), local.group_hist.sum(axis=1)
    else:
        q_grp, n_grp = _cell_quantiles(local.group_packed, n_gh)
    q_grp, n_grp = q_grp.reshape(-1, n_h, LEVELS.size), n_grp.reshape(-1, n_h)
    q_all = _fill_horizons(q_all)
    q_grp = _fill_horizons(_shrink(q_grp, n_grp, q_all[None], shrink))
    # sensor resolution floor, then intervals that never narrow with the horizon
    floor = 0.5 * np.sqrt(1.0 + CALIBRATION_HORIZONS_H / 24.0)[:, None] * _Z[None, :]
    lower, upper = LEVELS < 0.5, LEVELS > 0.5
    out = np.empty((n_b, n_h, LEVELS.size))

    def part(bins: tuple[int, int]) -> None:
        rows = slice(*bins)
        n_eff = n_bin[rows] * local.weight[rows, None]
        q = _shrink(q_bin[rows], n_eff, q_grp[panel.group[rows]], shrink)
        q = np.where(lower, np.minimum(q, floor), np.where(upper, np.maximum(q, floor), q))
        q[..., lower] = np.minimum.accumulate(q[..., lower], axis=1)
        q[..., upper] = np.maximum.accumulate(q[..., upper], axis=1)
        out[rows] = np.sort(q, axis=-1)  # chunks write disjoint rows

    map_chunks(part, bin_chunks(np.arange(n_b + 1), 1 << 12), workers)
    return out
