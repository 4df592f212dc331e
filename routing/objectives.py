"""What a solver minimises: the problem's own costs, fewest trucks then distance, or distance only.

Collection benchmarks rank solutions in different ways. Kim et al. (2006) and the vehicle-reduction results put the
number of trucks first and the distance second; Benjamin & Beasley (2010) and Buhrkal et al. (2012) minimise the
distance alone. Both are expressed as costs of the :class:`~routing.problem.Problem`, so every backend optimises them
without knowing about objectives:

``distance``
    Only the distance cost stays: no fixed cost per truck, no cost per hour. A type without a distance cost gets one
    unit per km, so that the distance is still what is minimised.
``vehicles``
    As ``distance``, plus a fixed cost per truck larger than the distance cost of any solution: one truck fewer
    always pays, and among solutions with as many trucks the shorter wins.
"""

from __future__ import annotations

import math
from dataclasses import replace

from routing.problem import Problem, VehicleType

#: The objectives :func:`apply_objective` knows.
OBJECTIVES: tuple[str, ...] = ("vehicles", "distance")


def apply_objective(problem: Problem, objective: str) -> Problem:
    """A copy of ``problem`` whose costs express ``objective`` (see the module docstring).

    Raises
    ------
    ValueError
        When ``objective`` is not one of :data:`OBJECTIVES`.
    """
    if objective not in OBJECTIVES:
        msg = f"unknown objective {objective!r}; known: {', '.join(OBJECTIVES)}"
        raise ValueError(msg)
    types = [
        replace(vt, fixed_cost=0.0, cost_per_h=0.0, cost_per_km=vt.cost_per_km if vt.cost_per_km > 0 else 1.0)
        for vt in problem.vehicle_types
    ]
    if objective == "vehicles":
        fixed = vehicle_weight(problem, types)
        types = [replace(vt, fixed_cost=fixed) for vt in types]
    return problem.replace(vehicle_types=tuple(types))


def vehicle_weight(problem: Problem, types: list[VehicleType]) -> float:
    """A fixed cost per truck above the distance cost of any sensible solution (currency), rounded up to a power of ten.

    A solution that visits each stop once and unloads at most once after each stop drives at most
    ``2 x stops + 2 x trucks`` arcs, each no longer than the longest arc of the matrix; the distance cost is at most
    that many times the longest arc at the dearest rate per km.
    """
    longest_km = float(problem.distance_m.max(initial=0)) / 1000
    rate = max((vt.cost_per_km for vt in types), default=1.0)
    bound = rate * longest_km * (2 * problem.num_stops + 2 * problem.num_vehicles + 2)
    return float(10 ** math.ceil(math.log10(max(bound, 1.0))))
