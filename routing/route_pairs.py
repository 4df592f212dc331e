"""Improving a large solution a few routes at a time: small models of neighbouring routes, warm-started.

OR-Tools' local search over one large model with driver breaks and daily limits evaluates few moves per second:
on Kim et al.'s 1,051-stop instance a whole minute of it shortened the constructed routes by 0.001 %. A model of
just two neighbouring routes (their trucks, the stops they serve, and the must-go stops nobody serves whose
nearest served stop is on one of them) is small. Started from the current routes, it finds in seconds the
exchanges between the two routes and the reordering within each that the whole model does not reach; on that
instance one pass over its 18 routes, 2 s each, took 27 % off the distance.

The moves stay safe: a pair's new routes replace the old ones only when they pass the checker and are better by
(rule violations, must-go stops left out, cost), in that order, so the solution never gets worse. Each route is
paired with the route holding most of the nearest foreign stops of its own stops. Rounds repeat while the budget
lasts; after a round that improves nothing, each pair gets twice the search time.

The same pieces serve :mod:`routing.city_scale`, whose pairs are whole sectors instead of single routes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np

from routing.check import rank
from routing.decompose import _sector
from routing.problem import Problem
from routing.solution import Solution, Unserved

#: Search time per pair of routes (s): short searches over many pairs beat long ones over few.
PAIR_S = 2.0
#: Rows of the distance matrix looked at together when finding each stop's nearest stop on another route.
_CHUNK = 512


def routes_problem(
    problem: Problem, solution: Solution, vehicles: Iterable[tuple[int, int]], free: Iterable[int] = ()
) -> tuple[Problem, Solution, np.ndarray, list[tuple[int, int]]]:
    """The problem of some trucks: the stops they serve now plus ``free`` stops nobody serves.

    Returns the small problem, the current routes as a solution of it (the warm start), its stops (indices into
    ``problem.stops``) and its vehicles in the small problem's order (type, number in the whole).
    """
    vehicles = list(vehicles)
    mine = set(vehicles)
    routes = [r for r in solution.routes if (r.vehicle_type, r.vehicle) in mine]
    free = {int(i) for i in free}
    stops = np.array(sorted({i for r in routes for i in r.stops()} | free), dtype=int)
    types = sorted({t for t, _ in vehicles})
    numbers = {t: sorted(k for u, k in vehicles if u == t) for t in types}
    sub = _sector(problem, stops, np.array(types), [len(numbers[t]) for t in types]).problem
    local_stop = {int(g): n for n, g in enumerate(stops)}
    local_vehicle = {(t, k): (j, n) for j, t in enumerate(types) for n, k in enumerate(numbers[t])}
    start = []
    for r in routes:
        j, n = local_vehicle[(r.vehicle_type, r.vehicle)]
        visits = tuple(replace(v, index=local_stop[v.index]) if v.kind == "stop" else v for v in r.visits)
        start.append(replace(r, vehicle_type=j, vehicle=n, visits=visits))
    order = [(t, k) for t in types for k in numbers[t]]
    # the free must-go stops are reported unserved in the warm start, with their reason: a start that did not say
    # so would break a rule, and any answer that serves fewer of them would then look better
    reasons = {u.stop: u for u in solution.unserved}
    unserved = tuple(
        replace(reasons.get(g, Unserved(g, "time_limit")), stop=n)
        for n, g in enumerate(stops.tolist())
        if g in free and problem.stops[g].mandatory
    )
    return sub, Solution(sub, tuple(start), unserved), stops, order


def improve_routes(sub: Problem, start: Solution, time_limit_s: float, seed: int) -> Solution | None:
    """A better solution of a small problem from a warm start, or ``None`` when the search found none."""
    from routing.solvers.ortools import solve as ortools_solve

    result = ortools_solve(sub, time_limit_s=time_limit_s, seed=seed, initial=start)
    return result.solution if rank(sub, result.solution) < rank(sub, start) else None


def replace_routes(
    problem: Problem, solution: Solution, better: Solution, stops: np.ndarray, order: list[tuple[int, int]]
) -> Solution:
    """``solution`` with the routes of the small problem's vehicles replaced by ``better``'s (mapped back)."""
    mine = set(order)
    first_of_type: dict[int, int] = {}
    for n, (t, _) in enumerate(order):
        first_of_type.setdefault(t, n)
    types = list(dict.fromkeys(t for t, _ in order))
    kept = [r for r in solution.routes if (r.vehicle_type, r.vehicle) not in mine]
    for r in better.routes:
        t, k = order[first_of_type[types[r.vehicle_type]] + r.vehicle]
        visits = tuple(replace(v, index=int(stops[v.index])) if v.kind == "stop" else v for v in r.visits)
        kept.append(replace(r, vehicle_type=t, vehicle=k, visits=visits))
    # must-go stops the small problem left out, and the whole's others still left out
    left = {int(stops[u.stop]): replace(u, stop=int(stops[u.stop])) for u in better.unserved}
    mine_stops = set(stops.tolist())
    others = tuple(u for u in solution.unserved if u.stop not in mine_stops)
    return Solution(problem, tuple(kept), others + tuple(left.values()))


def nearest_route(problem: Problem, location: np.ndarray, route_of: np.ndarray, among: np.ndarray) -> np.ndarray:
    """For each stop ``among``, the route (``route_of``) of its nearest stop on another route (-1: none).

    ``location`` holds each stop's matrix row. Distances are the problem's driving distances, read in blocks of
    rows so that memory stays small on a city-sized matrix.
    """
    served = np.flatnonzero(route_of >= 0)
    out = np.full(among.size, -1)
    if served.size == 0 or among.size == 0:
        return out
    cols = location[served]
    for lo in range(0, among.size, _CHUNK):
        rows = among[lo : lo + _CHUNK]
        d = problem.distance_m[np.ix_(location[rows], cols)].astype(float)
        d[route_of[served][None, :] == route_of[rows][:, None]] = np.inf  # own route (or itself)
        best = np.argmin(d, axis=1)
        found = np.isfinite(d[np.arange(rows.size), best])
        out[lo : lo + rows.size] = np.where(found, route_of[served][best], -1)
    return out


def route_pairs(problem: Problem, solution: Solution) -> tuple[list[tuple[int, int]], dict[int, list[int]]]:
    """Pairs of neighbouring routes (indices into ``solution.routes``), and the unserved must-go stops by route.

    Each route is paired with the route that holds the nearest foreign stop of most of its stops. An unserved
    must-go stop goes with the route of its nearest served stop.
    """
    location = np.array([s.location for s in problem.stops])
    route_of = np.full(problem.num_stops, -1)
    for k, r in enumerate(solution.routes):
        route_of[r.stops()] = k
    served = np.flatnonzero(route_of >= 0)
    partner = nearest_route(problem, location, route_of, served)
    n = len(solution.routes)
    votes = np.zeros((n, n), dtype=int)
    np.add.at(votes, (route_of[served][partner >= 0], partner[partner >= 0]), 1)
    pairs = sorted({tuple(sorted((a, int(np.argmax(votes[a]))))) for a in range(n) if votes[a].max() > 0})
    missing = np.array([i for i, s in enumerate(problem.stops) if s.mandatory and route_of[i] < 0], dtype=int)
    free: dict[int, list[int]] = {}
    if missing.size:
        for i, k in zip(missing, nearest_route(problem, location, route_of, missing), strict=True):
            if k >= 0:
                free.setdefault(int(k), []).append(int(i))
    return pairs, free


def improve_route_pairs(
    problem: Problem,
    solution: Solution,
    *,
    time_limit_s: float,
    seed: int = 0,
    pair_s: float = PAIR_S,
    progress: Callable[[float, float], None] | None = None,
) -> tuple[Solution, int]:
    """Improve ``solution`` pair of routes by pair of routes within ``time_limit_s``; see the module docstring.

    Returns the improved solution and the number of pair searches whose routes were kept. ``progress`` is called
    with (elapsed s, cost) after each kept pair. When a whole round of pairs finds nothing, each pair's search time
    doubles and the round starts again, so a budget larger than one round is not left unused.
    """
    started = time.perf_counter()
    kept = 0
    rng = np.random.default_rng(seed)
    tried: set[frozenset[tuple[int, ...]]] = set()
    while True:
        pairs, free = route_pairs(problem, solution)
        found = 0
        for n in rng.permutation(len(pairs)):
            remaining = time_limit_s - (time.perf_counter() - started)
            if remaining < 0.5 * pair_s:
                return solution, kept
            a, b = (solution.routes[k] for k in pairs[n])
            # a pair whose two routes did not change since it was last searched has nothing new to offer
            signature = frozenset({(a.vehicle_type, a.vehicle, *a.stops()), (b.vehicle_type, b.vehicle, *b.stops())})
            if signature in tried:
                continue
            tried.add(signature)
            vehicles = [(a.vehicle_type, a.vehicle), (b.vehicle_type, b.vehicle)]
            extra = free.get(pairs[n][0], []) + free.get(pairs[n][1], [])
            sub, start, stops, order = routes_problem(problem, solution, vehicles, extra)
            better = improve_routes(sub, start, min(pair_s, remaining), seed)
            if better is None:
                continue
            solution = replace_routes(problem, solution, better, stops, order)
            kept += 1
            found += 1
            if progress is not None:
                progress(time.perf_counter() - started, solution.cost())
            break  # route indices changed: pair again
        if found == 0:
            # every pair is at a local optimum for this search time: search each longer, while the budget lasts
            pair_s *= 2.0
            tried.clear()
            if time_limit_s - (time.perf_counter() - started) < 0.5 * pair_s:
                return solution, kept
