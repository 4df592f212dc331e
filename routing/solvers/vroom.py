"""VROOM backend (through pyvroom): the problem as VROOM jobs and vehicles on the problem's own matrices.

Mapping: each stop is a job that picks up its waste (kg, and litres of body volume when trucks have a volume limit)
with its service time and window; each truck a vehicle from its depot back to its return depot, with its shift as
time window, its capacity, its costs (fixed, per hour, per km; scaled to whole numbers by
:func:`routing.solvers.adapt.cost_scale`) and, when streams restrict trucks, one skill per stream. VROOM routes a
vehicle once from start to end: it has no reloads, so it takes only problems in which each truck makes one trip
(a daily limit of one truckload) and unloads instantly at its return depot; that unloading is added when the route is
read back. VROOM always serves as many jobs as it can, so it cannot weigh an optional stop's penalty against a
detour: prize-collecting problems are declined rather than solved with the wrong objective.

Supported features (:mod:`routing.solvers.features`): time windows, mixed fleets, several depots, streams. Not
supported: optional stops, release times, breaks, reloads, an unloading away from the depot, daily limits,
truck-dependent compaction, and a maximum route duration shorter than the shift. VROOM stops when its search ends,
usually well within the budget; it is deterministic (``seed`` is recorded only) and runs on one thread.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from routing.problem import Problem
from routing.solution import Route, Solution, Unserved
from routing.solvers import DEFAULT_TIME_LIMIT_S, ProgressCallback, Result
from routing.solvers.adapt import cost_scale, load_units, route_from_trips
from routing.solvers.features import FEATURES, unsupported_reason

#: Problem features this backend models.
SUPPORTED = frozenset({"time_windows", "mixed_fleet", "multi_depot", "streams"})
assert set(FEATURES) >= SUPPORTED
#: VROOM's search effort, 0 to 5 (its most thorough).
EXPLORATION_LEVEL = 5


def _version() -> str | None:
    try:
        return version("pyvroom")
    except PackageNotFoundError:
        return None


def supports(problem: Problem) -> str | None:
    """Why VROOM cannot solve ``problem`` (or is not installed), or ``None`` when it can."""
    if _version() is None:
        return "pyvroom is not installed (pip install waste-optimiser[vroom])"
    for vt in problem.vehicle_types:
        if vt.max_duration_s is not None and vt.max_duration_s < vt.shift_end_s - vt.shift_start_s:
            return f"vroom cannot model a maximum route duration shorter than the shift ({vt.name})"
    return unsupported_reason(problem, SUPPORTED, "vroom")


def solve(
    problem: Problem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
    progress: ProgressCallback | None = None,
) -> Result:
    """Solve ``problem`` with VROOM within ``time_limit_s`` seconds; ``seed`` is recorded only.

    Raises
    ------
    ValueError
        When the problem has a feature VROOM cannot model (see :func:`supports`).
    """
    t0 = time.perf_counter()
    reason = supports(problem)
    if reason is not None:
        raise ValueError(reason)
    import vroom

    p = problem
    scale = cost_scale(p)
    demand, caps = load_units(p)
    streams = sorted({s.stream for s in p.stops} | {x for vt in p.vehicle_types for x in vt.streams})
    skill = {name: k + 1 for k, name in enumerate(streams)}
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=np.asarray(p.duration_s, dtype=np.uint32))
    inp.set_distances_matrix(profile="car", matrix_input=np.asarray(p.distance_m, dtype=np.uint32))
    for i, s in enumerate(p.stops):
        inp.add_job(
            vroom.Job(
                id=i + 1,
                location=s.location,
                default_service=s.service_s,
                pickup=vroom.Amount(demand[i].tolist()),
                skills={skill[s.stream]},
                time_windows=[vroom.TimeWindow(s.tw_start_s, s.tw_end_s)],
            )
        )
    slots = p.vehicles()
    for v, (t, _) in enumerate(slots):
        vt = p.vehicle_types[t]
        start, end = p.depots[p.depot_index(vt.start_depot)], p.depots[p.depot_index(vt.return_depot)]
        early = max(vt.shift_start_s, start.opens_s)
        late = max(early, min(vt.latest_return_s, end.closes_s))
        costs = vroom.VehicleCosts(
            fixed=round(vt.fixed_cost * scale),
            per_hour=round(vt.cost_per_h * scale),
            per_km=round(vt.cost_per_km * scale),
        )
        inp.add_vehicle(
            vroom.Vehicle(
                id=v + 1,
                start=start.location,
                end=end.location,
                capacity=vroom.Amount(caps[t].tolist()),
                skills={skill[x] for x in vt.streams},
                time_window=vroom.TimeWindow(early, late),
                costs=costs,
            )
        )
    remaining = max(0.05, time_limit_s - (time.perf_counter() - t0))
    found = inp.solve(exploration_level=EXPLORATION_LEVEL, nb_threads=1, timeout=timedelta(seconds=remaining))
    frame = found.routes
    routes: list[Route] = []
    jobs = frame[frame["type"] == "job"]
    for vehicle_id, steps in jobs.groupby("vehicle_id", sort=True):
        t, k = slots[int(vehicle_id) - 1]
        trip = [int(j) - 1 for j in steps["id"].tolist()]
        routes.append(route_from_trips(p, t, k, [trip], []))
    served = {s for r in routes for s in r.stops()}
    unserved = tuple(Unserved(i, "fleet") for i, s in enumerate(p.stops) if s.mandatory and i not in served)
    solution = Solution(p, tuple(routes), unserved)
    objective = solution.cost() if not unserved else math.inf
    if progress is not None:
        progress(time.perf_counter() - t0, objective)
    status = "solution found" if not unserved else f"{len(unserved)} jobs unassigned"
    return Result(solution, objective, f"vroom {_version()}", time.perf_counter() - t0, status)
