"""Sectors: a city day too large for one model, split by depot and stream, solved in parallel, merged and checked.

A routing model's first solution costs roughly the square of its stops; a city day of several thousand bins does
not get one within a minute. But a day splits naturally: trucks leave from their own depot and collect their own
streams. So:

1. **Groups of trucks**: the vehicle types of one start depot whose streams connect (a type collecting general
   waste and recycling joins the two) form one group.
2. **Bins to groups**: each bin goes to a group that collects its stream, preferring the one whose depot is
   nearest, but no group is given more waste than its share of the fleet's payload allows (10 % slack). Bins are
   placed in order of *regret* (how much farther their second-best depot is), so that the bins that care most
   choose first.
3. **Solve** each sector with the full model, in parallel worker processes (one per core) or on the workers of
   a Dask cluster (:mod:`routing.workers`). Each sector's budget
   is its share of ``cores x time limit`` by number of bins, capped at the time limit, so the whole finishes
   within about the time limit.
4. **Merge** the sector routes into one solution of the whole problem; the caller checks it with the
   independent checker like any other.

Routes do not cross sector borders: a bin near the border is served from one side only. This mirrors how cities
contract collection by sector (Santa Cruz has a west and an east contract).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, replace

import numpy as np

from routing.problem import Problem
from routing.solution import Route, Solution, Unserved
from routing.solvers import ProgressCallback, Result, solve
from routing.workers import solve_pool

#: Largest sector (stops). On the Santa Cruz sample day (2,983 bins, 60 s on 2 cores) sectors of 300 served
#: 2,188 bins, of 200 2,046, of 600 about 1,400 and of 1,000 1,849; one whole model found no solution at all.
DEFAULT_MAX_STOPS = 300
#: Wall-clock seconds set aside for starting the worker processes.
STARTUP_S = 4.0
#: How much more waste than its payload share a sector may take (fraction).
BALANCE_SLACK = 0.10


@dataclass(frozen=True, slots=True)
class Sector:
    """A part of a problem: its own (smaller) problem and where its stops and vehicle types sit in the whole."""

    problem: Problem
    stop_index: np.ndarray
    type_index: np.ndarray
    vehicle_offset: np.ndarray | None = None


def truck_groups(problem: Problem) -> list[list[int]]:
    """Vehicle types in groups: same start depot, streams connected through the types that collect them."""
    groups: list[list[int]] = []
    for depot in dict.fromkeys(vt.start_depot for vt in problem.vehicle_types):
        types = [t for t, vt in enumerate(problem.vehicle_types) if vt.start_depot == depot and vt.count > 0]
        remaining = set(types)
        while remaining:
            seed = remaining.pop()
            group, streams = [seed], set(problem.vehicle_types[seed].streams)
            changed = True
            while changed:
                changed = False
                for t in sorted(remaining):
                    if problem.vehicle_types[t].streams & streams:
                        remaining.discard(t)
                        group.append(t)
                        streams |= problem.vehicle_types[t].streams
                        changed = True
            groups.append(sorted(group))
    return groups


def assign_stops(problem: Problem, groups: list[list[int]]) -> np.ndarray:
    """Group of each stop (index into ``groups``), nearest depot first within each group's payload share."""
    n = problem.num_stops
    depot_loc = {d.id: d.location for d in problem.depots}
    group_loc = [depot_loc[problem.vehicle_types[g[0]].start_depot] for g in groups]
    group_streams = [set().union(*(problem.vehicle_types[t].streams for t in g)) for g in groups]
    payload = np.array(
        [sum(problem.vehicle_types[t].count * problem.vehicle_types[t].capacity_kg for t in g) for g in groups]
    )
    weight = np.array([s.weight_kg for s in problem.stops])
    stop_loc = np.array([s.location for s in problem.stops], dtype=int)
    far = np.iinfo(np.int64).max // 4
    time_to = np.full((n, len(groups)), far, dtype=np.int64)
    for g, loc in enumerate(group_loc):
        ok = np.array([s.stream in group_streams[g] for s in problem.stops], dtype=bool)
        time_to[ok, g] = problem.duration_s[loc, stop_loc[ok]] + problem.duration_s[stop_loc[ok], loc]
    choice = np.zeros(n, dtype=int)
    ranked = np.sort(time_to, axis=1)
    regret = (ranked[:, 1] - ranked[:, 0]) if len(groups) > 1 else np.zeros(n, dtype=np.int64)
    streams = {s.stream for s in problem.stops}
    for stream in streams:
        members = np.flatnonzero([s.stream == stream for s in problem.stops])
        able = [g for g in range(len(groups)) if stream in group_streams[g]]
        if not able:
            choice[members] = int(np.argmin(time_to[members[0]])) if len(members) else 0
            continue
        share = payload[able] / payload[able].sum()
        room = dict(zip(able, (1 + BALANCE_SLACK) * share * weight[members].sum(), strict=True))
        for i in members[np.argsort(-regret[members], kind="stable")]:
            options = sorted(able, key=lambda g, i=i: time_to[i, g])
            pick = next((g for g in options if room[g] >= weight[i]), options[0])
            room[pick] -= weight[i]
            choice[i] = pick
    return choice


def split(problem: Problem, max_stops: int = DEFAULT_MAX_STOPS) -> list[Sector]:
    """The sectors of ``problem``: one per truck group that has stops, cut into slices of at most ``max_stops``."""
    groups = truck_groups(problem)
    if not groups:
        return [Sector(problem, np.arange(problem.num_stops), np.arange(len(problem.vehicle_types)))]
    choice = assign_stops(problem, groups)
    sectors = []
    for g, types in enumerate(groups):
        stops = np.flatnonzero(choice == g)
        if not len(stops):
            continue
        offset = np.zeros(len(types), dtype=int)
        for part_stops, counts in _slices(problem, stops, types, max_stops):
            sectors.append(_sector(problem, part_stops, np.asarray(types), counts, offset.copy()))
            offset += np.asarray(counts, dtype=int)  # the trucks of a type are numbered on across its slices
    return sectors


def _slices(
    problem: Problem, stops: np.ndarray, types: list[int], max_stops: int
) -> list[tuple[np.ndarray, list[int]]]:
    """Cut a group's stops into angular slices around its depot, each with its share of every truck type.

    Slices are swept by bearing from the depot and balanced by weight, like the petals of a sweep construction.
    Each truck type's count is shared out in proportion to the slices' waste (largest remainders). Stops whose
    stream has no truck in their slice move to the nearest slice (by bearing) that has one.
    """
    counts = [problem.vehicle_types[t].count for t in types]
    k = min(int(np.ceil(len(stops) / max_stops)), max(counts) if counts else 1)
    if k <= 1 or problem.coords_deg is None:
        return [(stops, counts)]
    depot = next(d for d in problem.depots if d.id == problem.vehicle_types[types[0]].start_depot)
    lat0, lon0 = problem.coords_deg[depot.location]
    xy = problem.coords_deg[[problem.stops[i].location for i in stops]]
    bearing = np.arctan2(xy[:, 0] - lat0, (xy[:, 1] - lon0) * np.cos(np.radians(lat0)))
    # Start the sweep at the widest empty gap between bearings, so that no slice straddles a crowd of stops.
    ordered = np.sort(bearing)
    gaps = np.diff(np.append(ordered, ordered[0] + 2 * np.pi))
    start = ordered[(int(np.argmax(gaps)) + 1) % len(ordered)]
    order = np.argsort((bearing - start) % (2 * np.pi), kind="stable")
    weight = np.array([problem.stops[i].weight_kg for i in stops])[order]
    cuts = np.searchsorted(np.cumsum(weight) / max(weight.sum(), 1e-9), np.arange(1, k) / k)
    parts = np.split(order, cuts)
    share = np.array([weight[np.isin(order, part)].sum() for part in parts]) / max(weight.sum(), 1e-9)
    part_counts = [[0] * len(types) for _ in parts]
    for j, count in enumerate(counts):
        exact = share * count
        given = np.floor(exact).astype(int)
        for p_idx in np.argsort(-(exact - given))[: count - int(given.sum())]:
            given[p_idx] += 1
        for p_idx, n in enumerate(given):
            part_counts[p_idx][j] = int(n)
    labels = np.empty(len(stops), dtype=int)
    for p_idx, part in enumerate(parts):
        labels[part] = p_idx
    for i_local, i in enumerate(stops):
        stream = problem.stops[i].stream
        served = [
            p_idx
            for p_idx in range(len(parts))
            if any(part_counts[p_idx][j] and stream in problem.vehicle_types[t].streams for j, t in enumerate(types))
        ]
        if served and labels[i_local] not in served:
            position = int(np.flatnonzero(order == i_local)[0])
            labels[i_local] = min(served, key=lambda q: abs(q - position * len(parts) // len(order)))
    return [(stops[labels == p_idx], part_counts[p_idx]) for p_idx in range(len(parts)) if (labels == p_idx).any()]


def _sector(
    problem: Problem,
    stops: np.ndarray,
    types: np.ndarray,
    counts: list[int] | None = None,
    offset: np.ndarray | None = None,
) -> Sector:
    fixed = [d.location for d in problem.depots] + [s.location for s in problem.disposal_sites]
    keep = list(dict.fromkeys(fixed + [problem.stops[i].location for i in stops]))
    new = {old: k for k, old in enumerate(keep)}
    sub = Problem(
        depots=tuple(replace(d, location=new[d.location]) for d in problem.depots),
        disposal_sites=tuple(replace(s, location=new[s.location]) for s in problem.disposal_sites),
        stops=tuple(replace(problem.stops[i], location=new[problem.stops[i].location]) for i in stops),
        vehicle_types=tuple(
            replace(problem.vehicle_types[t], count=counts[j]) if counts is not None else problem.vehicle_types[t]
            for j, t in enumerate(types)
        ),
        distance_m=problem.distance_m[np.ix_(keep, keep)],
        duration_s=problem.duration_s[np.ix_(keep, keep)],
        coords_deg=None if problem.coords_deg is None else problem.coords_deg[keep],
        name=problem.name,
    )
    return Sector(sub, stops, types, offset)


def merge(problem: Problem, sectors: list[Sector], results: list[Result], runtime_s: float) -> Result:
    """One result of the whole problem from the sectors' results."""
    routes: list[Route] = []
    unserved: list[Unserved] = []
    for sector, result in zip(sectors, results, strict=True):
        for route in result.solution.routes:
            visits = tuple(
                replace(v, index=int(sector.stop_index[v.index])) if v.kind == "stop" else v for v in route.visits
            )
            shift = 0 if sector.vehicle_offset is None else int(sector.vehicle_offset[route.vehicle_type])
            routes.append(
                replace(
                    route,
                    vehicle_type=int(sector.type_index[route.vehicle_type]),
                    vehicle=route.vehicle + shift,
                    visits=visits,
                )
            )
        unserved += [replace(u, stop=int(sector.stop_index[u.stop])) for u in result.solution.unserved]
    solution = Solution(problem, tuple(routes), tuple(sorted(unserved, key=lambda u: u.stop)))
    statuses = sorted({r.status for r in results})
    return Result(
        solution=solution,
        objective=float(sum(r.objective for r in results)),
        solver=f"{results[0].solver} in {len(sectors)} sectors" if results else "none",
        runtime_s=runtime_s,
        status="; ".join(statuses),
    )


def solve_sectors(
    sectors: list[Sector],
    pool: Executor,
    slots: int,
    *,
    solver: str,
    time_limit_s: float,
    seed: int = 0,
    on_result: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Solve every sector on ``pool`` within about ``time_limit_s`` of wall clock, the largest first.

    Each sector's budget is its share of ``slots x time limit`` by number of stops, capped at the time limit;
    a few seconds are set aside for starting the workers and building the models.
    """
    # The sectors already keep every slot busy; a portfolio inside each would only share the same cores.
    solver = "ortools" if solver == "portfolio" else solver
    total = max(sum(s.problem.num_stops for s in sectors), 1)
    usable_s = max(time_limit_s - STARTUP_S, 0.5 * time_limit_s)
    budgets = [min(usable_s, usable_s * slots * s.problem.num_stops / total) for s in sectors]
    futures = {
        pool.submit(solve, sectors[k].problem, solver=solver, time_limit_s=max(budgets[k], 1.0), seed=seed): k
        for k in sorted(range(len(sectors)), key=lambda k: -budgets[k])  # the longest first
    }
    results: list[Result | None] = [None] * len(sectors)
    for future in as_completed(futures):
        result = future.result()
        results[futures[future]] = result
        if on_result is not None:
            on_result(result)
    return [r for r in results if r is not None]


def solve_in_sectors(
    problem: Problem,
    *,
    solver: str = "ortools",
    time_limit_s: float = 60.0,
    seed: int = 0,
    workers: int | None = None,
    max_stops: int = DEFAULT_MAX_STOPS,
    scheduler: str | None = None,
    progress: ProgressCallback | None = None,
) -> Result:
    """Split ``problem`` into sectors, solve them in parallel, and merge the routes.

    Parameters
    ----------
    workers
        Solves at once (default: the machine's cores, or the cluster's threads; at most one per sector).
    scheduler
        Address of a Dask scheduler to run the sector solves on instead of local worker processes.
    progress
        Called with (elapsed s, sum of the objectives of the sectors finished so far) as sectors finish.
    """
    started = time.perf_counter()
    sectors = split(problem, max_stops)
    done = [0.0]

    def finished(result: Result) -> None:
        done[0] += result.objective
        if progress is not None:
            progress(time.perf_counter() - started, done[0])

    with solve_pool(workers, len(sectors), scheduler) as (pool, slots):
        results = solve_sectors(
            sectors, pool, slots, solver=solver, time_limit_s=time_limit_s, seed=seed, on_result=finished
        )
    return merge(problem, sectors, results, time.perf_counter() - started)
