"""The OR-Tools routing model of a whole :class:`~routing.problem.Problem`, with disposal trips.

It builds the nodes, dimensions and rules, and reads a solution back into routes the checker can check.

Nodes are the depots trucks start and end at, the stops that can be served at all (:mod:`routing.reasons` sets the
others aside with their reason), and a pool of *disposal copies*: each disposal site appears as several optional
nodes (zero penalty), shared by all trucks allowed there, so a truck may unload as often as its day needs.

Loads use the reload formulation: in the weight and volume dimensions a stop adds its load, a disposal copy adds
``-capacity`` of the truck, and a slack of up to the capacity is allowed *only* at disposal copies (fixed to zero
everywhere else). The cumulated load after an unloading can therefore drop to anything from zero to the load on
arrival, never below zero and never above the capacity; the search sets it to zero when that helps, and the load the
solver tracks never understates the real one. Requiring the cumulated loads at each route's end to be zero makes a
truck unload before it returns to its depot. This costs one slack variable per node, a single dimension per resource
and a handful of nodes per site, far less than copying every site for every truck and trip; a site's pool holds
1.25 times the larger of the number of trucks allowed there and their estimated unloadings (total waste over the
smallest capacity), plus two.

Volume depends on the truck's packer; it is counted in loose-equivalent units with per-truck capacities so that
every load dimension has a single transit vector (see ``_add_loads``). Weight, volume, time and cost all use
matrices and vectors registered with OR-Tools, which evaluates them in C++ (no Python callback in the search).
Costs are integers in 1e-5 currency units; loads are rounded up and capacities down, so the model never accepts
a load the checker would refuse.

Other constraints: time windows (start of service) and opening hours (the whole unloading) as cumul ranges of a
time dimension whose transit is service plus driving; shifts and depot hours as ranges of the start and end cumuls;
the maximum route duration as a span bound; costs per hour as span costs, per km as per-type arc costs, fixed costs
per truck used; streams through the vehicles allowed at each node (a truck unloads only at sites accepting every
stream it collects; if no site accepts them all, one dimension per stream counts bins of that stream on board and
must be zero on arrival at a site that does not accept it); daily limits on bins and collected waste as plain
dimensions; driver breaks as OR-Tools break intervals on the time dimension. Stops are in disjunctions: an optional
stop costs its penalty when left out, a must-go stop a penalty larger than any route, so the model is never
infeasible because of one bin and a must-go bin is left out only when it cannot fit.
"""

from __future__ import annotations

import math

import numpy as np
from ortools.constraint_solver import pywrapcp

from routing.problem import HORIZON_S, Problem
from routing.reasons import fits_vehicle, unservable_reason
from routing.schedule import build_route
from routing.solution import Solution, Unserved, VisitKind
from routing.solvers.ortools_limits import add_route_rules

#: Integer cost units per unit of currency.
COST_SCALE = 100_000
#: Integer weight units per kg (grams).
KG_UNITS = 1000
#: Integer volume units per m3 (decilitres).
M3_UNITS = 10_000


class OrToolsModel:
    """Builds the OR-Tools model of ``problem`` and reads solutions back."""

    def __init__(self, problem: Problem, disposal_copies: int | None) -> None:
        self.problem = p = problem
        self.vehicles = p.vehicles()
        self.set_aside: dict[int, tuple[str, str]] = {}
        #: Whether the budget ran out while the first solution was still being built.
        self.first_solution_cut_short = False
        stops = []
        for i in range(p.num_stops):
            reason = unservable_reason(p, i)
            if reason is None:
                stops.append(i)
            elif p.stops[i].mandatory:
                self.set_aside[i] = reason
        self.stops = stops
        types_used = {t for t, _ in self.vehicles}
        used_depots = sorted(
            {p.depot_index(p.vehicle_types[t].start_depot) for t in types_used}
            | {p.depot_index(p.vehicle_types[t].return_depot) for t in types_used}
        )
        self.node_kind: list[tuple[VisitKind, int]] = [("depot", d) for d in used_depots]
        self.node_kind += [("stop", i) for i in stops]
        self.effective = [self._effective_streams(t) for t in range(len(p.vehicle_types))]
        self.site_vehicles, self.stream_dims = self._disposal_access()
        for k, vehicles in enumerate(self.site_vehicles):
            if vehicles:
                copies = disposal_copies if disposal_copies is not None else self._copies(vehicles)
                self.node_kind += [("disposal", k)] * copies
        depot_node = {d: n for n, d in enumerate(used_depots)}
        starts = [depot_node[p.depot_index(p.vehicle_types[t].start_depot)] for t, _ in self.vehicles]
        ends = [depot_node[p.depot_index(p.vehicle_types[t].return_depot)] for t, _ in self.vehicles]
        self.manager = pywrapcp.RoutingIndexManager(len(self.node_kind), len(self.vehicles), starts, ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        places = {"depot": p.depots, "stop": p.stops, "disposal": p.disposal_sites}
        self.node_loc = np.array([places[k][i].location for k, i in self.node_kind], dtype=np.int64)
        self._add_costs()
        self._add_time()
        self._add_loads()
        add_route_rules(self)
        self._add_allowed_vehicles_and_disjunctions()

    # -- structure ---------------------------------------------------------------------------------------------

    def _effective_streams(self, t: int) -> frozenset[str]:
        p = self.problem
        present = {p.stops[i].stream for i in self.stops}
        return frozenset(p.vehicle_types[t].streams & present)

    def _disposal_access(self) -> tuple[list[list[int]], set[str]]:
        """Trucks allowed at each site, and the streams that need an on-board count."""
        p = self.problem
        access: list[list[int]] = [[] for _ in p.disposal_sites]
        stream_dims: set[str] = set()
        for v, (t, _) in enumerate(self.vehicles):
            streams = self.effective[t]
            if not streams:
                continue
            full = [k for k, d in enumerate(p.disposal_sites) if streams <= d.streams]
            if full:
                for k in full:
                    access[k].append(v)
                continue
            stream_dims |= streams
            for k, d in enumerate(p.disposal_sites):
                if streams & d.streams:
                    access[k].append(v)
        return access, stream_dims

    def _copies(self, vehicles: list[int]) -> int:
        """Copies of a disposal site for ``vehicles``: the unloadings the day needs, with a margin.

        The trips are counted for the fleet as it is mixed: each truck's trip clears the share of the day's waste
        its payload or body holds (whichever fills first), and the trucks take trips in proportion to their
        numbers. Counting every trip at the smallest truck's size instead can multiply the copies, and with them
        the model, several times over when a few small vans share a site with large packers.
        """
        p = self.problem
        counts: dict[int, int] = {}
        for v in vehicles:
            counts[self.vehicles[v][0]] = counts.get(self.vehicles[v][0], 0) + 1
        kg = sum(p.stops[i].weight_kg for i in self.stops)
        share_per_trip = 0.0
        for t, n in counts.items():
            vt = p.vehicle_types[t]
            m3 = sum(vt.truck_volume_m3(p.stops[i]) for i in self.stops)
            shares = [vt.capacity_kg / kg if kg > 0 else math.inf, vt.capacity_m3 / m3 if m3 > 0 else math.inf]
            share_per_trip += n / len(vehicles) * min(shares)
        trips = 1.0 / share_per_trip if 0 < share_per_trip < math.inf else 0.0
        return math.ceil(1.25 * max(len(vehicles), trips)) + 2

    def _service(self) -> np.ndarray:
        p = self.problem
        service = np.zeros(len(self.node_kind), dtype=np.int64)
        for n, (kind, i) in enumerate(self.node_kind):
            if kind == "stop":
                service[n] = p.stops[i].service_s
            elif kind == "disposal":
                service[n] = p.disposal_sites[i].unload_s
        return service

    # -- objective ---------------------------------------------------------------------------------------------

    def _add_costs(self) -> None:
        p, routing = self.problem, self.routing
        dist = p.distance_m[np.ix_(self.node_loc, self.node_loc)]
        # One cost unit on every arc into a disposal copy: insertion heuristics see the cost of an unloading only
        # through arc costs, and would otherwise park spare copies (zero distance between copies of one site, zero
        # penalty for leaving them out) on idle trucks.
        into_disposal = np.array([kind == "disposal" for kind, _ in self.node_kind], dtype=np.int64)[None, :]
        callbacks: dict[float, int] = {}
        for v, (t, _) in enumerate(self.vehicles):
            vt = p.vehicle_types[t]
            if vt.cost_per_km not in callbacks:
                cost = np.rint(dist * (vt.cost_per_km / 1000 * COST_SCALE)).astype(np.int64) + into_disposal
                callbacks[vt.cost_per_km] = routing.RegisterTransitMatrix(cost.tolist())
            routing.SetArcCostEvaluatorOfVehicle(callbacks[vt.cost_per_km], v)
            routing.SetFixedCostOfVehicle(round(vt.fixed_cost * COST_SCALE), v)

    # -- time --------------------------------------------------------------------------------------------------

    def _add_time(self) -> None:
        p, routing, manager = self.problem, self.routing, self.manager
        service = self._service()
        travel = p.duration_s[np.ix_(self.node_loc, self.node_loc)]
        transit = routing.RegisterTransitMatrix((travel + service[:, None]).tolist())
        routing.AddDimension(transit, HORIZON_S, HORIZON_S, False, "time")
        self.time = time_dim = routing.GetDimensionOrDie("time")
        for n, (kind, i) in enumerate(self.node_kind):
            if kind == "depot":
                continue
            index = manager.NodeToIndex(n)
            if kind == "stop":
                s = p.stops[i]
                time_dim.CumulVar(index).SetRange(s.tw_start_s, s.tw_end_s)
            else:
                d = p.disposal_sites[i]
                time_dim.CumulVar(index).SetRange(d.opens_s, d.closes_s - d.unload_s)
        visit = [0] * routing.Size()
        for index in range(routing.Size()):
            visit[index] = int(service[manager.IndexToNode(index)])
        self.breaks: dict[int, pywrapcp.IntervalVar] = {}
        for v, (t, _) in enumerate(self.vehicles):
            vt = p.vehicle_types[t]
            start, end = routing.Start(v), routing.End(v)
            dep, arr = p.depots[p.depot_index(vt.start_depot)], p.depots[p.depot_index(vt.return_depot)]
            earliest = max(vt.shift_start_s, dep.opens_s)
            latest = min(vt.latest_return_s, arr.closes_s)
            time_dim.CumulVar(start).SetRange(earliest, max(earliest, min(latest, dep.closes_s)))
            time_dim.CumulVar(end).SetRange(earliest, max(earliest, latest))
            if vt.max_duration_s is not None:
                time_dim.SetSpanUpperBoundForVehicle(vt.max_duration_s, v)
            time_dim.SetSpanCostCoefficientForVehicle(round(vt.cost_per_h / 3600 * COST_SCALE), v)
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(end))
            routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(start))
            if vt.driver_break is not None:
                b = vt.driver_break
                interval = routing.solver().FixedDurationIntervalVar(
                    b.earliest_start_s, b.latest_start_s, b.duration_s, False, f"break {v}"
                )
                time_dim.SetBreakIntervalsOfVehicle([interval], v, visit)
                self.breaks[v] = interval

    # -- loads -------------------------------------------------------------------------------------------------

    def _add_loads(self) -> None:
        """Weight, volume, daily limits and streams on board, each one dimension with a single transit vector.

        OR-Tools leaves a vehicle unused only if unperformed nodes have a zero transit; with unary transits that
        differ per vehicle it does not, so every load dimension uses one vector and per-vehicle capacities. Volume is
        counted in *loose-equivalent* units of each truck: a stop takes ``truck volume x truck ratio``, and a truck
        holds ``capacity_m3 x ratio``. That is exact for every plain bin (its loose volume) and for a compactor bin
        whose compatible trucks share a packer ratio; otherwise the bin counts at its largest share (a safe bound).
        """
        p, vehicles = self.problem, self.vehicles
        types = p.vehicle_types
        stop_nodes = [(n, i) for n, (kind, i) in enumerate(self.node_kind) if kind == "stop"]
        weight = np.zeros(len(self.node_kind), dtype=np.int64)
        loose = np.zeros(len(self.node_kind), dtype=np.int64)
        for n, i in stop_nodes:
            s = p.stops[i]
            weight[n] = math.ceil(s.weight_kg * KG_UNITS)
            shares = [types[t].truck_volume_m3(s) * types[t].compaction_ratio for t in p.compatible_types(i)]
            loose[n] = math.ceil(max(shares, default=s.volume_m3) * M3_UNITS)
        big_kg, big_m3 = int(weight.sum()) + 1, int(loose.sum()) + 1
        kg_cap = [_units(types[t].capacity_kg, KG_UNITS, big_kg) for t, _ in vehicles]
        m3_cap = [_units(types[t].capacity_m3 * types[t].compaction_ratio, M3_UNITS, big_m3) for t, _ in vehicles]
        self._reload_dimension("weight", weight, kg_cap)
        self._reload_dimension("volume", loose, m3_cap)
        if any(vt.max_stops is not None for vt in types):
            ones = np.array([kind == "stop" for kind, _ in self.node_kind], dtype=np.int64)
            caps = [types[t].max_stops if types[t].max_stops is not None else len(ones) for t, _ in vehicles]
            self._plain_dimension("stops", ones, caps)
        if any(vt.max_collected_kg is not None for vt in types):
            caps = [_units(_or_inf(types[t].max_collected_kg), KG_UNITS, big_kg) for t, _ in vehicles]
            self._plain_dimension("collected_kg", weight, caps)
        if any(vt.max_collected_m3 is not None for vt in types):
            caps = [
                _units(_or_inf(types[t].max_collected_m3) * types[t].compaction_ratio, M3_UNITS, big_m3)
                for t, _ in vehicles
            ]
            self._plain_dimension("collected_m3", loose, caps)
        for stream in sorted(self.stream_dims):
            counts = np.array([k == "stop" and p.stops[i].stream == stream for k, i in self.node_kind], dtype=np.int64)
            dim = self._reload_dimension(f"on board {stream}", counts, [int(counts.sum()) + 1] * len(vehicles))
            for n, (kind, i) in enumerate(self.node_kind):
                if kind == "disposal" and stream not in p.disposal_sites[i].streams:
                    dim.CumulVar(self.manager.NodeToIndex(n)).SetMax(0)

    def _reload_dimension(self, name: str, transit: np.ndarray, caps: list[int]) -> pywrapcp.RoutingDimension:
        """A load that stops add to, that may drop to zero at disposal copies only, and that ends at zero.

        A disposal copy has a transit of ``-big`` (``big`` at least every capacity) and a slack of up to ``big``, so
        the load after it is anything from zero to the load on arrival; every other slack is fixed to zero.
        """
        routing, manager = self.routing, self.manager
        disposal = np.array([kind == "disposal" for kind, _ in self.node_kind])
        big = max(caps, default=1)
        evaluator = routing.RegisterUnaryTransitVector(np.where(disposal, -big, transit).tolist())
        routing.AddDimensionWithVehicleCapacity(evaluator, big, caps, True, name)
        dim = routing.GetDimensionOrDie(name)
        for index in range(routing.Size()):
            if routing.IsStart(index) or not disposal[manager.IndexToNode(index)]:
                dim.SlackVar(index).SetValue(0)
        for v in range(len(self.vehicles)):
            dim.CumulVar(routing.End(v)).SetMax(0)
        return dim

    def _plain_dimension(self, name: str, transit: np.ndarray, caps: list[int]) -> None:
        evaluator = self.routing.RegisterUnaryTransitVector(transit.tolist())
        self.routing.AddDimensionWithVehicleCapacity(evaluator, 0, caps, True, name)

    # -- who goes where ----------------------------------------------------------------------------------------

    def _add_allowed_vehicles_and_disjunctions(self) -> None:
        # The vehicle variable's domain (-1: not visited) rather than SetAllowedVehiclesForIndex, whose Python
        # binding does not take a list in some OR-Tools releases.
        p, routing, manager = self.problem, self.routing, self.manager
        by_type: dict[int, list[int]] = {}
        for v, (t, _) in enumerate(self.vehicles):
            by_type.setdefault(t, []).append(v)
        self.must_penalty = self._mandatory_penalty()
        for n, (kind, i) in enumerate(self.node_kind):
            index = manager.NodeToIndex(n)
            if kind == "stop":
                allowed = [v for t in p.compatible_types(i) if fits_vehicle(p, i, t) for v in by_type.get(t, [])]
                routing.VehicleVar(index).SetValues([-1, *allowed])
                s = p.stops[i]
                penalty = self.must_penalty if s.mandatory else round(s.penalty * COST_SCALE)
                routing.AddDisjunction([index], penalty)
            elif kind == "disposal":
                routing.VehicleVar(index).SetValues([-1, *self.site_vehicles[i]])
                routing.AddDisjunction([index], 0)

    def _mandatory_penalty(self) -> int:
        """A penalty larger than the cost of any route, so a must-go stop is dropped only when it cannot fit."""
        p = self.problem
        longest_km = float(p.distance_m.max(initial=0)) / 1000 * (p.num_stops + 10)
        worst = max(
            (vt.fixed_cost + vt.cost_per_km * longest_km + vt.cost_per_h * HORIZON_S / 3600 for vt in p.vehicle_types),
            default=1.0,
        )
        optional = max((s.penalty for s in p.stops), default=0.0)
        return int(min(10 * (worst + optional) * COST_SCALE + COST_SCALE, 2**52))

    # -- reading back ------------------------------------------------------------------------------------------

    def unserved_all(self) -> list[Unserved]:
        """Every must-go stop as unserved (no solution at all)."""
        served: set[int] = set()
        return self._unserved(served)

    def _unserved(self, served: set[int]) -> list[Unserved]:
        out = []
        # A stop left out because the budget ran out before the first solution was complete is not the fleet's
        # fault: say so, so that the dispatcher gives the solver more time rather than more trucks.
        default = ("time_limit", "") if self.first_solution_cut_short else ("fleet", "")
        for i, s in enumerate(self.problem.stops):
            if not s.mandatory or i in served:
                continue
            reason, detail = self.set_aside.get(i, default)
            out.append(Unserved(i, reason, detail))
        return out

    def routes_without_idle_unloading(self, assignment: pywrapcp.Assignment) -> list[list[int]]:
        """Node sequences of ``assignment`` without the unloadings of an empty truck.

        A truck that collects nothing loses all its visits. Dropping them never breaks a constraint: loads do not
        change and times only get earlier.
        """
        routing, manager = self.routing, self.manager
        routes = []
        for v in range(len(self.vehicles)):
            nodes = []
            empty = True
            index = assignment.Value(routing.NextVar(routing.Start(v)))
            while not routing.IsEnd(index):
                node = manager.IndexToNode(index)
                kind = self.node_kind[node][0]
                if kind == "stop":
                    empty = False
                    nodes.append(node)
                elif not empty:
                    empty = True
                    nodes.append(node)
                index = assignment.Value(routing.NextVar(index))
            routes.append(nodes if any(self.node_kind[n][0] == "stop" for n in nodes) else [])
        return routes

    def extract(self, assignment: pywrapcp.Assignment) -> Solution:
        """The routes of ``assignment`` as a :class:`Solution`."""
        routing, manager = self.routing, self.manager
        routes = []
        served: set[int] = set()
        for v, (t, k) in enumerate(self.vehicles):
            index = routing.Start(v)
            if routing.IsEnd(assignment.Value(routing.NextVar(index))):
                continue
            sequence: list[tuple[VisitKind, int]] = []
            starts: list[int] = []
            while True:
                sequence.append(self.node_kind[manager.IndexToNode(index)])
                starts.append(assignment.Value(self.time.CumulVar(index)))
                if routing.IsEnd(index):
                    break
                index = assignment.Value(routing.NextVar(index))
            brk = self.breaks.get(v)
            break_start = assignment.StartValue(brk) if brk is not None else None
            route = build_route(self.problem, t, k, sequence, starts, break_start)
            served |= set(route.stops())
            routes.append(route)
        return Solution(self.problem, tuple(routes), tuple(self._unserved(served)))


def _units(value: float, scale: int, cap: int) -> int:
    """A capacity in integer units (rounded down), at most ``cap`` (which also stands for no limit)."""
    return cap if not math.isfinite(value) else min(cap, math.floor(value * scale))


def _or_inf(value: float | None) -> float:
    return math.inf if value is None else value
