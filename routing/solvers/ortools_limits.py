"""Route rules of the OR-Tools model beyond loads and times: "every route ends with an unloading, then the depot".

Kept apart from :mod:`routing.solvers.ortools` so that the model's core stays one readable file; the model calls
:func:`add_route_rules` once its dimensions exist.

End with an unloading
---------------------
A truck must come home empty, and the weight and volume dimensions already make it unload after its last bin when
that bin carries waste. A bin that weighs nothing and takes no room (an empty bin on a must-go list, a site visit
with no load) could still come last. For vehicle types with :attr:`~routing.problem.VehicleType.ends_at_disposal`,
one more dimension counts the bins since the last unloading, in the reload formulation of the load dimensions (a
disposal copy subtracts a large count and may take a slack up to it, nowhere else), and must be zero at the end.
It is only added when some bin carries no load at all, since otherwise it changes nothing.

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
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from routing.problem import VehicleType

if TYPE_CHECKING:
    from routing.solvers.ortools import _Model

#: Name of the dimension counting bins since the last unloading.
SINCE_UNLOADING = "bins since unloading"
#: Name of the dimension counting unloadings of trucks with daily limits.
UNLOADINGS = "unloadings"
#: Unloadings a truck with daily limits may make beyond the truckloads its limit holds.
SPARE_UNLOADINGS = 1


def add_route_rules(model: _Model) -> None:
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


def _add_unloading_cap(model: _Model) -> None:
    caps = [unloading_cap(model.problem.vehicle_types[t]) for t, _ in model.vehicles]
    if all(c is None for c in caps):
        return
    disposal = np.array([kind == "disposal" for kind, _ in model.node_kind], dtype=np.int64)
    unlimited = int(disposal.sum()) + 1
    evaluator = model.routing.RegisterUnaryTransitVector(disposal.tolist())
    capacities = [unlimited if c is None else c for c in caps]
    model.routing.AddDimensionWithVehicleCapacity(evaluator, 0, capacities, True, UNLOADINGS)


def _needs_end_rule(model: _Model) -> bool:
    p = model.problem
    if not any(p.vehicle_types[t].ends_at_disposal for t, _ in model.vehicles):
        return False
    return any(p.stops[i].weight_kg <= 0 and p.stops[i].volume_m3 <= 0 for i in model.stops)


def _add_end_at_disposal(model: _Model) -> None:
    if not _needs_end_rule(model):
        return
    p, routing, manager = model.problem, model.routing, model.manager
    kinds = [kind for kind, _ in model.node_kind]
    disposal = np.array([k == "disposal" for k in kinds])
    ones = np.array([k == "stop" for k in kinds], dtype=np.int64)
    big = int(ones.sum()) + 1
    evaluator = routing.RegisterUnaryTransitVector(np.where(disposal, -big, ones).tolist())
    routing.AddDimension(evaluator, big, big, True, SINCE_UNLOADING)
    dim = routing.GetDimensionOrDie(SINCE_UNLOADING)
    for index in range(routing.Size()):
        if routing.IsStart(index) or not disposal[manager.IndexToNode(index)]:
            dim.SlackVar(index).SetValue(0)
    for v, (t, _) in enumerate(model.vehicles):
        if p.vehicle_types[t].ends_at_disposal:
            dim.CumulVar(routing.End(v)).SetMax(0)
