"""Shared pieces of the adapters to third-party solvers: integer loads and costs, and reading routes back.

Solvers such as PyVRP and VROOM take integer loads and costs. Loads are rounded up and capacities down, so that an
adapter never accepts a load the checker would refuse; costs are scaled by the smallest power of ten that makes every
cost coefficient whole (1 for the benchmark families), and rounded otherwise: the solver then optimises a slightly
rounded objective, while the cost reported is always the one :func:`routing.check.check` recomputes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from routing.problem import Problem
from routing.solution import Route, VisitKind
from routing.solvers.features import home_site, single_trip
from routing.solvers.timing import timed_route


def _whole(values: Sequence[float]) -> bool:
    return all(abs(v - round(v)) <= 1e-9 * max(1.0, abs(v)) for v in values)


def load_units(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Integer loads: ``(stops x dims)`` demands and ``(types x dims)`` capacities.

    Dimension 0 is weight: kg when every weight and capacity is whole, else grams. Dimension 1, present only when
    some truck's body volume is finite, is litres of body volume. A single-trip truck (see
    :func:`routing.solvers.features.single_trip`) gets its daily limit as capacity when that is smaller.
    Volumes assume one packer ratio for the whole fleet (problems with truck-dependent compaction are declined).
    """
    p = problem
    types = p.vehicle_types
    kg_caps = [
        min(vt.capacity_kg, vt.max_collected_kg or math.inf) if single_trip(vt) else vt.capacity_kg for vt in types
    ]
    finite = [c for c in kg_caps if math.isfinite(c)]
    kg_scale = 1 if _whole([s.weight_kg for s in p.stops] + finite) else 1000
    big = math.ceil(sum(s.weight_kg for s in p.stops) * kg_scale) + 1
    demand = [[math.ceil(s.weight_kg * kg_scale - 1e-9)] for s in p.stops]
    caps = [[min(big, math.floor(c * kg_scale + 1e-9)) if math.isfinite(c) else big] for c in kg_caps]
    if any(math.isfinite(vt.capacity_m3) for vt in types):
        ratio = max((vt.compaction_ratio for vt in types), default=1.0)
        litres = [math.ceil(1000 * s.volume_m3 / max(ratio, s.compaction_ratio) - 1e-9) for s in p.stops]
        big_l = sum(litres) + 1
        for row, value in zip(demand, litres, strict=True):
            row.append(value)
        for row, vt in zip(caps, types, strict=True):
            row.append(min(big_l, math.floor(1000 * vt.capacity_m3 + 1e-9)) if math.isfinite(vt.capacity_m3) else big_l)
    return np.array(demand, dtype=np.int64).reshape(len(p.stops), -1), np.array(caps, dtype=np.int64)


def cost_scale(problem: Problem) -> int:
    """Smallest power of ten (up to 10**4) that makes every cost coefficient of ``problem`` whole per m and per s."""
    values = [s.penalty for s in problem.stops if not s.mandatory]
    for vt in problem.vehicle_types:
        values += [vt.fixed_cost, vt.cost_per_km / 1000, vt.cost_per_h / 3600]
    for scale in (1, 10, 100, 1000):
        if _whole([v * scale for v in values]):
            return scale
    return 10_000


def route_from_trips(
    problem: Problem, t: int, vehicle: int, trips: Sequence[Sequence[int]], reloads: Sequence[int]
) -> Route:
    """A timed route of truck ``vehicle`` of type ``t`` doing ``trips`` (lists of stop indices).

    ``reloads[i]`` is the disposal site unloaded at after trip ``i`` (one fewer than trips); after the last trip the
    truck unloads at the site at its return depot (:func:`routing.solvers.features.home_site`).
    """
    vt = problem.vehicle_types[t]
    home = home_site(problem, t)
    if home is None:
        msg = f"vehicle type {vt.name} has no disposal site at its return depot"
        raise ValueError(msg)
    sequence: list[tuple[VisitKind, int]] = [("depot", problem.depot_index(vt.start_depot))]
    for i, trip in enumerate(trips):
        sequence += [("stop", s) for s in trip]
        sequence.append(("disposal", reloads[i] if i < len(trips) - 1 else home))
    sequence.append(("depot", problem.depot_index(vt.return_depot)))
    return timed_route(problem, t, vehicle, sequence)
