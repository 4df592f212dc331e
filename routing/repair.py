"""Make a solution feasible by dropping bins, and offer every must-go bin left out to every truck.

A search that ends with routes breaking a rule (a required bin served late, a shift overrun) is not thrown away:
:func:`drop_until_feasible` takes bins out of each faulty route, the late or the costliest first, until the
checker finds nothing wrong with it.

A solver that splits a day (sectors, one model per stream) or runs out of time can leave must-go bins out while
trucks elsewhere still have hours and room. :func:`insert_left_out` tries each such bin, in order of its cheapest
detour, in every route of the solution and in every idle truck:

- between two visits of a trip (the truck's load and times are recomputed and checked);
- as a new trip after the route's last unloading, with one more unloading at a site that takes its stream;
- as the whole day of an idle truck: depot, bin, a site, home.

Each candidate is timed from the problem's own data (:func:`routing.solvers.timing.timed_route`) and judged by
the independent checker (:func:`routing.check.check_route`); the feasible candidate of least added cost wins. The
cheapest few positions by added distance are tried per bin, within a wall-clock budget.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from routing.check import check_route
from routing.problem import Problem
from routing.reasons import unservable_reason
from routing.solution import Route, Solution, Unserved, VisitKind
from routing.solvers.features import final_site
from routing.solvers.pyvrp_breaks import place_break
from routing.solvers.timing import earliest_starts, timed_route

#: Candidate positions timed and checked per bin, cheapest added distance first.
CANDIDATES = 32


def _sequence(route: Route) -> list[tuple[VisitKind, int]]:
    return [(v.kind, v.index) for v in route.visits]


def _options(problem: Problem, route: Route, stop: int) -> list[tuple[int, list[tuple[VisitKind, int]] | None, int]]:
    """Where ``stop`` may join ``route``, with the distance it adds (m).

    ``(added m, None, position)`` inside a trip whose load has room for it; ``(added m, sequence, -1)`` for a new
    last trip with one more unloading; nothing when the truck does not collect the stream.
    """
    vt = problem.vehicle_types[route.vehicle_type]
    s = problem.stops[stop]
    if s.stream not in vt.streams:
        return []
    seq = _sequence(route)
    locs = np.array(route.locations(problem))
    dist = problem.distance_m
    last = max((k for k, (kind, _) in enumerate(seq) if kind == "disposal"), default=len(seq) - 1)
    # Load on board at the end of each trip, for every position that would join that trip.
    room_kg = np.zeros(len(seq))
    room_m3 = np.zeros(len(seq))
    end_kg = end_m3 = 0.0
    for k in range(len(seq) - 1, 0, -1):
        if seq[k][0] == "disposal":
            end_kg, end_m3 = route.visits[k - 1].load_kg, route.visits[k - 1].load_m3
        room_kg[k], room_m3[k] = end_kg, end_m3
    fits = (room_kg + s.weight_kg <= vt.capacity_kg + 1e-9) & (room_m3 + vt.truck_volume_m3(s) <= vt.capacity_m3 + 1e-9)
    k = np.arange(1, last + 1)
    added = dist[locs[k - 1], s.location] + dist[s.location, locs[k]] - dist[locs[k - 1], locs[k]]
    out: list[tuple[int, list[tuple[VisitKind, int]] | None, int]] = [
        (int(a), None, int(pos)) for a, pos in zip(added, k, strict=True) if fits[pos]
    ]
    site = final_site(problem, route.vehicle_type)
    if site is not None and seq[last][0] == "disposal":
        site_loc = problem.disposal_sites[site].location
        a = dist[locs[last], s.location] + dist[s.location, site_loc] + dist[site_loc, locs[last + 1]]
        a -= dist[locs[last], locs[last + 1]]
        out.append((int(a), [*seq[: last + 1], ("stop", stop), ("disposal", site), *seq[last + 1 :]], -1))
    return out


def _timed(problem: Problem, t: int, vehicle: int, seq: list[tuple[VisitKind, int]]) -> Route:
    """The timed route of ``seq``, with the driver's break placed where the type has one."""
    return place_break(problem, timed_route(problem, t, vehicle, seq))


def _added_m(problem: Problem, seq: list[tuple[VisitKind, int]]) -> int:
    places = {"depot": problem.depots, "stop": problem.stops, "disposal": problem.disposal_sites}
    locs = [places[kind][index].location for kind, index in seq]
    return int(problem.distance_m[locs[:-1], locs[1:]].sum())


def _feasible(problem: Problem, t: int, vehicle: int, seq: list[tuple[VisitKind, int]]) -> Route | None:
    vt = problem.vehicle_types[t]
    start = problem.depots[problem.depot_index(vt.start_depot)]
    _, ok = earliest_starts(problem, t, seq, max(vt.shift_start_s, start.opens_s))
    if not ok:
        return None
    route = _timed(problem, t, vehicle, seq)
    return None if check_route(problem, route) else route


def _without(seq: list[tuple[VisitKind, int]], pos: int) -> list[tuple[VisitKind, int]]:
    """``seq`` without the visit at ``pos``, and without an unloading left with no bin before it."""
    out = seq[:pos] + seq[pos + 1 :]
    cleaned: list[tuple[VisitKind, int]] = []
    for kind, index in out:
        if kind == "disposal" and cleaned and cleaned[-1][0] != "stop":
            continue  # an unloading right after another, or after the depot, unloads nothing
        cleaned.append((kind, index))
    return cleaned


def _saving_s(problem: Problem, seq: list[tuple[VisitKind, int]], pos: int) -> int:
    """Driving and service time (s) saved by leaving out the stop at ``pos``."""
    places = {"depot": problem.depots, "stop": problem.stops, "disposal": problem.disposal_sites}
    a, b, c = (places[k][i].location for k, i in seq[pos - 1 : pos + 2])
    dur = problem.duration_s
    return int(dur[a, b] + dur[b, c] - dur[a, c]) + problem.stops[seq[pos][1]].service_s


def _repair_route(problem: Problem, route: Route) -> tuple[Route | None, list[int]]:
    """``route`` with stops dropped until it breaks no rule (``None`` when none is left), and the stops dropped."""
    dropped: list[int] = []
    seq = _sequence(route)
    current = route
    while True:
        violations = check_route(problem, current)
        if not violations:
            return current, dropped
        stops = [k for k, (kind, _) in enumerate(seq) if kind == "stop"]
        if not stops:
            return None, dropped
        at = [v.visit for v in violations if v.visit is not None and seq[v.visit][0] == "stop"]
        timing = {"time_window", "stream_vehicle", "schedule"}
        late = [v.visit for v in violations if v.check in timing and v.visit is not None and seq[v.visit][0] == "stop"]
        if late:
            pos = late[0]
        elif at:
            # Overloaded trip: the costliest stop of the trip that broke the rule.
            first = at[0]
            start = max((k for k in range(first) if seq[k][0] != "stop"), default=0)
            trip = [k for k in stops if start < k <= first]
            pos = max(trip, key=lambda k: _saving_s(problem, seq, k))
        else:
            pos = max(stops, key=lambda k: _saving_s(problem, seq, k))
        dropped.append(seq[pos][1])
        seq = _without(seq, pos)
        if not any(kind == "stop" for kind, _ in seq):
            return None, dropped
        current = _timed(problem, route.vehicle_type, route.vehicle, seq)


def drop_until_feasible(problem: Problem, solution: Solution) -> Solution:
    """``solution`` with bins dropped from every route that breaks a rule until none does.

    Must-go bins dropped are reported unserved (reason ``fleet``), optional ones skipped; a route left with no bin
    is removed. Rules of the whole solution (a stop visited twice) are not repaired here.
    """
    routes: list[Route] = []
    dropped: list[int] = []
    for route in solution.routes:
        fixed, out = _repair_route(problem, route)
        dropped += out
        if fixed is not None:
            routes.append(fixed)
    if not dropped:
        return solution
    left = {u.stop for u in solution.unserved}
    extra = [Unserved(i, "fleet") for i in dropped if problem.stops[i].mandatory and i not in left]
    unserved = tuple(sorted([*solution.unserved, *extra], key=lambda u: u.stop))
    return replace(solution, routes=tuple(routes), unserved=unserved)


def insert_left_out(problem: Problem, solution: Solution, *, time_limit_s: float = 10.0) -> Solution:
    """``solution`` with as many of its left-out must-go bins inserted as fit; see the module docstring.

    Bins that no truck could serve on their own keep their reason; the others still left out keep theirs.
    """
    t0 = time.perf_counter()
    routes = list(solution.routes)
    served = solution.served()
    left = [
        i
        for i, s in enumerate(problem.stops)
        if s.mandatory and i not in served and unservable_reason(problem, i) is None
    ]
    if not left:
        return solution
    used = {(r.vehicle_type, r.vehicle) for r in routes}
    idle = [(t, k) for t, k in problem.vehicles() if (t, k) not in used]
    placed: set[int] = set()
    # Bins nearest to the routes first: they are the likeliest to fit.
    stop_loc = np.array([problem.stops[i].location for i in left])
    route_locs = np.array(sorted({loc for r in routes for loc in r.locations(problem)}) or [0])
    nearest = problem.distance_m[np.ix_(route_locs, stop_loc)].min(axis=0)
    for i in [left[k] for k in np.argsort(nearest, kind="stable")]:
        if time.perf_counter() - t0 > time_limit_s:
            break
        candidates: list[tuple[float, int | None, int, int, list[tuple[VisitKind, int]]]] = []
        for r_i, route in enumerate(routes):
            for added, seq, pos in _options(problem, route, i):
                if seq is None:
                    base = _sequence(route)
                    seq = [*base[:pos], ("stop", i), *base[pos:]]
                candidates.append((added, r_i, route.vehicle_type, route.vehicle, seq))
        for t, k in idle:
            vt = problem.vehicle_types[t]
            site = final_site(problem, t)
            if site is None or problem.stops[i].stream not in vt.streams:
                continue
            seq: list[tuple[VisitKind, int]] = [
                ("depot", problem.depot_index(vt.start_depot)),
                ("stop", i),
                ("disposal", site),
                ("depot", problem.depot_index(vt.return_depot)),
            ]
            candidates.append((_added_m(problem, seq), None, t, k, seq))
        best: tuple[float, int | None, Route] | None = None
        for _, r_i, t, k, seq in sorted(candidates, key=lambda c: c[0])[:CANDIDATES]:
            route = _feasible(problem, t, k, seq)
            if route is None:
                continue
            added = route.cost(problem) - (routes[r_i].cost(problem) if r_i is not None else 0.0)
            if best is None or added < best[0]:
                best = (added, r_i, route)
        if best is None:
            continue
        _, r_i, route = best
        if r_i is None:
            routes.append(route)
            idle.remove((route.vehicle_type, route.vehicle))
        else:
            routes[r_i] = route
        placed.add(i)
    if not placed:
        return solution
    unserved = tuple(u for u in solution.unserved if u.stop not in placed)
    return replace(solution, routes=tuple(routes), unserved=unserved)
