"""Benchmark readers: tiny hand-made VRPLIB texts per family, and one shared instance per family with its BKS."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.bench.errors import BenchInputError
from routing.bench.instances import family_violations, find_instances, read_instance
from routing.bench.solutions import read_routes, routes_of, solution_from_routes
from routing.check import check
from routing.schedule import build_route
from routing.solution import Solution
from routing.solvers import supports
from routing.solvers.features import features
from tests.routing import test_bench_texts as texts

pytest.importorskip("vrplib")

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "pyvrp-instances"


@pytest.fixture
def tiny_cvrp(tmp_path: Path) -> Path:
    """The tiny CVRP instance with its optimal solution beside it, in a ``CVRP`` family folder."""
    return texts.write(tmp_path / "CVRP", "tiny", texts.CVRP, texts.CVRP_SOL)


def test_cvrp_rounds_and_reads_best_known(tiny_cvrp):
    """CVRP: rounded distances, no times, an unlimited fleet, the BKS from the .sol, and the BKS checks feasible."""
    inst = read_instance(tiny_cvrp)
    p = inst.problem
    assert (inst.family, inst.cost_scale, inst.best_known) == ("CVRP", 1.0, 18.0)
    assert p.distance_m[0].tolist() == [0, 3, 4, 3]
    assert p.duration_s.max() == 0
    assert p.num_vehicles == 3
    assert p.vehicle_types[0].capacity_kg == 10
    sol = solution_from_routes(inst, read_routes(tiny_cvrp.with_suffix(".sol")))
    assert check(p, sol) == []
    assert inst.family_cost(sol.cost()) == 18
    assert inst.gap_pct(sol.cost()) == 0
    assert routes_of(inst, sol) == [[1, 2], [3]]


def test_cvrp_reloads_do_not_matter(tiny_cvrp):
    """With an unlimited fleet and no fixed cost a trip is a route, so every backend may take CVRP."""
    p = read_instance(tiny_cvrp).problem
    assert "reloads" not in features(p)
    assert supports("ortools", p) is None


def test_dimacs_truncates_to_tenths(tmp_path):
    """VRPTW: distances, windows and service times times ten, truncated; the depot window is the shift."""
    inst = read_instance(texts.write(tmp_path, "tinytw", texts.VRPTW))
    p = inst.problem
    assert inst.cost_scale == 10
    assert p.distance_m[0, 1] == 14
    assert p.distance_m[0, 2] == 20
    assert (p.stops[1].tw_start_s, p.stops[1].tw_end_s, p.stops[1].service_s) == (50, 200, 15)
    assert (p.vehicle_types[0].shift_start_s, p.vehicle_types[0].shift_end_s) == (0, 1000)
    assert p.vehicle_types[0].max_collected_kg == 10  # one trip per vehicle


def test_multi_trip_release_times_and_reloads(tmp_path):
    """MTVRPTWR: release times map onto stops; OR-Tools declines them; the checker flags an early trip."""
    path = texts.write(tmp_path, "tinymt", texts.multi_trip())
    inst = read_instance(path)
    p = inst.problem
    assert p.stops[1].release_s == 30
    assert {"release", "reloads"} <= features(p)
    assert "release times" in (supports("ortools", p) or "")
    # Client 2 (stop 1, released at 30) on a trip that leaves at 0: depot, stop 1, unload, stop 0, unload, depot.
    sequence = [("depot", 0), ("stop", 1), ("disposal", 0), ("stop", 0), ("disposal", 0), ("depot", 0)]
    early = Solution(p, (build_route(p, 0, 0, sequence, [0, 50, 85, 99, 128, 128]),))
    assert any(v.check == "schedule" and "released" in v.message for v in check(p, early))
    # Read from VRPLIB routes, the departure waits for the release time instead.
    assert check(p, solution_from_routes(inst, [[2, 0, 1]])) == []
    fine = solution_from_routes(inst, [[1, 0, 2]])
    assert check(p, fine) == []
    assert family_violations(inst, fine) == []


def test_prize_collecting_stops_are_optional(tmp_path):
    """PCVRPTW: every client optional with its prize (times ten) as penalty."""
    inst = read_instance(texts.write(tmp_path, "tinypc", texts.prize_collecting()))
    assert [(s.mandatory, s.penalty) for s in inst.problem.stops] == [(False, 70.0), (False, 90.0)]
    nothing = solution_from_routes(inst, [[]])
    assert check(inst.problem, nothing) == []
    assert inst.family_cost(nothing.cost()) == 16  # both prizes uncollected


def test_heterogeneous_fleet_types_and_costs(tmp_path):
    """HFVRP: vehicles grouped into types, route i driven by vehicle i, costs exact in thousandths."""
    inst = read_instance(texts.write(tmp_path, "tinyhf", texts.heterogeneous()))
    types = inst.problem.vehicle_types
    assert [(vt.count, vt.capacity_kg) for vt in types] == [(2, 10), (1, 5)]
    assert inst.cost_scale == 100_000
    # Vehicle 1 drives 3 + 5 + 4 = 12 at 2 per unit, vehicle 3 (the small one) 6 at 1: (100 + 24 + 50 + 6) / 100.
    sol = solution_from_routes(inst, [[1, 2], [], [3]])
    assert check(inst.problem, sol) == []
    assert inst.family_cost(sol.cost()) == pytest.approx(1.80)


def test_reload_in_a_single_trip_family_is_flagged(tmp_path):
    """VRPTW allows one trip per vehicle: a route through the depot breaks the family's rule."""
    inst = read_instance(texts.write(tmp_path, "tinytw", texts.VRPTW))
    twice = solution_from_routes(inst, [[1, 0, 2]])
    assert [v.check for v in family_violations(inst, twice)] == ["single_trip"]


def test_unknown_instance_is_an_input_error(tiny_cvrp):
    """A missing instance name is reported with the folder."""
    with pytest.raises(BenchInputError, match="no instance nothere"):
        find_instances(tiny_cvrp.parent.parent, "CVRP", ["nothere"])


@pytest.mark.shared
@pytest.mark.parametrize(
    ("family", "name"),
    [
        ("CVRP", "X-n101-k25"),
        ("VRPTW", "C1_10_1"),
        ("MTVRPTWR", "C201R0.25"),
        ("PCVRPTW", "C1_10_1"),
        ("HFVRP", "X101-FSMFD"),
    ],
)
def test_shared_best_known_solutions_check(family, name):
    """Each family's BKS passes the checker and the family's rules, at its stated cost (the family's rounding)."""
    path = SHARED / family / f"{name}.vrp"
    if not path.exists():
        pytest.skip(f"shared instances not found at {SHARED}")
    inst = read_instance(path)
    sol = solution_from_routes(inst, read_routes(path.with_suffix(".sol")))
    assert check(inst.problem, sol) + family_violations(inst, sol) == []
    assert inst.family_cost(sol.cost()) == pytest.approx(inst.best_known, abs=0.01)
