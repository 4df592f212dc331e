"""Portfolio backend: several backends side by side on the machine's cores, the best checked solution wins.

No backend is best everywhere. On the standard benchmarks PyVRP's hybrid genetic search is far ahead on capacitated
and multi-trip instances, OR-Tools on some prize-collecting ones, and only OR-Tools models everything a city day
asks (streams, unloading away from the depot, breaks, daily limits). A portfolio needs no rule about which is which:
given ``cores`` processes and a wall-clock budget, it runs one *member* per core for the same budget, judges every
member's solution with the independent checker (:func:`routing.check.check`), and keeps the best by

1. no violation of any rule (a member whose routes break a rule is never kept);
2. fewest must-go stops left out;
3. lowest cost (routes plus the penalties of optional stops left out).

Members are the backends that can model the problem, in the order of :data:`PREFERENCE`; a backend that declines
(:func:`routing.solvers.supports`) is never run on a simpler form of the problem. With one member (a city day with
streams or a landfill away from the depot, which only OR-Tools models) or one core, that member runs alone in the
calling process with the whole budget. Spare cores may run OR-Tools with other search settings
(``spare_searches=True``, :data:`ORTOOLS_SPARE`), but on synthetic city days at 30 s two OR-Tools searches side by
side were not better than one with the whole budget (``benchmarks/route_quality.py``), so that is off by default.

The members run in spawned worker processes; starting them takes a second or two of the budget
(:data:`STARTUP_S`), which the members' budgets leave out so that the whole returns within about the time limit.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from routing.check import rank as rank_solution
from routing.problem import Problem
from routing.solvers import DEFAULT_TIME_LIMIT_S, ProgressCallback, Result, get
from routing.solvers import supports as supports_backend
from routing.solvers.ortools_search import SearchOptions
from routing.workers import solve_pool

#: Backends in the order a portfolio takes them, one per core.
PREFERENCE = ("pyvrp", "ortools", "vroom")
#: OR-Tools search settings for cores no other backend can use, in order (the first member of OR-Tools runs its
#: default search, :data:`routing.solvers.ortools_search.DEFAULT_SEARCH`).
ORTOOLS_SPARE = (
    SearchOptions(lns=True),
    SearchOptions(),
    SearchOptions(metaheuristic="SIMULATED_ANNEALING"),
)
#: Wall-clock seconds set aside for starting the worker processes and sending the problem.
STARTUP_S = 2.5


@dataclass(frozen=True, slots=True)
class Member:
    """One search of a portfolio: a backend, and for OR-Tools its search settings."""

    backend: str
    search: SearchOptions | None = None

    def label(self) -> str:
        """Backend name, with the OR-Tools settings when they are not the defaults."""
        if self.search is None:
            return self.backend
        return f"{self.backend} ({self.search.label()})"

    def run(self, problem: Problem, time_limit_s: float, seed: int) -> Result:
        """Solve ``problem`` with this member's backend and settings."""
        solver = get(self.backend)
        if self.search is not None:
            return solver(problem, time_limit_s=time_limit_s, seed=seed, search=self.search)  # type: ignore[call-arg]
        return solver(problem, time_limit_s=time_limit_s, seed=seed)


def members_for(problem: Problem, cores: int, spare_searches: bool = False) -> list[Member]:
    """The members a portfolio of ``cores`` runs on ``problem`` (at least one; see the module docstring)."""
    members = [Member(name) for name in PREFERENCE if supports_backend(name, problem) is None]
    ortools = supports_backend("ortools", problem) is None
    for search in ORTOOLS_SPARE if ortools and spare_searches else ():
        if len(members) >= cores:
            break
        members.append(Member("ortools", search))
    if not members:
        members = [Member("ortools")]  # reports why it cannot model the problem, as every backend would
    return members[: max(1, cores)]


def rank(problem: Problem, result: Result) -> tuple[int, int, float]:
    """Sort key of a member's result (:func:`routing.check.rank`); a result without routes costs infinitely much."""
    violations, left, cost = rank_solution(problem, result.solution)
    return (violations, left, cost if result.solution.routes else math.inf)


def best_of(
    problem: Problem, results: list[Result], key: Callable[[Problem, Result], tuple[int, int, float]] = rank
) -> tuple[list[Result], list[tuple[int, int, float]], int]:
    """Judge results of side-by-side searches against the caller's ``problem``: the results, their keys, the best.

    Results come back from worker processes with a copy of the problem; they are rebound to the caller's own
    before they are ranked and returned.
    """
    results = [replace(r, solution=replace(r.solution, problem=problem)) for r in results]
    keys = [key(problem, r) for r in results]
    return results, keys, min(range(len(results)), key=lambda k: keys[k])


def _run_member(member: Member, problem: Problem, time_limit_s: float, seed: int) -> Result:
    return member.run(problem, time_limit_s, seed)


def solve(
    problem: Problem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
    spare_searches: bool = False,
) -> Result:
    """Solve ``problem`` with one member per core for ``time_limit_s``; keep the best checked solution.

    Parameters
    ----------
    problem
        The day's problem.
    time_limit_s
        Wall-clock budget of the whole portfolio (s), starting the workers included.
    seed
        Passed to every member.
    progress
        Called once with (elapsed s, objective) of the solution kept.
    workers
        Members run at once (default: the machine's cores).
    spare_searches
        Fill cores no other backend can use with OR-Tools searches of other settings.

    Returns
    -------
    Result
        The kept member's result, its ``solver`` naming the member and the members it beat.
    """
    t0 = time.perf_counter()
    cores = workers or os.cpu_count() or 1
    members = members_for(problem, cores, spare_searches)
    if len(members) == 1:
        results = [members[0].run(problem, time_limit_s, seed)]
    else:
        budget = max(time_limit_s - STARTUP_S, 0.5 * time_limit_s)
        with solve_pool(len(members), len(members)) as (pool, _):
            futures = [pool.submit(_run_member, m, problem, budget, seed) for m in members]
            results = [f.result() for f in futures]
    results, keys, best = best_of(problem, results)
    chosen = results[best]
    others = ", ".join(f"{members[k].label()} {_describe(keys[k])}" for k in range(len(results)) if k != best)
    runtime = time.perf_counter() - t0
    if progress is not None and math.isfinite(chosen.objective):
        progress(runtime, chosen.objective)
    label = f"portfolio: {members[best].label()} = {chosen.solver}" + (f"; beat {others}" if others else "")
    return replace(chosen, solver=label, runtime_s=runtime)


def _describe(key: tuple[int, int, float]) -> str:
    violations, unserved, cost = key
    if violations:
        return f"({violations} violations)"
    return f"(cost {cost:.2f}" + (f", {unserved} must-go left out)" if unserved else ")")


def supports(problem: Problem) -> str | None:
    """``None`` when some member backend can model ``problem``; else why OR-Tools cannot."""
    if any(supports_backend(name, problem) is None for name in PREFERENCE):
        return None
    return supports_backend("ortools", problem)
