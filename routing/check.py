"""Independent check of a :class:`~routing.solution.Solution` against its :class:`~routing.problem.Problem`.

The checker trusts nothing a solver computed: it recomputes loads, times and costs from the problem's data and
matrices, with its own code, and reports every broken rule as a :class:`Violation` named by the check that found it
(one check per constraint, as PyVRP's ``Solution`` answers ``has_excess_load()`` and ``has_time_warp()``):

=================  =====================================================================================
check              rule
=================  =====================================================================================
``route_shape``    known vehicle, each truck used at most once, starts and ends at its depots, no depot
                   in between, indices in range
``served``         every must-go stop visited, or reported unserved (and not both)
``duplicate``      no stop visited twice
``stream_vehicle`` a truck collects only streams it serves
``stream_disposal`` a site accepts every stream on board when the truck unloads there
``capacity_kg``    load (kg) never above the truck's payload between unloadings
``capacity_m3``    body volume (m3, after packing) never above the truck's volume between unloadings
``ends_empty``     nothing on board when the truck returns to its depot; for a type that must end with an
                   unloading (``ends_at_disposal``), the last visit before the return is one
``reported_load``  the load reported after each visit is the load recomputed
``schedule``       arrival no earlier than the previous departure plus driving (and the break, when taken
                   on that leg); service starts no earlier than arrival and lasts its service time; a trip
                   leaves the depot or its disposal site no earlier than the release time of any stop on it
``time_window``    a stop's service starts within its window
``disposal_hours`` an unloading starts after the site opens and ends by its closing
``shift``          departure and return within the shift and the depots' hours
``max_duration``   route duration within the type's maximum
``break``          the driver's break starts in its window, and is taken before departure, after return, or
                   on a leg long enough for the driving plus the break, never during a service
``max_stops``      bins per truck within the type's daily limit
``max_collected``  waste collected per truck within the type's daily limits (kg and m3)
``cost``           the solution's cost equals the cost recomputed here
=================  =====================================================================================

:func:`check` returns the list (empty when the solution is feasible); :func:`assert_feasible` raises with them all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from routing.problem import Problem
from routing.solution import Route, Solution

#: Names of the checks, in the order they run.
CHECKS: tuple[str, ...] = (
    "route_shape",
    "served",
    "duplicate",
    "stream_vehicle",
    "stream_disposal",
    "capacity_kg",
    "capacity_m3",
    "ends_empty",
    "reported_load",
    "schedule",
    "time_window",
    "disposal_hours",
    "shift",
    "max_duration",
    "break",
    "max_stops",
    "max_collected",
    "cost",
)

#: Relative and absolute tolerance on loads (kg, m3) and costs (currency).
_REL, _ABS = 1e-9, 1e-6


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: the check's name, where (route and visit positions, if any) and what."""

    check: str
    message: str
    route: int | None = None
    visit: int | None = None

    def __str__(self) -> str:
        where = "" if self.route is None else f"route {self.route}"
        where += "" if self.visit is None or self.route is None else f" visit {self.visit}"
        return f"[{self.check}] {where + ': ' if where else ''}{self.message}"


class InfeasibleSolutionError(AssertionError):
    """A solution breaks rules of its problem; ``violations`` lists them all."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        lines = "\n".join(f"  {v}" for v in violations)
        super().__init__(f"{len(violations)} violation(s):\n{lines}")


def check(problem: Problem, solution: Solution) -> list[Violation]:
    """Every violation of ``problem``'s rules by ``solution`` (empty if it is feasible)."""
    out: list[Violation] = []
    shaped = _route_shapes(problem, solution, out)
    _served(problem, solution, out)
    for r, route in enumerate(solution.routes):
        if r in shaped:
            _loads(problem, r, route, out)
            _times(problem, r, route, out)
            _limits(problem, r, route, out)
    if len(shaped) == len(solution.routes):
        _cost(problem, solution, out)
    return out


def check_route(problem: Problem, route: Route) -> list[Violation]:
    """Every violation of ``problem``'s rules by one route on its own (shape, loads, times, limits)."""
    out: list[Violation] = []
    if _route_shapes(problem, Solution(problem, (route,)), out):
        _loads(problem, 0, route, out)
        _times(problem, 0, route, out)
        _limits(problem, 0, route, out)
    return out


def is_feasible(problem: Problem, solution: Solution) -> bool:
    """Whether ``solution`` breaks no rule of ``problem``."""
    return not check(problem, solution)


def assert_feasible(problem: Problem, solution: Solution) -> None:
    """Raise :class:`InfeasibleSolutionError` listing every violation, if there is any."""
    violations = check(problem, solution)
    if violations:
        raise InfeasibleSolutionError(violations)


def _over(value: float, limit: float) -> bool:
    return value > limit + max(_ABS, _REL * abs(limit))


def _route_shapes(problem: Problem, solution: Solution, out: list[Violation]) -> set[int]:
    """Check structure; return the routes sound enough for the other checks."""
    ok: set[int] = set()
    seen: set[tuple[int, int]] = set()
    sizes = {"depot": len(problem.depots), "stop": problem.num_stops, "disposal": len(problem.disposal_sites)}
    for r, route in enumerate(solution.routes):
        bad = len(out)
        t = route.vehicle_type
        if not 0 <= t < len(problem.vehicle_types):
            out.append(Violation("route_shape", f"unknown vehicle type {t}", r))
            continue
        vt = problem.vehicle_types[t]
        if not 0 <= route.vehicle < vt.count or (t, route.vehicle) in seen:
            out.append(Violation("route_shape", f"truck {route.vehicle} of {vt.name} unknown or used twice", r))
        seen.add((t, route.vehicle))
        visits = route.visits
        for i, v in enumerate(visits):
            if v.kind not in sizes or not 0 <= v.index < sizes[v.kind]:
                out.append(Violation("route_shape", f"{v.kind} index {v.index} out of range", r, i))
            elif v.kind == "depot" and 0 < i < len(visits) - 1:
                out.append(Violation("route_shape", "depot visit inside the route", r, i))
        if len(out) == bad:
            if len(visits) < 2 or visits[0].kind != "depot" or visits[-1].kind != "depot":
                out.append(Violation("route_shape", "a route must start and end with a depot visit", r))
            else:
                if problem.depots[visits[0].index].id != vt.start_depot:
                    out.append(Violation("route_shape", f"starts at {problem.depots[visits[0].index].id}", r, 0))
                if problem.depots[visits[-1].index].id != vt.return_depot:
                    out.append(Violation("route_shape", f"ends at {problem.depots[visits[-1].index].id}", r))
        if len(out) == bad:
            ok.add(r)
    return ok


def _served(problem: Problem, solution: Solution, out: list[Violation]) -> None:
    counts = Counter(
        v.index
        for route in solution.routes
        for v in route.visits
        if v.kind == "stop" and 0 <= v.index < problem.num_stops
    )
    reported = {u.stop for u in solution.unserved}
    for i, n in counts.items():
        if n > 1:
            out.append(Violation("duplicate", f"stop {problem.stops[i].id} visited {n} times"))
    for i, stop in enumerate(problem.stops):
        if stop.mandatory and i not in counts and i not in reported:
            out.append(Violation("served", f"must-go stop {stop.id} neither visited nor reported unserved"))
    for i in reported:
        if not 0 <= i < problem.num_stops:
            out.append(Violation("served", f"unserved stop index {i} out of range"))
        elif i in counts:
            out.append(Violation("served", f"stop {problem.stops[i].id} reported unserved but visited"))


def _loads(problem: Problem, r: int, route: Route, out: list[Violation]) -> None:
    vt = problem.vehicle_types[route.vehicle_type]
    kg = m3 = 0.0
    on_board: set[str] = set()
    for i, v in enumerate(route.visits):
        if v.kind == "stop":
            stop = problem.stops[v.index]
            if stop.stream not in vt.streams:
                out.append(Violation("stream_vehicle", f"{vt.name} does not collect {stop.stream} ({stop.id})", r, i))
            kg += stop.weight_kg
            m3 += stop.volume_m3 / max(vt.compaction_ratio, stop.compaction_ratio)
            on_board.add(stop.stream)
            if _over(kg, vt.capacity_kg):
                out.append(Violation("capacity_kg", f"{kg:.1f} kg on board, payload {vt.capacity_kg:.1f}", r, i))
            if _over(m3, vt.capacity_m3):
                out.append(Violation("capacity_m3", f"{m3:.3f} m3 on board, body {vt.capacity_m3:.3f}", r, i))
        elif v.kind == "disposal":
            site = problem.disposal_sites[v.index]
            refused = on_board - site.streams
            if refused:
                text = f"{site.id} does not accept {', '.join(sorted(refused))}"
                out.append(Violation("stream_disposal", text, r, i))
            kg = m3 = 0.0
            on_board = set()
        elif i == len(route.visits) - 1 and (kg > _ABS or m3 > _ABS):
            out.append(Violation("ends_empty", f"returns with {kg:.1f} kg, {m3:.3f} m3 on board", r, i))
        if i == len(route.visits) - 1 and vt.ends_at_disposal and route.visits[i - 1].kind != "disposal":
            out.append(Violation("ends_empty", "the last visit before the return is not an unloading", r, i))
        if abs(v.load_kg - kg) > max(_ABS, 1e-6 * kg) or abs(v.load_m3 - m3) > max(_ABS, 1e-6 * m3):
            text = f"reports {v.load_kg:.3f} kg, {v.load_m3:.4f} m3; recomputed {kg:.3f} kg, {m3:.4f} m3"
            out.append(Violation("reported_load", text, r, i))


def _times(problem: Problem, r: int, route: Route, out: list[Violation]) -> None:
    vt = problem.vehicle_types[route.vehicle_type]
    brk = vt.driver_break
    places = {"depot": problem.depots, "stop": problem.stops, "disposal": problem.disposal_sites}
    visits = route.visits
    b = route.break_start_s
    break_leg = None
    if brk is not None:
        if b is None:
            out.append(Violation("break", "no break scheduled", r))
        elif not brk.earliest_start_s <= b <= brk.latest_start_s:
            out.append(Violation("break", f"break at {b} s outside [{brk.earliest_start_s}, {brk.latest_start_s}]", r))
        elif not (b + brk.duration_s <= visits[0].departure_s or b >= visits[-1].arrival_s):
            legs = [i for i in range(1, len(visits)) if visits[i - 1].departure_s <= b < visits[i].start_s]
            if not legs or b + brk.duration_s > visits[legs[0]].start_s:
                out.append(Violation("break", f"break at {b} s overlaps a service or unloading", r))
            else:
                break_leg = legs[0]
    for i, v in enumerate(visits):
        place = places[v.kind][v.index]
        service = (
            problem.stops[v.index].service_s
            if v.kind == "stop"
            else problem.disposal_sites[v.index].unload_s
            if v.kind == "disposal"
            else 0
        )
        if i > 0:
            prev = visits[i - 1]
            prev_loc = places[prev.kind][prev.index].location
            need = prev.departure_s + int(problem.duration_s[prev_loc, place.location])
            need += brk.duration_s if brk is not None and break_leg == i else 0
            if v.arrival_s < need:
                out.append(Violation("schedule", f"arrives at {v.arrival_s} s, cannot before {need} s", r, i))
        if v.start_s < v.arrival_s or v.departure_s < v.start_s + service:
            text = f"arrival {v.arrival_s}, start {v.start_s}, departure {v.departure_s} with {service} s of service"
            out.append(Violation("schedule", text, r, i))
        if v.kind == "stop":
            s = problem.stops[v.index]
            if not s.tw_start_s <= v.start_s <= s.tw_end_s:
                text = f"{s.id} served at {v.start_s} s, window [{s.tw_start_s}, {s.tw_end_s}]"
                out.append(Violation("time_window", text, r, i))
        elif v.kind == "disposal":
            d = problem.disposal_sites[v.index]
            if v.start_s < d.opens_s or v.start_s + d.unload_s > d.closes_s:
                text = f"unloads at {d.id} from {v.start_s} s, open [{d.opens_s}, {d.closes_s}]"
                out.append(Violation("disposal_hours", text, r, i))
    _release(problem, r, route, out)
    start, end = problem.depots[visits[0].index], problem.depots[visits[-1].index]
    earliest = max(vt.shift_start_s, start.opens_s)
    latest = min(vt.shift_end_s, end.closes_s)
    if visits[0].departure_s < earliest or visits[-1].arrival_s > latest:
        text = f"out {visits[0].departure_s} s, back {visits[-1].arrival_s} s; allowed [{earliest}, {latest}]"
        out.append(Violation("shift", text, r))
    duration = visits[-1].arrival_s - visits[0].departure_s
    if vt.max_duration_s is not None and duration > vt.max_duration_s:
        out.append(Violation("max_duration", f"{duration} s > {vt.max_duration_s} s", r))


def _release(problem: Problem, r: int, route: Route, out: list[Violation]) -> None:
    """A trip (from the depot or an unloading to the next unloading) leaves after its stops' release times."""
    leave = route.visits[0].departure_s
    for i, v in enumerate(route.visits):
        if v.kind == "stop":
            s = problem.stops[v.index]
            if s.release_s > leave:
                text = f"{s.id} released at {s.release_s} s, its trip left at {leave} s"
                out.append(Violation("schedule", text, r, i))
        elif v.kind == "disposal":
            leave = v.departure_s


def _limits(problem: Problem, r: int, route: Route, out: list[Violation]) -> None:
    vt = problem.vehicle_types[route.vehicle_type]
    stops = [problem.stops[v.index] for v in route.visits if v.kind == "stop"]
    if vt.max_stops is not None and len(stops) > vt.max_stops:
        out.append(Violation("max_stops", f"{len(stops)} bins > {vt.max_stops}", r))
    kg = sum(s.weight_kg for s in stops)
    m3 = sum(s.volume_m3 / max(vt.compaction_ratio, s.compaction_ratio) for s in stops)
    if vt.max_collected_kg is not None and _over(kg, vt.max_collected_kg):
        out.append(Violation("max_collected", f"{kg:.1f} kg collected > {vt.max_collected_kg:.1f}", r))
    if vt.max_collected_m3 is not None and _over(m3, vt.max_collected_m3):
        out.append(Violation("max_collected", f"{m3:.3f} m3 collected > {vt.max_collected_m3:.3f}", r))


def _cost(problem: Problem, solution: Solution, out: list[Violation]) -> None:
    places = {"depot": problem.depots, "stop": problem.stops, "disposal": problem.disposal_sites}
    total = 0.0
    for route in solution.routes:
        vt = problem.vehicle_types[route.vehicle_type]
        locs = [places[v.kind][v.index].location for v in route.visits]
        metres = int(problem.distance_m[locs[:-1], locs[1:]].sum())
        seconds = route.visits[-1].arrival_s - route.visits[0].departure_s
        total += vt.fixed_cost + vt.cost_per_km * metres / 1000 + vt.cost_per_h * seconds / 3600
    visited = {v.index for route in solution.routes for v in route.visits if v.kind == "stop"}
    total += sum(s.penalty for i, s in enumerate(problem.stops) if not s.mandatory and i not in visited)
    reported = solution.cost()
    if abs(reported - total) > max(_ABS, 1e-9 * abs(total)):
        out.append(Violation("cost", f"solution reports {reported:.4f}, recomputed {total:.4f}"))


def rank(problem: Problem, solution: Solution) -> tuple[int, int, float]:
    """Sort key of solutions of one problem: rule violations, then must-go stops left out, then cost (lower wins).

    The one order in which the project compares solutions: the portfolio's members, and a small model's answer
    against its warm start (:mod:`routing.route_pairs`).
    """
    served = solution.served()
    left = sum(1 for i, s in enumerate(problem.stops) if s.mandatory and i not in served)
    return (len(check(problem, solution)), left, solution.cost())


def totals(problem: Problem, solution: Solution) -> tuple[int, int]:
    """Trucks used and distance driven (matrix units), recomputed from the visits and the matrices.

    A route counts as a truck used when it visits anything between its depot departure and return; the distance
    is summed over the matrix, not taken from the solution, so benchmark tables report figures the checker vouches
    for.
    """
    places = {"depot": problem.depots, "stop": problem.stops, "disposal": problem.disposal_sites}
    used = distance = 0
    for route in solution.routes:
        locs = [places[v.kind][v.index].location for v in route.visits]
        distance += int(problem.distance_m[locs[:-1], locs[1:]].sum()) if len(locs) > 1 else 0
        used += len(route.visits) > 2
    return used, distance
