"""Benchmark runs: backends on a tiny instance, the checker flagging corrupted results, plugins, the command adapter."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from routing import solvers
from routing.bench.command import solve_with_command
from routing.bench.instances import read_instance
from routing.bench.report import leaderboard
from routing.bench.solutions import solution_from_routes
from routing.bench.worker import evaluate
from routing.solvers import Result
from tests.routing import test_bench_texts as texts

pytest.importorskip("vrplib")


@pytest.fixture
def tiny(tmp_path: Path):
    """The tiny CVRP instance (optimum 18) read as a benchmark instance."""
    return read_instance(texts.write(tmp_path / "CVRP", "tiny", texts.CVRP, texts.CVRP_SOL))


@pytest.mark.parametrize("name", ["ortools", "pyvrp", "vroom"])
def test_backend_solves_tiny_cvrp(tiny, name):
    """Each backend finds the optimum of the tiny CVRP, and the checker accepts it."""
    if name != "ortools":
        pytest.importorskip(name, reason=f"{name} is not installed")
    result = solvers.solve(tiny.problem, solver=name, time_limit_s=1, seed=1)
    row = evaluate(tiny, result)
    assert row["status"] == "ok", row["violations"]
    assert row["cost"] == 18
    assert row["gap_pct"] == 0


@pytest.mark.parametrize("name", ["pyvrp", "vroom"])
def test_backend_declines_what_it_cannot_model(tmp_path, name):
    """VROOM declines release times and reloads; PyVRP declines daily waste limits above a truckload."""
    inst = read_instance(texts.write(tmp_path, "mt", texts.multi_trip()))
    problem = inst.problem
    if name == "pyvrp":
        vt = replace(problem.vehicle_types[0], max_collected_kg=10 * problem.vehicle_types[0].capacity_kg)
        problem = problem.replace(vehicle_types=(vt,))
    reason = solvers.supports(name, problem)
    assert reason is not None
    assert ("release times" if name == "vroom" else "daily limits") in reason


def _corrupt(tiny, how: str) -> Result:
    """The optimal solution of the tiny CVRP, corrupted one way."""
    routes = {"ok": [[1, 2], [3]], "swap": [[1, 1], [3]], "drop": [[1], [3]], "over": [[1, 2, 3]]}
    solution = solution_from_routes(tiny, routes.get(how, [[1, 2], [3]]))
    objective = 17.0 if how == "miscount" else solution.cost()
    return Result(solution, objective, "fake 1.0", 0.1, "done")


@pytest.mark.parametrize(
    ("how", "check"),
    [("swap", "duplicate"), ("drop", "served"), ("over", "capacity_kg"), ("miscount", "cost")],
)
def test_checker_flags_a_corrupted_solution(tiny, how, check):
    """A stop swapped for another, a must-go stop dropped, an overload or a miscounted cost: flagged, not ranked."""
    row = evaluate(tiny, _corrupt(tiny, how))
    assert not row["feasible"]
    assert row["status"] == "infeasible"
    assert f"[{check}]" in row["violations"]
    assert row["gap_pct"] is None


def test_flagged_runs_are_never_ranked(tiny):
    """In the leaderboard a flagged run wins nothing and adds no gap, even when it is cheaper than the honest one."""
    import pandas as pd

    rows = []
    for solver, how in (("honest", "ok"), ("cheat", "drop")):
        row = evaluate(tiny, _corrupt(tiny, how))
        rows.append({"instance": "tiny", "family": "CVRP", "solver": solver, "seed": 0, "budget_s": 1, **row})
    board = leaderboard(pd.DataFrame(rows)).set_index("solver")
    assert rows[1]["cost"] < rows[0]["cost"]
    assert board.loc["honest", "wins"] == 1
    assert board.loc["cheat", "wins"] == 0
    assert board.loc["cheat", "infeasible"] == 1
    assert pd.isna(board.loc["cheat", "mean gap %"])


def test_entry_point_plugin(monkeypatch, tiny):
    """A backend under the ``waste.solvers`` entry-point group is listed, loaded and asked what it supports."""

    def plugin(problem, *, time_limit_s=1.0, seed=0, progress=None):
        return Result(solution_from_routes(tiny, [[1, 2], [3]]), 18.0, "plugin 0.1", 0.0)

    plugin.supports = lambda problem: None  # type: ignore[attr-defined]

    class EntryPoint:
        name = "plugin"

        def load(self):
            return plugin

    monkeypatch.setattr(solvers, "_entry_points", lambda: {"plugin": EntryPoint()})
    monkeypatch.setattr(solvers, "_REGISTRY", dict(solvers._REGISTRY))
    assert "plugin" in solvers.available()
    assert solvers.supports("plugin", tiny.problem) is None
    assert solvers.solve(tiny.problem, solver="plugin", time_limit_s=1).cost() == 18


SCRIPT = """
import sys
instance, solution, limit = sys.argv[1:4]
assert open(instance).read().startswith("NAME")
open(solution, "w").write("Route #1: 1 2\\nRoute #2: 3\\nCost {cost}\\n")
"""


@pytest.mark.parametrize(("claimed", "status"), [(18, "ok"), (15, "infeasible")])
def test_command_adapter(tmp_path, tiny, claimed, status):
    """An external program writes a VRPLIB solution; it is read back and checked, and a false cost is flagged."""
    script = tmp_path / "mysolver.py"
    script.write_text(SCRIPT.format(cost=claimed), encoding="utf-8")
    template = f"cmd:{sys.executable} {script} {{instance}} {{solution}} {{time_limit}}"
    result, stated = solve_with_command(template, tiny, time_limit_s=5)
    assert stated == claimed
    row = evaluate(tiny, result, claimed=stated)
    assert row["status"] == status
    assert row["cost"] == 18
    assert result.solver == "cmd:mysolver.py"
