"""Turn a visiting order and service start times into a timed :class:`~routing.solution.Route` with loads.

Solver backends produce an order of visits and the time each service starts; this module fills in what people read
on a route sheet: arrival (the previous departure plus driving, plus the break when it is taken on that leg), start,
departure, and the load on board after each visit (reset to zero by an unloading).
"""

from __future__ import annotations

from collections.abc import Sequence

from routing.problem import Problem
from routing.solution import Route, Visit, VisitKind


def build_route(
    problem: Problem,
    vehicle_type: int,
    vehicle: int,
    sequence: Sequence[tuple[VisitKind, int]],
    start_s: Sequence[int],
    break_start_s: int | None = None,
) -> Route:
    """A timed route for ``sequence``.

    Parameters
    ----------
    problem
        The problem.
    vehicle_type, vehicle
        The truck: type index and which one of that type.
    sequence
        ``(kind, index)`` of every visit, first and last the depots.
    start_s
        Start of service of each visit (s); for the depots, departure and return.
    break_start_s
        Start of the driver's break (s), if any.
    """
    vt = problem.vehicle_types[vehicle_type]
    brk = vt.driver_break
    places = {"depot": problem.depots, "stop": problem.stops, "disposal": problem.disposal_sites}
    visits: list[Visit] = []
    load_kg = load_m3 = 0.0
    prev_loc = prev_dep = None
    for (kind, index), start in zip(sequence, start_s, strict=True):
        place = places[kind][index]
        if kind == "stop":
            stop = problem.stops[index]
            load_kg += stop.weight_kg
            load_m3 += vt.truck_volume_m3(stop)
            service = stop.service_s
        elif kind == "disposal":
            load_kg = load_m3 = 0.0
            service = problem.disposal_sites[index].unload_s
        else:
            service = 0
        if prev_loc is None or prev_dep is None:
            arrival = int(start)
        else:
            arrival = prev_dep + int(problem.duration_s[prev_loc, place.location])
            if brk is not None and break_start_s is not None and prev_dep <= break_start_s < start:
                arrival += brk.duration_s
            arrival = min(arrival, int(start))
        departure = int(start) + service
        visits.append(Visit(kind, index, arrival, int(start), departure, load_kg, load_m3))
        prev_loc, prev_dep = place.location, departure
    return Route(vehicle_type, vehicle, tuple(visits), break_start_s if brk is not None else None)
