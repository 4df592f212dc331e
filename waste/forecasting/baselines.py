"""Naive baselines in the same shape as our model; a forecaster that cannot beat these is not worth running.

* :class:`LastValue`: the fill stays at the last reading.
* :class:`LinearCycle`: a least-squares line through the readings of the current fill cycle (since the last
  emptying), extrapolated from the last reading; the slope is not allowed below zero (a bin that is not emptied
  does not empty itself).
* :class:`SeasonalNaive`: the fill at the same hour last week (the reading nearest the target minus 168 h; the
  last reading when there is none within ``tolerance_h``).

Their intervals are calibrated on their own errors exactly like our model's (:mod:`waste.forecasting.base`).
"""

from __future__ import annotations

import numpy as np

from waste.forecasting.base import FillModel
from waste.forecasting.panel import Panel


class LastValue(FillModel):
    """Fill at any future time = the last reading."""

    alias = "LastValue"

    def _point(self, origin: np.ndarray, target_h: np.ndarray) -> np.ndarray:
        return self.panel_.x[origin]


class LinearCycle(FillModel):
    """Least-squares line through the current cycle's readings, extrapolated from the last reading (slope >= 0)."""

    alias = "LinearCycle"

    def _fit(self, panel: Panel) -> None:
        # running sums within each cycle give every reading the regression of its cycle so far, vectorised
        n = panel.t.size
        new = np.ones(n, dtype=bool)
        new[1:] = (panel.code[1:] != panel.code[:-1]) | (panel.cycle[1:] != panel.cycle[:-1])
        start = np.maximum.accumulate(np.where(new, np.arange(n), 0))
        u = panel.t - panel.t[start]
        x = panel.x

        def running(v: np.ndarray) -> np.ndarray:
            c = np.cumsum(v)
            return c - (c[start] - v[start])

        s1, su, sx = running(np.ones(n)), running(u), running(x)
        suu, sux = running(u * u), running(u * x)
        var = suu - su * su / s1
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = (sux - su * sx / s1) / var
        self.slope_ = np.where((s1 >= 2) & (var > 1e-9), np.maximum(np.nan_to_num(slope), 0.0), 0.0)

    def _point(self, origin: np.ndarray, target_h: np.ndarray) -> np.ndarray:
        p = self.panel_
        return p.x[origin] + self.slope_[origin] * np.maximum(target_h - p.t[origin], 0.0)


class SeasonalNaive(FillModel):
    """Fill at the target = the reading nearest the same time one week (168 h) earlier.

    Parameters
    ----------
    season_h
        Season length in hours.
    tolerance_h
        Farthest a reading may be from the target minus one season; otherwise the last reading is used.
    """

    alias = "SeasonalNaive"

    def __init__(self, *, season_h: float = 168.0, tolerance_h: float = 3.0, alias: str | None = None) -> None:
        super().__init__(alias)
        self.season_h = season_h
        self.tolerance_h = tolerance_h

    def _point(self, origin: np.ndarray, target_h: np.ndarray) -> np.ndarray:
        p = self.panel_
        code = p.code[origin]
        back = np.minimum(target_h - self.season_h, p.t[origin])
        tol = np.maximum(self.tolerance_h, 0.5 * np.nan_to_num(self.step_h_[code], nan=0.0))
        j = p.nearest(code, back, tol)
        ok = (j >= 0) & (j <= origin)
        return np.where(ok, p.x[np.maximum(j, 0)], p.x[origin])

    def _fit(self, panel: Panel) -> None:
        self.step_h_ = panel.median_step_h()


class PreviousCycle(FillModel):
    """Fill at any future time = the highest fill of the bin's previous fill cycle (the current level if higher).

    The naive answer to "how full will it be at the next collection": as full as it was at the last one.
    """

    alias = "PreviousCycle"

    def _fit(self, panel: Panel) -> None:
        n = panel.t.size
        new = np.ones(n, dtype=bool)
        new[1:] = (panel.code[1:] != panel.code[:-1]) | (panel.cycle[1:] != panel.cycle[:-1])
        starts = np.flatnonzero(new)
        peak = np.maximum.reduceat(panel.x, starts) if n else np.zeros(0)
        which = np.cumsum(new) - 1  # cycle ordinal of each reading
        prev = which - 1
        same_bin = (prev >= 0) & (panel.code[starts[np.maximum(prev, 0)]] == panel.code)
        self.previous_peak_ = np.where(same_bin, peak[np.maximum(prev, 0)], np.nan)

    def _point(self, origin: np.ndarray, target_h: np.ndarray) -> np.ndarray:
        p = self.panel_
        prev = self.previous_peak_[origin]
        return np.where(np.isnan(prev), p.x[origin], np.maximum(prev, p.x[origin]))
