"""The PyVRP city-day engine: one tiny hand-made day per reformulation, every answer judged by the checker."""

from __future__ import annotations

import pytest

from routing.check import check
from routing.problem import Break
from routing.solvers import Result, supports
from routing.solvers.features import features
from tests.routing.builders import H, problem, truck

pytest.importorskip("pyvrp", reason="pyvrp is not installed (pip install waste-optimiser[pyvrp])")


def _solve(p, **kw) -> Result:
    from routing.solvers.pyvrp import solve

    assert supports("pyvrp", p) is None
    result = solve(p, time_limit_s=1.0, seed=1, **kw)
    assert check(p, result.solution) == []
    return result


def _kinds(result: Result, r: int = 0) -> list[str]:
    return [v.kind for v in result.solution.routes[r].visits]


def test_unload_away_ends_with_the_site_then_home():
    # No site at the depot: the truck must drive 5 km to the landfill, unload, and come home.
    p = problem([(1000, 0), (2000, 0)])
    assert "unload_away" in features(p)
    result = _solve(p)
    assert _kinds(result) == ["depot", "stop", "stop", "disposal", "depot"]
    assert result.solution.served() == {0, 1}
    assert result.objective == pytest.approx(result.solution.cost(), rel=1e-6)


def test_unload_away_shortens_the_day_by_the_drive_home():
    # A 25-minute shift (1,500 s). Each bin alone: 100 s out, 60 s service, 510 s to the landfill, 300 s unloading,
    # 500 s home = 1,470 s. Both: 1,730 s. Had the model forgotten the unloading and the drive home it would take both.
    p = problem([(1000, 0), (-1000, 0)], vehicle_types=(truck(shift_end_s=6 * H + 1500),))
    result = _solve(p, must_go="prize")
    assert len(result.solution.served()) == 1
    assert [u.reason for u in result.unserved] == ["fleet"]


def test_reloads_at_the_site():
    # 4 bins of 400 kg, a 1,000 kg truck: two trips with an unloading between them.
    p = problem([(1000, 0), (1000, 500), (1000, 1000), (1000, 1500)], [{"weight_kg": 400.0}] * 4)
    result = _solve(p)
    assert len(result.solution.routes) == 1
    assert result.solution.served() == {0, 1, 2, 3}
    assert result.solution.disposal_trips() == 2


def test_streams_go_to_their_own_trucks_and_sites():
    trucks = (
        truck(name="general", streams=frozenset({"general"})),
        truck(name="recycling", streams=frozenset({"recycling"})),
    )
    sites = ((0, 5000, {"streams": frozenset({"general"})}), (5000, 0, {"streams": frozenset({"recycling"})}))
    stops = [{"stream": "general"}, {"stream": "recycling"}, {"stream": "general"}, {"stream": "recycling"}]
    p = problem([(1000, 0), (0, 1000), (2000, 0), (0, 2000)], stops, vehicle_types=trucks, sites=sites)
    assert "streams" in features(p)
    result = _solve(p)
    assert result.solution.served() == {0, 1, 2, 3}
    for route in result.solution.routes:
        vt = p.vehicle_types[route.vehicle_type]
        assert {p.stops[i].stream for i in route.stops()} <= vt.streams


def test_truck_dependent_compaction():
    # 12 m3 loose: an open 10 m3 tipper cannot take it; a 5 m3 packer compacting 3 times holds it in 4 m3.
    trucks = (
        truck(name="tipper", capacity_m3=10, compaction_ratio=1.0, fixed_cost=0),
        truck(name="packer", capacity_m3=5, compaction_ratio=3.0, fixed_cost=500),
    )
    p = problem([(1000, 0)], [{"volume_m3": 12.0}], vehicle_types=trucks)
    assert "compaction" in features(p)
    result = _solve(p)
    assert [p.vehicle_types[r.vehicle_type].name for r in result.solution.routes] == ["packer"]


def test_optional_bins_follow_their_prizes():
    stops = [
        {"mandatory": False, "penalty": 500.0},  # near and valuable: served
        {"mandatory": False, "penalty": 0.01},  # far and worth nothing: left
        {},
    ]
    p = problem([(1000, 0), (-20000, 0), (1500, 0)], stops)
    result = _solve(p)
    assert result.solution.served() == {0, 2}
    assert result.solution.skipped_optional() == [1]


@pytest.mark.parametrize("must_go", ["required", "prize"])
def test_must_go_served_in_both_variants(must_go: str):
    p = problem([(1000 * k, 300) for k in range(1, 7)], [{"weight_kg": 300.0}] * 6, vehicle_types=(truck(count=2),))
    result = _solve(p, must_go=must_go)
    assert result.solution.served() == set(range(6))
    assert result.unserved == ()


def test_prize_variant_leaves_out_what_no_truck_has_hours_for():
    # Ten bins 30 km away, one truck with a two-hour shift: some must stay; the prize variant still answers.
    p = problem([(30000, 100 * k) for k in range(10)], vehicle_types=(truck(shift_end_s=8 * H),))
    result = _solve(p, must_go="prize")
    assert result.unserved
    assert {u.reason for u in result.unserved} == {"fleet"}
    assert len(result.solution.served()) + len(result.unserved) == 10


def test_stop_limit_per_route():
    p = problem([(1000, k * 100) for k in range(4)], vehicle_types=(truck(count=2, max_stops=2),))
    assert "daily_limits" in features(p)
    result = _solve(p)
    assert result.solution.served() == {0, 1, 2, 3}
    assert all(len(r.stops()) <= 2 for r in result.solution.routes)


def test_unservable_bin_is_reported_with_its_reason():
    # A window closing before the shift starts: kept out of the model, reported as such; the rest is routed.
    p = problem([(1000, 0), (2000, 0)], [{"tw_start_s": 0, "tw_end_s": 3 * H}, {}])
    result = _solve(p)
    assert result.solution.served() == {1}
    assert [(u.stop, u.reason) for u in result.unserved] == [(0, "time_window")]


def test_daily_waste_limits_above_a_truckload_are_declined():
    limited = problem([(1000, 0)], vehicle_types=(truck(max_collected_kg=5000),))
    assert "daily limits" in (supports("pyvrp", limited) or "")
    # A limit on one measure only leaves the other free to reload: declined too.
    by_volume = problem([(1000, 0)], vehicle_types=(truck(max_collected_m3=1.0),))
    assert "daily limits" in (supports("pyvrp", by_volume) or "")


def test_single_trip_limits_cap_the_one_truckload():
    # At most 0.8 m3 and 1,000 kg a day: one trip. Bins of 0.5 m3: one truck takes one bin, two trucks two.
    day_truck = truck(count=2, max_collected_m3=0.8, max_collected_kg=1000)
    p = problem([(1000, 0), (1200, 0)], vehicle_types=(day_truck,))
    result = _solve(p)
    assert result.solution.served() == {0, 1}
    assert all(len(r.stops()) == 1 for r in result.solution.routes)


def test_lunch_break_is_placed_in_its_window():
    lunch = Break(1800, 11 * H, 12 * H)
    p = problem([(1000 * k, 500) for k in range(1, 6)], vehicle_types=(truck(driver_break=lunch),))
    result = _solve(p)
    assert result.solution.served() == set(range(5))
    b = result.solution.routes[0].break_start_s
    assert b is not None
    assert 11 * H <= b <= 12 * H


def test_break_on_the_road_between_windows():
    # One bin to empty at 08:00-08:30 and one at 11:00-11:30; the break (30 min) must start 09:00-10:00, on the road.
    stops = [{"tw_start_s": 8 * H, "tw_end_s": 8 * H + 1800}, {"tw_start_s": 11 * H, "tw_end_s": 11 * H + 1800}]
    brk = Break(1800, 9 * H, 10 * H)
    p = problem([(1000, 0), (-1000, 0)], stops, vehicle_types=(truck(driver_break=brk),))
    result = _solve(p)
    route = result.solution.routes[0]
    assert result.solution.served() == {0, 1}
    assert route.break_start_s is not None
    assert route.visits[0].departure_s < route.break_start_s < route.visits[-1].arrival_s


def test_closing_site_is_not_used_for_the_last_unloading():
    # The near landfill closes at 06:30, before any truck could unload there: the far one takes the last load.
    sites = ((0, 2000, {"closes_s": 6 * H + 1800}), (0, 6000, {}))
    p = problem([(1000, 0)], sites=sites)
    result = _solve(p)
    last = result.solution.routes[0].visits[-2]
    assert last.kind == "disposal"
    assert p.disposal_sites[last.index].id == "L2"


def test_warm_start_is_the_construction(monkeypatch: pytest.MonkeyPatch):
    import routing.solvers.pyvrp as backend
    from routing.solvers.construct import construct
    from routing.solvers.pyvrp_model import build_model

    p = problem([(1000, 0), (1000, 500), (1000, 1000), (1000, 1500)], [{"weight_kg": 400.0}] * 4)
    monkeypatch.setattr(backend, "WARM_START_MIN_STOPS", 0)
    model = build_model(p)
    start = backend.warm_start(p, model)
    assert start is not None
    built = construct(p)
    assert built is not None
    assert start.num_clients() == len(built.served())
    assert start.num_routes() == len(built.routes)
    result = _solve(p)
    assert result.solution.served() == {0, 1, 2, 3}
