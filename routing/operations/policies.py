"""Collection policies: each morning, which bins the trucks visit, and the routes that visit them.

- :class:`FixedSchedule`: the way most cities work today. Each bin has a round of 1, 2, 3, 6 or 7 visits a week,
  the fewest whose longest gap keeps a bin of its mean fill rate below a target level. Each weekday's bins form a
  compact district (equal-count slices by bearing around the bins' centre), its routes are built once with the same
  solver, and the same routes are driven every week.
- :class:`ThresholdPolicy`: what simple sensor dashboards do: visit every bin whose latest report is at or above a
  fill threshold.
- :class:`SmartPolicy`: the project's forecast-driven selection (:mod:`routing.selection`): must-go bins likely to
  overflow before the next possible visit, may-go bins offered to the solver with a penalty worth the visit saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
import pandas as pd

from routing.operations.city import CityTables
from routing.operations.routes import DayRoutes, RouteSettings, route_day
from routing.operations.sensing import SensorFeed
from routing.selection import SelectionRule, select_bins, visits_from_selection
from waste.errors import InputError
from waste.synthetic.schedule import DAY_SETS, LONGEST_GAP_D

#: Policies by name, in the order of reports.
POLICIES = ("fixed", "threshold", "smart")
#: The fixed schedule's routes are built once and driven every week, so they get this many times a day's budget.
FIXED_BUDGET_FACTOR = 6.0
#: Days of reports the smart policy's forecast learns from.
FORECAST_HISTORY_D = 21


@dataclass(frozen=True, slots=True)
class Morning:
    """What a policy knows at the start of a simulated day's shift."""

    day: int
    date: str
    weekday: int
    shift_start: pd.Timestamp
    sensors: SensorFeed


class Policy(Protocol):
    """Decides and routes one day's collection."""

    name: str

    def plan(self, morning: Morning) -> DayRoutes:
        """The routes of the day starting at ``morning``."""
        ...


def _visits(bin_ids: np.ndarray, fill_pct: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bin_id": bin_ids,
            "fill_pct": np.clip(fill_pct, 0.0, 100.0),
            "mandatory": np.ones(len(bin_ids), dtype=bool),
            "penalty": np.zeros(len(bin_ids)),
        }
    )


def fixed_rounds(bins: pd.DataFrame, rate_pct_day: np.ndarray, target_pct: float) -> tuple[np.ndarray, np.ndarray]:
    """Each bin's visits a week and weekdays of its round, grouped into compact districts.

    Parameters
    ----------
    bins
        The bin table (positions give the districts).
    rate_pct_day
        Each bin's mean fill rate (% a day).
    target_pct
        Level a bin of its mean rate may reach at the end of its round's longest gap.

    Returns
    -------
    tuple of arrays
        Visits a week ``(n,)`` and the ``(n, 7)`` weekday mask (Monday first).
    """
    n = len(bins)
    allowed_d = target_pct / np.maximum(rate_pct_day, 0.1)
    per_week = np.full(n, 7)
    for k in sorted(LONGEST_GAP_D, reverse=True):
        per_week = np.where(LONGEST_GAP_D[k] <= allowed_d, k, per_week)
    lat = bins["lat"].to_numpy(dtype=float)
    lon = bins["lon"].to_numpy(dtype=float)
    bearing = np.arctan2(lat - lat.mean(), (lon - lon.mean()) * np.cos(np.radians(lat.mean())))
    mask = np.zeros((n, 7), dtype=bool)
    for k in np.unique(per_week):
        options = DAY_SETS[int(k)]
        rows = np.flatnonzero(per_week == k)
        rows = rows[np.argsort(bearing[rows], kind="stable")]
        for j, chunk in enumerate(np.array_split(rows, len(options))):
            mask[np.ix_(chunk, options[j])] = True
    return per_week, mask


@dataclass
class FixedSchedule:
    """Fixed weekly rounds; each weekday's routes are built once and driven every week (module docstring)."""

    city: CityTables
    rate_pct_day: np.ndarray
    settings: RouteSettings
    target_pct: float = 90.0
    name: str = "fixed"
    _routes: dict[int, DayRoutes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.per_week, self.mask = fixed_rounds(self.city.bins, self.rate_pct_day, self.target_pct)
        gap_d = np.array([LONGEST_GAP_D[int(k)] for k in self.per_week])
        self.expected_fill_pct = np.minimum(self.rate_pct_day * gap_d, 100.0)

    def plan(self, morning: Morning) -> DayRoutes:
        """The weekday's routes, built on first use."""
        if morning.weekday not in self._routes:
            rows = np.flatnonzero(self.mask[:, morning.weekday])
            ids = self.city.bins["bin_id"].to_numpy()[rows]
            visits = _visits(ids, self.expected_fill_pct[rows])
            name = f"{self.city.key} fixed weekday {morning.weekday}"
            self._routes[morning.weekday] = route_day(
                self.city.sites, self.city.bins, self.city.fleet, visits, self.settings, name
            )
        return self._routes[morning.weekday]


@dataclass
class ThresholdPolicy:
    """Visit every bin whose latest report is at or above ``threshold_pct``."""

    city: CityTables
    settings: RouteSettings
    threshold_pct: float = 75.0
    name: str = "threshold"

    def plan(self, morning: Morning) -> DayRoutes:
        """Route the bins reported at or above the threshold."""
        last = morning.sensors.last_pct
        rows = np.flatnonzero(np.nan_to_num(last, nan=-1.0) >= self.threshold_pct)
        ids = self.city.bins["bin_id"].to_numpy()[rows]
        visits = _visits(ids, last[rows])
        return route_day(self.city.sites, self.city.bins, self.city.fleet, visits, self.settings, morning.date)


@dataclass
class SmartPolicy:
    """Forecast every bin from the reports so far and route the must-go and may-go bins (:mod:`routing.selection`)."""

    city: CityTables
    settings: RouteSettings
    rule: SelectionRule = field(default_factory=SelectionRule)
    name: str = "smart"

    def plan(self, morning: Morning) -> DayRoutes:
        """Select with the forecast, then route."""
        until = int(morning.shift_start.timestamp())
        readings = morning.sensors.readings(until - FORECAST_HISTORY_D * 86_400, until)
        if readings.empty:
            return DayRoutes.idle()
        selection = select_bins(
            readings,
            self.city.bins,
            self.city.fleet,
            start=morning.shift_start,
            shift_h=self.city.shift_h,
            rule=self.rule,
        )
        visits = visits_from_selection(selection)
        return route_day(self.city.sites, self.city.bins, self.city.fleet, visits, self.settings, morning.date)


def policy_factory(
    name: str,
    settings: RouteSettings,
    *,
    threshold_pct: float = 75.0,
    fixed_target_pct: float = 90.0,
    rule: SelectionRule | None = None,
) -> Callable[[CityTables, np.ndarray], Policy]:
    """A function that builds the policy ``name`` for a city and its bins' mean fill rates (% a day).

    ``rule`` is the smart policy's must-go / may-go rule (the plan's default when ``None``).

    Raises
    ------
    InputError
        For an unknown policy name or a threshold outside 1-100 %.
    """
    if name not in POLICIES:
        raise InputError(f"unknown policy {name!r}; choose from {', '.join(POLICIES)}", field="policy")
    if not 1.0 <= threshold_pct <= 100.0:
        raise InputError(f"threshold must be within 1-100 %, got {threshold_pct}", field="threshold")
    if name == "fixed":
        once = replace(settings, time_limit_s=settings.time_limit_s * FIXED_BUDGET_FACTOR)
        return lambda city, rate: FixedSchedule(city, rate, once, target_pct=fixed_target_pct)
    if name == "threshold":
        return lambda city, rate: ThresholdPolicy(city, settings, threshold_pct=threshold_pct)
    chosen = rule or SelectionRule()
    return lambda city, rate: SmartPolicy(city, settings, rule=chosen)
