"""OR-Tools as a backend: the model of :mod:`routing.solvers.ortools_model`, searched in two phases.

First, parallel cheapest insertion: it inserts stops and unloadings together (an insertion that
adds stops one at a time cannot place the first stop of an empty truck, which needs an unloading after it). It tends
to park spare disposal copies on idle trucks, so the unloadings of an empty truck are removed from its solution
(always feasible: loads are unchanged and times only get earlier). Second, guided local search from there until the
time limit; the best solution found is returned. On problems of :data:`ROUTE_PAIRS_MIN_STOPS` stops or more, the
second phase keeps :data:`WHOLE_MODEL_SHARE` of the time, and the rest goes to a third: pairs of neighbouring
routes improved as small models (:mod:`routing.route_pairs`), in an order drawn from ``seed``.

Local-search neighbourhoods are left whole: copies of a site are at zero distance from each other, so restricting
operators to each node's nearest neighbours starves them of useful moves (measured: no improvement at all on 1,500
stops). The whole model's search is deterministic.
"""

from __future__ import annotations

import math
import time

from ortools import __version__ as ORTOOLS_VERSION  # noqa: N812
from ortools.constraint_solver import pywrapcp

from routing.problem import Problem
from routing.reasons import unservable_reason
from routing.route_pairs import PAIR_S, improve_route_pairs
from routing.solution import Solution, Unserved
from routing.solvers import DEFAULT_TIME_LIMIT_S, ProgressCallback, Result
from routing.solvers.ortools_limits import first_assignment, improve
from routing.solvers.ortools_model import COST_SCALE, OrToolsModel
from routing.solvers.ortools_search import DEFAULT_SEARCH, SearchOptions, warm_start_routes

#: From this many stops the whole model's local search is slow, and pairs of routes take most of the search
#: budget (:mod:`routing.route_pairs`); smaller problems, such as the sectors of a daily plan, are searched whole.
ROUTE_PAIRS_MIN_STOPS = 500
#: Share of the search budget the whole model's local search keeps on those problems.
WHOLE_MODEL_SHARE = 0.3


def solve(
    problem: Problem,
    *,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    disposal_copies: int | None = None,
    search: SearchOptions | None = None,
    initial: Solution | None = None,
) -> Result:
    """Solve ``problem`` with OR-Tools; see the module docstring for the model.

    Parameters
    ----------
    problem
        The day's problem.
    time_limit_s
        Wall-time budget including model building (s); the best solution found by then is returned.
    seed
        Order in which pairs of routes are improved on large problems; the whole model's search is deterministic.
    progress
        Called with (elapsed s, objective in currency) at each improving solution.
    disposal_copies
        Copies of each disposal site in the pool; estimated from the problem when ``None``.
    search
        Search settings (:class:`~routing.solvers.ortools_search.SearchOptions`); ``DEFAULT_SEARCH`` when ``None``.
    initial
        A solution of ``problem`` to start the search from (a warm start) instead of building a first one; when
        OR-Tools refuses it, the search builds its own.
    """
    t0 = time.perf_counter()
    if problem.num_vehicles == 0:  # OR-Tools needs at least one vehicle
        unserved = tuple(Unserved(i, *(unservable_reason(problem, i) or ("fleet", ""))) for i in _must_go(problem))
        return Result(Solution(problem, (), unserved), 0.0, f"ortools {ORTOOLS_VERSION}", time.perf_counter() - t0)
    model = OrToolsModel(problem, disposal_copies)
    routing = model.routing
    if progress is not None:
        best = [math.inf]

        def report() -> None:
            value = routing.CostVar().Value() / COST_SCALE
            if value < best[0]:
                best[0] = value
                progress(time.perf_counter() - t0, value)

        routing.AddAtSolutionCallback(report)
    search = search or DEFAULT_SEARCH
    warm = None
    if initial is not None:
        warm = routing.ReadAssignmentFromRoutes(warm_start_routes(initial, model.vehicles, model.node_kind), True)
    if warm is not None:
        assignment = warm
    else:
        # Phase 1: a first solution by parallel cheapest insertion, which inserts stops and unloadings together.
        first = _params(model, time_limit_s - (time.perf_counter() - t0))
        search.first_phase(first)
        first.solution_limit = 1
        assignment = first_assignment(model, first)
        model.first_solution_cut_short = time.perf_counter() - t0 >= 0.98 * time_limit_s
    by_pairs = False
    if assignment is not None:
        # Phase 2: drop unloadings of an empty truck (insertion parks spare copies), then guided local search.
        cleaned = routing.ReadAssignmentFromRoutes(model.routes_without_idle_unloading(assignment), True)
        start = cleaned if cleaned is not None else assignment
        by_pairs = (
            problem.num_stops >= ROUTE_PAIRS_MIN_STOPS
            and initial is None
            and sum(routing.IsVehicleUsed(start, v) for v in range(routing.vehicles())) > 1
        )
        remaining = time_limit_s - (time.perf_counter() - t0)
        if by_pairs:
            remaining *= WHOLE_MODEL_SHARE
        if remaining > 0.05:
            second = _params(model, remaining)
            search.second_phase(second)
            improved = improve(model, start, second)
            assignment = improved if improved is not None else start
        else:
            assignment = start
    status = _STATUS.get(routing.status(), str(routing.status()))
    if assignment is None:
        solution = Solution(problem, (), tuple(model.unserved_all()))
        return Result(solution, math.inf, f"ortools {ORTOOLS_VERSION}", time.perf_counter() - t0, status)
    solution = model.extract(assignment)
    objective = assignment.ObjectiveValue() / COST_SCALE
    label = f"ortools {ORTOOLS_VERSION}"
    remaining = time_limit_s - (time.perf_counter() - t0)
    if by_pairs and remaining >= PAIR_S:
        # Phase 3 on large problems: pairs of neighbouring routes, each a small model (routing.route_pairs).
        before, left = solution.cost(), len(solution.unserved)

        def pair_progress(elapsed: float, cost: float) -> None:
            if progress is not None:
                progress(time.perf_counter() - t0, objective + cost - before)

        solution, kept = improve_route_pairs(
            problem, solution, time_limit_s=remaining, seed=seed, progress=pair_progress
        )
        served_more = left - len(solution.unserved)
        objective += solution.cost() - before - served_more * model.must_penalty / COST_SCALE
        label += f", {kept} route pairs improved"
    return Result(solution, objective, label, time.perf_counter() - t0, status)


def _must_go(problem: Problem) -> list[int]:
    return [i for i, s in enumerate(problem.stops) if s.mandatory]


def _params(model: OrToolsModel, seconds: float) -> pywrapcp.RoutingSearchParameters:
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.time_limit.FromMilliseconds(max(50, int(seconds * 1000)))
    return params


_STATUS = {
    0: "not solved",
    1: "solution found",
    2: "solution found (time limit before a local optimum)",
    3: "no solution found",
    4: "no solution found within the time limit",
    5: "invalid model",
    6: "model infeasible",
    7: "optimal",
}
