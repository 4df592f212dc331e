"""The OR-Tools model, one constraint at a time, on problems small enough to check by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing.check import assert_feasible
from routing.problem import Break
from routing.solvers import Result, available, get, solve
from tests.routing.builders import H, problem, truck

LIMIT_S = 1.0


def run(p, **kwargs) -> Result:
    result = solve(p, time_limit_s=LIMIT_S, **kwargs)
    assert_feasible(p, result.solution)
    return result


def test_registry_knows_ortools():
    """The default backend is registered and unknown names are refused with the list of known ones."""
    assert "ortools" in available()
    assert callable(get("ortools"))
    with pytest.raises(KeyError, match=r"available: .*ortools"):
        get("nope")


def test_truck_unloads_twice_and_ends_empty():
    """Two 600 kg bins and a 1,000 kg truck: it must unload after each, so two disposal trips."""
    p = problem([(1000, 0), (2000, 0)], [{"weight_kg": 600.0}, {"weight_kg": 600.0}])
    result = run(p)
    (route,) = result.solution.routes
    assert route.disposal_trips() == 2
    assert [v.kind for v in route.visits] == ["depot", "stop", "disposal", "stop", "disposal", "depot"]
    assert route.visits[-1].load_kg == 0
    assert not result.unserved


def test_volume_capacity_uses_the_truck_packer():
    """4 m3 loose per bin: a 10 m3 truck packing 3x carries both (2.67 m3) in one load, one packing 1x cannot."""
    bins = [{"volume_m3": 4.0, "weight_kg": 10.0}] * 2
    packed = run(problem([(1000, 0), (2000, 0)], bins, vehicle_types=(truck(capacity_m3=5, compaction_ratio=3),)))
    loose = run(problem([(1000, 0), (2000, 0)], bins, vehicle_types=(truck(capacity_m3=5, compaction_ratio=1),)))
    assert packed.solution.disposal_trips() == 1
    assert loose.solution.disposal_trips() == 2


def test_bin_outside_every_shift_is_reported_with_its_reason():
    """A bin whose window closes before any shift starts is left out as ``time_window``; the rest is routed."""
    p = problem([(1000, 0), (2000, 0)], [{"tw_start_s": 2 * H, "tw_end_s": 3 * H}, {}])
    result = run(p)
    assert [(u.stop, u.reason) for u in result.unserved] == [(0, "time_window")]
    assert result.solution.served() == {1}


def test_recycling_bin_no_truck_may_take():
    """Only general-waste trucks: a recycling bin is reported as ``no_vehicle``."""
    p = problem([(1000, 0), (2000, 0)], [{"stream": "recycling"}, {}])
    result = run(p)
    assert [(u.stop, u.reason) for u in result.unserved] == [(0, "no_vehicle")]


def test_stream_no_site_accepts():
    """A recycling truck but only a general-waste landfill: the recycling bin cannot be unloaded (``no_disposal``)."""
    p = problem([(1000, 0)], [{"stream": "recycling"}], vehicle_types=(truck(streams=frozenset({"recycling"})),))
    assert [u.reason for u in run(p).unserved] == ["no_disposal"]


def test_bin_heavier_than_any_truck():
    """A 1,500 kg bin for a 1,000 kg truck is reported as ``capacity``."""
    p = problem([(1000, 0)], [{"weight_kg": 1500.0}])
    assert [u.reason for u in run(p).unserved] == ["capacity"]


def test_bin_too_far_for_the_shift():
    """A bin 200 km away (2 x 20,000 s of driving) does not fit an 8-hour shift: ``shift_length``."""
    p = problem([(200_000, 0)])
    assert [u.reason for u in run(p).unserved] == ["shift_length"]


def test_fleet_out_of_time_reports_fleet():
    """Two must-go bins that each take most of the shift and one truck: one is served, one reported ``fleet``."""
    p = problem([(1000, 0), (-1000, 0)], [{"service_s": 5 * H}, {"service_s": 5 * H}])
    result = run(p)
    assert len(result.solution.served()) == 1
    assert [u.reason for u in result.unserved] == ["fleet"]


def test_time_window_forces_the_order():
    """S0 is nearer the depot but may only be emptied after 10:00; S1 must be emptied by 07:00, so S1 goes first."""
    p = problem([(1000, 0), (3000, 0)], [{"tw_start_s": 10 * H}, {"tw_end_s": 7 * H}])
    (route,) = run(p).solution.routes
    assert route.stops() == [1, 0]
    assert route.visits[route.stops().index(0) + 1].start_s >= 10 * H


def test_break_is_taken_in_its_window():
    """Bins from 06:00 to past 13:00: a 30 min break starting 11:00-12:00 is taken on the road, off any service."""
    brk = Break(1800, 11 * H, 12 * H)
    bins = [{"tw_start_s": 6 * H, "tw_end_s": 6 * H + 600}, {"tw_start_s": 13 * H, "tw_end_s": 13 * H + 600}]
    p = problem([(1000, 0), (2000, 0)], bins, vehicle_types=(truck(driver_break=brk),))
    (route,) = run(p).solution.routes
    assert route.break_start_s is not None
    assert 11 * H <= route.break_start_s <= 12 * H
    assert route.visits[0].departure_s < route.break_start_s < route.visits[-1].arrival_s


@pytest.mark.parametrize(("penalty", "taken"), [(5.0, False), (500.0, True)])
def test_optional_bin_taken_only_when_worth_its_detour(penalty, taken):
    """The optional bin is a 20 km, ~35 min detour (about 41 of cost): dropped at a penalty of 5, taken at 500."""
    p = problem([(1000, 0), (0, -10_000)], [{}, {"mandatory": False, "penalty": penalty}])
    result = run(p)
    assert (1 in result.solution.served()) is taken
    assert not result.unserved
    assert result.solution.penalty() == (0 if taken else penalty)


def test_mixed_fleet_serves_streams_with_the_right_trucks():
    """A general and a recycling truck; a general and a recycling site: each bin goes with its own stream."""
    types = (truck(name="general"), truck(name="recycling", streams=frozenset({"recycling"})))
    sites = ((0, 5000, {}), (0, -5000, {"streams": frozenset({"recycling"})}))
    p = problem([(1000, 0), (2000, 0)], [{}, {"stream": "recycling"}], vehicle_types=types, sites=sites)
    result = run(p)
    by_type = {r.vehicle_type: r for r in result.solution.routes}
    assert by_type[0].stops() == [0]
    assert by_type[1].stops() == [1]
    assert [v.index for v in by_type[1].visits if v.kind == "disposal"] == [1]


def test_two_stream_truck_unloads_each_stream_where_accepted():
    """A truck collecting general and recycling, with no site taking both, unloads each stream at its own site."""
    both = truck(streams=frozenset({"general", "recycling"}))
    sites = ((0, 5000, {}), (0, -5000, {"streams": frozenset({"recycling"})}))
    p = problem([(1000, 0), (2000, 0)], [{}, {"stream": "recycling"}], vehicle_types=(both,), sites=sites)
    result = run(p)
    assert result.solution.served() == {0, 1}
    assert result.solution.disposal_trips() == 2


def test_several_depots():
    """Two depots 40 km apart, each with a landfill beside it: each truck takes the bin near its own depot."""
    types = (truck(name="west", start_depot="D"), truck(name="east", start_depot="D2"))
    sites = ((-10_000, 1000, {}), (30_000, 1000, {}))
    p = problem([(-9000, 0), (29_000, 0)], vehicle_types=types, depots_xy=((-10_000, 0), (30_000, 0)), sites=sites)
    result = run(p)
    stops = {p.vehicle_types[r.vehicle_type].name: r.stops() for r in result.solution.routes}
    assert stops == {"west": [0], "east": [1]}


def test_disposal_opening_hours_make_the_truck_wait():
    """The landfill opens at 09:00: the truck's unloading starts no earlier."""
    p = problem([(1000, 0)], sites=((0, 5000, {"opens_s": 9 * H}),))
    (route,) = run(p).solution.routes
    unload = next(v for v in route.visits if v.kind == "disposal")
    assert unload.start_s >= 9 * H


def test_max_duration_limits_the_route():
    """A 1-hour limit on routes: a bin 30 min of driving away (plus unloading) cannot be served."""
    p = problem([(18_000, 0)], vehicle_types=(truck(max_duration_s=H),))
    assert [u.reason for u in run(p).unserved] == ["shift_length"]


def test_daily_limit_on_bins():
    """A truck allowed two bins a day leaves the third must-go bin for the fleet report."""
    p = problem([(1000, 0), (1100, 0), (1200, 0)], vehicle_types=(truck(max_stops=2),))
    result = run(p)
    assert len(result.solution.served()) == 2
    assert [u.reason for u in result.unserved] == ["fleet"]


def test_progress_is_reported():
    """The progress callback receives elapsed seconds and objectives that only go down."""
    seen: list[tuple[float, float]] = []
    run(problem([(1000, 0), (2000, 0)]), progress=lambda t, o: seen.append((t, o)))
    assert seen
    objectives = [o for _, o in seen]
    assert objectives == sorted(objectives, reverse=True)


def test_objective_matches_recomputed_cost():
    """With every must-go bin served, the solver's objective is the recomputed cost (to rounding)."""
    result = run(problem([(1000, 0), (2000, 500), (500, 1500)]))
    assert result.objective == pytest.approx(result.cost(), rel=1e-3)
    assert "solution found" in result.status or "optimal" in result.status
    assert "ortools" in result.summary()


def test_unused_fleet_returns_empty_solution():
    """No stops: no routes, zero cost."""
    result = run(replace(problem([(1000, 0)]), stops=()))
    assert result.solution.routes == ()
    assert result.cost() == 0
