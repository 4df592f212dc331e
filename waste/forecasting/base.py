"""What every fill forecaster shares: the statsforecast-like shape and the calibrated prediction intervals.

A model is a small object: the constructor stores settings, ``fit(panel)`` learns from a :class:`Panel` and returns
the model, ``predict(horizons_h)`` returns a dict of ``(n_bins, n_horizons)`` arrays (``"mean"``, ``"lo-80"``,
``"hi-80"``, ...) of fill in %. Underneath, ``forecast_at(origin, target)`` forecasts any number of (origin reading,
target time) pairs at once: it is what the backtest and the time-to-threshold search call.

Prediction intervals come from the model's own errors (:func:`calibration_errors`, :func:`finish_calibration`):
after fitting, the model forecasts its
training history from origins a few hours apart (at most :data:`MAX_CALIBRATION_ORIGINS` per bin, each error then
counting for the hours between origins), at horizons of 1 h to one week, stopping at the next emptying (what
happens after a collection is not a fill forecast). The errors' quantiles, per bin and horizon, are shrunk
toward those of the bin's group and of all bins when a bin has few of them, widened so that they never narrow as
the horizon grows, and given a small floor for sensor resolution. The forecast distribution at a horizon is the
point forecast plus those quantiles (interpolated in log horizon), clipped to 0-100 %.

Fitting in parts. ``fit`` is ``fit_local`` then ``fit_finish``. What a model borrows from other bins is either a
per-group sum (:meth:`FillModel.pooled_stats`) or the all-bins error histogram (errors rounded to 0.01 points,
:func:`error_histogram`); both add up exactly over partitions that hold whole groups of similar bins. So a fit
split over workers (:mod:`waste.forecasting.partitioned`) that sums them before the second half returns the same
numbers as one fit over every bin.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from waste.forecasting.panel import Panel

#: Probability levels of the stored forecast distribution (the 10/50/90 % quantiles are among them).
LEVELS = np.array([0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98])
#: Horizons (hours) at which errors are measured; others are interpolated in log(1 + h).
CALIBRATION_HORIZONS_H = np.array([1.0, 3.0, 6.0, 12.0, 24.0, 48.0, 72.0, 120.0, 168.0])
_Z = np.array([NormalDist().inv_cdf(p) for p in LEVELS])
_MEDIAN = int(np.flatnonzero(LEVELS == 0.5)[0])


#: Resolution (points of fill %) to which calibration errors are rounded: the all-bins error quantiles come from a
#: histogram at this resolution, which partitions of a distributed run add up exactly (see :func:`error_histogram`).
ERROR_RESOLUTION_PCT = 0.01
_N_CELLS = round(200.0 / ERROR_RESOLUTION_PCT) + 1  # errors lie in [-100, 100] points


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


def grouped_quantiles(key: np.ndarray, values: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles at :data:`LEVELS` of ``values`` (errors, points) within each ``key`` (0..n_keys-1), vectorised.

    Values are rounded to :data:`ERROR_RESOLUTION_PCT` first: key and value then pack into one int64, and a
    single (SIMD) integer sort replaces a two-key ``lexsort`` that costs several times more on 10^8 errors.

    Returns
    -------
    tuple
        ``(quantiles (n_keys, len(LEVELS)), counts (n_keys,))``; rows without values are NaN.
    """
    counts = np.bincount(key, minlength=n_keys)
    out = np.full((n_keys, LEVELS.size), np.nan)
    if values.size == 0:
        return out, counts
    packed = np.sort(np.asarray(key, dtype=np.int64) * _N_CELLS + _cells(values))
    cells = packed % _N_CELLS
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    has = counts > 0
    out[has] = _type7(cells, starts[has], counts[has])
    return out, counts


def error_histogram(key: np.ndarray, values: np.ndarray, n_keys: int) -> np.ndarray:
    """Counts of errors per key and cell of :data:`ERROR_RESOLUTION_PCT`: int64 ``(n_keys, cells)``, additive."""
    flat = np.asarray(key, dtype=np.int64) * _N_CELLS + _cells(values)
    return np.bincount(flat, minlength=n_keys * _N_CELLS).reshape(n_keys, _N_CELLS)


def histogram_quantiles(hist: np.ndarray) -> np.ndarray:
    """The quantiles of :func:`grouped_quantiles` from an :func:`error_histogram`: ``(n_keys, len(LEVELS))``."""
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


#: Most calibration origins per bin. A longer history gets its origins further apart, each counting for more in
#: the shrinkage (see :func:`finish_calibration`): the cost stays bounded while a bin's weight stays the same.
MAX_CALIBRATION_ORIGINS = 48


def calibration_origins(
    panel: Panel, step_h: float = 7.0, max_origins: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Origins of the calibration: ``(reading indices, each bin's median step in hours, its origin weight)``.

    A bin's readings about ``step_h`` hours apart (at least one reading apart), thinned evenly to at most
    ``max_origins`` (default :data:`MAX_CALIBRATION_ORIGINS`) over its history, always ending at its last
    reading. Chosen per bin from its own readings only, so a partitioned fit picks the same origins. The weight is
    the hours between a bin's origins over ``step_h`` (at least 1): errors from origins further apart are less
    alike, so the shrinkage toward the group counts a bin's evidence in hours of history rather than in errors. A
    thinned long history keeps the weight it would have had unthinned, and a sparse sensor (daily readings) is not
    treated as if it had few errors only because it reports rarely.
    """
    max_origins = MAX_CALIBRATION_ORIGINS if max_origins is None else max_origins
    step = np.nan_to_num(panel.median_step_h(), nan=step_h)
    n_per = np.diff(panel.indptr)
    stride = np.maximum(1, np.round(step_h / np.maximum(step, 1e-6))).astype(np.int64)
    stride = np.maximum(stride, -(-n_per // max(max_origins, 1)))
    count = np.where(n_per > 0, -(-n_per // stride), 0)
    bin_of = np.repeat(np.arange(panel.n_bins), count)
    k = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    # counted back from the bin's last reading: the newest behaviour is always among the origins
    origins = panel.indptr[1:][bin_of] - 1 - k * stride[bin_of]
    weight = np.maximum(1.0, stride * step / step_h)
    return np.sort(origins), step, weight


def calibration_errors(
    model: FillModel, panel: Panel, *, step_h: float = 7.0, chunk: int = 1 << 16
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Errors of ``model`` forecasting its own training history.

    Origins come from :func:`calibration_origins`; the target at each of :data:`CALIBRATION_HORIZONS_H` is the
    reading nearest ``origin + h`` of the same fill cycle.

    Returns
    -------
    tuple
        ``(key = bin * n_horizons + horizon, error in points, weight of each bin's errors)``.
    """
    origins, step, weight = calibration_origins(panel, step_h)
    keys, errs = [], []
    for lo in range(0, origins.size, chunk):  # chunks of bins: their readings stay in the CPU caches
        key, err = _chunk_errors(model, panel, origins[lo : lo + chunk], step)
        keys.append(key)
        errs.append(err)
    key = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    err = np.concatenate(errs) if errs else np.zeros(0)
    return key, err, weight


def _chunk_errors(model: FillModel, panel: Panel, origins: np.ndarray, step: np.ndarray) -> tuple[np.ndarray, ...]:
    """Calibration keys and errors of some origins (see :func:`calibration_errors`)."""
    n_h = CALIBRATION_HORIZONS_H.size
    code = panel.code[origins]
    t0 = panel.t[origins]
    cyc = panel.cycle[origins]
    pre = model._origin_state(origins)
    out_keys, errs = [], []
    for j, h in enumerate(CALIBRATION_HORIZONS_H):  # loop over horizons only
        tol = min(max(0.5, 0.25 * h), 12.0)
        guess = origins + np.round(h / np.maximum(step, 1e-6)).astype(np.int64)[code]
        target = panel.nearest(code, t0 + h, tol, guess=guess)
        ok = target > origins
        ok[ok] &= panel.cycle[target[ok]] == cyc[ok]
        o, tg = origins[ok], target[ok]
        if o.size == 0:
            continue
        state = None if pre is None else {k: v[ok] for k, v in pre.items()}
        err = panel.x[tg] - model._point_at_readings(o, tg, state)
        out_keys.append(code[ok].astype(np.int64) * n_h + j)
        errs.append(err)
    key = np.concatenate(out_keys) if out_keys else np.zeros(0, np.int64)
    err = np.concatenate(errs) if errs else np.zeros(0)
    return key, err


def finish_calibration(
    panel: Panel,
    key: np.ndarray,
    err: np.ndarray,
    q_all: np.ndarray,
    *,
    shrink: float = 30.0,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """Error quantiles per bin and horizon, ``(n_bins, n_horizons, n_levels)``, from :func:`calibration_errors`.

    Parameters
    ----------
    panel
        The training panel.
    key, err
        Output of :func:`calibration_errors`.
    q_all
        Quantiles of the errors of all bins per horizon, ``(n_horizons, n_levels)`` (NaN rows: none); in a
        partitioned fit they come from the sum of every partition's :func:`error_histogram`.
    shrink
        Pseudo-count of errors: a bin with ``shrink`` errors at a horizon weighs its own quantiles and its group's
        equally.
    weight
        Per bin: how many errors each of its errors counts for (thinned origins; default 1).
    """
    n_b, n_h = panel.n_bins, CALIBRATION_HORIZONS_H.size
    q_bin, n_bin = grouped_quantiles(key, err, n_b * n_h)
    q_bin, n_bin = q_bin.reshape(n_b, n_h, -1), n_bin.reshape(n_b, n_h)
    grp = panel.group[key // n_h] if key.size else key
    q_grp, n_grp = grouped_quantiles(grp * n_h + key % n_h, err, max(panel.n_groups, 1) * n_h)
    q_grp, n_grp = q_grp.reshape(-1, n_h, LEVELS.size), n_grp.reshape(-1, n_h)
    q_all = _fill_horizons(q_all)
    q_grp = _fill_horizons(_shrink(q_grp, n_grp, q_all[None], shrink))
    n_eff = n_bin if weight is None else n_bin * weight[:, None]
    q = _shrink(q_bin, n_eff, q_grp[panel.group], shrink) if n_b else q_bin
    # sensor resolution floor, then intervals that never narrow with the horizon
    floor = 0.5 * np.sqrt(1.0 + CALIBRATION_HORIZONS_H / 24.0)[:, None] * _Z[None, :]
    lower = LEVELS < 0.5
    q = np.where(lower, np.minimum(q, floor), np.where(LEVELS > 0.5, np.maximum(q, floor), q))
    q[..., lower] = np.minimum.accumulate(q[..., lower], axis=1)
    q[..., LEVELS > 0.5] = np.maximum.accumulate(q[..., LEVELS > 0.5], axis=1)
    return np.sort(q, axis=-1)


def interpolate_errors(resid_q: np.ndarray, code: np.ndarray, horizon_h: np.ndarray) -> np.ndarray:
    """Error quantiles ``(n, n_levels)`` of bins ``code`` at ``horizon_h`` hours, interpolated in log(1 + h)."""
    grid = np.log1p(CALIBRATION_HORIZONS_H)
    u = np.clip(np.log1p(np.maximum(horizon_h, 0.0)), grid[0], grid[-1])
    j = np.clip(np.searchsorted(grid, u) - 1, 0, grid.size - 2)
    w = ((u - grid[j]) / (grid[j + 1] - grid[j]))[:, None]
    small = np.log1p(np.maximum(horizon_h, 0.0)) < grid[0]
    scale = np.where(small, np.log1p(np.maximum(horizon_h, 0.0)) / grid[0], 1.0)[:, None]
    return scale * ((1 - w) * resid_q[code, j] + w * resid_q[code, j + 1])


def prob_at_least(q: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """P(fill >= threshold) from quantile rows ``q`` ``(n, n_levels)``, linear between levels, 0 or 1 outside."""
    c = (q < threshold[:, None]).sum(axis=1)
    lo = np.clip(c - 1, 0, LEVELS.size - 1)
    hi = np.clip(c, 0, LEVELS.size - 1)
    q_lo, q_hi = q[np.arange(q.shape[0]), lo], q[np.arange(q.shape[0]), hi]
    span = np.where(q_hi > q_lo, q_hi - q_lo, 1.0)
    cdf = LEVELS[lo] + (LEVELS[hi] - LEVELS[lo]) * np.clip((threshold - q_lo) / span, 0.0, 1.0)
    cdf = np.where(c == 0, 0.0, np.where(c == LEVELS.size, 1.0, cdf))
    return 1.0 - cdf


class FillModel:
    """Base of the fill forecasters; subclasses implement ``_fit`` and ``_point``.

    Parameters
    ----------
    alias
        Name of the model in tables and plots.
    """

    alias = "model"
    #: True when the reported point forecast is the median of the calibrated distribution (else the raw point).
    point_is_median = False

    def __init__(self, alias: str | None = None) -> None:
        if alias is not None:
            self.alias = alias

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alias={self.alias!r})"

    # -- to implement -------------------------------------------------------------------------------------
    def _fit(self, panel: Panel) -> None:
        """Learn parameters from ``panel`` (nothing for the naive baselines)."""

    def _point(
        self, origin: np.ndarray, target_h: np.ndarray, state: dict[str, np.ndarray] | None = None
    ) -> np.ndarray:
        """Point forecast of fill (%) at ``target_h`` from the readings up to index ``origin`` (same bin)."""
        raise NotImplementedError

    # -- shared -------------------------------------------------------------------------------------------
    def _origin_state(self, origins: np.ndarray) -> dict[str, np.ndarray] | None:
        """Per-origin quantities ``_point`` may reuse across horizons (None: nothing to reuse)."""
        return None

    def _point_at_readings(
        self, origin: np.ndarray, target: np.ndarray, state: dict[str, np.ndarray] | None = None
    ) -> np.ndarray:
        """``_point`` at the times of readings ``target`` (calibration), which a model may know more about."""
        t = self.panel_.t[target]
        return self._point(origin, t) if state is None else self._point(origin, t, state)

    def pooled_stats(self, panel: Panel) -> dict[str, np.ndarray]:
        """Per-group sums this model pools over (additive over partitions holding whole groups; none here)."""
        return {}

    def fit_local(self, panel: Panel, pooled: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """First half of :meth:`fit`: learn from ``panel`` given the pooled sums of *all* bins.

        Parameters
        ----------
        panel
            This partition's bins (whole groups of similar bins) or all bins.
        pooled
            The sum over partitions of :meth:`pooled_stats` (default: this panel's own).

        Returns
        -------
        numpy.ndarray
            The :func:`error_histogram` of the calibration errors per horizon, to be summed over partitions and
            passed to :meth:`fit_finish`.
        """
        self.panel_ = panel
        self.pooled_ = self.pooled_stats(panel) if pooled is None else pooled
        self._fit(panel)
        key, err, weight = calibration_errors(self, panel)
        self._calibration = (key, err, weight)
        return error_histogram(key % CALIBRATION_HORIZONS_H.size, err, CALIBRATION_HORIZONS_H.size)

    def fit_finish(self, histogram: np.ndarray) -> FillModel:
        """Second half of :meth:`fit`: calibrate the intervals with all bins' error histogram; returns the model."""
        key, err, weight = self._calibration
        del self._calibration
        self.errors_ = finish_calibration(self.panel_, key, err, histogram_quantiles(histogram), weight=weight)
        return self

    def fit(self, panel: Panel) -> FillModel:
        """Learn from ``panel`` and calibrate the intervals on it; returns the model.

        The same as :meth:`fit_local` then :meth:`fit_finish` with this panel's own sums: a partitioned fit that
        adds up every partition's sums gets the same numbers.
        """
        return self.fit_finish(self.fit_local(panel))

    def _check_fitted(self) -> Panel:
        if not hasattr(self, "panel_"):
            msg = "You must call the fit method before calling predict."
            raise ValueError(msg)
        return self.panel_

    def forecast_at(
        self, origin: np.ndarray, target_h: np.ndarray, *, monotone: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Forecast pairs (origin reading index, target time in hours).

        With ``monotone``, every error quantile is made non-decreasing in the horizon (the lower ones then keep
        their 1 h spread): the distribution of an uncollected bin's fill, whose quantiles cannot fall with time
        when the point forecast does not; used for probabilities of reaching a level by a time.

        Returns
        -------
        tuple
            ``(point (n,), quantiles (n, len(LEVELS)))`` of fill in %.
        """
        panel = self._check_fitted()
        origin = np.asarray(origin, dtype=np.int64)
        target_h = np.asarray(target_h, dtype=np.float64)
        point = np.clip(self._point(origin, target_h), 0.0, 100.0)
        horizon = target_h - panel.t[origin]
        if monotone:
            table = np.maximum.accumulate(self.errors_, axis=1)
            errs = interpolate_errors(table, panel.code[origin], np.maximum(horizon, CALIBRATION_HORIZONS_H[0]))
        else:
            errs = interpolate_errors(self.errors_, panel.code[origin], horizon)
        q = np.clip(point[:, None] + errs, 0.0, 100.0)
        return (q[:, _MEDIAN] if self.point_is_median else point), q

    def prob_reach(self, origin: np.ndarray, until_h: np.ndarray, threshold: np.ndarray, steps: int = 8) -> np.ndarray:
        """Probability that each bin reaches ``threshold`` (%) between its origin reading and ``until_h``.

        The fill of an uncollected bin does not fall: this is the largest probability of being at or above the
        threshold over ``steps`` times up to ``until_h``, each from the monotone distribution of
        :meth:`forecast_at`. For a model whose point forecast never falls (ours) it is non-decreasing in
        ``until_h``.
        """
        panel = self._check_fitted()
        origin = np.asarray(origin, dtype=np.int64)
        t0 = panel.t[origin]
        frac = np.arange(1, steps + 1) / steps
        times = t0[:, None] + (np.asarray(until_h) - t0)[:, None] * frac[None, :]
        n = origin.size
        _, q = self.forecast_at(np.repeat(origin, steps), times.ravel(), monotone=True)
        p = prob_at_least(q, np.repeat(np.broadcast_to(threshold, (n,)), steps)).reshape(n, steps)
        return np.maximum.accumulate(p, axis=1)[:, -1]

    def predict(
        self, horizons_h: np.ndarray | list[float], at: float | None = None, level: tuple[int, ...] = (80,)
    ) -> dict[str, np.ndarray]:
        """Forecast every bin at ``horizons_h`` hours after ``at`` (default: each bin's last reading).

        Returns
        -------
        dict
            ``"mean"`` (the point forecast) and ``"lo-<level>"``, ``"hi-<level>"`` for each level, arrays
            ``(n_bins, n_horizons)`` of fill in %; rows of bins without readings (before ``at``) are NaN.
        """
        panel = self._check_fitted()
        hz = np.asarray(horizons_h, dtype=np.float64)
        if at is None:
            has = panel.indptr[1:] > panel.indptr[:-1]
            last = np.where(has, panel.indptr[1:] - 1, -1)
        else:
            last = panel.last_at(at)
        start = np.where(last >= 0, panel.t[np.maximum(last, 0)], np.nan) if at is None else np.full(last.shape, at)
        ok = last >= 0
        o = np.repeat(last[ok], hz.size)
        tgt = (start[ok][:, None] + hz[None, :]).ravel()
        out = {"mean": np.full((panel.n_bins, hz.size), np.nan)}
        point, q = self.forecast_at(o, tgt) if o.size else (np.zeros(0), np.zeros((0, LEVELS.size)))
        out["mean"][ok] = point.reshape(-1, hz.size)
        for lev in level:
            lo_p, hi_p = (1 - lev / 100) / 2, 1 - (1 - lev / 100) / 2
            for name, p in ((f"lo-{lev}", lo_p), (f"hi-{lev}", hi_p)):
                j = np.flatnonzero(np.isclose(LEVELS, p))
                if j.size == 0:
                    msg = f"level {lev} not available; levels come from quantiles {LEVELS.tolist()}"
                    raise ValueError(msg)
                out[name] = np.full((panel.n_bins, hz.size), np.nan)
                out[name][ok] = q[:, j[0]].reshape(-1, hz.size)
        return out
