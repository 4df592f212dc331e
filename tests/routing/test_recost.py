"""Re-costing a plan on other matrices keeps the order of visits and shows what the new times break."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from routing.check import check
from routing.problem import Break
from routing.recost import recost
from routing.solution import Solution
from tests.routing.builders import H, problem, truck
from tests.routing.test_check import GOOD, timed


def test_same_matrices_change_nothing():
    p = problem([(1000, 0), (2000, 0)])
    s = Solution(p, (timed(p, GOOD),))
    result = recost(s, p.distance_m, p.duration_s)
    assert result.violations == {}
    assert result.solution.routes == s.routes
    totals = result.totals()
    assert totals["km_ratio"] == pytest.approx(1.0)
    assert totals["drive_h_ratio"] == pytest.approx(1.0)


def test_slower_roads_push_visits_late_and_are_caught():
    """Twice the driving time: the 06:00-06:05 window of S1 is missed; distances and services are unchanged."""
    p = problem([(1000, 0), (2000, 0)], [{}, {"tw_start_s": 6 * H, "tw_end_s": 6 * H + 300}])
    s = Solution(p, (timed(p, GOOD),))
    result = recost(s, p.distance_m * 1, p.duration_s * 2)
    row = result.routes.iloc[0]
    assert row["km_after"] == pytest.approx(row["km_before"])
    assert row["drive_h_after"] == pytest.approx(2 * row["drive_h_before"])
    # Day = driving + services (60 + 60) + unloading (300), so it grows by the driving time alone.
    assert row["day_h_after"] - row["day_h_before"] == pytest.approx(row["drive_h_before"])
    assert result.violations == {"time_window": 1}
    stops = [v for v in result.solution.routes[0].visits if v.kind == "stop"]
    assert stops[1].start_s == 6 * H + 2 * (100 + 100) + 60


def test_longer_roads_cost_more_and_the_break_stays_on_its_leg():
    p = problem([(1000, 0), (2000, 0)], vehicle_types=(truck(driver_break=Break(600, 6 * H, 7 * H)),))
    plain = timed(p, GOOD)
    later = [
        replace(v, arrival_s=v.arrival_s + 600, start_s=v.start_s + 600, departure_s=v.departure_s + 600)
        for v in plain.visits[2:]
    ]
    route = replace(plain, visits=(*plain.visits[:2], *later), break_start_s=plain.visits[1].departure_s)  # S0 -> S1
    s = Solution(p, (route,))
    assert check(p, s) == []
    result = recost(s, p.distance_m * 3 // 2, p.duration_s * 3 // 2)
    assert result.totals()["km_ratio"] == pytest.approx(1.5, rel=1e-3)
    new = result.solution.routes[0]
    assert new.break_start_s == new.visits[1].departure_s
    assert new.visits[2].arrival_s == new.break_start_s + 600 + int(p.duration_s[2, 3] * 3 // 2)
    assert result.violations == {}


def test_matrices_of_another_size_are_refused():
    p = problem([(1000, 0), (2000, 0)])
    s = Solution(p, (timed(p, GOOD),))
    with pytest.raises(ValueError, match=r"shape|rows|matri"):
        recost(s, np.zeros((2, 2)), np.zeros((2, 2)))
