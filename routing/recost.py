"""Drive a finished plan on other travel matrices: how far a straight-line plan is from the same plan on real roads.

A plan made on the straight-line estimate is cheap to compute, but its kilometres and times are a guess. Re-costing
keeps every truck's order of visits and replays its day on other matrices (typically OSRM's): each leg takes the new
driving time, service and unloading times stay, a truck that arrives early still waits for the window, and a break
stays on the leg it was planned on. The independent checker then says what the real roads break: windows missed,
shifts overrun, disposal sites reached after closing. Nothing is re-optimised, which is the point: the gap between
the two costings is the error a dispatcher would meet by trusting the straight line.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from itertools import pairwise

import numpy as np
import pandas as pd

from routing.check import check
from routing.problem import Problem
from routing.solution import Route, Solution, Visit


@dataclasses.dataclass(frozen=True, slots=True)
class Recosted:
    """A plan replayed on other matrices.

    Attributes
    ----------
    solution
        The same routes with times recomputed on the new matrices (its ``problem`` holds them).
    routes
        One row per route: ``route``, ``vehicle_type``, ``km_before``, ``km_after``, ``drive_h_before``,
        ``drive_h_after``, ``day_h_before``, ``day_h_after`` (depot out to depot back).
    violations
        What the replayed plan breaks, by kind of violation (``time_window``, ``shift``, ``disposal_hours``, ...).
    """

    solution: Solution
    routes: pd.DataFrame
    violations: dict[str, int]

    def totals(self) -> dict[str, float]:
        """Sums over all routes, and the ratios after / before."""
        sums = self.routes[[c for c in self.routes.columns if c.endswith(("_before", "_after"))]].sum()
        out = {key: float(value) for key, value in sums.items()}
        for what in ("km", "drive_h", "day_h"):
            before = out[f"{what}_before"]
            out[f"{what}_ratio"] = out[f"{what}_after"] / before if before else float("nan")
        return out


def recost(solution: Solution, distance_m: np.ndarray, duration_s: np.ndarray) -> Recosted:
    """Replay every route of ``solution`` on ``distance_m`` (m) and ``duration_s`` (s) over the same locations.

    Raises
    ------
    ValueError
        When the matrices do not match the problem's locations.
    """
    before = solution.problem
    after = before.replace(
        distance_m=np.asarray(distance_m, dtype=np.int64), duration_s=np.asarray(duration_s, dtype=np.int64)
    )
    routes = tuple(_replay(after, route) for route in solution.routes)
    replayed = Solution(after, routes, solution.unserved)
    rows = []
    for r, (old, new) in enumerate(zip(solution.routes, routes, strict=True)):
        rows.append(
            {
                "route": r,
                "vehicle_type": before.vehicle_types[old.vehicle_type].name,
                "km_before": old.distance_m(before) / 1000,
                "km_after": new.distance_m(after) / 1000,
                "drive_h_before": _driving_s(before, old) / 3600,
                "drive_h_after": _driving_s(after, new) / 3600,
                "day_h_before": old.duration_s() / 3600,
                "day_h_after": new.duration_s() / 3600,
            }
        )
    violations = Counter(v.check for v in check(after, replayed))
    return Recosted(replayed, pd.DataFrame(rows), dict(sorted(violations.items())))


def _replay(problem: Problem, route: Route) -> Route:
    """``route``'s visits in the same order, timed on ``problem``'s matrices."""
    vt = problem.vehicle_types[route.vehicle_type]
    brk = vt.driver_break
    break_leg = _break_leg(route)
    places = {"depot": problem.depots, "stop": problem.stops, "disposal": problem.disposal_sites}
    first = route.visits[0]
    visits = [first]
    break_start = route.break_start_s if break_leg is None else None
    for i, v in enumerate(route.visits[1:], start=1):
        prev = visits[-1]
        prev_loc = places[prev.kind][prev.index].location
        place = places[v.kind][v.index]
        leave = prev.departure_s
        if brk is not None and break_leg == i:
            break_start = max(leave, brk.earliest_start_s)
            leave = break_start + brk.duration_s
        arrival = leave + int(problem.duration_s[prev_loc, place.location])
        if v.kind == "stop":
            stop = problem.stops[v.index]
            start, service = max(arrival, stop.tw_start_s), stop.service_s
        elif v.kind == "disposal":
            site = problem.disposal_sites[v.index]
            start, service = max(arrival, site.opens_s), site.unload_s
        else:
            start, service = arrival, 0
        visits.append(Visit(v.kind, v.index, arrival, start, start + service, v.load_kg, v.load_m3))
    return Route(route.vehicle_type, route.vehicle, tuple(visits), break_start)


def _break_leg(route: Route) -> int | None:
    """Index of the visit whose incoming leg holds the break, or ``None`` when it is taken at the depot."""
    b = route.break_start_s
    if b is None:
        return None
    for i in range(1, len(route.visits)):
        if route.visits[i - 1].departure_s <= b < route.visits[i].start_s:
            return i
    return None


def _driving_s(problem: Problem, route: Route) -> int:
    """Time spent driving (s): the matrix times of the route's legs, without waits, services or the break."""
    locs = route.locations(problem)
    return int(sum(problem.duration_s[a, b] for a, b in pairwise(locs)))
