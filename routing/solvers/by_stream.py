"""A city day as one PyVRP model per waste stream, solved one after the other and merged.

In one model of the whole day, a truck that must not collect a stream is kept from it by a load dimension that
PyVRP's search only penalises; on the Santa Cruz sample day (2,922 bins, three streams) at 60 s the best solution
still broke that rule. One model per stream cannot: each holds only the stream's bins and the trucks that collect
it, and each is smaller, so the search goes further in the same time.

A truck that collects several streams is given to one of them for the day: trucks of such a type are shared out
one by one, each to the stream with the most waste per kg of payload given to it so far (a restriction: such a
truck cannot mix streams on one day). Within its stream's model a truck may unload at every site that accepts the
stream, not only at those that accept all it could collect.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from routing.check import check
from routing.decompose import Sector, _sector, merge
from routing.problem import Problem
from routing.reasons import unservable_reason
from routing.solution import Solution, Unserved
from routing.solvers import DEFAULT_TIME_LIMIT_S, ProgressCallback, Result
from routing.solvers.pyvrp_model import MustGo

#: Wall-clock seconds set aside for starting worker processes when the streams run on several cores.
STARTUP_S = 4.0


def share_trucks(problem: Problem) -> dict[str, list[int]]:
    """Trucks of each type given to each stream: ``{stream: counts by type}``; see the module docstring."""
    p = problem
    streams = sorted({s.stream for s in p.stops})
    weight = {st: sum(s.weight_kg for s in p.stops if s.stream == st) for st in streams}
    counts = {st: [0] * len(p.vehicle_types) for st in streams}
    payload = dict.fromkeys(streams, 0.0)
    mixed: list[int] = []
    for t, vt in enumerate(p.vehicle_types):
        mine = [st for st in streams if st in vt.streams]
        if len(mine) == 1:
            counts[mine[0]][t] = vt.count
            payload[mine[0]] += vt.count * vt.capacity_kg
        elif mine:
            mixed.append(t)
    # Larger trucks first, so that small ones fine-tune the shares.
    for t in sorted(mixed, key=lambda t: -p.vehicle_types[t].capacity_kg):
        vt = p.vehicle_types[t]
        mine = [st for st in streams if st in vt.streams]
        for _ in range(vt.count):
            st = max(mine, key=lambda st: weight[st] / (payload[st] + vt.capacity_kg))
            counts[st][t] += 1
            payload[st] += vt.capacity_kg
    return counts


def stream_parts(problem: Problem) -> list[tuple[str, Sector]]:
    """One sector per stream with bins: its bins, and its trucks restricted to that stream."""
    counts = share_trucks(problem)
    parts = []
    given = np.zeros(len(problem.vehicle_types), dtype=int)
    for stream, per_type in counts.items():
        stops = np.array([i for i, s in enumerate(problem.stops) if s.stream == stream], dtype=int)
        types = np.array([t for t, n in enumerate(per_type) if n > 0], dtype=int)
        sector = _sector(problem, stops, types, [per_type[t] for t in types], given[types].copy())
        given += np.asarray(per_type)
        narrowed = tuple(replace(vt, streams=frozenset({stream})) for vt in sector.problem.vehicle_types)
        parts.append((stream, replace(sector, problem=sector.problem.replace(vehicle_types=narrowed))))
    return parts


def _solve_parts(subs: list[Problem], time_limit_s: float, seed: int, must_go: MustGo) -> list[Result]:
    """Solve stream models one after the other within ``time_limit_s``, each its share of what is left by bins."""
    from routing.solvers.pyvrp import solve as pyvrp_solve

    t0 = time.perf_counter()
    results: list[Result] = []
    stops_left = sum(sub.num_stops for sub in subs)
    for sub in subs:
        remaining = time_limit_s - (time.perf_counter() - t0)
        budget = max(0.5, remaining * sub.num_stops / max(stops_left, 1))
        stops_left -= sub.num_stops
        if sub.num_vehicles == 0:
            unserved = tuple(
                Unserved(i, *(unservable_reason(sub, i) or ("no_vehicle", "")))
                for i, s in enumerate(sub.stops)
                if s.mandatory
            )
            results.append(Result(Solution(sub, (), unserved), 0.0, "none", 0.0, "no truck for the stream"))
        else:
            results.append(pyvrp_solve(sub, time_limit_s=budget, seed=seed, must_go=must_go))
    return results


def core_groups(sizes: list[int], cores: int) -> list[list[int]]:
    """Indices of ``sizes`` in at most ``cores`` groups of about equal total, the largest first on its own core."""
    groups: list[list[int]] = [[] for _ in range(max(1, min(cores, len(sizes))))]
    totals = [0] * len(groups)
    for k in sorted(range(len(sizes)), key=lambda k: -sizes[k]):
        g = totals.index(min(totals))
        groups[g].append(k)
        totals[g] += sizes[k]
    return [g for g in groups if g]


def solve(
    problem: Problem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    must_go: MustGo = "required",
    workers: int = 1,
) -> Result:
    """Solve ``problem`` as one PyVRP model per stream within ``time_limit_s`` (s); the merged result is checked.

    With one worker the stream models run one after the other, each with the remaining time in proportion to its
    bins. With more, they are spread over that many worker processes, largest first (on the Santa Cruz day the
    general stream then has a core to itself and the whole budget).
    """
    t0 = time.perf_counter()
    parts = sorted(stream_parts(problem), key=lambda part: -part[1].problem.num_stops)
    sectors = [sector for _, sector in parts]
    subs = [sector.problem for sector in sectors]
    groups = core_groups([sub.num_stops for sub in subs], workers)
    results: list[Result | None] = [None] * len(subs)
    if len(groups) == 1:
        solved = _solve_parts([subs[k] for k in groups[0]], time_limit_s, seed, must_go)
        for k, result in zip(groups[0], solved, strict=True):
            results[k] = result
    else:
        from routing.workers import solve_pool

        with solve_pool(len(groups), len(groups)) as (pool, _):
            budget = max(0.5 * time_limit_s, time_limit_s - STARTUP_S)
            futures = [pool.submit(_solve_parts, [subs[k] for k in group], budget, seed, must_go) for group in groups]
            for group, future in zip(groups, futures, strict=True):
                for k, result in zip(group, future.result(), strict=True):
                    results[k] = result
    done = [r for r in results if r is not None]
    if progress is not None:
        progress(time.perf_counter() - t0, sum(r.objective for r in done))
    merged = merge(problem, sectors, done, time.perf_counter() - t0)
    violations = check(problem, merged.solution)
    feasible = not violations
    objective = merged.solution.cost() if feasible else math.inf
    label = f"{done[0].solver if done else 'pyvrp'}, one model per stream"
    status = "solution found" if feasible else f"no feasible solution found ({len(violations)} rule(s) broken)"
    return replace(merged, objective=objective, solver=label, status=status, runtime_s=time.perf_counter() - t0)
