"""PyVRP backend: the problem as PyVRP ``ProblemData``, solved by its iterated local search.

Mapping: every location of the problem is a PyVRP location (same matrices); the depots and then the disposal sites
are PyVRP depots, a site with its opening hours (latest start of an unloading) and its unloading time as service;
stops are clients that *pick up* their waste (kg, and litres of body volume when trucks have a volume limit), with
their window, service time, release time and, for an optional stop, its penalty as prize. A truck that may reload
gets the sites that accept its streams as reload depots, unless reloading cannot pay
(:func:`routing.solvers.features.reloads_matter`); a single-trip truck none. PyVRP routes end at a depot, so
the problem must let each truck unload at its return depot (a site there, instant, open all shift): that unloading
is added when the routes are read back. Costs per metre, per second, per truck and penalties are scaled to whole
numbers (:func:`routing.solvers.adapt.cost_scale`).

Supported features (:mod:`routing.solvers.features`): time windows, optional stops, release times, mixed fleets,
several depots and reloads. Not supported: driver breaks, stream restrictions, an unloading away from the depot
before the return, daily limits, truck-dependent compaction. PyVRP is imported on first use
(``pip install waste-optimiser[pyvrp]``).
"""

from __future__ import annotations

import math
import time
import warnings
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from routing.problem import Problem
from routing.solution import Route, Solution, Unserved
from routing.solvers import DEFAULT_TIME_LIMIT_S, ProgressCallback, Result
from routing.solvers.adapt import cost_scale, load_units, route_from_trips
from routing.solvers.features import FEATURES, reloads_matter, single_trip, unsupported_reason

#: Problem features this backend models.
SUPPORTED = frozenset({"time_windows", "optional", "release", "mixed_fleet", "multi_depot", "reloads"})
assert set(FEATURES) >= SUPPORTED


def _version() -> str | None:
    try:
        return version("pyvrp")
    except PackageNotFoundError:
        return None


def supports(problem: Problem) -> str | None:
    """Why PyVRP cannot solve ``problem`` (or is not installed), or ``None`` when it can."""
    if _version() is None:
        return "pyvrp is not installed (pip install waste-optimiser[pyvrp])"
    return unsupported_reason(problem, SUPPORTED, "pyvrp")


def _data(problem: Problem, scale: int) -> Any:
    """PyVRP ``ProblemData`` for ``problem`` with costs multiplied by ``scale``."""
    import pyvrp

    p = problem
    demand, caps = load_units(p)
    n_dep = len(p.depots)
    depots = [pyvrp.Depot(location=d.location, tw_early=d.opens_s, tw_late=d.closes_s, name=d.id) for d in p.depots]
    depots += [
        pyvrp.Depot(
            location=d.location,
            tw_early=d.opens_s,
            tw_late=d.closes_s - d.unload_s,
            service_duration=d.unload_s,
            name=d.id,
        )
        for d in p.disposal_sites
    ]
    clients = [
        pyvrp.Client(
            location=s.location,
            pickup=demand[i].tolist(),
            service_duration=s.service_s,
            tw_early=s.tw_start_s,
            tw_late=s.tw_end_s,
            release_time=s.release_s,
            prize=0 if s.mandatory else round(s.penalty * scale),
            required=s.mandatory,
            name=s.id,
        )
        for i, s in enumerate(p.stops)
    ]
    types = []
    can_reload = reloads_matter(p)
    for t, vt in enumerate(p.vehicle_types):
        if vt.count == 0:
            continue
        start, end = p.depot_index(vt.start_depot), p.depot_index(vt.return_depot)
        early = max(vt.shift_start_s, p.depots[start].opens_s)
        late = min(vt.latest_return_s, p.depots[end].closes_s)
        # Reloads only where they can pay: otherwise single trips are as good and PyVRP searches them faster.
        sites = [n_dep + k for k, d in enumerate(p.disposal_sites) if vt.streams <= d.streams]
        reloads = [] if single_trip(vt) or not can_reload else sites
        extra: dict[str, Any] = {"reload_depots": reloads}
        if not reloads:
            extra["max_reloads"] = 0
        if vt.max_duration_s is not None:
            extra["shift_duration"] = vt.max_duration_s
        types.append(
            pyvrp.VehicleType(
                num_available=vt.count,
                capacity=caps[t].tolist(),
                start_depot=start,
                end_depot=end,
                fixed_cost=round(vt.fixed_cost * scale),
                tw_early=early,
                tw_late=max(early, late),
                unit_distance_cost=round(vt.cost_per_km / 1000 * scale),
                unit_duration_cost=round(vt.cost_per_h / 3600 * scale),
                name=str(t),
                **extra,
            )
        )
    locations = [pyvrp.Location(x=0, y=0) for _ in range(p.num_locations)]
    if p.coords_deg is not None:
        locations = [pyvrp.Location(x=float(lon), y=float(lat)) for lat, lon in p.coords_deg]
    return pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=types,
        distance_matrices=[np.asarray(p.distance_m)],
        duration_matrices=[np.asarray(p.duration_s)],
    )


class _Stop:
    """A PyVRP stopping criterion: the time limit, and a report of each improving feasible cost."""

    def __init__(self, seconds: float, t0: float, scale: int, progress: ProgressCallback | None) -> None:
        from pyvrp.stop import MaxRuntime

        self.limit = MaxRuntime(max(0.01, seconds))
        self.t0, self.scale, self.progress = t0, scale, progress
        self.best = math.inf

    def __call__(self, best_cost: float) -> bool:
        if best_cost < self.best:
            self.best = best_cost
            if self.progress is not None:
                self.progress(time.perf_counter() - self.t0, best_cost / self.scale)
        return self.limit(best_cost)


def solve(
    problem: Problem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
    progress: ProgressCallback | None = None,
) -> Result:
    """Solve ``problem`` with PyVRP within ``time_limit_s`` seconds (model building included).

    Raises
    ------
    ValueError
        When the problem has a feature PyVRP cannot model (see :func:`supports`).
    """
    t0 = time.perf_counter()
    reason = supports(problem)
    if reason is not None:
        raise ValueError(reason)
    import pyvrp
    from pyvrp.exceptions import PenaltyBoundWarning, ScalingWarning

    scale = cost_scale(problem)
    data = _data(problem, scale)
    # PyVRP's penalties per unit of excess load or lateness stop at max_penalty; with costs of large units (exact
    # distances in thousandths) the default bound leaves excess load cheaper than a detour, so bound them by the
    # costliest arc instead.
    arc = float(problem.distance_m.max(initial=0)) * max(
        (vt.unit_distance_cost for vt in data.vehicle_types()), default=1
    )
    arc += float(problem.duration_s.max(initial=0)) * max(
        (vt.unit_duration_cost for vt in data.vehicle_types()), default=0
    )
    params = pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=max(100_000.0, 10 * arc)))
    stop = _Stop(time_limit_s - (time.perf_counter() - t0), t0, scale, progress)
    with warnings.catch_warnings():
        # Reported through the result instead: an infeasible best solution is flagged by the checker.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        warnings.simplefilter("ignore", ScalingWarning)
        result = pyvrp.solve(data, stop, seed=seed, collect_stats=False, display=False, params=params)
    best = result.best
    type_of = [t for t, vt in enumerate(problem.vehicle_types) if vt.count > 0]
    n_dep = len(problem.depots)
    used: dict[int, int] = {}
    routes: list[Route] = []
    for route in best.routes():
        t = type_of[route.vehicle_type()]
        trips: list[list[int]] = [[]]
        reloads: list[int] = []
        for activity in route.schedule()[1:-1]:
            if activity.is_client():
                trips[-1].append(activity.idx)
            elif activity.is_depot():
                reloads.append(activity.idx - n_dep)
                trips.append([])
        vehicle = used.get(t, 0)
        used[t] = vehicle + 1
        routes.append(route_from_trips(problem, t, vehicle, trips, reloads))
    served = {s for r in routes for s in r.stops()}
    unserved = tuple(Unserved(i, "fleet") for i, s in enumerate(problem.stops) if s.mandatory and i not in served)
    feasible = result.is_feasible()
    objective = result.cost() / scale if feasible else math.inf
    status = "solution found" if feasible else "no feasible solution found"
    solution = Solution(problem, tuple(routes), unserved)
    runtime = time.perf_counter() - t0
    return Result(solution, objective, f"pyvrp {_version()}", runtime, status)
