"""Integrated selection and routing: every bin at risk is a prize-collecting stop, and the solver picks the day's bins.

A threshold rule decides which bins go before the routes are known, so it cannot see that a half-full bin next to
today's route costs almost nothing now, or that a whole district of bins at moderate risk can wait a day. The
integrated policy (after Wouda, Aerts-Veenstra & van Foreest 2024, "An integrated selection and routing policy for
urban waste collection") leaves that choice to the routing model. Each morning, from one fit of the fill forecast:

- if a bin is not collected today, its next chance is tomorrow's shift; a visit happens mid-shift on average, so
  the *next visit* is ``24 h`` after today's (today's at ``shift / 2`` after the start);
- ``p`` is each bin's probability of overflowing before that next visit, and ``hours`` the hours it is expected
  to spend full between today's visit and the next (:meth:`waste.forecast.FittedForecast.full_risk`): the
  overflow a visit today prevents;
- a bin with ``p`` at or above :attr:`PrizeRule.required_probability` (near-certain), or full now (reported or
  estimated at its threshold), is a **required** stop;
- a bin with ``p`` at or above :attr:`PrizeRule.min_probability` is an **optional** stop whose prize (the penalty
  of leaving it out) is ``overflow_cost_per_h * hours``, plus ``later_visit_share`` times the cost of a separate
  later visit scaled by how full it will be (off by default);
- an optional stop whose prize does not cover its *marginal cost* (its service time, and the drive to its nearest
  fellow candidate of its stream, at the cheapest costs of the trucks that collect that stream: about what a route
  through its neighbour would spend on it) is not offered: it would not pay even in the best company;
- every other bin waits, as do bins whose sensor is silent or stuck (nothing to forecast from).

The marginal-cost filter is what makes the prizes bite at a few seconds of search a day: a routing search's first
solution inserts nearly every optional stop, and only its later moves drop those that do not pay (on a Baltimore
sector of 275 bins with tiny prizes, OR-Tools served 255 after 3 s and 30 after 15 s). Leaving out stops that cannot
pay also makes the day's problem smaller and its first solution quicker.

The prize is priced in the unit the city is judged by, bin-hours overflowing, rather than in the probability of an
overflow (Wouda et al.'s prize): a bin that will be full from tonight is worth far more than one that may just
reach the brim late tomorrow, though both are likely to overflow. The solver weighs each prize against the detour,
and each truck's fixed cost (``fixed_cost`` of the fleet table) against the prizes its route would collect, so a
light day sends fewer trucks and a bin far from every route waits until its risk pays for the trip.

``overflow_cost_per_h`` is in the city's currency: what the city will pay to spare one bin one hour of overflowing
(litter, complaints, street cleaning). It is a per-city setting (``[collection] overflow_cost_per_h`` in the city's
``city.toml``); without one it is :data:`DEFAULT_OVERFLOW_TRUCK_H` truck-hours of the fleet's mean cost, a default
chosen by sweeping it in the operations simulator (``benchmarks/simulate_frontier.py``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from routing.matrix import DEFAULT_CIRCUITY, DEFAULT_SPEED_KPH
from routing.selection import visit_costs
from waste.errors import InputError
from waste.forecast import fit_forecast

#: Cost of a bin-hour overflowing when a city's ``city.toml`` names none, in hours of a truck's cost: one bin full
#: for one hour is worth this share of a truck-hour to avoid. Of the values swept (0.001, 0.003, 0.01, 0.03), the one
#: with the fewest km at no more overflow than the city's fixed rounds, on both sample cities (7 days, seed 0,
#: ``benchmarks/results/simulate_frontier_<city>_7d.md``).
DEFAULT_OVERFLOW_TRUCK_H = 0.003
#: Hours between today's visit and the next possible one (tomorrow's, at the same point of the shift).
NEXT_VISIT_H = 24.0


@dataclass(frozen=True, slots=True)
class PrizeRule:
    """How forecast risks become required stops and prizes (see the module docstring).

    Attributes
    ----------
    overflow_cost_per_h
        Value (currency) of sparing one bin one hour of overflowing; a bin's prize is this times the hours it is
        expected to spend full before its next visit. ``None`` takes the city's setting or
        :data:`DEFAULT_OVERFLOW_TRUCK_H` truck-hours.
    min_probability
        Overflow probability from which a bin is offered to the solver at all (0-1).
    required_probability
        Overflow probability from which a bin must go today (0-1).
    later_visit_share
        Weight of the separate later visit a visit today saves, scaled by the bin's fill (0 leaves it out).
    offer_unpaid
        Also offer optional bins whose prize does not cover their marginal cost (module docstring).
    rounds
        Keep the city's district rounds (the fixed schedule's weekdays per bin): a bin is offered on its round's
        days, priced by the overflow until its round's next day, and on other days only when required. Routes then
        stay in compact districts, and the forecast decides which of a district's bins go.
    """

    overflow_cost_per_h: float | None = None
    min_probability: float = 0.02
    required_probability: float = 0.9
    later_visit_share: float = 0.0
    offer_unpaid: bool = False
    rounds: bool = False

    def __post_init__(self) -> None:
        cost = self.overflow_cost_per_h
        if cost is not None and not (cost >= 0 and np.isfinite(cost)):
            raise InputError(f"overflow cost must be finite and >= 0, got {cost}", field="overflow_cost_per_h")
        if not 0.0 <= self.min_probability <= self.required_probability <= 1.0:
            msg = (
                "probabilities must satisfy 0 <= min_probability <= required_probability <= 1, got "
                f"{self.min_probability} and {self.required_probability}"
            )
            raise InputError(msg, field="min_probability")
        if self.later_visit_share < 0:
            raise InputError(f"later-visit share must be >= 0, got {self.later_visit_share}", field="later_visit_share")


def truck_hour_cost(fleet: pd.DataFrame) -> float:
    """The fleet's mean cost of a truck-hour (currency), weighted by trucks: the unit overflow costs are swept in."""
    weights = fleet["count"].to_numpy(dtype=float)
    return float(np.average(fleet["cost_per_h"].to_numpy(dtype=float), weights=weights)) if weights.sum() else 0.0


def default_overflow_cost(fleet: pd.DataFrame) -> float:
    """:data:`DEFAULT_OVERFLOW_TRUCK_H` hours of the fleet's mean truck-hour cost (currency per bin-hour)."""
    return DEFAULT_OVERFLOW_TRUCK_H * truck_hour_cost(fleet)


def city_overflow_cost(folder: Path) -> float | None:
    """The ``[collection] overflow_cost_per_h`` of a city folder's ``city.toml``, or ``None`` when it sets none.

    Raises
    ------
    InputError
        When the value is not a non-negative number (naming the file and field).
    """
    path = folder / "city.toml"
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", file=str(path)) from None
    value = data.get("collection", {}).get("overflow_cost_per_h")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        msg = f"{path}: overflow_cost_per_h must be a number >= 0, got {value!r}"
        raise InputError(msg, field="collection.overflow_cost_per_h")
    return float(value)


def marginal_costs(candidates: pd.DataFrame, fleet: pd.DataFrame) -> np.ndarray:
    """Estimated cost (currency) of adding each candidate bin to a route that passes its nearest fellow candidate.

    Its service time plus the drive to that neighbour (straight line times :data:`DEFAULT_CIRCUITY`, at
    :data:`DEFAULT_SPEED_KPH`), at the lowest per-hour and per-km costs of the trucks that collect its stream. A bin
    of a stream no truck collects costs nothing here (the solver reports it).
    """
    out = np.zeros(len(candidates))
    lat = candidates["lat"].to_numpy(dtype=float)
    lon = candidates["lon"].to_numpy(dtype=float)
    service_h = candidates["service_s"].to_numpy(dtype=float) / 3600.0
    stream = candidates["stream"].astype(str).to_numpy()
    kx = 111_320.0 * np.cos(np.radians(np.nanmean(lat))) if len(lat) else 111_320.0
    xy = np.column_stack([lon * kx, lat * 110_540.0])
    streams = fleet["streams"].astype(str).str.split(";")
    for name in np.unique(stream):
        trucks = fleet[streams.map(lambda s, n=name: n in s)]
        if trucks.empty:
            continue
        rows = np.flatnonzero(stream == name)
        if len(rows) > 1:
            dist_m, _ = cKDTree(xy[rows]).query(xy[rows], k=2)
            nearest_km = dist_m[:, 1] * DEFAULT_CIRCUITY / 1000.0
        else:
            nearest_km = np.zeros(len(rows))
        per_h = float(trucks["cost_per_h"].min())
        per_km = float(trucks["cost_per_km"].min())
        out[rows] = per_h * (service_h[rows] + nearest_km / DEFAULT_SPEED_KPH) + per_km * nearest_km
    return out


def prize_visits(
    readings: pd.DataFrame,
    bins: pd.DataFrame,
    fleet: pd.DataFrame,
    *,
    start: pd.Timestamp,
    shift_h: float,
    rule: PrizeRule,
    overflow_cost_per_h: float,
    round_gap_d: np.ndarray | None = None,
) -> pd.DataFrame:
    """Today's visits table for the solver (module docstring).

    Columns ``bin_id``, ``fill_pct`` (median fill at today's visit), ``mandatory``, ``penalty`` (the prize of an
    optional bin; 0 for a required one), ``p_overflow`` and ``hours_full`` (see the module docstring).

    Parameters
    ----------
    readings
        Sensor reports up to ``start`` (``bin_id``, ``ts`` UTC, ``fill_pct``).
    bins, fleet
        The city's tables (the fleet's costs give the later-visit term).
    start
        Start of today's shift (timezone-aware).
    shift_h
        Length of the shift (h).
    rule
        Probabilities and the later-visit share.
    overflow_cost_per_h
        Value of sparing one bin one hour of overflowing (currency).
    round_gap_d
        With district rounds (:attr:`PrizeRule.rounds`): for each bin of ``bins``, days from today to its round's
        next day if today is one of its round's days, else 0. A bin of today's round is priced by the overflow
        until that next round day; any other bin is offered only when required.
    """
    start = pd.Timestamp(start).tz_convert("UTC")
    visit_h = max(shift_h / 2, 0.5)
    fitted = fit_forecast(readings, bins, at=start)
    next_visit, at_visit = fitted.table(visit_h + NEXT_VISIT_H), fitted.table(visit_h)
    ids = bins["bin_id"].astype(str)
    if round_gap_d is None:
        until_h: float | pd.Series = visit_h + NEXT_VISIT_H
    else:
        gap = np.asarray(round_gap_d, dtype=float)
        until_h = pd.Series(visit_h + 24.0 * np.where(gap > 0, gap, 1.0), index=ids.to_numpy())
    risk = fitted.full_risk(visit_h, until_h)
    table = (
        bins[["bin_id"]]
        .merge(
            next_visit[["bin_id", "status", "p_overflow", "last_fill_pct", "fill_now_pct", "threshold_pct"]],
            on="bin_id",
            how="left",
        )
        .merge(at_visit[["bin_id", "fill_pct"]], on="bin_id", how="left")
    )
    ok = (table["status"] == "ok").to_numpy()
    p = np.nan_to_num(table["p_overflow"].to_numpy(dtype=float), nan=0.0)
    full_h = np.nan_to_num(risk["hours_full"].reindex(ids).to_numpy(dtype=float), nan=0.0)
    p_until = np.nan_to_num(risk["p_full"].reindex(ids).to_numpy(dtype=float), nan=0.0)
    fill = np.clip(np.nan_to_num(table["fill_pct"].to_numpy(dtype=float), nan=0.0), 0.0, 100.0)
    threshold = table["threshold_pct"].to_numpy(dtype=float)
    reported = np.nan_to_num(table["last_fill_pct"].to_numpy(dtype=float), nan=0.0)
    estimated = np.nan_to_num(table["fill_now_pct"].to_numpy(dtype=float), nan=0.0)
    full_now = (reported >= threshold) | (estimated >= threshold)
    required = ok & ((p >= rule.required_probability) | full_now)
    offered = ok & (required | (np.maximum(p, p_until) >= rule.min_probability))
    if round_gap_d is not None:
        offered &= required | (np.asarray(round_gap_d) > 0)
    penalty = overflow_cost_per_h * full_h
    if rule.later_visit_share:
        penalty = penalty + rule.later_visit_share * visit_costs(bins, fleet).to_numpy() * fill / 100.0
    if not rule.offer_unpaid:
        candidates = np.flatnonzero(offered)
        cost = np.zeros(len(p))
        cost[candidates] = marginal_costs(bins.iloc[candidates], fleet)
        offered &= required | (penalty >= cost)
    rows = np.flatnonzero(offered)
    return pd.DataFrame(
        {
            "bin_id": table["bin_id"].to_numpy()[rows],
            "fill_pct": fill[rows],
            "mandatory": required[rows],
            "penalty": np.where(required[rows], 0.0, penalty[rows]),
            "p_overflow": p[rows],
            "hours_full": full_h[rows],
        }
    )
