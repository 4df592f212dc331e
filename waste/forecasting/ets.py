"""statsforecast's AutoETS as a baseline (the optional ``forecast`` extra), in the same shape as our models.

Each bin's recent series is put on a regular grid (hourly with a daily season for sensors read more often than
every 12 hours, daily with a weekly season otherwise; linear between readings) and AutoETS picks its
exponential-smoothing model; its forecast and 80 % interval (as a normal distribution for the other quantiles)
are read off the grid at the target times. ETS is fitted bin by bin, as statsforecast itself does: this baseline
is for comparison, not for the hot path. It forecasts from each bin's last reading only.
"""

from __future__ import annotations

import importlib.util
import warnings
from statistics import NormalDist

import numpy as np

from waste.forecasting.base import LEVELS, FillModel
from waste.forecasting.panel import Panel

_Z80 = NormalDist().inv_cdf(0.9)
_Z = np.array([NormalDist().inv_cdf(p) for p in LEVELS])


def statsforecast_available() -> bool:
    """True when statsforecast (the ``forecast`` extra) is installed."""
    return importlib.util.find_spec("statsforecast") is not None


class AutoETSBaseline(FillModel):
    """AutoETS per bin on a regular grid (see the module docstring).

    Parameters
    ----------
    max_horizon_h
        Longest horizon forecast (hours).
    window_h
        Hours of history given to ETS on an hourly grid; a daily grid gets ``window_days`` days.
    window_days
        Days of history on a daily grid.
    """

    alias = "AutoETS"

    def __init__(
        self,
        *,
        max_horizon_h: float = 80.0,
        window_h: float = 14 * 24.0,
        window_days: int = 56,
        alias: str | None = None,
    ) -> None:
        super().__init__(alias)
        if not statsforecast_available():
            msg = "AutoETS needs statsforecast: pip install 'waste-optimiser[forecast]'"
            raise ImportError(msg)
        self.max_horizon_h = max_horizon_h
        self.window_h = window_h
        self.window_days = window_days

    def fit(self, panel: Panel) -> AutoETSBaseline:
        """Fit AutoETS on each bin's recent series and forecast it up to ``max_horizon_h``; returns the model."""
        from statsforecast.models import AutoETS

        self.panel_ = panel
        step = panel.median_step_h()
        self.grid_h_ = np.where(np.nan_to_num(step, nan=1.0) < 12.0, 1.0, 24.0)
        n_steps = np.ceil(self.max_horizon_h / self.grid_h_).astype(int)
        self.mean_ = np.full((panel.n_bins, int(n_steps.max(initial=1))), np.nan)
        self.sd_ = np.zeros_like(self.mean_)
        for b in range(panel.n_bins):  # statsforecast fits one series at a time too
            lo, hi = panel.indptr[b], panel.indptr[b + 1]
            if hi - lo < 2:
                if hi > lo:
                    self.mean_[b] = panel.x[hi - 1]
                continue
            g = self.grid_h_[b]
            season = 24 if g == 1.0 else 7
            span = self.window_h if g == 1.0 else self.window_days * 24.0
            t, x = panel.t[lo:hi], panel.x[lo:hi]
            grid = t[-1] - g * np.arange(int(span // g))[::-1]
            grid = grid[grid >= t[0]]
            y = np.interp(grid, t, x)
            h = int(n_steps[b])
            if np.ptp(y) == 0 or y.size < 8:  # ETS has nothing to fit on a constant or tiny series
                self.mean_[b, :h] = y[-1]
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                try:
                    model = AutoETS(season_length=season if y.size >= 2 * season + 2 else 1)
                    fc = model.forecast(y=y.astype(np.float64), h=h, level=[80])
                except (
                    ValueError,
                    IndexError,
                    NotImplementedError,
                    ZeroDivisionError,
                    FloatingPointError,
                    np.linalg.LinAlgError,
                ):
                    # statsforecast's own failures on degenerate series: fall back to the last value
                    fc = {"mean": np.full(h, y[-1]), "lo-80": np.full(h, y[-1]), "hi-80": np.full(h, y[-1])}
            self.mean_[b, :h] = fc["mean"]
            self.sd_[b, :h] = np.maximum(np.asarray(fc["hi-80"]) - np.asarray(fc["lo-80"]), 0.0) / (2 * _Z80)
        self.errors_ = None
        return self

    def _point(self, origin: np.ndarray, target_h: np.ndarray) -> np.ndarray:
        return self.forecast_at(origin, target_h)[0]

    def forecast_at(
        self, origin: np.ndarray, target_h: np.ndarray, *, monotone: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Point and quantiles at ``target_h``, from each bin's last reading (``origin`` must be it).

        ``monotone`` is accepted for the common interface; ETS intervals are used as they are.
        """
        panel = self._check_fitted()
        origin = np.asarray(origin, dtype=np.int64)
        code = panel.code[origin]
        if np.any(origin != panel.indptr[code + 1] - 1):
            msg = "AutoETSBaseline forecasts from each bin's last reading only"
            raise ValueError(msg)
        g = self.grid_h_[code]
        k = np.clip(np.round((np.asarray(target_h) - panel.t[origin]) / g).astype(int) - 1, 0, self.mean_.shape[1] - 1)
        mean = np.clip(np.nan_to_num(self.mean_[code, k], nan=panel.x[origin]), 0.0, 100.0)
        q = np.clip(self.mean_[code, k][:, None] + self.sd_[code, k][:, None] * _Z[None, :], 0.0, 100.0)
        return mean, np.nan_to_num(q, nan=0.0)
