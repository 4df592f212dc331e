"""Repair of faulty routes, completion with left-out must-go bins, and the true reason for a bin left out."""

from __future__ import annotations

from routing.check import check
from routing.reasons import explain_left_out, fleet_hours_s, work_bound_s
from routing.repair import drop_until_feasible, insert_left_out
from routing.solution import Solution, Unserved
from routing.solvers.timing import timed_route
from tests.routing.builders import H, problem, truck


def _route(p, t, k, stops, site=0):
    seq = [("depot", 0), *[("stop", i) for i in stops], ("disposal", site), ("depot", 0)]
    return timed_route(p, t, k, seq)


def test_left_out_bin_goes_to_a_truck_with_spare_hours_elsewhere():
    # Two trucks; the solution (as from two sectors) left S2 out although truck 1 has hours and room for it.
    p = problem([(1000, 0), (-1000, 0), (-1200, 0)], vehicle_types=(truck(count=2),))
    sol = Solution(p, (_route(p, 0, 0, [0]), _route(p, 0, 1, [1])), (Unserved(2, "fleet"),))
    assert check(p, sol) == []
    done = insert_left_out(p, sol)
    assert check(p, done) == []
    assert done.served() == {0, 1, 2}
    assert done.unserved == ()
    # The cheap place: beside S1, on truck 1's route.
    assert 2 in done.routes[1].stops()


def test_left_out_bin_gets_an_idle_truck():
    # Each bin's round trip takes 1,470 s of a 2,000 s shift: a second trip would not fit, a second truck does.
    short = (truck(count=2, shift_end_s=6 * H + 2000),)
    p = problem([(1000, 0), (-1000, 0)], [{"weight_kg": 900.0}, {"weight_kg": 900.0}], vehicle_types=short)
    sol = Solution(p, (_route(p, 0, 0, [0]),), (Unserved(1, "fleet"),))
    done = insert_left_out(p, sol)
    assert check(p, done) == []
    assert done.served() == {0, 1}
    assert len(done.routes) == 2


def test_full_truck_takes_a_bin_on_a_new_trip():
    # One truck, full after S0 (900 of 1,000 kg): S1 is served on a second trip with one more unloading.
    p = problem([(1000, 0), (1200, 0)], [{"weight_kg": 900.0}, {"weight_kg": 900.0}])
    sol = Solution(p, (_route(p, 0, 0, [0]),), (Unserved(1, "fleet"),))
    done = insert_left_out(p, sol)
    assert check(p, done) == []
    assert done.served() == {0, 1}
    assert done.disposal_trips() == 2


def test_no_room_anywhere_keeps_the_bin_left_out():
    p = problem([(1000, 0), (1200, 0)], [{"weight_kg": 900.0}, {"weight_kg": 900.0}])
    short = p.replace(vehicle_types=(truck(shift_end_s=6 * H + 1700),))
    sol = Solution(short, (_route(short, 0, 0, [0]),), (Unserved(1, "fleet"),))
    assert check(short, sol) == []
    assert insert_left_out(short, sol) is sol


def test_faulty_route_drops_bins_until_it_breaks_nothing():
    # Three bins of 400 kg in one trip of a 1,000 kg truck: one must go.
    p = problem([(1000, 0), (1100, 0), (1200, 0)], [{"weight_kg": 400.0}] * 3)
    sol = Solution(p, (_route(p, 0, 0, [0, 1, 2]),))
    assert any(v.check == "capacity_kg" for v in check(p, sol))
    fixed = drop_until_feasible(p, sol)
    assert check(p, fixed) == []
    assert len(fixed.served()) == 2
    assert [u.reason for u in fixed.unserved] == ["fleet"]
    # Then completion serves it on a second trip.
    done = insert_left_out(p, fixed)
    assert check(p, done) == []
    assert done.served() == {0, 1, 2}


def test_late_bin_is_dropped_first():
    p = problem([(1000, 0), (2000, 0)], [{}, {"tw_start_s": 6 * H, "tw_end_s": 6 * H + 100}])
    sol = Solution(p, (_route(p, 0, 0, [0, 1]),))
    assert any(v.check == "time_window" for v in check(p, sol))
    fixed = drop_until_feasible(p, sol)
    assert check(p, fixed) == []
    assert fixed.served() == {0}


def test_work_bound_is_below_a_real_route():
    p = problem([(1000, 0), (2000, 0), (3000, 0)])
    route = _route(p, 0, 0, [0, 1, 2])
    assert work_bound_s(p, [0, 1, 2]) <= route.duration_s()
    assert work_bound_s(p, [0, 1, 2]) >= 3 * 60  # at least the services
    assert fleet_hours_s(p, {"general"}) == 8 * H


def test_reason_says_hours_when_the_bound_proves_it():
    # Twenty bins of 200 kg 10 km out, one 1,000 kg truck of two hours: each bin alone fits (about 2,980 s), but
    # four truckloads each need 1,118 s to the landfill and 300 s to unload: more than 7,200 s with the services.
    p = problem([(10000, 100 * k) for k in range(20)], vehicle_types=(truck(shift_end_s=8 * H),))
    reasons = explain_left_out(p, (Unserved(3, "fleet"),))
    assert reasons[0].reason == "hours"
    assert "truck-h" in reasons[0].detail


def test_reason_says_search_when_the_fleet_had_the_hours():
    p = problem([(1000, 0), (2000, 0)], vehicle_types=(truck(count=3),))
    reasons = explain_left_out(p, (Unserved(1, "fleet"), Unserved(0, "time_window")))
    assert [u.reason for u in reasons] == ["search", "time_window"]


def test_completion_keeps_the_drivers_break():
    from routing.problem import Break
    from routing.solvers.pyvrp_breaks import place_break

    p = problem([(1000, 0), (1500, 0)], vehicle_types=(truck(driver_break=Break(1800, 11 * H, 12 * H)),))
    sol = Solution(p, (place_break(p, _route(p, 0, 0, [0])),), (Unserved(1, "fleet"),))
    assert check(p, sol) == []
    done = insert_left_out(p, sol)
    assert check(p, done) == []
    assert done.served() == {0, 1}
    assert done.routes[0].break_start_s is not None
