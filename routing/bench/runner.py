"""Run every (instance, solver, seed) with one wall-clock budget, one core each, and append the rows to a CSV.

Each run is a fresh process (:mod:`routing.bench.worker`) with one thread for numerical libraries, so solvers start
equal and a run's peak memory is its own. Runs go to a local pool of ``jobs`` processes, or to a Dask cluster when a
scheduler address is given (each Dask task then starts the same worker process). Every result is checked by
:func:`routing.check.check` and the family's rules in the worker; an infeasible or mis-costed one is flagged and
never ranked.

Output files in the output folder: ``results.csv`` (one row per run, appended; :data:`COLUMNS`) and
``progress.csv`` (``instance, family, solver, seed, time_s, cost``: each improving solution a solver reported).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routing.bench.worker import MARK as _MARK

#: Columns of ``results.csv``: costs in the family's units (gap in %), times in s, memory in MB.
COLUMNS = [
    "instance",
    "family",
    "solver",
    "solver_version",
    "seed",
    "budget_s",
    "cost",
    "best_known",
    "gap_pct",
    "time_to_first_feasible_s",
    "runtime_s",
    "peak_memory_mb",
    "feasible",
    "violations",
    "status",
    "objective",
    "vehicles",
    "distance",
]
#: Threads each run may use: one core per run.
_ONE_THREAD = dict.fromkeys(
    ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"), "1"
)
#: Time a run gets beyond its budget for start-up and reading before it is stopped (s).
_GRACE_S = 60.0


@dataclass(frozen=True, slots=True)
class Task:
    """One run: an instance file of a family, a solver name, a seed and a budget (s).

    ``objective`` replaces the family's costs (:mod:`routing.objectives`); ``routes_dir`` is where the worker writes
    the timed routes (:mod:`routing.bench.route_files`).
    """

    path: str
    family: str | None
    solver: str
    seed: int
    budget_s: float
    objective: str | None = None
    routes_dir: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The task as JSON-ready data."""
        return {
            "path": self.path,
            "family": self.family,
            "solver": self.solver,
            "seed": self.seed,
            "budget_s": self.budget_s,
            "objective": self.objective,
            "routes_dir": self.routes_dir,
        }


def tasks(
    paths: list[Path],
    family: str | None,
    solvers: list[str],
    seeds: int,
    budget_s: float,
    *,
    objective: str | None = None,
    routes_dir: str | None = None,
) -> list[Task]:
    """Every combination, instance-major so that a partial run still compares solvers on the same instances."""
    return [
        Task(str(p), family, s, seed, budget_s, objective, routes_dir)
        for p in paths
        for seed in range(seeds)
        for s in solvers
    ]


def run_task(task: dict[str, Any]) -> dict[str, Any]:
    """Run one task in a fresh worker process and return its row (an ``error`` row if the worker fails).

    A module-level function of plain data, so that Dask can ship it to its workers.
    """
    root = Path(__file__).resolve().parents[2]
    env = (
        os.environ
        | _ONE_THREAD
        | {"PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    )
    base = {k: task.get(k) for k in ("solver", "seed", "budget_s")} | {
        "instance": Path(task["path"]).stem,
        "family": task.get("family") or "",
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "routing.bench.worker"],
            input=json.dumps(task),
            capture_output=True,
            text=True,
            timeout=float(task["budget_s"]) * 1.5 + _GRACE_S,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return base | {"status": "timeout", "feasible": False, "violations": "stopped well past the budget"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(_MARK):
            return json.loads(line.removeprefix(_MARK))
    tail = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
    return base | {"status": "error", "feasible": False, "violations": tail[0][:300]}


def execute(
    work: list[Task],
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Run ``work`` and yield each row as it completes.

    Parameters
    ----------
    work
        The runs.
    jobs
        Runs at once in the local pool (one core each).
    scheduler
        Address of a Dask scheduler (``tcp://host:8786``); the cluster's workers then run the tasks.
    on_result
        Called with each row, for a progress display.
    """
    payloads = [t.as_dict() for t in work]
    if scheduler is not None:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(scheduler) as client:
            futures = client.map(run_task, payloads, pure=False)
            for future in dask_completed(futures):
                row = future.result()
                if on_result is not None:
                    on_result(row)
                yield row
        return
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        pending = [pool.submit(run_task, p) for p in payloads]
        for future in as_completed(pending):
            row = future.result()
            if on_result is not None:
                on_result(row)
            yield row


def append_rows(out_dir: Path, rows: list[dict[str, Any]]) -> Path:
    """Append ``rows`` to ``out_dir/results.csv`` and their trajectories to ``progress.csv``; return the first."""
    out_dir.mkdir(parents=True, exist_ok=True)
    results = out_dir / "results.csv"
    new = not results.exists()
    columns = COLUMNS
    if not new:  # keep the columns of a file written before columns were added
        with results.open(newline="", encoding="utf-8") as fh:
            columns = next(csv.reader(fh), None) or COLUMNS
    with results.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        if new:
            writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    progress = out_dir / "progress.csv"
    new = not progress.exists()
    with progress.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        if new:
            writer.writerow(["instance", "family", "solver", "seed", "time_s", "cost"])
        for row in rows:
            for t, cost in row.get("trajectory") or []:
                writer.writerow([row["instance"], row["family"], row["solver"], row["seed"], t, cost])
    return results
