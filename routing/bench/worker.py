"""One benchmark run in its own process: read the instance, solve within the budget, check, return one result row.

The runner starts ``python -m routing.bench.worker`` once per run with the task as JSON on standard input and reads
the row as JSON from the line of standard output that starts with :data:`MARK`. A fresh process per run gives each
solver the same start (no warm caches), a peak-memory figure of its own, one thread (the runner sets
``OMP_NUM_THREADS`` and friends to 1) and a hard stop if a solver overruns.

Row schema (see :data:`routing.bench.runner.COLUMNS`): costs in the family's units, times in seconds, memory in MB.
"""

from __future__ import annotations

import json
import math
import resource
import sys
import time
from typing import Any

from routing.bench.command import is_command, label, solve_with_command
from routing.bench.instances import Instance, family_violations, read_instance
from routing.check import Violation, check, totals
from routing.solvers import Result

#: Prefix of the line that carries the result row (solvers may print to standard output too).
MARK = "BENCH-ROW "
#: Relative tolerance between a solver's stated objective and the recomputed cost before it counts as mis-costed.
COST_TOLERANCE = 1e-5


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def run(task: dict[str, Any]) -> dict[str, Any]:
    """Run ``task`` and return its result row.

    Keys: ``path``, ``family``, ``solver``, ``seed``, ``budget_s``; optional ``objective`` (see
    :mod:`routing.objectives`) and ``routes_dir`` (a folder where the timed routes are written as
    ``<instance>_<solver>_seed<seed>.csv`` by :func:`routing.bench.route_files.write_solution_csv`).
    """
    from routing import solvers

    instance = read_instance(task["path"], task.get("family"), task.get("objective") or None)
    name, seed, budget = task["solver"], int(task["seed"]), float(task["budget_s"])
    row: dict[str, Any] = {
        "instance": instance.name,
        "family": instance.family,
        "solver": label(name) if is_command(name) else name,
        "solver_version": "",
        "seed": seed,
        "budget_s": budget,
        "best_known": instance.best_known,
        "objective": instance.objective,
    }
    if not is_command(name):
        reason = solvers.supports(name, instance.problem)
        if reason is not None:
            installed = "not installed" not in reason
            return row | {"status": "not_applicable" if installed else "unavailable", "violations": reason}
    trajectory: list[tuple[float, float]] = []

    def progress(elapsed: float, objective: float) -> None:
        trajectory.append((round(elapsed, 3), instance.family_cost(objective)))

    claimed = None
    t0 = time.perf_counter()
    if is_command(name):
        result, claimed = solve_with_command(name, instance, time_limit_s=budget, seed=seed)
    else:
        result = solvers.solve(instance.problem, solver=name, time_limit_s=budget, seed=seed, progress=progress)
    runtime = time.perf_counter() - t0
    if task.get("routes_dir") and result.solution.routes:
        from pathlib import Path

        from routing.bench.route_files import write_solution_csv

        safe = row["solver"].replace(":", "_").replace("/", "_")
        write_solution_csv(result.solution, Path(task["routes_dir"]) / f"{instance.name}_{safe}_seed{seed}.csv")
    return row | evaluate(instance, result, claimed=claimed, trajectory=trajectory, runtime_s=runtime)


def evaluate(
    instance: Instance,
    result: Result,
    *,
    claimed: float | None = None,
    trajectory: list[tuple[float, float]] | None = None,
    runtime_s: float | None = None,
) -> dict[str, Any]:
    """Judge a solver's result: the checker's violations, the family's rules, must-go stops left out, and the cost.

    Parameters
    ----------
    instance
        The instance solved.
    result
        What the solver returned.
    claimed
        The cost (family units) an external solver's file states; else the result's objective is compared.
    trajectory
        ``(elapsed s, cost in family units)`` of each improving solution the solver reported.
    runtime_s
        Wall time of the call (s); the result's own by default.

    Returns
    -------
    dict
        The row fields ``solver_version``, ``cost``, ``gap_pct``, ``time_to_first_feasible_s``, ``runtime_s``,
        ``peak_memory_mb``, ``feasible``, ``violations``, ``status``, ``trajectory``, and ``vehicles`` and
        ``distance`` (trucks used and distance in the family's unit, recomputed by :func:`routing.check.totals`;
        distance only for families that report one). A run is feasible, and ranked, only without any violation.
    """
    trajectory = trajectory or []
    runtime = result.runtime_s if runtime_s is None else runtime_s
    solution = result.solution
    problem = instance.problem
    cost = solution.cost()
    violations = check(problem, solution) + family_violations(instance, solution)
    violations += [Violation("served", f"must-go stop {problem.stops[u.stop].id} left out") for u in solution.unserved]
    stated = instance.family_cost(result.objective) if claimed is None else claimed
    recomputed = instance.family_cost(cost)
    if math.isfinite(stated) and abs(stated - recomputed) > max(1e-3, COST_TOLERANCE * abs(stated)):
        violations.append(Violation("cost", f"solver states {stated:g}, recomputed {recomputed:g}"))
    feasible = not violations and bool(solution.routes or not problem.stops)
    gap = instance.gap_pct(cost) if feasible else None
    status = "ok" if feasible else ("infeasible" if solution.routes else f"no_solution ({result.status})")
    vehicles, distance = totals(problem, solution)
    text = "; ".join(str(v) for v in violations[:5])
    if len(violations) > 5:
        text += f"; ... {len(violations)} in all"
    return {
        "solver_version": result.solver.split(" ", 1)[1] if " " in result.solver else "",
        "cost": round(recomputed, 6),
        "gap_pct": None if gap is None else round(gap, 4),
        "time_to_first_feasible_s": (trajectory[0][0] if trajectory else round(runtime, 3)) if feasible else None,
        "runtime_s": round(runtime, 3),
        "peak_memory_mb": round(_peak_mb(), 1),
        "feasible": feasible,
        "violations": text,
        "status": status,
        "trajectory": trajectory,
        "vehicles": vehicles,
        "distance": None if instance.distance_scale is None else round(distance / instance.distance_scale, 4),
    }


def main() -> None:
    """Read a task as JSON on standard input, write its row as JSON on standard output."""
    task = json.loads(sys.stdin.read())
    row = run(task)
    sys.stdout.write(MARK + json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
