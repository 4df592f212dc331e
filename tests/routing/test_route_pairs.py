"""Pairs of routes improved as small models: never worse, every rule kept, left-out must-go stops picked up."""

from __future__ import annotations

from itertools import pairwise

from routing.check import check
from routing.problem import Problem
from routing.route_pairs import improve_route_pairs, route_pairs
from routing.schedule import build_route
from routing.solution import Route, Solution, Unserved, VisitKind
from tests.routing.builders import problem, truck

WEST = [(-3000.0 - 200 * i, 300.0 * (i % 2)) for i in range(6)]
EAST = [(3000.0 + 200 * i, 300.0 * (i % 2)) for i in range(6)]


def _timed(day: Problem, vehicle_type: int, vehicle: int, stops: list[int]) -> Route:
    """A route visiting ``stops`` in order, unloading at the site, home: each visit as early as it can start."""
    sequence: list[tuple[VisitKind, int]] = [("depot", 0), *(("stop", i) for i in stops), ("disposal", 0), ("depot", 0)]
    places = [day.depots[0].location, *(day.stops[i].location for i in stops), day.disposal_sites[0].location]
    places.append(day.depots[0].location)
    t = day.vehicle_types[vehicle_type].shift_start_s
    starts = [t]
    for n in range(1, len(sequence)):
        t += int(day.duration_s[places[n - 1], places[n]])
        kind, i = sequence[n]
        starts.append(t)
        t += day.stops[i].service_s if kind == "stop" else (day.disposal_sites[i].unload_s if kind == "disposal" else 0)
    return build_route(day, vehicle_type, vehicle, sequence, starts)


def _day() -> Problem:
    light = [{"weight_kg": 20.0, "volume_m3": 0.1}] * 12
    return problem(WEST + EAST, light, vehicle_types=(truck(count=2),))


def test_crossed_routes_are_uncrossed() -> None:
    """Two trucks that each zigzag between the west and east clusters stop zigzagging, for a fifth less cost."""
    day = _day()
    zigzag = [[0, 6, 1, 7, 2, 8], [3, 9, 4, 10, 5, 11]]
    start = Solution(day, tuple(_timed(day, 0, k, stops) for k, stops in enumerate(zigzag)))
    assert check(day, start) == []
    better, kept = improve_route_pairs(day, start, time_limit_s=8.0, pair_s=2.0)
    assert kept >= 1
    assert check(day, better) == []
    assert better.served() == start.served()
    assert better.cost() < 0.8 * start.cost()
    # no truck crosses between the clusters more than once: one truck may take both on its way to the site
    for r in better.routes:
        sides = [i < 6 for i in r.stops()]
        assert sum(a != b for a, b in pairwise(sides)) <= 1


def test_left_out_must_go_stop_is_picked_up() -> None:
    """A must-go stop nobody serves joins the pair of the route nearest to it."""
    day = _day()
    start = Solution(
        day,
        (_timed(day, 0, 0, [0, 1, 2, 3, 4, 5]), _timed(day, 0, 1, [6, 7, 8, 9, 10])),
        (Unserved(11, "time_limit"),),
    )
    assert check(day, start) == []
    pairs, free = route_pairs(day, start)
    assert pairs == [(0, 1)]
    assert free == {1: [11]}
    better, _ = improve_route_pairs(day, start, time_limit_s=6.0, pair_s=2.0)
    assert check(day, better) == []
    assert 11 in better.served()
    assert better.unserved == ()


def test_warm_start_reports_the_free_stops_unserved() -> None:
    """The small problem's warm start lists its free must-go stops as unserved, so it keeps every rule."""
    from routing.check import rank
    from routing.route_pairs import routes_problem

    day = _day()
    start = Solution(
        day,
        (_timed(day, 0, 0, [0, 1, 2, 3, 4, 5]), _timed(day, 0, 1, [6, 7, 8, 9])),
        (Unserved(10, "time_limit"), Unserved(11, "fleet")),
    )
    sub, warm, stops, _ = routes_problem(day, start, [(0, 0), (0, 1)], [10, 11])
    assert check(sub, warm) == []
    assert rank(sub, warm)[:2] == (0, 2)
    assert {int(stops[u.stop]): u.reason for u in warm.unserved} == {10: "time_limit", 11: "fleet"}
