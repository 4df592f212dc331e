"""Portfolio backend: members chosen by what each backend models, the best checked solution kept."""

from __future__ import annotations

import pytest

from routing.check import check
from routing.solution import Solution
from routing.solvers import Result, supports
from routing.solvers.portfolio import Member, members_for, rank, solve
from tests.routing.builders import problem, truck

POINTS = [(900.0 * (i % 5), 700.0 * (i // 5)) for i in range(15)]


def _cvrp_like():
    """Unloading at the depot, one stream: every backend can model it."""
    return problem(POINTS, vehicle_types=(truck(count=15),), sites=((0, 0, {"unload_s": 0, "opens_s": 0}),))


def _city_like():
    """A landfill away from the depot: OR-Tools and PyVRP model it."""
    return problem(POINTS, vehicle_types=(truck(count=3),))


def _with_daily_limit():
    """A daily waste limit above one truckload: only OR-Tools models it."""
    return problem(POINTS, vehicle_types=(truck(count=3, max_collected_kg=5000),))


def test_members_follow_what_backends_model() -> None:
    """Backends that decline never run; spare cores run other OR-Tools searches."""
    city = _with_daily_limit()
    assert supports("pyvrp", city) is not None
    assert members_for(city, cores=2) == [Member("ortools")]
    members = members_for(city, cores=2, spare_searches=True)
    assert [m.backend for m in members] == ["ortools", "ortools"]
    assert members[0].search != members[1].search
    assert len(members_for(city, cores=1)) == 1
    cvrp = _cvrp_like()
    names = [m.backend for m in members_for(cvrp, cores=3)]
    if supports("pyvrp", cvrp) is None and supports("vroom", cvrp) is None:
        assert names == ["pyvrp", "ortools", "vroom"]


def test_rank_prefers_rules_then_must_go_then_cost() -> None:
    """A solution that breaks a rule loses to any that keeps them; then fewer must-go bins left out wins."""
    day = _city_like()
    good = solve(day, time_limit_s=1, workers=1)
    empty = Result(Solution(day, (), ()), 0.0, "none", 0.0)  # serves nothing but claims no must-go left out
    assert rank(day, good) < rank(day, empty)
    assert rank(day, good)[0] == 0


@pytest.mark.slow
def test_two_members_side_by_side_give_a_checked_solution() -> None:
    """On two cores the portfolio runs two searches and returns the better, checked, naming both."""
    day = _city_like()
    result = solve(day, time_limit_s=6, workers=2, spare_searches=True)
    assert check(day, result.solution) == []
    assert len(result.solution.served()) == day.num_stops
    assert result.solver.startswith("portfolio")
    assert "beat" in result.solver


def test_member_label_names_its_settings() -> None:
    """Reports tell the default OR-Tools search from the variants."""
    from routing.solvers.ortools_search import SearchOptions

    assert Member("ortools").label() == "ortools"
    assert Member("ortools", SearchOptions(lns=True)).label() == "ortools (lns)"
