"""Collection policies: each morning, which bins the trucks visit, and the routes that visit them.

- :class:`FixedSchedule`: the way most cities work today. Each bin has a round of 1, 2, 3, 6 or 7 visits a week,
  the fewest whose longest gap keeps a bin of its mean fill rate below a target level. Each weekday's bins form a
  compact district (equal-count slices by bearing around the bins' centre), its routes are built once with the same
  solver, and the same routes are driven every week.
- :class:`ThresholdPolicy`: what simple sensor dashboards do: visit every bin whose latest report is at or above a
  fill threshold.
- :class:`SmartPolicy` (``smart``): selection and routing in one model (:mod:`routing.operations.prizes`): every
  bin at risk of overflowing before its next possible visit is an optional stop with a prize from that risk, only
  near-certain overflows are required, and the solver picks the day's bins against the detours and the trucks'
  fixed costs.
- :class:`ThresholdSelectionPolicy` (``smart-threshold``): the daily plan's forecast-driven selection
  (:mod:`routing.selection`) before routing: must-go bins likely to overflow before the next possible visit, may-go
  bins offered to the solver with a penalty worth the visit saved. Kept for comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
import pandas as pd

from routing.operations.city import CityTables
from routing.operations.prizes import PrizeRule, default_overflow_cost, prize_visits
from routing.operations.routes import DayRoutes, RouteSettings, route_day
from routing.operations.sensing import SensorFeed
from routing.selection import SelectionRule, select_bins, visits_from_selection
from waste.errors import InputError
from waste.synthetic.schedule import DAY_SETS, LONGEST_GAP_D

#: Longest gap (days) between two visits of each round, from the weekdays of its first option.
ROUND_GAP_D = {
    k: float(max(((b - a) % 7 or 7) for a, b in zip(days, (*days[1:], days[0]), strict=True)))
    for k, (days, *_) in DAY_SETS.items()
}

#: Policies by name, in the order of reports.
POLICIES = ("fixed", "threshold", "smart", "smart-threshold")
#: The policies a comparison runs unless told otherwise.
DEFAULT_POLICIES = ("fixed", "threshold", "smart")
#: Visits a week the fixed schedule may give a bin.
ROUNDS = tuple(sorted(DAY_SETS))
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


def fixed_rounds(
    bins: pd.DataFrame, rate_pct_day: np.ndarray, target_pct: float, rounds_shift: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Each bin's visits a week and weekdays of its round, grouped into compact districts.

    Parameters
    ----------
    bins
        The bin table (positions give the districts).
    rate_pct_day
        Each bin's mean fill rate (% a day).
    target_pct
        Level a bin of its mean rate may reach at the end of its round's longest gap.
    rounds_shift
        Visits a week added to (or, negative, taken from) every bin's round, within 1-7: the schedule one
        collection a week richer or poorer than the city's, for a frontier of km against overflow.

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
    per_week = np.clip(per_week + rounds_shift, min(ROUNDS), max(ROUNDS))
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
    rounds_shift: int = 0
    name: str = "fixed"
    _routes: dict[int, DayRoutes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.per_week, self.mask = fixed_rounds(self.city.bins, self.rate_pct_day, self.target_pct, self.rounds_shift)
        gap_d = np.array([ROUND_GAP_D[int(k)] for k in self.per_week])
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


def _recent_readings(morning: Morning) -> pd.DataFrame:
    until = int(morning.shift_start.timestamp())
    return morning.sensors.readings(until - FORECAST_HISTORY_D * 86_400, until)


def smart_overflow_cost(city: CityTables) -> float:
    """The city's cost of a bin-hour overflowing (``city.toml``), else the default from its fleet's costs."""
    return city.overflow_cost_per_h if city.overflow_cost_per_h is not None else default_overflow_cost(city.fleet)


@dataclass
class SmartPolicy:
    """Offer every bin at risk to the solver with a prize from its risk; the solver picks (module docstring)."""

    city: CityTables
    settings: RouteSettings
    rule: PrizeRule = field(default_factory=PrizeRule)
    rate_pct_day: np.ndarray | None = None
    name: str = "smart"
    _mask: np.ndarray | None = None

    @property
    def overflow_cost_per_h(self) -> float:
        """The rule's cost of a bin-hour overflowing, else the city's (:func:`smart_overflow_cost`), currency."""
        own = self.rule.overflow_cost_per_h
        return own if own is not None else smart_overflow_cost(self.city)

    def round_gap_d(self, weekday: int) -> np.ndarray:
        """Per bin: days to its round's next day if ``weekday`` is a day of its round, else 0.

        The rounds are the city's fixed ones (:func:`fixed_rounds` on the bins' mean rates, as the fixed schedule
        sizes them): a city that adopts sensors keeps its districts.
        """
        if self._mask is None:
            if self.rate_pct_day is None:
                raise InputError("district rounds need the bins' mean fill rates", field="rounds")
            self._mask = fixed_rounds(self.city.bins, self.rate_pct_day, 90.0)[1]
        mask = self._mask
        gap = np.zeros(len(mask))
        today = mask[:, weekday]
        for ahead in range(7, 0, -1):  # the nearest next round day wins
            gap = np.where(today & mask[:, (weekday + ahead) % 7], float(ahead), gap)
        return gap

    def plan(self, morning: Morning) -> DayRoutes:
        """Forecast, price every bin at risk, and let the solver choose and route."""
        readings = _recent_readings(morning)
        if readings.empty:
            return DayRoutes.idle()
        visits = prize_visits(
            readings,
            self.city.bins,
            self.city.fleet,
            start=morning.shift_start,
            shift_h=self.city.shift_h,
            rule=self.rule,
            overflow_cost_per_h=self.overflow_cost_per_h,
            round_gap_d=self.round_gap_d(morning.weekday) if self.rule.rounds else None,
        )
        return route_day(self.city.sites, self.city.bins, self.city.fleet, visits, self.settings, morning.date)


@dataclass
class ThresholdSelectionPolicy:
    """Forecast every bin from the reports so far and route the must-go and may-go bins (:mod:`routing.selection`)."""

    city: CityTables
    settings: RouteSettings
    rule: SelectionRule = field(default_factory=SelectionRule)
    name: str = "smart-threshold"

    def plan(self, morning: Morning) -> DayRoutes:
        """Select with the forecast, then route."""
        readings = _recent_readings(morning)
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
    fixed_rounds_shift: int = 0,
    rule: SelectionRule | None = None,
    prize_rule: PrizeRule | None = None,
) -> Callable[[CityTables, np.ndarray], Policy]:
    """A function that builds the policy ``name`` for a city and its bins' mean fill rates (% a day).

    ``rule`` is the ``smart-threshold`` policy's must-go / may-go rule (the plan's default when ``None``),
    ``prize_rule`` the ``smart`` policy's prizes (its overflow cost from the city when unset), and
    ``fixed_rounds_shift`` the visits a week the fixed schedule adds to (or takes from) every bin's round.

    Raises
    ------
    InputError
        For an unknown policy name, a threshold outside 1-100 % or a rounds shift outside -6..6.
    """
    if name not in POLICIES:
        raise InputError(f"unknown policy {name!r}; choose from {', '.join(POLICIES)}", field="policy")
    if not 1.0 <= threshold_pct <= 100.0:
        raise InputError(f"threshold must be within 1-100 %, got {threshold_pct}", field="threshold")
    if not -6 <= fixed_rounds_shift <= 6:
        raise InputError(f"rounds shift must be within -6..6, got {fixed_rounds_shift}", field="rounds_shift")
    if name == "fixed":
        once = replace(settings, time_limit_s=settings.time_limit_s * FIXED_BUDGET_FACTOR)
        return lambda city, rate: FixedSchedule(
            city, rate, once, target_pct=fixed_target_pct, rounds_shift=fixed_rounds_shift
        )
    if name == "threshold":
        return lambda city, rate: ThresholdPolicy(city, settings, threshold_pct=threshold_pct)
    if name == "smart":
        prizes = prize_rule or PrizeRule()
        return lambda city, rate: SmartPolicy(city, settings, rule=prizes, rate_pct_day=rate)
    chosen = rule or SelectionRule()
    return lambda city, rate: ThresholdSelectionPolicy(city, settings, rule=chosen)
