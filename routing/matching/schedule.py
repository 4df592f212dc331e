"""A hauler's daily plan: its accepted stops, each with its promised window, solved and checked by the routing engine.

Insertion (:mod:`routing.matching.day`) places stops as they are accepted; once a day's stops are final they are
re-solved together as a :class:`~routing.problem.Problem` (depot, the hauler's disposal site, trucks ending with an
unloading) by a solver backend and judged by :func:`routing.check.assert_feasible`. A stop the solver cannot place
within its window is reported unserved, never dropped in silence: the caller treats it as a missed pickup.

The solve is OR-Tools' (it models the windows, the final unloading and the volume directly), warm-started from the
insertion routes, so its local search starts from what matching built and the day never ends dearer than that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from routing.check import assert_feasible
from routing.matching.day import UNLOAD_S, HaulerDay
from routing.problem import Depot, DisposalSite, Problem, Stop, VehicleType
from routing.solution import Route, Solution, Visit
from routing.solvers import Result
from routing.solvers.ortools import solve as ortools_solve
from waste.matching.model import STREAMS

#: Payload limit of a hauler's truck (kg): on-demand pickups fill a truck's volume long before its legal weight.
TRUCK_PAYLOAD_KG = 12_000.0


@dataclass(frozen=True, slots=True)
class ScheduledDay:
    """A hauler's solved day: ETA (s from midnight) of each served request, requests left out, routes' cost.

    ``insertion_cost`` is the cost of the same day's routes as insertion built them, before the solve.
    """

    hauler_id: str
    date: str
    arrival_s: dict[int, int]
    unserved: tuple[int, ...]
    cost: float
    distance_km: float
    trucks_used: int
    result: Result
    insertion_cost: float


def day_problem(day: HaulerDay) -> Problem:
    """The routing problem of a hauler's day: locations are depot, disposal site, then its stops in order."""
    h = day.hauler
    coords = [(h.depot_lat, h.depot_lon), (h.disposal_lat, h.disposal_lon)] + [(s.lat, s.lon) for s in day.stops]
    m = day.matrices(np.asarray(coords, dtype=float))
    start, end = day.shift_s
    stops = tuple(
        Stop(
            id=str(s.request_id),
            location=n + 2,
            weight_kg=0.0,
            volume_m3=s.volume_m3,
            service_s=s.service_s,
            tw_start_s=s.window_start_s,
            tw_end_s=s.window_end_s,
            stream="general",
        )
        for n, s in enumerate(day.stops)
    )
    truck = VehicleType(
        name=f"{h.hauler_id} truck",
        count=int(h.trucks),
        capacity_kg=TRUCK_PAYLOAD_KG,
        capacity_m3=float(h.truck_capacity_m3),
        shift_start_s=start,
        shift_end_s=end,
        start_depot="depot",
        fixed_cost=float(h.truck_day_cost),
        cost_per_km=float(h.cost_per_km),
        cost_per_h=float(h.cost_per_h),
        streams=frozenset({"general"}),
        ends_at_disposal=True,
    )
    # Every stream rides as "general" in the routing model: a hauler's truck takes every stream the hauler does,
    # and the request's own stream is kept on the request.
    disposal = DisposalSite("disposal", 1, start, end + UNLOAD_S, unload_s=UNLOAD_S, streams=frozenset(STREAMS))
    return Problem(
        (Depot("depot", 0, start, end),),
        (disposal,),
        stops,
        (truck,),
        m.distance_m,
        m.duration_s,
        np.asarray(coords, dtype=float),
        f"{h.hauler_id} {day.date}",
    )


def schedule_day(day: HaulerDay, *, time_limit_s: float = 2.0, seed: int = 0) -> ScheduledDay:
    """Solve and check a hauler's day; the ETA of each request served, and the requests it could not serve."""
    problem = day_problem(day)
    result = ortools_solve(problem, time_limit_s=time_limit_s, seed=seed, initial=insertion_solution(day, problem))
    assert_feasible(problem, result.solution)
    arrival = {}
    for route in result.solution:
        for visit in route.visits:
            if visit.kind == "stop":
                arrival[int(problem.stops[visit.index].id)] = int(visit.start_s)
    unserved = tuple(int(problem.stops[u.stop].id) for u in result.unserved)
    return ScheduledDay(
        hauler_id=day.hauler.hauler_id,
        date=day.date,
        arrival_s=arrival,
        unserved=unserved,
        cost=result.solution.cost(),
        distance_km=result.solution.distance_m() / 1000.0,
        trucks_used=sum(1 for r in result.solution if r.stops()),
        result=result,
        insertion_cost=day.total_cost(),
    )


def insertion_solution(day: HaulerDay, problem: Problem) -> Solution:
    """The day's insertion routes as a solution of :func:`day_problem` (visit times left at zero: a warm start)."""
    routes = []
    for n, order in enumerate(day.routes):
        visits = [Visit("depot", 0, 0, 0, 0), *(Visit("stop", i, 0, 0, 0) for i in order)]
        visits += [Visit("disposal", 0, 0, 0, 0), Visit("depot", 0, 0, 0, 0)]
        routes.append(Route(0, n, tuple(visits)))
    return Solution(problem, tuple(routes))
