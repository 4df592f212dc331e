"""The checker catches hand-made bad solutions, one kind of violation at a time."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing.check import CHECKS, InfeasibleSolutionError, assert_feasible, check, is_feasible
from routing.problem import Break, Problem
from routing.solution import Route, Solution, Unserved, Visit
from tests.routing.builders import H, problem, truck

# Depot D (0, 0); landfill L (0, 5000); S0 (1000, 0) and S1 (2000, 0), 200 kg and 0.5 m3 each, 60 s of service.
# Driving: D-S0 100 s, S0-S1 100 s, S1-L 538 s, L-D 500 s.


def base() -> Problem:
    return problem([(1000, 0), (2000, 0)])


def timed(p: Problem, seq: list[tuple[str, int]], t: int = 0, depart_s: int = 6 * H, brk: int | None = None) -> Route:
    """Route with every service as early as possible and loads worked out by hand-simple rules."""
    places = {"depot": p.depots, "stop": p.stops, "disposal": p.disposal_sites}
    vt = p.vehicle_types[t]
    visits, kg, m3, now, prev = [], 0.0, 0.0, depart_s, None
    for kind, i in seq:
        place = places[kind][i]
        arrival = now if prev is None else now + int(p.duration_s[prev, place.location])
        if brk is not None and now <= brk < arrival + (vt.driver_break.duration_s if vt.driver_break else 0):
            arrival += vt.driver_break.duration_s if vt.driver_break else 0
        start, service = arrival, 0
        if kind == "stop":
            start = max(arrival, p.stops[i].tw_start_s)
            service = p.stops[i].service_s
            kg += p.stops[i].weight_kg
            m3 += p.stops[i].volume_m3 / vt.compaction_ratio
        elif kind == "disposal":
            start = max(arrival, p.disposal_sites[i].opens_s)
            service = p.disposal_sites[i].unload_s
            kg = m3 = 0.0
        visits.append(Visit(kind, i, arrival, start, start + service, kg, m3))  # type: ignore[arg-type]
        now, prev = start + service, place.location
    return Route(t, 0, tuple(visits), brk)


GOOD = [("depot", 0), ("stop", 0), ("stop", 1), ("disposal", 0), ("depot", 0)]


def names(p: Problem, s: Solution) -> set[str]:
    return {v.check for v in check(p, s)}


def test_hand_made_solution_is_feasible():
    """The reference solution breaks no rule, and its cost is fixed + km + hours by hand."""
    p = base()
    s = Solution(p, (timed(p, GOOD),))
    assert check(p, s) == []
    assert is_feasible(p, s)
    km = (1000 + 1000 + 5385 + 5000) / 1000
    hours = (100 + 60 + 100 + 60 + 538 + 300 + 500) / 3600
    assert s.cost() == pytest.approx(100 + km * 1.0 + hours * 36.0)
    assert len(CHECKS) == 18


def test_route_shape():
    """A route that does not end at a depot."""
    p = base()
    route = timed(p, GOOD[:-1])
    assert "route_shape" in names(p, Solution(p, (route,)))


def test_served():
    """A must-go stop neither visited nor reported."""
    p = base()
    s = Solution(p, (timed(p, [("depot", 0), ("stop", 0), ("disposal", 0), ("depot", 0)]),))
    assert names(p, s) == {"served"}
    assert check(p, replace(s, unserved=(Unserved(1, "fleet"),))) == []


def test_duplicate():
    """The same stop twice."""
    p = base()
    seq = [("depot", 0), ("stop", 0), ("stop", 1), ("stop", 0), ("disposal", 0), ("depot", 0)]
    assert "duplicate" in names(p, Solution(p, (timed(p, seq),)))


def test_stream_vehicle():
    """A general-waste truck emptying a recycling bin."""
    p = base()
    p = p.replace(stops=(replace(p.stops[0], stream="recycling"), p.stops[1]))
    assert "stream_vehicle" in names(p, Solution(p, (timed(p, GOOD),)))


def test_stream_disposal():
    """Unloading general waste at a site that takes only recycling."""
    p = base()
    p = p.replace(disposal_sites=(replace(p.disposal_sites[0], streams=frozenset({"recycling"})),))
    assert "stream_disposal" in names(p, Solution(p, (timed(p, GOOD),)))


def test_capacity_kg():
    """Two 600 kg bins in a 1,000 kg truck without unloading between them."""
    p = base()
    p = p.replace(stops=tuple(replace(s, weight_kg=600.0) for s in p.stops))
    assert names(p, Solution(p, (timed(p, GOOD),))) == {"capacity_kg"}


def test_capacity_m3():
    """Two 6 m3 bins in a 10 m3 truck without packer."""
    p = base()
    p = p.replace(stops=tuple(replace(s, volume_m3=6.0) for s in p.stops))
    assert names(p, Solution(p, (timed(p, GOOD),))) == {"capacity_m3"}


def test_ends_empty():
    """Back at the depot without unloading."""
    p = base()
    route = timed(p, [("depot", 0), ("stop", 0), ("stop", 1), ("depot", 0)])
    assert names(p, Solution(p, (route,))) == {"ends_empty"}


def test_reported_load():
    """A route sheet that understates the load."""
    p = base()
    route = timed(p, GOOD)
    visits = list(route.visits)
    visits[2] = replace(visits[2], load_kg=100.0)
    assert names(p, Solution(p, (replace(route, visits=tuple(visits)),))) == {"reported_load"}


def test_schedule():
    """Arriving sooner than driving allows."""
    p = base()
    route = timed(p, GOOD)
    visits = list(route.visits)
    visits[1] = replace(visits[1], arrival_s=visits[1].arrival_s - 50, start_s=visits[1].start_s - 50)
    assert "schedule" in names(p, Solution(p, (replace(route, visits=tuple(visits)),)))


def test_time_window():
    """Emptying S1 before its window opens."""
    p = base()
    p = p.replace(stops=(p.stops[0], replace(p.stops[1], tw_start_s=9 * H)))
    route = timed(p, GOOD)
    visits = list(route.visits)
    v = visits[2]
    visits[2] = replace(v, start_s=v.arrival_s, departure_s=v.arrival_s + 60)
    assert "time_window" in names(p, Solution(p, (replace(route, visits=tuple(visits)),)))


def test_disposal_hours():
    """Unloading at a landfill that opens at 09:00 before it opens."""
    p = base()
    route = timed(p, GOOD)
    p = p.replace(disposal_sites=(replace(p.disposal_sites[0], opens_s=9 * H),))
    assert names(p, Solution(p, (route,))) == {"disposal_hours"}


def test_shift():
    """Leaving the depot at 05:00 for a 06:00 shift."""
    p = base()
    assert "shift" in names(p, Solution(p, (timed(p, GOOD, depart_s=5 * H),)))


def test_max_duration():
    """A 28-minute route for a 20-minute limit."""
    p = base().replace(vehicle_types=(truck(max_duration_s=1200),))
    assert names(p, Solution(p, (timed(p, GOOD),))) == {"max_duration"}


def test_break():
    """A break missing, outside its window, or during a service."""
    p = base().replace(vehicle_types=(truck(driver_break=Break(600, 6 * H, 7 * H)),))
    assert "break" in names(p, Solution(p, (timed(p, GOOD),)))
    assert "break" in names(p, Solution(p, (timed(p, GOOD, brk=8 * H),)))
    route = timed(p, GOOD, brk=6 * H + 100)  # S0 is emptied from 06:01:40 for 60 s
    assert "break" in names(p, Solution(p, (replace(route, break_start_s=6 * H + 110),)))
    assert check(p, Solution(p, (timed(p, GOOD, depart_s=6 * H + 600, brk=6 * H),))) == []


def test_max_stops():
    """Two bins for a truck allowed one."""
    p = base().replace(vehicle_types=(truck(max_stops=1),))
    assert names(p, Solution(p, (timed(p, GOOD),))) == {"max_stops"}


def test_max_collected():
    """400 kg collected by a truck allowed 300 kg a day."""
    p = base().replace(vehicle_types=(truck(max_collected_kg=300.0),))
    assert names(p, Solution(p, (timed(p, GOOD),))) == {"max_collected"}


def test_cost():
    """A solution that misreports its cost."""

    class Cheap(Solution):
        __slots__ = ()

        def cost(self) -> float:
            return 1.0

    p = base()
    assert names(p, Cheap(p, (timed(p, GOOD),))) == {"cost"}


def test_assert_feasible_lists_every_violation():
    """The error names every violation found."""
    p = base()
    route = timed(p, [("depot", 0), ("stop", 0), ("stop", 1), ("depot", 0)], depart_s=5 * H)
    with pytest.raises(InfeasibleSolutionError) as info:
        assert_feasible(p, Solution(p, (route,)))
    assert {v.check for v in info.value.violations} == {"ends_empty", "shift"}
    assert "ends_empty" in str(info.value)
