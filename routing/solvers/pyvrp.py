"""PyVRP backend: a city day solved by PyVRP's iterated local search through exact reformulations.

:mod:`routing.solvers.pyvrp_model` maps the day onto PyVRP: unloading before going home, reloads at disposal sites,
streams, truck-dependent compaction, optional bins with prizes, must-go bins required (or with a prize above any
route), stop limits. The routes are read back into a :class:`~routing.solution.Solution`, timed from the problem's
own data (:mod:`routing.solvers.timing`), and judged by :func:`routing.check.check` before the result is returned:
a result whose routes break a rule says so in its status and has an infinite objective, so a portfolio never keeps it.

Supported features (:mod:`routing.solvers.features`): everything but daily limits on collected waste above one
truckload; driver breaks by a shorter shift and a break placed afterwards (:mod:`routing.solvers.pyvrp_breaks`).
PyVRP is imported on first use (``pip install waste-optimiser[pyvrp]``).
"""

from __future__ import annotations

import math
import time
import warnings
from importlib.metadata import PackageNotFoundError, version

from routing.check import check
from routing.problem import Problem
from routing.solution import Route, Solution, Unserved, VisitKind
from routing.solvers import DEFAULT_TIME_LIMIT_S, ProgressCallback, Result
from routing.solvers.features import FEATURES, single_trip, unsupported_reason
from routing.solvers.pyvrp_breaks import place_break
from routing.solvers.pyvrp_model import MustGo, PyvrpModel, build_model
from routing.solvers.timing import timed_route

#: Problem features this backend models.
SUPPORTED = frozenset(FEATURES)
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
    for vt in problem.vehicle_types:
        limited = vt.max_collected_kg is not None or vt.max_collected_m3 is not None
        if vt.count > 0 and limited and not single_trip(vt):
            # Loads reset at a reload; a daily total across reloads has no PyVRP dimension.
            return "pyvrp cannot model daily limits on collected waste above one truckload"
    return unsupported_reason(problem, SUPPORTED, "pyvrp")


#: Problems smaller than this start from PyVRP's own first solution (quick enough there).
WARM_START_MIN_STOPS = 200
#: Seconds kept back from the budget for reading the routes back and checking them, per 1,000 stops.
READ_BACK_S = 1.0


class _Stop:
    """A PyVRP stopping criterion: a wall-clock deadline, and a report of each improving cost.

    PyVRP's own ``MaxRuntime`` starts counting at its first call, after the neighbourhoods and the first solution
    are built, which on a city day of 3,000 bins on a loaded machine takes tens of seconds; the deadline here counts
    from the start of :func:`solve`.
    """

    def __init__(self, deadline: float, t0: float, scale: int, progress: ProgressCallback | None) -> None:
        self.deadline, self.t0, self.scale, self.progress = deadline, t0, scale, progress
        self.best = math.inf

    def __call__(self, best_cost: float) -> bool:
        if best_cost < self.best:
            self.best = best_cost
            if self.progress is not None:
                self.progress(time.perf_counter() - self.t0, best_cost / self.scale)
        return time.perf_counter() >= self.deadline


def solve(
    problem: Problem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    must_go: MustGo = "required",
) -> Result:
    """Solve ``problem`` with PyVRP within ``time_limit_s`` seconds (model building included).

    Parameters
    ----------
    must_go
        ``"required"``: every must-go bin a truck could serve on its own is a required client (the search may then
        end without a feasible solution); ``"prize"``: an optional client with a prize above any route's cost.

    Raises
    ------
    ValueError
        When the problem has a feature PyVRP cannot model (see :func:`supports`).
    """
    t0 = time.perf_counter()
    reason = supports(problem)
    if reason is not None:
        raise ValueError(reason)
    label = f"pyvrp {_version()}" + (", must-go as prizes" if must_go == "prize" else "")
    breaks = {t: vt.driver_break.duration_s for t, vt in enumerate(problem.vehicle_types) if vt.driver_break}
    model = build_model(problem, must_go, shorten_s=breaks)
    if not model.clients or not model.types:
        solution = Solution(problem, (), _unserved(problem, model, set()))
        return Result(solution, solution.cost(), label, time.perf_counter() - t0, "nothing to route")
    import pyvrp
    from pyvrp.exceptions import PenaltyBoundWarning, ScalingWarning

    data = model.data
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
    deadline = t0 + time_limit_s - READ_BACK_S * problem.num_stops / 1000
    stop = _Stop(deadline, t0, model.scale, progress)
    with warnings.catch_warnings():
        # Reported through the result instead: an infeasible best solution is flagged by the checker.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        warnings.simplefilter("ignore", ScalingWarning)
        init = warm_start(problem, model)
        result = pyvrp.solve(
            data, stop, seed=seed, collect_stats=False, display=False, params=params, initial_solution=init
        )
    solution = read_back(problem, model, result.best)
    # The checker is the judge: required bins PyVRP could not insert are reported unserved, and a solution that
    # breaks no rule is a valid answer even when PyVRP calls it infeasible for them.
    violations = check(problem, solution)
    if violations:
        status = f"no feasible solution found ({len(violations)} rule(s) broken when read back)"
    elif result.is_feasible():
        status = "solution found"
    else:
        status = f"solution found, {len(solution.unserved)} required bin(s) not inserted"
    objective = solution.cost() if not violations else math.inf
    return Result(solution, objective, label, time.perf_counter() - t0, status)


def warm_start(problem: Problem, model: PyvrpModel) -> object | None:
    """A PyVRP solution to start the search from: the nearest-feasible-stop construction, or ``None``.

    Without one, PyVRP starts from a random solution improved by an exhaustive local search, which on a stream of
    2,300 bins took 43 s of a 60 s budget on a loaded 2-core machine before the search proper began; the
    construction (:func:`routing.solvers.construct.construct`) takes about 1.5 s there and is feasible. Bins it
    leaves out are inserted by the search.
    """
    import pyvrp

    from routing.solvers.construct import construct

    if problem.num_stops < WARM_START_MIN_STOPS:
        return None
    first = construct(problem)
    if first is None:
        return None
    client_of = {stop: c for c, stop in enumerate(model.clients)}
    pv_type = {m.vehicle_type: k for k, m in enumerate(model.types)}
    n_dep = len(problem.depots)
    routes = []
    for route in first.routes:
        k = pv_type.get(route.vehicle_type)
        if k is None:
            return None
        visits = route.visits[1:-1]
        activities = []
        for pos, v in enumerate(visits):
            if v.kind == "stop":
                if v.index not in client_of:
                    return None
                activities.append(pyvrp.Activity(pyvrp.ActivityType.CLIENT, client_of[v.index]))
            elif v.kind == "disposal" and pos < len(visits) - 1:
                activities.append(pyvrp.Activity(pyvrp.ActivityType.DEPOT, n_dep + v.index))
        routes.append(pyvrp.Route(model.data, activities, k))
    try:
        return pyvrp.Solution(model.data, routes)
    except (RuntimeError, ValueError, IndexError):
        return None  # a shape PyVRP refuses (a reload at a site the type may not use): PyVRP builds its own


def read_back(problem: Problem, model: PyvrpModel, best: object) -> Solution:
    """The :class:`Solution` of a PyVRP solution of ``model``: trips, unloadings and the unloading before home."""
    n_dep = len(problem.depots)
    used: dict[int, int] = {}
    routes: list[Route] = []
    for route in best.routes():  # type: ignore[attr-defined]
        tmap = model.types[route.vehicle_type()]
        t = tmap.vehicle_type
        vt = problem.vehicle_types[t]
        sequence: list[tuple[VisitKind, int]] = [("depot", problem.depot_index(vt.start_depot))]
        for activity in route.schedule()[1:-1]:
            if activity.is_client():
                sequence.append(("stop", model.clients[activity.idx]))
            elif activity.is_depot():
                sequence.append(("disposal", activity.idx - n_dep))
        if sequence[-1][0] == "stop":
            sequence.append(("disposal", tmap.final_site))
        sequence.append(("depot", problem.depot_index(vt.return_depot)))
        vehicle = used.get(t, 0)
        used[t] = vehicle + 1
        routes.append(place_break(problem, timed_route(problem, t, vehicle, sequence)))
    served = {s for r in routes for s in r.stops()}
    return Solution(problem, tuple(routes), _unserved(problem, model, served))


def _unserved(problem: Problem, model: PyvrpModel, served: set[int]) -> tuple[Unserved, ...]:
    """Must-go stops not served: those kept out of the model with their reason, the others as ``fleet``."""
    left = {u.stop: u for u in model.left_out}
    out = [left.get(i, Unserved(i, "fleet")) for i, s in enumerate(problem.stops) if s.mandatory and i not in served]
    return tuple(out)
