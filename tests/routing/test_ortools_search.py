"""OR-Tools search settings and warm starts: named settings are checked, a warm start is kept or improved."""

from __future__ import annotations

import pytest

from routing.check import check
from routing.solution import Solution
from routing.solvers.ortools import solve
from routing.solvers.ortools_search import SearchOptions, warm_start_routes
from tests.routing.builders import problem, truck

POINTS = [(1000.0 * (i % 4), 800.0 * (i // 4)) for i in range(12)]


def _day():
    return problem(POINTS, vehicle_types=(truck(count=3),))


def test_unknown_settings_are_refused() -> None:
    """A misspelt strategy, metaheuristic or operator is an error, not a silent default."""
    with pytest.raises(ValueError, match="first solution"):
        SearchOptions(first_solution="CHEAPEST")
    with pytest.raises(ValueError, match="metaheuristic"):
        SearchOptions(metaheuristic="ANNEALING")
    with pytest.raises(ValueError, match="gls_lambda"):
        SearchOptions(gls_lambda=0)
    with pytest.raises(ValueError, match="operator"):
        solve(_day(), time_limit_s=1, search=SearchOptions(operators_off=("use_teleport",)))


def test_label_names_only_what_differs() -> None:
    """Reports name a setting by its differences from the default."""
    assert SearchOptions().label() == "baseline"
    assert SearchOptions(first_solution="SAVINGS", lns=True).label() == "savings, lns"


@pytest.mark.parametrize(
    "options",
    [
        SearchOptions(first_solution="SAVINGS"),
        SearchOptions(first_solution="LOCAL_CHEAPEST_INSERTION", lns=True),
        SearchOptions(metaheuristic="SIMULATED_ANNEALING", full_propagation=False),
        SearchOptions(gls_lambda=0.3, operators_off=("use_lin_kernighan",)),
    ],
)
def test_every_setting_gives_checked_routes(options: SearchOptions) -> None:
    """Whatever the search settings, the routes serve every bin and pass the checker."""
    day = _day()
    result = solve(day, time_limit_s=1, search=options)
    assert check(day, result.solution) == []
    assert len(result.solution.served()) == day.num_stops


def test_warm_start_maps_every_visit_to_its_node() -> None:
    """Each stop becomes its own node and each unloading a distinct copy of its site."""
    day = _day()
    first = solve(day, time_limit_s=1).solution
    vehicles = day.vehicles()
    node_kind = [("depot", 0)] + [("stop", i) for i in range(day.num_stops)] + [("disposal", 0)] * 6
    routes = warm_start_routes(first, vehicles, node_kind)
    for route in first.routes:
        nodes = routes[vehicles.index((route.vehicle_type, route.vehicle))]
        kinds = [node_kind[n] for n in nodes]
        assert [i for k, i in kinds if k == "stop"] == route.stops()
        assert sum(k == "disposal" for k, _ in kinds) == route.disposal_trips()
    copies = [n for nodes in routes for n in nodes if node_kind[n][0] == "disposal"]
    assert len(copies) == len(set(copies))


def test_warm_start_is_searched_from_and_never_made_worse() -> None:
    """A start that leaves one truck idle is read, reported first, and kept or improved."""
    day = _day()
    found = solve(day, time_limit_s=1).solution
    start = Solution(day, found.routes)
    seen: list[float] = []
    result = solve(day, time_limit_s=1, initial=start, progress=lambda _t, objective: seen.append(objective))
    assert check(day, result.solution) == []
    assert seen
    assert seen[0] <= start.cost() + 1e-3
    assert result.solution.cost() <= start.cost() + 1e-6
