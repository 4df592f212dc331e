"""Driver breaks for backends that know none: the shift is shortened by the break, the break placed afterwards.

PyVRP has no breaks. The model gives a truck with a break a shift shorter by the break's length
(:func:`routing.solvers.pyvrp_model.build_model`), so every route it returns leaves that much time spare; then
:func:`place_break` puts the break into the timed route: after the return or before the departure when its window
allows, else on the leg that brings the truck home earliest among those from which the rest of the route still
keeps its windows, the sites' hours and the shift. When the window is wide (a lunch anywhere in the middle of the
day) a place is nearly always found; when it is not, the route is returned without a break and the checker reports
it, so the result is never kept as a plan.
"""

from __future__ import annotations

from routing.problem import Problem
from routing.schedule import build_route
from routing.solution import Route, VisitKind


def _retime_from(problem: Problem, route: Route, leg: int, break_start_s: int) -> list[int] | None:
    """Service starts when the break starts at ``break_start_s`` on leg ``leg`` (before visit ``leg``), or ``None``."""
    vt = problem.vehicle_types[route.vehicle_type]
    brk = vt.driver_break
    assert brk is not None
    places = {"depot": problem.depots, "stop": problem.stops, "disposal": problem.disposal_sites}
    visits = route.visits
    starts = [v.start_s for v in visits[:leg]]
    prev = visits[leg - 1]
    prev_loc = places[prev.kind][prev.index].location
    time = max(prev.departure_s, break_start_s)  # idle until the break if need be, then break, then drive
    time += brk.duration_s
    first = True
    for v in visits[leg:]:
        place = places[v.kind][v.index]
        time += int(problem.duration_s[prev_loc, place.location])
        if first:
            time = max(time, prev.departure_s + int(problem.duration_s[prev_loc, place.location]) + brk.duration_s)
            first = False
        kind: VisitKind = v.kind
        if kind == "stop":
            stop = problem.stops[v.index]
            time = max(time, stop.tw_start_s)
            if time > stop.tw_end_s:
                return None
            starts.append(time)
            time += stop.service_s
        elif kind == "disposal":
            site = problem.disposal_sites[v.index]
            time = max(time, site.opens_s)
            if time + site.unload_s > site.closes_s:
                return None
            starts.append(time)
            time += site.unload_s
        else:
            end = problem.depots[v.index]
            if time > min(vt.latest_return_s, end.closes_s):
                return None
            starts.append(time)
        prev_loc = place.location
    return starts


def place_break(problem: Problem, route: Route) -> Route:
    """``route`` with its type's driver break placed (see the module docstring); unchanged when it has none."""
    vt = problem.vehicle_types[route.vehicle_type]
    brk = vt.driver_break
    if brk is None:
        return route
    visits = route.visits
    sequence = [(v.kind, v.index) for v in visits]
    starts = [v.start_s for v in visits]
    back, out = visits[-1].arrival_s, visits[0].departure_s
    if max(brk.earliest_start_s, back) <= brk.latest_start_s:
        return build_route(
            problem, route.vehicle_type, route.vehicle, sequence, starts, max(brk.earliest_start_s, back)
        )
    if brk.earliest_start_s + brk.duration_s <= out:
        return build_route(problem, route.vehicle_type, route.vehicle, sequence, starts, brk.earliest_start_s)
    best: tuple[int, list[int], int] | None = None
    for leg in range(1, len(visits)):
        b = max(brk.earliest_start_s, visits[leg - 1].departure_s)
        if b > brk.latest_start_s:
            break
        retimed = _retime_from(problem, route, leg, b)
        if retimed is not None and (best is None or retimed[-1] < best[0]):
            best = (retimed[-1], retimed, b)  # the earliest return: least time paid
    if best is None:
        return route
    return build_route(problem, route.vehicle_type, route.vehicle, sequence, best[1], best[2])
