"""Route rules of the OR-Tools model beyond loads and times: "every route ends with an unloading, then the depot".

Kept apart from :mod:`routing.solvers.ortools_model` so that the model's core stays one readable file; the model calls
:func:`add_route_rules` once its dimensions exist.

End with an unloading
---------------------
A truck must come home empty, and the weight and volume dimensions already make it unload after its last bin when
that bin carries waste. A bin that weighs nothing and takes no room (an empty bin on a must-go list, a site visit
with no load) could still come last. For vehicle types with :attr:`~routing.problem.VehicleType.ends_at_disposal`,
such a bin may not be followed by the end of the route (its successor variable loses those values), so something,
and in the end an unloading, comes after it. A dimension counting bins since the last unloading would say the same,
but OR-Tools then failed to restore constructed first solutions (measured on Kim et al.'s 804-stop instance).

Unloadings of a truck with daily limits
---------------------------------------
Insertion heuristics park spare disposal copies on the first routes they build (copies of one site are at zero
distance from each other), and once the pool is spent no other truck can take a bin, since its first bin needs an
unloading after it: measured on Kim et al.'s 444-stop instance, parallel cheapest insertion left 350 of 442 bins out
on two trucks with 25 and 5 unloadings. A truck whose collection is limited per day (``max_collected_kg`` or
``max_collected_m3``) never needs more unloadings than its limit takes truckloads, ``ceil(limit / capacity)``; one
more is allowed for an early unloading on the way (a site passed before the truck is full). A dimension counting
unloadings holds each such truck to that number, which leaves the copies to the other trucks (the same instance then
starts with ten routes and all bins but one placed). Trucks without a daily limit are not restricted.

First solution
--------------
Even so, parallel cheapest insertion spends more than 100 s without a complete solution on the 804- and 2,100-stop
instances. For days whose trucks must end with an unloading (the rule of the WCVRPTW family), the first solution is
built by :func:`routing.solvers.construct.construct` instead (under 3 s on 2,100 stops, checked feasible), and read
into the model; when it cannot be built or read, parallel cheapest insertion runs as before. Other days keep
parallel cheapest insertion. OR-Tools' local search cannot start from some constructed solutions (on Kim et al.'s
1,051-, 1,599- and 2,100-stop instances; apparently where a lunch break lies at a route's end, since the same routes
without the break start fine); then parallel cheapest insertion is tried, and the constructed routes are kept unless
it places every must-go stop.

OR-Tools sometimes fails to restore such a start when the local search begins (measured on the 804-stop instance:
one call in three or so reports no solution, in 0.3 s, on a busy machine; the same call again succeeds), so
:func:`improve` tries up to :data:`RESTORE_TRIES` times before it gives up on the improvement.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from routing.problem import VehicleType
from routing.solution import Solution

if TYPE_CHECKING:
    from ortools.constraint_solver import pywrapcp

    from routing.solvers.ortools_model import OrToolsModel

#: Name of the dimension counting unloadings of trucks with daily limits.
UNLOADINGS = "unloadings"
#: Unloadings a truck with daily limits may make beyond the truckloads its limit holds.
SPARE_UNLOADINGS = 1
#: Attempts at starting the local search from a first solution before giving up.
RESTORE_TRIES = 4


def add_route_rules(model: OrToolsModel) -> None:
    """Add the route rules ``model``'s problem asks for (see the module docstring)."""
    _add_end_at_disposal(model)
    _add_unloading_cap(model)


def unloading_cap(vt: VehicleType) -> int | None:
    """Most unloadings a truck of type ``vt`` needs in a day, or ``None`` when it has no daily limit on waste."""
    loads = []
    if vt.max_collected_kg is not None and math.isfinite(vt.capacity_kg):
        loads.append(vt.max_collected_kg / vt.capacity_kg)
    if vt.max_collected_m3 is not None and math.isfinite(vt.capacity_m3):
        loads.append(vt.max_collected_m3 / vt.capacity_m3)
    if not loads:
        return None
    return max(1, math.ceil(max(loads) - 1e-9)) + SPARE_UNLOADINGS


def _add_unloading_cap(model: OrToolsModel) -> None:
    caps = [unloading_cap(model.problem.vehicle_types[t]) for t, _ in model.vehicles]
    if all(c is None for c in caps):
        return
    disposal = np.array([kind == "disposal" for kind, _ in model.node_kind], dtype=np.int64)
    unlimited = int(disposal.sum()) + 1
    evaluator = model.routing.RegisterUnaryTransitVector(disposal.tolist())
    capacities = [unlimited if c is None else c for c in caps]
    model.routing.AddDimensionWithVehicleCapacity(evaluator, 0, capacities, True, UNLOADINGS)


def _needs_end_rule(model: OrToolsModel) -> bool:
    p = model.problem
    if not any(p.vehicle_types[t].ends_at_disposal for t, _ in model.vehicles):
        return False
    return any(p.stops[i].weight_kg <= 0 and p.stops[i].volume_m3 <= 0 for i in model.stops)


def _add_end_at_disposal(model: OrToolsModel) -> None:
    if not _needs_end_rule(model):
        return
    p, routing, manager = model.problem, model.routing, model.manager
    ends = [routing.End(v) for v, (t, _) in enumerate(model.vehicles) if p.vehicle_types[t].ends_at_disposal]
    for n, (kind, i) in enumerate(model.node_kind):
        if kind == "stop" and p.stops[i].weight_kg <= 0 and p.stops[i].volume_m3 <= 0:
            routing.NextVar(manager.NodeToIndex(n)).RemoveValues(ends)


def first_assignment(model: OrToolsModel, params: pywrapcp.RoutingSearchParameters) -> pywrapcp.Assignment | None:
    """The first solution: constructed for days whose trucks end with an unloading, else by ``params``' strategy."""
    p = model.problem
    if any(p.vehicle_types[t].ends_at_disposal for t, _ in model.vehicles):
        from routing.solvers.construct import construct
        from routing.solvers.ortools_model import KG_UNITS, M3_UNITS

        caps = {t: unloading_cap(vt) for t, vt in enumerate(p.vehicle_types)}
        ratios = {vt.compaction_ratio for vt in p.vehicle_types}
        # The model counts volume in loose units per truck (exact here only with one packer ratio).
        start = construct(p, caps, (KG_UNITS, M3_UNITS)) if len(ratios) == 1 and ratios <= {1.0} else None
        constructed = _read_routes(model, start) if start is not None else None
        if constructed is not None and _search_starts(model, constructed):
            return constructed
        if constructed is not None:
            # The local search cannot start from it: insertion, in a third of the budget, may do better; else the
            # constructed routes stay (a copy: the model reuses its own assignment object).
            kept = model.routing.solver().Assignment(constructed)
            params.time_limit.FromMilliseconds(max(100, params.time_limit.ToMilliseconds() // 3))
            inserted = model.routing.SolveWithParameters(params)
            if inserted is not None and _left_out(model, inserted) == 0:
                return inserted
            return kept
    return model.routing.SolveWithParameters(params)


def _search_starts(model: OrToolsModel, assignment: pywrapcp.Assignment) -> bool:
    """Whether OR-Tools' local search can start from ``assignment`` (one solution, a second at most)."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    probe = pywrapcp.DefaultRoutingSearchParameters()
    probe.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    probe.solution_limit = 1
    probe.time_limit.FromSeconds(2)
    return any(model.routing.SolveFromAssignmentWithParameters(assignment, probe) is not None for _ in range(2))


def _left_out(model: OrToolsModel, assignment: pywrapcp.Assignment) -> int:
    """Must-go stops ``assignment`` leaves out."""
    routing, manager, p = model.routing, model.manager, model.problem
    return sum(
        1
        for n, (kind, i) in enumerate(model.node_kind)
        if kind == "stop"
        and p.stops[i].mandatory
        and assignment.Value(routing.NextVar(manager.NodeToIndex(n))) == manager.NodeToIndex(n)
    )


def _read_routes(model: OrToolsModel, solution: Solution) -> pywrapcp.Assignment | None:
    """``solution`` as an assignment of ``model`` (a disposal copy per unloading), or ``None`` if it does not fit."""
    routes = _routes_of(model, solution)
    return None if routes is None else model.routing.ReadAssignmentFromRoutes(routes, True)


def _routes_of(model: OrToolsModel, solution: Solution) -> list[list[int]] | None:
    """Node sequences of ``solution``'s routes, one list per vehicle of ``model``, or ``None`` if they do not fit."""
    node_of_stop = {i: n for n, (kind, i) in enumerate(model.node_kind) if kind == "stop"}
    copies: dict[int, list[int]] = {}
    for n, (kind, i) in enumerate(model.node_kind):
        if kind == "disposal":
            copies.setdefault(i, []).append(n)
    vehicle_of = {tk: v for v, tk in enumerate(model.vehicles)}
    routes: list[list[int]] = [[] for _ in model.vehicles]
    for route in solution.routes:
        v = vehicle_of.get((route.vehicle_type, route.vehicle))
        if v is None:
            return None
        for visit in route.visits[1:-1]:
            pool = copies.get(visit.index, []) if visit.kind == "disposal" else None
            if visit.kind == "stop" and visit.index in node_of_stop:
                routes[v].append(node_of_stop[visit.index])
            elif pool:
                routes[v].append(pool.pop())
            else:
                return None
    return routes


def improve(
    model: OrToolsModel, start: pywrapcp.Assignment, params: pywrapcp.RoutingSearchParameters
) -> pywrapcp.Assignment | None:
    """Local search from ``start`` (see the module docstring on restoring a start); ``None`` if it never starts."""
    import time

    budget_ms = params.time_limit.ToMilliseconds()
    t0 = time.perf_counter()
    for _ in range(RESTORE_TRIES):
        improved = model.routing.SolveFromAssignmentWithParameters(start, params)
        if improved is not None:
            return improved
        left_ms = budget_ms - int(1000 * (time.perf_counter() - t0))
        if left_ms < 100:
            break
        params.time_limit.FromMilliseconds(left_ms)
    return None
