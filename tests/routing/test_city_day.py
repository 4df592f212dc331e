"""The city day's engine: models per stream, the variants side by side, and today's planner where PyVRP cannot go."""

from __future__ import annotations

import pytest

from routing.check import check
from routing.solvers.by_stream import share_trucks, stream_parts
from routing.solvers.city_day import Variant, variants_for
from tests.routing.builders import problem, truck

pytest.importorskip("pyvrp", reason="pyvrp is not installed (pip install waste-optimiser[pyvrp])")

SITES = (
    (0, 5000, {"streams": frozenset({"general", "recycling"})}),
    (5000, 0, {"streams": frozenset({"recycling"})}),
)


def _mixed_day():
    """General and recycling bins; a general truck, a recycling truck and two trucks that collect both."""
    trucks = (
        truck(name="general", streams=frozenset({"general"})),
        truck(name="recycling", streams=frozenset({"recycling"})),
        truck(name="both", count=2, capacity_kg=500, streams=frozenset({"general", "recycling"})),
    )
    xy = [(1000 * (k % 4) + 200, 800 * (k // 4) + 100) for k in range(12)]
    stops = [{"stream": "general" if k % 3 else "recycling"} for k in range(12)]
    return problem(xy, stops, vehicle_types=trucks, sites=SITES)


def test_mixed_trucks_go_to_the_stream_with_most_waste_per_payload():
    day = _mixed_day()
    counts = share_trucks(day)
    # 8 general bins (1,600 kg) against one 1,000 kg truck; 4 recycling bins (800 kg) against another.
    assert counts["general"] == [1, 0, 2]
    assert counts["recycling"] == [0, 1, 0]


def test_stream_parts_hold_one_stream_each_with_trucks_narrowed_to_it():
    day = _mixed_day()
    parts = dict(stream_parts(day))
    assert set(parts) == {"general", "recycling"}
    for stream, sector in parts.items():
        assert {s.stream for s in sector.problem.stops} == {stream}
        assert all(vt.streams == {stream} for vt in sector.problem.vehicle_types)
    # The two shared trucks are numbered 0 and 1 across the parts.
    assert parts["general"].problem.vehicle_types[-1].count == 2


def test_by_stream_solution_passes_the_checker():
    from routing.solvers.by_stream import solve

    day = _mixed_day()
    result = solve(day, time_limit_s=2, seed=1)
    assert check(day, result.solution) == []
    assert result.solution.served() == set(range(12))
    assert "per stream" in result.solver


def test_variants_follow_what_pyvrp_models():
    assert variants_for(_mixed_day(), cores=2) == [Variant("pyvrp", "prize"), Variant("today")]
    assert [v.kind for v in variants_for(_mixed_day(), cores=4)] == ["pyvrp", "today", "pyvrp"]
    limited = problem([(1000, 0)], vehicle_types=(truck(max_collected_kg=5000),))
    assert variants_for(limited, cores=2) == [Variant("today")]


@pytest.mark.slow
def test_city_day_engine_serves_the_day_and_names_what_it_beat():
    from routing.solvers.city_day import solve

    day = _mixed_day()
    result = solve(day, time_limit_s=8, workers=2)
    assert check(day, result.solution) == []
    assert result.solution.served() == set(range(12))
    assert result.solver.startswith("city day: ")
    assert "beat" in result.solver
    assert "today's planner" in result.solver


def test_day_pyvrp_cannot_model_goes_to_todays_planner():
    from routing.solvers.city_day import solve

    day = problem([(1000, 0), (2000, 0)], vehicle_types=(truck(max_collected_kg=5000),))
    result = solve(day, time_limit_s=2, workers=1)
    assert check(day, result.solution) == []
    assert result.solution.served() == {0, 1}
    assert result.solver.startswith("city day: today's planner")


def test_core_groups_put_the_largest_stream_alone():
    from routing.solvers.by_stream import core_groups

    assert core_groups([2300, 370, 250], 2) == [[0], [1, 2]]
    assert core_groups([2300, 370, 250], 1) == [[0, 1, 2]]
    assert core_groups([5], 4) == [[0]]


def test_streams_spread_over_cores_give_a_checked_plan():
    from routing.solvers.city_day import solve

    day = _mixed_day()
    assert variants_for(day, cores=2, spread=True) == [Variant("pyvrp", "prize", 2)]
    result = solve(day, time_limit_s=8, workers=2, spread=True)
    assert check(day, result.solution) == []
    assert result.solution.served() == set(range(12))
    assert "streams on 2 cores" in result.solver
