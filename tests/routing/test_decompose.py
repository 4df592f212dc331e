"""Sectors: a day split by depot and stream, cut into slices, solved apart and merged into one checked solution."""

from __future__ import annotations

import numpy as np

from routing.check import check
from routing.decompose import solve_in_sectors, split, truck_groups
from tests.routing.builders import H, problem, truck


def _two_depot_day(n: int = 60, seed: int = 0):
    """Two depots 8 km apart, general and recycling bins around each, three kinds of truck per depot."""
    rng = np.random.default_rng(seed)
    west = rng.normal((-4000, 0), 1200, size=(n // 2, 2))
    east = rng.normal((4000, 0), 1200, size=(n - n // 2, 2))
    points = [(float(x), float(y)) for x, y in np.vstack([west, east])]
    streams = ["recycling" if i % 4 == 0 else "general" for i in range(n)]
    stops = [{"stream": s} for s in streams]
    both = frozenset({"general", "recycling"})
    types = (
        truck(name="packer-W", count=2, start_depot="D", capacity_kg=3000, capacity_m3=30),
        truck(name="recycler-W", count=1, start_depot="D", streams=frozenset({"recycling"})),
        truck(name="packer-E", count=2, start_depot="D2", capacity_kg=3000, capacity_m3=30),
        truck(name="van-E", count=1, start_depot="D2", streams=both, capacity_kg=800),
    )
    sites = ((0, 6000, {"streams": both}),)
    return problem(points, stops, vehicle_types=types, depots_xy=((-4000, 0), (4000, 0)), sites=sites)


def test_truck_groups_follow_depots_and_connected_streams() -> None:
    """Types of one depot form a group when their streams connect; depots never share a group."""
    day = _two_depot_day()
    groups = [[day.vehicle_types[t].name for t in g] for g in truck_groups(day)]
    assert sorted(map(sorted, groups)) == [["packer-E", "van-E"], ["packer-W"], ["recycler-W"]]


def test_sectors_cover_every_stop_once_and_keep_the_fleet() -> None:
    """Every stop lands in exactly one sector, with a truck for its stream; slices share out the trucks."""
    day = _two_depot_day()
    sectors = split(day, max_stops=10)
    covered = np.concatenate([s.stop_index for s in sectors])
    assert sorted(covered.tolist()) == list(range(day.num_stops))
    for sector in sectors:
        for k, stop in enumerate(sector.problem.stops):
            assert sector.problem.compatible_types(k), f"stop {stop.id} has no truck in its sector"
    totals: dict[str, int] = {}
    for sector in sectors:
        for vt in sector.problem.vehicle_types:
            totals[vt.name] = totals.get(vt.name, 0) + vt.count
    assert totals == {vt.name: vt.count for vt in day.vehicle_types}


def test_merged_solution_passes_the_checker() -> None:
    """Sector routes merged back are a feasible solution of the whole day, with distinct truck numbers."""
    day = _two_depot_day()
    result = solve_in_sectors(day, time_limit_s=2, workers=2, max_stops=15)
    assert check(day, result.solution) == []
    trucks = [(r.vehicle_type, r.vehicle) for r in result.solution.routes]
    assert len(trucks) == len(set(trucks))
    assert len(result.solution.served()) + len(result.unserved) >= sum(s.mandatory for s in day.stops)
    assert "sectors" in result.solver
    assert all(r.visits[0].departure_s >= 6 * H for r in result.solution.routes)
