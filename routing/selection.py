"""Which bins to visit today: must-go, may-go, or left for another day.

The rule, for a plan whose shift starts at ``start`` (local time) and lasts ``shift_h`` hours:

- **must-go**: the probability that the bin overflows (reaches its threshold, 100 % by default) before the
  *next possible visit* is at least :attr:`SelectionRule.must_go_probability` (10 % by default). If the bin is not
  collected today, the next chance is tomorrow's shift, and in the worst case the end of it: so the horizon is
  ``24 h + shift_h`` from today's start.
- **may-go**: not must-go, but expected to be at least :attr:`SelectionRule.may_go_min_fill_pct` full (50 %) at
  the visit (mid-shift). It is offered to the solver as an optional stop whose penalty, the value of visiting it
  today, is what the visit saves later: ``visit_cost * fill_at_visit / 100``. A nearly full bin saves nearly a whole
  later visit; a half-full one saves half of one. The solver takes a may-go bin when its detour costs less than
  that, so nearby, nearly full bins join today's routes and far, half-empty ones wait.
- **skip**: everything else, including bins whose sensor is silent or stuck (their status says so, and the plan
  lists them: a guess would look like a forecast).

``visit_cost`` is, unless given, the cost of a separate trip to one bin: its service time plus a detour of twice
the typical distance between neighbouring bins of its stream, at the mean per-km and per-hour cost of the trucks
that collect that stream. The typical neighbour distance of ``n`` bins spread over an area ``A`` is
``0.5 * sqrt(A / n)`` (the mean nearest-neighbour distance of points scattered at random; Clark & Evans 1954),
times the road circuity factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from routing.matrix import DEFAULT_CIRCUITY, DEFAULT_SPEED_KPH, haversine_m
from waste.forecast import forecast_horizons

#: Columns of the selection table (one row per bin).
SELECTION_COLUMNS = [
    "bin_id",
    "stream",
    "status",
    "decision",
    "fill_now_pct",
    "fill_at_visit_pct",
    "p_overflow",
    "hours_to_threshold",
    "penalty",
]


@dataclass(frozen=True, slots=True)
class SelectionRule:
    """Parameters of the must-go / may-go rule (see the module docstring).

    Attributes
    ----------
    must_go_probability
        Probability of overflow before the next possible visit from which a bin must go today (0-1).
    may_go_min_fill_pct
        Expected fill at the visit (%) from which a bin is offered as optional.
    visit_cost
        Value of a whole later visit saved (currency); estimated from the fleet's costs when ``None``.
    """

    must_go_probability: float = 0.10
    may_go_min_fill_pct: float = 50.0
    visit_cost: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.must_go_probability <= 1.0:
            msg = f"must_go_probability={self.must_go_probability} must be in (0, 1]"
            raise ValueError(msg)
        if not 0.0 <= self.may_go_min_fill_pct <= 100.0:
            msg = f"may_go_min_fill_pct={self.may_go_min_fill_pct} must be within 0-100"
            raise ValueError(msg)


def select_bins(
    readings: pd.DataFrame,
    bins: pd.DataFrame,
    fleet: pd.DataFrame,
    *,
    start: pd.Timestamp,
    shift_h: float,
    rule: SelectionRule | None = None,
) -> pd.DataFrame:
    """Decide, for every bin, whether it must go, may go or waits.

    Parameters
    ----------
    readings
        Readings up to ``start`` (``bin_id``, ``ts`` UTC, ``fill_pct``).
    bins
        The city's bins (:data:`waste.model.BIN_COLUMNS`).
    fleet
        The city's vehicle types, for the default visit cost.
    start
        Start of today's shift (timezone-aware).
    shift_h
        Length of the shift (h).
    rule
        Thresholds and visit cost.

    Returns
    -------
    pandas.DataFrame
        :data:`SELECTION_COLUMNS`: ``decision`` is ``must``, ``may`` or ``skip``; ``penalty`` (currency) is set for
        ``may`` bins; ``fill_at_visit_pct`` is the median forecast at mid-shift.
    """
    rule = rule or SelectionRule()
    start = pd.Timestamp(start).tz_convert("UTC")
    horizons_h = (24.0 + shift_h, max(shift_h / 2, 0.5))  # the next possible visit; mid-shift today
    next_visit, at_visit = forecast_horizons(readings, bins, horizons_h=horizons_h, at=start)
    table = (
        bins[["bin_id", "stream"]]
        .merge(
            next_visit[["bin_id", "status", "fill_now_pct", "p_overflow", "hours_to_threshold"]],
            on="bin_id",
            how="left",
        )
        .merge(at_visit[["bin_id", "fill_pct"]].rename(columns={"fill_pct": "fill_at_visit_pct"}), on="bin_id")
    )
    ok = (table["status"] == "ok").to_numpy()
    p = table["p_overflow"].to_numpy(dtype=float)
    fill = table["fill_at_visit_pct"].to_numpy(dtype=float)
    must = ok & (p >= rule.must_go_probability)
    may = ok & ~must & (fill >= rule.may_go_min_fill_pct)
    table["decision"] = np.select([must, may], ["must", "may"], default="skip")
    visit_cost = visit_costs(bins, fleet) if rule.visit_cost is None else pd.Series(rule.visit_cost, index=bins.index)
    table["penalty"] = np.where(may, visit_cost.to_numpy() * np.clip(fill, 0, 100) / 100.0, 0.0)
    return table[SELECTION_COLUMNS]


def visits_from_selection(selection: pd.DataFrame) -> pd.DataFrame:
    """The visits table :meth:`routing.problem.Problem.from_frames` takes: must-go and may-go bins."""
    chosen = selection[selection["decision"].isin(["must", "may"])]
    return pd.DataFrame(
        {
            "bin_id": chosen["bin_id"].to_numpy(),
            "fill_pct": chosen["fill_at_visit_pct"].clip(0, 100).to_numpy(),
            "mandatory": (chosen["decision"] == "must").to_numpy(),
            "penalty": chosen["penalty"].to_numpy(),
        }
    )


def visit_costs(bins: pd.DataFrame, fleet: pd.DataFrame) -> pd.Series:
    """Cost of a separate trip to each bin (currency): service plus a detour to its typical neighbour and back."""
    costs = pd.Series(np.nan, index=bins.index)
    for stream, group in bins.groupby("stream"):
        trucks = fleet[fleet["streams"].str.split(";").map(lambda s, st=stream: st in s)]
        if trucks.empty:
            continue
        weights = trucks["count"].to_numpy(dtype=float)
        per_km = float(np.average(trucks["cost_per_km"], weights=weights))
        per_h = float(np.average(trucks["cost_per_h"], weights=weights))
        spacing_km = _typical_spacing_m(group) * DEFAULT_CIRCUITY / 1000.0
        detour_km = 2.0 * spacing_km
        hours = group["service_s"].to_numpy(dtype=float) / 3600.0 + detour_km / DEFAULT_SPEED_KPH
        costs.loc[group.index] = per_km * detour_km + per_h * hours
    return costs.fillna(0.0)


def _typical_spacing_m(group: pd.DataFrame) -> float:
    """Mean nearest-neighbour distance (m) of ``group``'s bins if scattered at random over their bounding box."""
    lat, lon = group["lat"].to_numpy(dtype=float), group["lon"].to_numpy(dtype=float)
    if len(group) < 2:
        return 1000.0
    width = haversine_m(lat.mean(), lon.min(), lat.mean(), lon.max())
    height = haversine_m(lat.min(), lon.mean(), lat.max(), lon.mean())
    area = max(float(width * height), 1.0)
    return 0.5 * float(np.sqrt(area / len(group)))
