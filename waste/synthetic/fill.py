"""The true fill process: how much waste each bin holds, step by step, vectorised over all bins.

A bin's level (percent of its volume, of compacted volume for a solar compactor) rises at its mean rate shaped by
the local hour and weekday of its area type, scaled by a day-to-day multiplier, partly steadily and partly in lumps
(a bag, a box). Above 100 % waste piles up beside the bin (overflow, capped at :data:`OVERFLOW_CAP_PCT`). Collections
empty bins through :meth:`FillProcess.empty`. A day-by-day operations simulator drives the same object: advance it,
empty the bins a truck visits, and let :mod:`waste.synthetic.sensors` observe it.
"""

from __future__ import annotations

import numpy as np

from waste.model import AREA_TYPES
from waste.synthetic import calibration as cal
from waste.synthetic.bins import BinParams

#: Highest level tracked (%): waste left beside a full bin, which a sensor cannot see (it reads 100).
OVERFLOW_CAP_PCT = 150.0


def _norm(profile: np.ndarray) -> np.ndarray:
    return profile / profile.mean()


def hour_profiles() -> np.ndarray:
    """Relative filling by local hour for each area type, shape ``(len(AREA_TYPES), 24)``, each row of mean 1.

    Centre and shopping streets follow the Prague profile (daytime plateau 10-18). Households add morning (07-08)
    and evening (18-21) peaks when people leave and come home. Parks are used in daylight, most in the afternoon.
    """
    prague = np.asarray(cal.HOUR_PROFILE_PRAGUE)
    hours = np.arange(24)
    home = np.exp(-0.5 * ((hours - 7.5) / 1.2) ** 2) + 1.3 * np.exp(-0.5 * ((hours - 19.5) / 1.6) ** 2)
    park = np.exp(-0.5 * ((hours - 15.0) / 3.0) ** 2) + 0.02
    rows = {
        "centre": prague,
        "commercial": prague,
        "residential": 0.5 * _norm(prague) + 0.5 * _norm(home + 0.05),
        "suburban": 0.4 * _norm(prague) + 0.6 * _norm(home + 0.05),
        "park": park,
    }
    return np.stack([_norm(np.asarray(rows[a], dtype=float)) for a in AREA_TYPES])


def weekday_profiles() -> np.ndarray:
    """Relative filling by local weekday (Monday first) for each area type, shape ``(len(AREA_TYPES), 7)``.

    Shopping streets follow Prague (busy Saturday, quiet Sunday); the centre is an office district, quietest at the
    weekend; households produce more at the weekend; parks are busiest at the weekend.
    """
    rows = {
        "centre": (1.10, 1.10, 1.10, 1.10, 1.15, 0.85, 0.60),
        "commercial": cal.WEEKDAY_PROFILE_PRAGUE,
        "residential": (0.95, 0.95, 0.95, 0.95, 1.00, 1.10, 1.10),
        "suburban": (0.95, 0.95, 0.95, 0.95, 1.00, 1.10, 1.10),
        "park": (0.75, 0.75, 0.75, 0.80, 0.95, 1.50, 1.50),
    }
    return np.stack([_norm(np.asarray(rows[a], dtype=float)) for a in AREA_TYPES])


class FillProcess:
    """True fill levels of ``n`` bins, advanced one time step at a time.

    Parameters
    ----------
    params
        Hidden parameters of the bins (mean rate, area, lumpiness).
    rng
        Random generator of this process (advancing it is the only randomness).
    level
        Initial levels (%); by default uniform between 0 and 60 %.

    Attributes
    ----------
    level
        Current true level of each bin (%), may exceed 100 (overflow).
    """

    def __init__(self, params: BinParams, rng: np.random.Generator, level: np.ndarray | None = None) -> None:
        self.params = params
        self.rng = rng
        n = len(params.rate_pct_day)
        self.level = rng.uniform(0.0, 60.0, n) if level is None else np.asarray(level, dtype=float).copy()
        self._hour = hour_profiles()[params.area_idx]  # (n, 24)
        self._weekday = weekday_profiles()[params.area_idx]  # (n, 7)
        self._log_day = np.zeros(n)
        self._day = -1
        self._day_mult = np.ones(n)

    def _new_day(self, day: int) -> None:
        """Draw each bin's multiplier for a new local day (AR(1) in logs: busy days come in runs)."""
        steps = day - self._day if self._day >= 0 else 1
        for _ in range(min(steps, 30)):
            shock = self.rng.normal(0.0, cal.DAY_LOG_SD * np.sqrt(1 - cal.DAY_AR1**2), len(self._log_day))
            self._log_day = cal.DAY_AR1 * self._log_day + shock
        # Mean-one multiplier: subtract half the stationary variance of the log.
        self._day_mult = np.exp(self._log_day - 0.5 * cal.DAY_LOG_SD**2)
        self._day = day

    def advance(self, hour: float, weekday: int, day: int, dt_h: float) -> np.ndarray:
        """Add the waste thrown in during one step; returns the added amount per bin (% of volume).

        Parameters
        ----------
        hour
            Local hour of day at the step, in [0, 24).
        weekday
            Local weekday, Monday = 0.
        day
            Local day counter; a new value draws new day multipliers.
        dt_h
            Length of the step (hours).
        """
        if day != self._day:
            self._new_day(day)
        p = self.params
        shape = self._hour[:, int(hour) % 24] * self._weekday[:, weekday] * self._day_mult
        mean_add = p.rate_pct_day * shape * (dt_h / 24.0)
        steady = mean_add * (1.0 - p.event_share)
        lump_p = np.minimum(mean_add * p.event_share / p.jump_pct, 1.0)
        n = len(mean_add)
        lumps = np.where(self.rng.random(n) < lump_p, self.rng.exponential(p.jump_pct), 0.0)
        added = steady + lumps
        self.level = np.minimum(self.level + added, OVERFLOW_CAP_PCT)
        return added

    def empty(self, idx: np.ndarray, after_pct: np.ndarray) -> np.ndarray:
        """Empty bins ``idx`` down to ``after_pct`` (never up); returns their levels before (%)."""
        before = self.level[idx].copy()
        self.level[idx] = np.minimum(before, after_pct)
        return before
