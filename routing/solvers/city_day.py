"""The city day's engine: PyVRP variants beside today's planner, each repaired, the best checked plan kept.

A day PyVRP can model (:func:`routing.solvers.pyvrp.supports`) is solved by *variants* side by side, one per core:

1. PyVRP, one model per stream (:mod:`routing.solvers.by_stream`), must-go bins as **high prizes**, starting from
   the nearest-feasible-stop construction;
2. **today's planner**: OR-Tools on the whole day, or in sectors when the day has more bins than a sector holds
   (:mod:`routing.decompose`), so that the plan is never worse than what that planner finds on its core;
3. with a third core, PyVRP per stream with must-go bins **required**.

Every variant's answer is then made feasible and completed the same way (:mod:`routing.repair`): bins are dropped
from any route that breaks a rule, and every must-go bin left out is offered to every truck with hours and room,
across streams, sectors and depots. The kept plan is the best by :func:`routing.check.rank` (no rule broken, then
fewest must-go bins left out, then cost). A day PyVRP cannot model (daily waste limits above a truckload) goes to
today's planner alone, with all the cores, as before.

Why these variants on two cores: on the general stream of the Santa Cruz sample day (2,304 bins, 30 s, loaded
machine), the prize variant from the construction served every must-go bin; the required variant from the same
start could not insert the 81 bins the construction left out, and without a start PyVRP spent 43 s building its own
first solution. Today's planner keeps the second core as the fallback. Spreading the prize model's streams over
both cores instead (``spread=True``: the general stream alone on one) served about as many must-go bins on the
Santa Cruz days (``benchmarks/city_days.py``), so the fallback stays.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, replace

from routing.check import check, rank
from routing.decompose import DEFAULT_MAX_STOPS, solve_in_sectors
from routing.problem import Problem
from routing.repair import drop_until_feasible, insert_left_out
from routing.solvers import DEFAULT_TIME_LIMIT_S, ProgressCallback, Result, get
from routing.solvers import supports as supports_backend
from routing.solvers.portfolio import best_of
from routing.workers import solve_pool

#: Share of the budget kept for repairing and completing each variant's answer (in its own worker).
REPAIR_SHARE = 0.12
#: Wall-clock seconds set aside for starting the worker processes and sending the problem.
STARTUP_S = 3.0
#: Wall-clock seconds kept after the variants for receiving their answers and ranking them.
FINISH_S = 2.0
#: Whether a day of several streams runs the prize model with its streams spread over the cores, instead of the
#: prize model on one core beside today's planner on the other.
SPREAD_STREAMS = False


@dataclass(frozen=True, slots=True)
class Variant:
    """One search of the city day: ``pyvrp-streams`` with a must-go mode, or ``today`` (today's planner)."""

    kind: str
    must_go: str = "required"
    cores: int = 1

    def label(self) -> str:
        """Words for reports."""
        if self.kind == "today":
            return "today's planner"
        spread = f", streams on {self.cores} cores" if self.cores > 1 else ""
        return f"pyvrp per stream, must-go {self.must_go}{spread}"

    def run(self, problem: Problem, time_limit_s: float, seed: int, max_stops: int) -> Result:
        """Solve ``problem`` with this variant in ``time_limit_s`` seconds, on one core."""
        if self.kind == "today":
            if problem.num_stops > max_stops:
                return solve_in_sectors(problem, solver="ortools", time_limit_s=time_limit_s, seed=seed, workers=1)
            return get("ortools")(problem, time_limit_s=time_limit_s, seed=seed)
        solver = get("pyvrp-streams")
        return solver(problem, time_limit_s=time_limit_s, seed=seed, must_go=self.must_go, workers=self.cores)  # type: ignore[call-arg]


def variants_for(problem: Problem, cores: int, spread: bool = False) -> list[Variant]:
    """The variants run on ``problem`` with ``cores`` cores; today's planner alone when PyVRP cannot model it.

    ``spread``: one variant, the prize model with its streams spread over all the cores, when the day has several
    streams (see the module docstring).
    """
    if supports_backend("pyvrp", problem) is not None:
        return [Variant("today")]
    if spread and cores > 1 and len({s.stream for s in problem.stops}) > 1:
        return [Variant("pyvrp", "prize", cores)]
    out = [Variant("pyvrp", "prize"), Variant("today"), Variant("pyvrp", "required")]
    return out[: max(2, cores)]


def _run(
    variant: Variant,
    problem: Problem,
    time_limit_s: float,
    seed: int,
    max_stops: int,
    repair_s: float,
    deadline: float | None = None,
) -> Result:
    """One variant's search, then its repair and completion, on one core.

    ``deadline`` (``time.time()``) is when the repaired answer is due: the search gets what is left of it after
    the worker started, so that starting the process and receiving the problem come out of the search's budget.
    """
    if deadline is not None:
        time_limit_s = max(1.0, deadline - time.time() - repair_s)
    return complete(problem, variant.run(problem, time_limit_s, seed, max_stops), repair_s)


def complete(problem: Problem, result: Result, time_limit_s: float) -> Result:
    """``result`` made feasible and completed (:mod:`routing.repair`), with its objective the checked cost."""
    solution = drop_until_feasible(problem, result.solution)
    solution = insert_left_out(problem, solution, time_limit_s=time_limit_s)
    if solution is result.solution:
        return result
    ok = not check(problem, solution)
    before, after = len(result.solution.unserved), len(solution.unserved)
    status = (
        f"{'feasible' if ok else 'still infeasible'} after repair ({before} must-go left out before, {after} after)"
    )
    return replace(result, solution=solution, objective=solution.cost() if ok else math.inf, status=status)


def solve(
    problem: Problem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
    max_stops: int = DEFAULT_MAX_STOPS,
    scheduler: str | None = None,
    spread: bool | None = None,
) -> Result:
    """Solve a city day with the variants side by side; see the module docstring.

    Parameters
    ----------
    time_limit_s
        Wall-clock budget of the whole (s): workers, variants and repair.
    workers
        Variants run at once (default: the machine's cores, at least two).
    max_stops
        Today's planner solves a day of more bins than this in sectors.
    scheduler
        Dask scheduler for today's planner's sectors when it runs alone.
    spread
        Spread the prize model's streams over the cores instead of running today's planner beside it (default
        :data:`SPREAD_STREAMS`).
    """
    t0 = time.perf_counter()
    cores = workers or os.cpu_count() or 1
    variants = variants_for(problem, cores, SPREAD_STREAMS if spread is None else spread)
    if variants == [Variant("today")]:
        # Today's planner with all the cores, then the same completion: a sector's leftovers go to trucks elsewhere.
        budget = time_limit_s * (1 - REPAIR_SHARE)
        if problem.num_stops > max_stops:
            result = solve_in_sectors(
                problem, time_limit_s=budget, seed=seed, workers=workers, max_stops=max_stops, scheduler=scheduler
            )
        else:
            from routing.solvers.portfolio import solve as portfolio

            result = portfolio(problem, time_limit_s=budget, seed=seed, workers=workers)
        labels = [variants[0].label()]
        results = [complete(problem, result, max(1.0, time_limit_s - (time.perf_counter() - t0)))]
    elif len(variants) == 1:
        # One variant that spreads its own work over the cores: it runs from here, and is completed here.
        solved = variants[0].run(problem, time_limit_s * (1 - REPAIR_SHARE), seed, max_stops)
        labels = [variants[0].label()]
        results = [complete(problem, solved, max(1.0, time_limit_s - (time.perf_counter() - t0) - FINISH_S))]
    else:
        budget = max(0.5 * time_limit_s, time_limit_s * (1 - REPAIR_SHARE) - STARTUP_S)
        repair_s = max(1.0, time_limit_s * REPAIR_SHARE)
        with solve_pool(len(variants), len(variants)) as (pool, _):
            due = time.time() + time_limit_s - (time.perf_counter() - t0) - FINISH_S
            futures = [pool.submit(_run, v, problem, budget, seed, max_stops, repair_s, due) for v in variants]
            results = [f.result() for f in futures]
        labels = [v.label() for v in variants]
    results, keys, best = best_of(problem, results, key=lambda p, r: rank(p, r.solution))
    chosen = results[best]
    others = "; ".join(f"{labels[k]}: {_describe(keys[k])}" for k in range(len(results)) if k != best)
    runtime = time.perf_counter() - t0
    if progress is not None and math.isfinite(chosen.objective):
        progress(runtime, chosen.objective)
    label = f"city day: {labels[best]} ({chosen.solver})" + (f"; beat {others}" if others else "")
    return replace(chosen, solver=label, runtime_s=runtime)


def _describe(key: tuple[int, int, float]) -> str:
    violations, left, cost = key
    if violations:
        return f"{violations} rule(s) broken"
    return f"cost {cost:.0f}, {left} must-go left out"


def supports(problem: Problem) -> str | None:
    """``None``: today's planner takes whatever PyVRP cannot model."""
    return supports_backend("ortools", problem)
