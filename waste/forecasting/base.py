"""What every fill forecaster shares: the statsforecast-like shape and the calibrated prediction intervals.

A model is a small object: the constructor stores settings, ``fit(panel)`` learns from a :class:`Panel` and returns
the model, ``predict(horizons_h)`` returns a dict of ``(n_bins, n_horizons)`` arrays (``"mean"``, ``"lo-80"``,
``"hi-80"``, ...) of fill in %. Underneath, ``forecast_at(origin, target)`` forecasts any number of (origin reading,
target time) pairs at once: it is what the backtest and the time-to-threshold search call.

Prediction intervals come from the model's own errors (:mod:`waste.forecasting.calibration`): after fitting, the
model forecasts its training history at horizons of 1 h to one week, and the errors' quantiles per bin and
horizon, shrunk toward those of the bin's group and of all bins, become its error table. The forecast
distribution at a horizon is the point forecast plus those quantiles (interpolated in log horizon), clipped to
0-100 %.

Fitting in parts. ``fit`` is ``fit_local`` then ``fit_finish``. What a model borrows from other bins is either a
per-group sum (:meth:`FillModel.pooled_stats`) or the all-bins error histogram (errors rounded to 0.01 points);
both add up exactly over partitions that hold whole groups of similar bins. So a fit split over workers
(:mod:`waste.forecasting.partitioned`) that sums them before the second half returns the same numbers as one fit
over every bin. Within one process the chunks of bins run on ``workers`` threads (:mod:`waste.forecasting.parallel`).
"""

from __future__ import annotations

import numpy as np

from waste.forecasting.calibration import (
    CALIBRATION_HORIZONS_H,
    LEVELS,
    LocalCalibration,
    calibrate_local,
    finish_calibration,
    histogram_quantiles,
)
from waste.forecasting.panel import Panel
from waste.forecasting.parallel import map_chunks

__all__ = ["CALIBRATION_HORIZONS_H", "LEVELS", "FillModel", "interpolate_errors", "prob_at_least"]

_MEDIAN = int(np.flatnonzero(LEVELS == 0.5)[0])
#: Forecast pairs per chunk (threads, CPU caches) in :meth:`FillModel.forecast_at`.
_FORECAST_CHUNK = 1 << 16


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
    #: Threads for fitting (chunks of whole bins); None: :func:`waste.forecasting.parallel.default_workers`. The
    #: numbers do not depend on it.
    workers: int | None = None
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
            Counts of the calibration errors per horizon and 0.01-point cell, to be summed over partitions and
            passed to :meth:`fit_finish`.
        """
        self.panel_ = panel
        self.pooled_ = self.pooled_stats(panel) if pooled is None else pooled
        self._fit(panel)
        self._calibration: LocalCalibration = calibrate_local(self, panel, workers=self.workers)
        return self._calibration.horizon_hist

    def fit_finish(self, histogram: np.ndarray) -> FillModel:
        """Second half of :meth:`fit`: calibrate the intervals with all bins' error histogram; returns the model."""
        local = self._calibration
        del self._calibration
        self.errors_ = finish_calibration(self.panel_, local, histogram_quantiles(histogram), workers=self.workers)
        return self

    def fit(self, panel: Panel) -> FillModel:
        """Learn from ``panel`` and calibrate the intervals on it; returns the model.

        The same as :meth:`fit_local` then :meth:`fit_finish` with this panel's own sums: a partitioned fit that
        adds up every partition's sums gets the same numbers.
        """
        return self.fit_finish(self.fit_local(panel))

    def fit_without(self, panel: Panel, held_out: np.ndarray | None) -> FillModel:
        """Fit for forecasting every bin of ``panel`` while learning nothing shared from the ``held_out`` bins.

        ``held_out`` is a boolean per bin (leave-bins-out validation). A bin's own past readings are its data, as
        for any bin the model is deployed on; what it must not shape is what is learned across bins. This base
        model learns only from each bin's own past, with pooling over :meth:`pooled_stats`: those sums come from
        the other bins only.
        """
        if held_out is None or not np.any(held_out):
            return self.fit(panel)
        pooled = self.pooled_stats(panel.subset(~np.asarray(held_out, dtype=bool)))
        return self.fit_finish(self.fit_local(panel, pooled or None))

    def call_overflow(
        self, origin: np.ndarray, until_h: np.ndarray, threshold: np.ndarray, prob: np.ndarray
    ) -> np.ndarray:
        """Whether the model calls an overflow before ``until_h``: its point forecast reaches the threshold.

        Checked at six times up to ``until_h``; ``prob`` (the model's probability) is there for models that call
        on it instead.
        """
        panel = self._check_fitted()
        origin = np.asarray(origin, dtype=np.int64)
        until = np.broadcast_to(np.asarray(until_h, dtype=np.float64), origin.shape)
        frac = np.arange(1, 7) / 6.0
        t0 = panel.t[origin]
        times = (t0[:, None] + (until - t0)[:, None] * frac).ravel()
        point, _ = self.forecast_at(np.repeat(origin, frac.size), times)
        return point.reshape(-1, frac.size).max(axis=1) >= np.asarray(threshold) - 0.5

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
        self._check_fitted()
        origin = np.asarray(origin, dtype=np.int64)
        target_h = np.asarray(target_h, dtype=np.float64)
        table = np.maximum.accumulate(self.errors_, axis=1) if monotone else self.errors_
        n = origin.size
        if origin.ndim != 1 or n <= _FORECAST_CHUNK:
            return self._forecast_pairs(origin, target_h, table, monotone)
        # every pair is forecast on its own: chunks of pairs on threads give the same numbers
        target_h = np.broadcast_to(target_h, origin.shape)
        parts = map_chunks(
            lambda lo: self._forecast_pairs(
                origin[lo : lo + _FORECAST_CHUNK], target_h[lo : lo + _FORECAST_CHUNK], table, monotone
            ),
            range(0, n, _FORECAST_CHUNK),
            self.workers,
        )
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _forecast_pairs(
        self, origin: np.ndarray, target_h: np.ndarray, table: np.ndarray, monotone: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`forecast_at` with its error table (``errors_``, made monotone or not) at hand."""
        panel = self.panel_
        point = np.clip(self._point(origin, target_h), 0.0, 100.0)
        horizon = target_h - panel.t[origin]
        if monotone:
            errs = interpolate_errors(table, panel.code[origin], np.maximum(horizon, CALIBRATION_HORIZONS_H[0]))
        else:
            errs = interpolate_errors(table, panel.code[origin], horizon)
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
