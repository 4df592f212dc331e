"""A whole city's day: sectors solved in parallel (processes or a Dask cluster), then improved across their borders.

:mod:`routing.decompose` splits a large day into sectors balanced by waste and trucks and solves them side by side;
its routes never cross a sector border, so a bin just across the line is served from the far side, and a sector that
ran out of trucks cannot lend work to its neighbour. :func:`solve_city` adds a second phase for that:

1. **Sectors**: :func:`routing.decompose.split`, each sector solved with its share of ``cores x budget``
   (:data:`SECTOR_SHARE` of the budget), in worker processes or, with ``scheduler``, on a Dask cluster.
2. **Borders**: neighbouring sectors (each sector with its nearest sectors by the centre of its bins) are paired.
   A pair's trucks and the bins they serve, plus the bins of the two sectors nobody serves yet, form one small
   problem; OR-Tools starts from the current routes (a warm start) and searches for the rest of the budget. The
   new routes replace the old ones only when they serve more must-go bins or cost less, and every pair problem's
   routes pass the checker first, so this phase never makes the plan worse. Pairs that share no sector run at the
   same time; pairs with must-go bins left out go first.

Memory stays that of the whole problem's matrices plus a few sector-sized ones: no model is ever built over the
whole city.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from routing.decompose import DEFAULT_MAX_STOPS, Sector, merge, solve_sectors, split
from routing.problem import Problem
from routing.route_pairs import improve_routes, replace_routes, routes_problem
from routing.solution import Solution, Unserved
from routing.solvers import ProgressCallback, Result
from routing.workers import solve_pool

#: Share of the budget the sector phase gets; the rest improves across borders.
SECTOR_SHARE = 0.7
#: Nearest sectors each sector is paired with across its borders.
NEIGHBOURS = 2
#: Shortest useful search of one pair (s); fewer pairs are improved when the budget is shorter.
MIN_PAIR_S = 4.0


@dataclass
class _Pair:
    """Two neighbouring sectors and the vehicles ``(type, number)`` of the whole problem that work in them."""

    a: int
    b: int
    vehicles: list[tuple[int, int]]
    distance: float


def _vehicles(sector: Sector) -> list[tuple[int, int]]:
    out = []
    for j, t in enumerate(sector.type_index):
        offset = 0 if sector.vehicle_offset is None else int(sector.vehicle_offset[j])
        out += [(int(t), offset + k) for k in range(sector.problem.vehicle_types[j].count)]
    return out


def neighbour_pairs(problem: Problem, sectors: list[Sector]) -> list[_Pair]:
    """Each sector with its :data:`NEIGHBOURS` nearest sectors (centres of their bins' locations), nearest first."""
    if problem.coords_deg is None or len(sectors) < 2:
        return []
    centres = np.array(
        [problem.coords_deg[[problem.stops[i].location for i in s.stop_index]].mean(axis=0) for s in sectors]
    )
    gaps = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=2)
    found: dict[tuple[int, int], float] = {}
    for a in range(len(sectors)):
        for b in np.argsort(gaps[a])[1 : NEIGHBOURS + 1]:
            key = (min(a, int(b)), max(a, int(b)))
            found[key] = float(gaps[key])
    return [
        _Pair(a, b, _vehicles(sectors[a]) + _vehicles(sectors[b]), d)
        for (a, b), d in sorted(found.items(), key=lambda kv: kv[1])
    ]


def pair_problem(
    problem: Problem, solution: Solution, sectors: list[Sector], owner: np.ndarray, pair: _Pair
) -> tuple[Problem, Solution, np.ndarray, list[tuple[int, int]]]:
    """The problem of one pair: its trucks, the bins they serve and the bins of its sectors nobody serves.

    Returns the pair's problem, the current routes as a solution of it (the warm start), the pair's stops (indices
    into ``problem.stops``) and its vehicles in the pair problem's order (type, number in the whole).
    """
    served = {i for r in solution.routes for i in r.stops()}
    free = [int(i) for i in np.flatnonzero((owner == pair.a) | (owner == pair.b)) if int(i) not in served]
    return routes_problem(problem, solution, pair.vehicles, free)


def improve_borders(
    problem: Problem,
    result: Result,
    sectors: list[Sector],
    pool: Executor,
    *,
    time_limit_s: float,
    workers: int,
    seed: int = 0,
) -> tuple[Result, int]:
    """Improve ``result`` pair by pair across sector borders within ``time_limit_s``; see the module docstring.

    Returns the improved result and the number of pairs whose routes were replaced.
    """
    started = time.perf_counter()
    owner = np.full(problem.num_stops, -1, dtype=int)
    for k, sector in enumerate(sectors):
        owner[sector.stop_index] = k
    solution = result.solution
    pairs = neighbour_pairs(problem, sectors)
    unserved = {u.stop for u in solution.unserved}
    pairs.sort(key=lambda p: -int(np.isin(np.flatnonzero((owner == p.a) | (owner == p.b)), list(unserved)).sum()))
    batches = [batch[k : k + workers] for batch in _rounds(pairs) for k in range(0, len(batch), workers)]
    batches = batches[: max(1, int(time_limit_s / MIN_PAIR_S))]
    improved = 0
    for done, batch in enumerate(batches):
        remaining = time_limit_s - (time.perf_counter() - started)
        budget = 0.9 * remaining / (len(batches) - done)  # model building comes on top of the search limit
        if budget < 0.5 * MIN_PAIR_S:
            break
        jobs: dict[Future[Any], tuple[np.ndarray, list[tuple[int, int]]]] = {}
        for pair in batch:
            sub, start, stops, order = pair_problem(problem, solution, sectors, owner, pair)
            jobs[pool.submit(improve_routes, sub, start, budget, seed)] = (stops, order)
        for future in as_completed(jobs):
            better = future.result()
            if better is not None:
                solution = replace_routes(problem, solution, better, *jobs[future])
                improved += 1
    served = solution.served()
    reasons = {u.stop: u for u in result.solution.unserved}
    left = tuple(
        reasons.get(i, Unserved(i, "fleet")) for i, s in enumerate(problem.stops) if s.mandatory and i not in served
    )
    solution = replace(solution, unserved=left)
    return replace(result, solution=solution, objective=solution.cost()), improved


def _rounds(pairs: list[_Pair]) -> list[list[_Pair]]:
    """Pairs in rounds of pairs that share no sector, in the order given."""
    rounds: list[list[_Pair]] = []
    for pair in pairs:
        for batch in rounds:
            if all({pair.a, pair.b}.isdisjoint({p.a, p.b}) for p in batch):
                batch.append(pair)
                break
        else:
            rounds.append([pair])
    return rounds


def solve_city(
    problem: Problem,
    *,
    solver: str = "ortools",
    time_limit_s: float = 120.0,
    seed: int = 0,
    workers: int | None = None,
    max_stops: int = DEFAULT_MAX_STOPS,
    scheduler: str | None = None,
    progress: ProgressCallback | None = None,
    on_phase: Callable[[str, float, Result], None] | None = None,
) -> Result:
    """Solve a large day in sectors, then improve it across sector borders, within about ``time_limit_s``.

    Parameters
    ----------
    solver
        Backend of the sector phase (``portfolio`` means OR-Tools here: the sectors already fill the cores); the
        border phase uses OR-Tools, which takes a warm start.
    workers
        Parallel solves (default: the machine's cores, or the cluster's with ``scheduler``).
    scheduler
        Address of a Dask scheduler to run the solves on instead of local processes.
    progress
        Called with (elapsed s, objective) after each phase.
    on_phase
        Called with (phase name, elapsed s, result) after ``"sectors"`` and ``"borders"``, for reports.
    """
    started = time.perf_counter()
    sectors = split(problem, max_stops)
    sector_s = SECTOR_SHARE * time_limit_s if len(sectors) > 1 else time_limit_s
    with solve_pool(workers, len(sectors), scheduler) as (pool, slots):
        results = solve_sectors(sectors, pool, slots, solver=solver, time_limit_s=sector_s, seed=seed)
        merged = merge(problem, sectors, results, time.perf_counter() - started)
        merged = replace(merged, objective=merged.solution.cost())
        elapsed = time.perf_counter() - started
        if on_phase is not None:
            on_phase("sectors", elapsed, merged)
        if progress is not None:
            progress(elapsed, merged.objective)
        remaining = time_limit_s - elapsed
        improved = 0
        if len(sectors) > 1 and remaining >= MIN_PAIR_S:
            merged, improved = improve_borders(
                problem, merged, sectors, pool, time_limit_s=remaining, workers=slots, seed=seed
            )
    elapsed = time.perf_counter() - started
    if on_phase is not None:
        on_phase("borders", elapsed, merged)
    if progress is not None:
        progress(elapsed, merged.objective)
    label = f"{merged.solver}, {improved} border pairs improved"
    return replace(merged, solver=label, runtime_s=elapsed)
