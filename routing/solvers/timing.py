"""Time a visiting order: the earliest feasible start of each visit, the depot departure as late as it pays.

Backends that return only an order of visits (PyVRP's trips, VROOM's steps, an external command's VRPLIB routes)
get their times here, computed from the problem's own data, so the checker judges the order and not a backend's
arithmetic. Driver breaks are not placed: backends that cannot model breaks decline such problems.
"""

from __future__ import annotations

from collections.abc import Sequence

from routing.problem import Problem
from routing.schedule import build_route
from routing.solution import Route, VisitKind


def _forward(
    problem: Problem, t: int, sequence: Sequence[tuple[VisitKind, int]], leave_s: int
) -> tuple[list[int], bool]:
    """Earliest service starts when the truck leaves its depot at ``leave_s``, and whether all windows hold."""
    vt = problem.vehicle_types[t]
    places = {"depot": problem.depots, "stop": problem.stops, "disposal": problem.disposal_sites}
    release = _trip_releases(problem, sequence)
    starts = [leave_s]
    ok = True
    time = max(leave_s, release[0])
    starts[0] = time
    prev = places[sequence[0][0]][sequence[0][1]].location
    for pos in range(1, len(sequence)):
        kind, index = sequence[pos]
        place = places[kind][index]
        time += int(problem.duration_s[prev, place.location])
        if kind == "stop":
            stop = problem.stops[index]
            time = max(time, stop.tw_start_s)
            ok &= time <= stop.tw_end_s
            starts.append(time)
            time += stop.service_s
        elif kind == "disposal":
            site = problem.disposal_sites[index]
            # Wait before unloading, if need be, so that the next trip leaves after its stops' release times.
            time = max(time, site.opens_s, release[pos] - site.unload_s)
            ok &= time + site.unload_s <= site.closes_s
            starts.append(time)
            time += site.unload_s
        else:
            starts.append(time)
            end = problem.depots[index]
            ok &= time <= min(vt.latest_return_s, end.closes_s)
        prev = place.location
    return starts, ok


def earliest_starts(
    problem: Problem, t: int, sequence: Sequence[tuple[VisitKind, int]], leave_s: int
) -> tuple[list[int], bool]:
    """Earliest start of each visit of ``sequence`` for truck type ``t`` leaving at ``leave_s`` (s); whether it fits.

    It fits when every window, every site's hours and the latest return hold.
    """
    return _forward(problem, t, sequence, leave_s)


def _trip_releases(problem: Problem, sequence: Sequence[tuple[VisitKind, int]]) -> list[int]:
    """For each depot or disposal visit, the latest release time of the stops on the trip that follows it (s)."""
    out = [0] * len(sequence)
    current = 0
    for pos in range(len(sequence) - 1, -1, -1):
        kind, index = sequence[pos]
        if kind == "stop":
            current = max(current, problem.stops[index].release_s)
        else:
            out[pos] = current
            current = 0
    return out


def timed_route(problem: Problem, t: int, vehicle: int, sequence: Sequence[tuple[VisitKind, int]]) -> Route:
    """A timed :class:`Route` of truck ``vehicle`` of type ``t`` for ``sequence`` (first and last the depots).

    The truck leaves as early as its shift allows, each visit starts as soon as its window opens; then the departure
    is delayed as far as that does not delay the return (found by bisection: the return time and the windows are
    monotone in the departure), which removes waiting from the route's duration and so from its cost per hour.
    An order that cannot be timed within its windows gets the earliest times anyway, for the checker to flag.
    """
    vt = problem.vehicle_types[t]
    start = problem.depots[problem.depot_index(vt.start_depot)]
    earliest = max(vt.shift_start_s, start.opens_s)
    latest = max(earliest, min(start.closes_s, vt.shift_end_s))
    best, ok = _forward(problem, t, sequence, earliest)
    if ok:
        lo, hi = earliest, latest
        while lo < hi:
            mid = (lo + hi + 1) // 2
            starts, fine = _forward(problem, t, sequence, mid)
            if fine and starts[-1] <= best[-1]:
                lo = mid
            else:
                hi = mid - 1
        if lo > earliest:
            best, _ = _forward(problem, t, sequence, lo)
    return build_route(problem, t, vehicle, sequence, best)
