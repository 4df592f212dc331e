"""``waste bench`` end to end on a tiny instance: worker processes, CSV, leaderboard and plots; Dask; option parsing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from routing.bench.cli import _solver_names, bench
from routing.bench.runner import COLUMNS, execute, tasks
from tests.routing import test_bench_texts as texts

pytest.importorskip("vrplib")

SCRIPT = """
import sys
open(sys.argv[2], "w").write("Route #1: 1 2\\nRoute #2: 3\\nCost 18\\n")
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data folder holding the tiny CVRP instance under ``CVRP/``."""
    texts.write(tmp_path / "data" / "CVRP", "tiny", texts.CVRP, texts.CVRP_SOL)
    return tmp_path / "data"


def test_bench_writes_csv_leaderboard_and_plots(tmp_path, data):
    """One instance, two solvers (the default and an external command), results checked and reported."""
    script = tmp_path / "mysolver.py"
    script.write_text(SCRIPT, encoding="utf-8")
    out = tmp_path / "out"
    args = ["--data", str(data), "--family", "CVRP", "--instances", "tiny", "--time-limit", "1", "--out", str(out)]
    args += ["--solvers", f'default,cmd:"{sys.executable} {script} {{instance}} {{solution}}"', "--jobs", "2"]
    result = CliRunner().invoke(bench, args)
    assert result.exit_code == 0, result.output
    lines = (out / "results.csv").read_text().splitlines()
    assert lines[0].split(",") == COLUMNS
    assert len(lines) == 3
    assert all(",ok" in line and ",True," in line for line in lines[1:])
    board = (out / "leaderboard.md").read_text()
    assert "| CVRP | portfolio |" in board
    assert "| CVRP | cmd:mysolver.py |" in board
    assert (out / "performance_profile.png").stat().st_size > 0
    assert (out / "gap_over_time.png").stat().st_size > 0


def test_bench_reports_a_missing_instance(data, tmp_path):
    """A user's mistake becomes a one-line error."""
    result = CliRunner().invoke(bench, ["--data", str(data), "--instances", "nope", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "no instance nope" in result.output


def test_solver_names():
    """``default`` resolves to the plan's solver, duplicates go, and a quoted command keeps its commas."""
    assert _solver_names("ortools,pyvrp,default") == ["ortools", "pyvrp", "portfolio"]
    assert _solver_names("portfolio,default") == ["portfolio"]
    quoted = _solver_names('vroom,cmd:"run {instance},{solution}",pyvrp')
    assert quoted == ["vroom", "cmd:run {instance},{solution}", "pyvrp"]
    assert _solver_names("cmd:run {instance} {solution}") == ["cmd:run {instance} {solution}"]


def test_runs_on_a_dask_cluster(data, tmp_path):
    """With a scheduler address the runs go to the cluster's workers, each still in a fresh process."""
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    script = tmp_path / "mysolver.py"
    script.write_text(SCRIPT, encoding="utf-8")
    command = f"cmd:{sys.executable} {script} {{instance}} {{solution}}"
    work = tasks([data / "CVRP" / "tiny.vrp"], None, [command], 2, 1.0)
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
    with cluster:
        rows = list(execute(work, scheduler=cluster.scheduler_address))
    assert sorted(r["seed"] for r in rows) == [0, 1]
    assert all(r["status"] == "ok" and r["cost"] == 18 for r in rows)
