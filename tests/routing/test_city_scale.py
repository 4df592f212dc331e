"""City scale: sectors solved side by side, then improved across their borders without ever getting worse."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from routing.check import check
from routing.city_scale import _rounds, neighbour_pairs, pair_problem, solve_city
from routing.decompose import merge, split
from routing.solvers import solve
from tests.routing.builders import problem, truck


def _ring_day(n: int = 80, seed: int = 1):
    """Bins in a ring around one depot, with coordinates so that sectors are angular slices."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = rng.uniform(1500, 5000, n)
    points = [(float(r * np.cos(a)), float(r * np.sin(a))) for r, a in zip(radius, angle, strict=True)]
    day = problem(points, vehicle_types=(truck(count=8, capacity_kg=2500, capacity_m3=30),))
    xy = np.array([(0.0, 0.0), (0.0, 5000.0), *points])
    return replace(day, coords_deg=np.column_stack([xy[:, 1] / 111_200, xy[:, 0] / 111_200]))


def test_pairs_are_neighbours_and_rounds_share_no_sector() -> None:
    """Each sector is paired with its nearest; pairs run together only when they share no sector."""
    day = _ring_day()
    sectors = split(day, max_stops=20)
    assert len(sectors) >= 4
    pairs = neighbour_pairs(day, sectors)
    assert {p.a for p in pairs} | {p.b for p in pairs} == set(range(len(sectors)))
    for batch in _rounds(pairs):
        seen = [s for p in batch for s in (p.a, p.b)]
        assert len(seen) == len(set(seen))


def test_pair_problem_holds_the_pair_trucks_and_their_bins() -> None:
    """The warm start of a pair is the current routes of its trucks, feasible in the pair's own problem."""
    day = _ring_day()
    sectors = split(day, max_stops=20)
    results = [solve(s.problem, time_limit_s=1) for s in sectors]
    merged = merge(day, sectors, results, 1.0)
    owner = np.full(day.num_stops, -1)
    for k, s in enumerate(sectors):
        owner[s.stop_index] = k
    pair = neighbour_pairs(day, sectors)[0]
    sub, start, stops, order = pair_problem(day, merged.solution, sectors, owner, pair)
    # Bins nobody serves yet are in the pair problem, unreported: the only rule the start may break.
    assert [v for v in check(sub, start) if v.check != "served"] == []
    assert sorted(stops.tolist()) == sorted(np.flatnonzero((owner == pair.a) | (owner == pair.b)).tolist())
    assert sub.num_vehicles == len(order) == len(pair.vehicles)


@pytest.mark.slow
def test_borders_never_make_the_day_worse() -> None:
    """The border phase keeps every rule, and its cost is at most the sector phase's."""
    day = _ring_day()
    phases = []
    result = solve_city(day, time_limit_s=12, workers=2, max_stops=20, on_phase=lambda *a: phases.append(a))
    assert check(day, result.solution) == []
    (_, _, sectors_result), (_, _, final) = phases
    assert len(final.solution.unserved) <= len(sectors_result.solution.unserved)
    assert final.solution.cost() <= sectors_result.solution.cost() + 1e-6
    assert "border pairs improved" in result.solver
