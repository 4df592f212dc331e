"""Command adapter: benchmark any program that reads a VRPLIB instance and writes a VRPLIB solution.

A solver named ``cmd:TEMPLATE`` runs ``TEMPLATE`` with ``{instance}`` (the instance file), ``{solution}`` (where to
write the solution), ``{time_limit}`` (the budget in seconds) and ``{seed}`` filled in, for example
``cmd:mysolver {instance} {solution} {time_limit}``. The program must write its routes within the budget (it is
stopped after the budget plus a grace period); they are read back by
:func:`routing.bench.solutions.solution_from_routes`, timed from the problem's data and checked like any other
backend's. A ``Cost`` line in the file is compared with the recomputed cost, so a mis-costed answer is flagged.
"""

from __future__ import annotations

import math
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

from routing.bench.errors import BenchInputError
from routing.bench.instances import Instance
from routing.bench.solutions import read_routes, solution_from_routes
from routing.solution import Solution, Unserved
from routing.solvers import Result

#: Prefix of a command solver's name.
PREFIX = "cmd:"
#: Extra time an external command gets beyond its budget before it is stopped (s).
GRACE_S = 5.0


def is_command(name: str) -> bool:
    """Whether the solver name is a command template."""
    return name.startswith(PREFIX)


def label(name: str) -> str:
    """A short name for reports: ``cmd:`` and the program's file name (after any Python interpreter)."""
    words = [w for w in shlex.split(name.removeprefix(PREFIX)) if "{" not in w]
    programs = [w for w in words if not Path(w).name.startswith("python")] or words or ["command"]
    return PREFIX + Path(programs[0]).name


def claimed_cost(path: Path) -> float | None:
    """The ``Cost`` a VRPLIB solution file states, if any."""
    import vrplib

    cost = vrplib.read_solution(str(path)).get("cost")
    return None if cost is None else float(cost)


def solve_with_command(
    template: str, instance: Instance, *, time_limit_s: float, seed: int = 0
) -> tuple[Result, float | None]:
    """Run the command ``template`` on ``instance`` and return its result and the cost its file claims.

    Raises
    ------
    BenchInputError
        When the template names none of ``{instance}`` and ``{solution}`` or the instance has no file.
    """
    template = template.removeprefix(PREFIX)
    if "{instance}" not in template or "{solution}" not in template:
        msg = f"command {template!r} must use {{instance}} and {{solution}}"
        raise BenchInputError(msg)
    if instance.path is None:
        msg = f"{instance.name}: no instance file to hand to a command"
        raise BenchInputError(msg)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-cmd-") as tmp:
        out = Path(tmp) / f"{instance.name}.sol"
        fields = {
            "instance": str(instance.path),
            "solution": str(out),
            "time_limit": f"{time_limit_s:g}",
            "seed": str(seed),
        }
        args = [word.format(**fields) for word in shlex.split(template)]
        status = "solution found"
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=time_limit_s + GRACE_S, check=False)
            if done.returncode != 0:
                status = f"exit code {done.returncode}: {done.stderr.strip()[-200:]}"
        except subprocess.TimeoutExpired:
            status = "stopped after the budget"
        except OSError as exc:
            status = f"could not run: {exc}"
        runtime = time.perf_counter() - t0
        name = label(PREFIX + template)
        p = instance.problem
        if not out.exists():
            unserved = tuple(Unserved(i, "fleet") for i, s in enumerate(p.stops) if s.mandatory)
            empty = Solution(p, (), unserved)
            return Result(
                empty, math.inf, name, runtime, status if status != "solution found" else "no solution file"
            ), None
        solution = solution_from_routes(instance, read_routes(out))
        claimed = claimed_cost(out)
    return Result(solution, solution.cost(), name, runtime, status), claimed
