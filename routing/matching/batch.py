"""Batch matching: a day's requests matched jointly, as an assignment over requests and haulers' days.

Each request takes at most one of its offers; each hauler's day takes at most its free pickups and its trucks' free
volume. The objective serves as many requests as possible first (each unserved request costs more than any offer),
then minimises the total price, and among equal prices the haulers' marginal costs (weighted by
:data:`MARGINAL_COST_WEIGHT`, a tie-break only): without it, a hauler's two days at the same price would be picked
at random and its routes would suffer.

Offers are priced against the routes as they stood before the batch, so the joint answer fixes each request's
hauler, and :meth:`routing.matching.engine.Matcher.match_batch` then inserts the requests one by one, cheapest first,
each on the day its hauler can now serve it at least cost; one that no longer fits takes its next offer.

Solved with OR-Tools' MIP interface (SCIP, or CBC when SCIP is absent); the model is small (hundreds of binaries).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from routing.matching.offers import Offer

#: Weight of the marginal cost in the objective: a tie-break among offers of equal price.
MARGINAL_COST_WEIGHT = 1e-4


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The chosen offer of each request (``None`` where none could be given) and the solver's status."""

    chosen: dict[int, Offer | None]
    status: str
    objective: float


def assign(
    offers: Mapping[int, Sequence[Offer]],
    free_pickups: Mapping[tuple[str, str], int],
    free_volume_m3: Mapping[tuple[str, str], float],
    volume_m3: Mapping[int, float],
    *,
    time_limit_s: float = 10.0,
) -> BatchResult:
    """Choose at most one offer per request within each (hauler, day)'s free pickups and volume.

    Parameters
    ----------
    offers
        Request id -> its offers.
    free_pickups, free_volume_m3
        (hauler id, date) -> pickups and loose m3 it can still take that day.
    volume_m3
        Request id -> its loose volume.
    """
    solver = pywraplp.Solver.CreateSolver("SCIP") or pywraplp.Solver.CreateSolver("CBC")
    if solver is None:  # pragma: no cover - OR-Tools always ships one of them
        msg = "OR-Tools has neither SCIP nor CBC"
        raise RuntimeError(msg)
    solver.SetTimeLimit(int(time_limit_s * 1000))
    unserved_cost = 1.0 + 10 * max((o.price for os in offers.values() for o in os), default=1.0)
    x: dict[tuple[int, int], pywraplp.Variable] = {}
    by_day: dict[tuple[str, str], list[tuple[int, int]]] = {}
    objective = solver.Objective()
    for rid, options in offers.items():
        row = solver.Constraint(0, 1)
        for n, offer in enumerate(options):
            var = solver.BoolVar(f"x_{rid}_{n}")
            x[rid, n] = var
            row.SetCoefficient(var, 1)
            objective.SetCoefficient(var, offer.price + MARGINAL_COST_WEIGHT * offer.marginal_cost - unserved_cost)
            by_day.setdefault((offer.hauler_id, offer.service_date), []).append((rid, n))
    for key, members in by_day.items():
        count = solver.Constraint(0, max(0, free_pickups.get(key, 0)))
        volume = solver.Constraint(0, max(0.0, free_volume_m3.get(key, 0.0)))
        for rid, n in members:
            count.SetCoefficient(x[rid, n], 1)
            volume.SetCoefficient(x[rid, n], volume_m3[rid])
    objective.SetMinimization()
    status = solver.Solve()
    names = {pywraplp.Solver.OPTIMAL: "optimal", pywraplp.Solver.FEASIBLE: "feasible (time limit)"}
    chosen: dict[int, Offer | None] = dict.fromkeys(offers)
    if status in names:
        for (rid, n), var in x.items():
            if var.solution_value() > 0.5:
                chosen[rid] = offers[rid][n]
    total = sum(o.price for o in chosen.values() if o is not None)
    return BatchResult(chosen, names.get(status, "no solution"), total)
