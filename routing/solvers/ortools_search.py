"""How the OR-Tools backend searches: named search settings, and warm starts from another solution.

The OR-Tools model (:mod:`routing.solvers.ortools_model`) is fixed by the problem; how it is searched is not. This
module keeps the search choices apart from the model so that they can be measured one at a time (``benchmarks/
route_quality.py``) and combined without touching the model:

- :class:`SearchOptions`: the first-solution strategy, the metaheuristic, the guided local search penalty factor,
  full propagation, and which local-search and large-neighbourhood operators run. The defaults are the settings
  the backend has always used (parallel cheapest insertion, then guided local search with OR-Tools' defaults).
- :func:`warm_start_routes`: a :class:`~routing.solution.Solution` of the same problem (from PyVRP, a savings
  construction, a sector solve) as OR-Tools node sequences, so that the search starts from it instead of building
  its own first solution.

:data:`DEFAULT_SEARCH` is what the backend uses unless told otherwise; ``SearchOptions()`` is the baseline it was
measured against (``benchmarks/route_quality.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ortools.constraint_solver import routing_enums_pb2

if TYPE_CHECKING:
    from ortools.constraint_solver import pywrapcp

    from routing.solution import Solution

#: Large-neighbourhood operators that are off in OR-Tools' defaults; :attr:`SearchOptions.lns` turns them on.
LNS_OPERATORS = (
    "use_path_lns",
    "use_inactive_lns",
    "use_global_cheapest_insertion_close_nodes_lns",
    "use_local_cheapest_insertion_close_nodes_lns",
    "use_global_cheapest_insertion_expensive_chain_lns",
    "use_local_cheapest_insertion_expensive_chain_lns",
)
#: Names OR-Tools accepts for the first solution and the metaheuristic.
_STRATEGIES = frozenset(routing_enums_pb2.FirstSolutionStrategy.Value.keys())
_METAHEURISTICS = frozenset(routing_enums_pb2.LocalSearchMetaheuristic.Value.keys())


@dataclass(frozen=True, slots=True)
class SearchOptions:
    """Search settings of the OR-Tools backend.

    Attributes
    ----------
    first_solution
        Name of an OR-Tools ``FirstSolutionStrategy`` (``PARALLEL_CHEAPEST_INSERTION``, ``SAVINGS``,
        ``LOCAL_CHEAPEST_INSERTION``, ...). Ignored when the search starts from a given solution.
    metaheuristic
        Name of an OR-Tools ``LocalSearchMetaheuristic`` (``GUIDED_LOCAL_SEARCH``, ``SIMULATED_ANNEALING``,
        ``TABU_SEARCH``, ``GREEDY_DESCENT``).
    gls_lambda
        Guided local search penalty factor; ``None`` keeps OR-Tools' default (0.1).
    full_propagation
        Whether every move is propagated through all constraints; ``None`` keeps OR-Tools' default.
    lns
        Turn on the large-neighbourhood operators of :data:`LNS_OPERATORS`.
    operators_off
        Local-search operators to turn off, by their parameter name (``use_lin_kernighan``, ``use_cross``, ...).
    """

    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    gls_lambda: float | None = None
    full_propagation: bool | None = None
    lns: bool = False
    operators_off: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.first_solution not in _STRATEGIES:
            msg = f"unknown first solution strategy {self.first_solution!r}"
            raise ValueError(msg)
        if self.metaheuristic not in _METAHEURISTICS:
            msg = f"unknown metaheuristic {self.metaheuristic!r}"
            raise ValueError(msg)
        if self.gls_lambda is not None and not self.gls_lambda > 0:
            msg = f"gls_lambda={self.gls_lambda} must be > 0"
            raise ValueError(msg)

    def first_phase(self, params: pywrapcp.RoutingSearchParameters) -> None:
        """Set the first-solution strategy on ``params``."""
        params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, self.first_solution)
        self._common(params)

    def second_phase(self, params: pywrapcp.RoutingSearchParameters) -> None:
        """Set the metaheuristic and its operators on ``params``."""
        params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, self.metaheuristic)
        if self.gls_lambda is not None:
            params.guided_local_search_lambda_coefficient = self.gls_lambda
        operators = params.local_search_operators
        for name in LNS_OPERATORS if self.lns else ():
            setattr(operators, name, _BOOL_TRUE)
        for name in self.operators_off:
            if not hasattr(operators, name):
                msg = f"unknown local search operator {name!r}"
                raise ValueError(msg)
            setattr(operators, name, _BOOL_FALSE)
        self._common(params)

    def _common(self, params: pywrapcp.RoutingSearchParameters) -> None:
        if self.full_propagation is not None:
            params.use_full_propagation = self.full_propagation

    def label(self) -> str:
        """A short name for reports, listing only what differs from the defaults."""
        parts = []
        default = SearchOptions()
        if self.first_solution != default.first_solution:
            parts.append(self.first_solution.lower())
        if self.metaheuristic != default.metaheuristic:
            parts.append(self.metaheuristic.lower())
        if self.gls_lambda is not None:
            parts.append(f"lambda {self.gls_lambda:g}")
        if self.full_propagation is not None:
            parts.append(f"full propagation {'on' if self.full_propagation else 'off'}")
        if self.lns:
            parts.append("lns")
        parts += [f"no {name.removeprefix('use_')}" for name in self.operators_off]
        return ", ".join(parts) or "baseline"


#: The settings the backend uses by default: the best of the measured ones (see the README, "Route quality and city
#: scale").
#: On synthetic city days (200 and 400 bins, 10 s) it cost 3.5 % less than the baseline, with the same must-go
#: bins served; on CVRP it was within a few tenths of a point of it either way.
DEFAULT_SEARCH = SearchOptions(lns=True, operators_off=("use_lin_kernighan", "use_cross"))


def _optional_bool(value: bool) -> int:
    from ortools.util import optional_boolean_pb2

    return optional_boolean_pb2.BOOL_TRUE if value else optional_boolean_pb2.BOOL_FALSE


_BOOL_TRUE = _optional_bool(True)
_BOOL_FALSE = _optional_bool(False)


def warm_start_routes(
    solution: Solution,
    vehicles: list[tuple[int, int]],
    node_kind: list[tuple[str, int]],
) -> list[list[int]]:
    """The routes of ``solution`` as OR-Tools node sequences, one list per vehicle of the model.

    Parameters
    ----------
    solution
        A solution of the same problem as the model (any backend's, checked or not).
    vehicles
        The model's vehicles as ``(type, number)`` pairs, in the model's order.
    node_kind
        The model's nodes as ``(kind, index)``: each stop once, each disposal site as a pool of copies.

    Returns
    -------
    list of list of int
        Node sequences without the depots. A stop the model left out (set aside as unservable) is skipped, and
        an unloading beyond the copies of its site in the model is dropped; OR-Tools then refuses the routes if
        they break a rule, and the caller falls back to its own first solution.
    """
    slot = {vehicle: v for v, vehicle in enumerate(vehicles)}
    stop_node = {i: n for n, (kind, i) in enumerate(node_kind) if kind == "stop"}
    copies: dict[int, list[int]] = {}
    for n, (kind, i) in enumerate(node_kind):
        if kind == "disposal":
            copies.setdefault(i, []).append(n)
    routes: list[list[int]] = [[] for _ in vehicles]
    free = list(range(len(vehicles)))
    taken: set[int] = set()
    pending = []
    for route in solution.routes:
        v = slot.get((route.vehicle_type, route.vehicle))
        if v is None or v in taken:
            pending.append(route)
            continue
        taken.add(v)
        routes[v] = _nodes(route.visits, stop_node, copies)
    for route in pending:  # a route numbered beyond its type's trucks goes to a free truck of the same type
        v = next((v for v in free if v not in taken and vehicles[v][0] == route.vehicle_type), None)
        if v is not None:
            taken.add(v)
            routes[v] = _nodes(route.visits, stop_node, copies)
    return routes


def _nodes(visits: Iterable, stop_node: dict[int, int], copies: dict[int, list[int]]) -> list[int]:
    nodes = []
    for visit in visits:
        if visit.kind == "stop" and visit.index in stop_node:
            nodes.append(stop_node[visit.index])
        elif visit.kind == "disposal" and copies.get(visit.index):
            nodes.append(copies[visit.index].pop())
    return nodes
