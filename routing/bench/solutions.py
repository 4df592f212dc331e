"""VRPLIB solutions: read routes (best-known ``.sol`` files, an external solver's output) into a timed Solution.

A VRPLIB route lists the nodes a vehicle visits between its depot departure and return, numbered from 0 with the
depots (and, in the city dialect, the disposal sites) first. A depot or site node inside a route is a reload: the
truck unloads there and starts a new trip (the multi-trip convention). Route ``i`` is driven by vehicle ``i`` of the
file (the HFVRP convention; other families have one vehicle type, so any order will do). Times are not in the file:
each route is timed from the problem's data by :func:`routing.solvers.timing.timed_route`, and the checker then
judges the order.
"""

from __future__ import annotations

from pathlib import Path

from routing.bench.errors import BenchInputError
from routing.bench.instances import CITY, Instance
from routing.problem import Problem
from routing.solution import Route, Solution, Unserved, VisitKind
from routing.solvers.features import home_site
from routing.solvers.timing import timed_route


def _node_kinds(instance: Instance) -> list[tuple[VisitKind, int]]:
    """What each VRPLIB node of ``instance`` is, as a visit: a stop, or an unloading at a site (a reload)."""
    p = instance.problem
    if instance.family != CITY:
        return [("disposal", 0)] + [("stop", i) for i in range(p.num_stops)]
    kinds: list[tuple[VisitKind, int]] = [("depot", 0)] * p.num_locations
    for k, site in enumerate(p.disposal_sites):
        kinds[site.location] = ("disposal", k)
    for i, stop in enumerate(p.stops):
        kinds[stop.location] = ("stop", i)
    return kinds


def _vehicle_slots(problem: Problem) -> list[tuple[int, int]]:
    """Vehicles in file order: ``(type, index within type)`` as the readers group them (types in order)."""
    return problem.vehicles()


def _final_site(problem: Problem, t: int, last_location: int) -> int:
    """Site for the last unloading: the one at the return depot, else the nearest that accepts the truck's streams."""
    home = home_site(problem, t)
    if home is not None:
        return home
    vt = problem.vehicle_types[t]
    sites = [k for k, d in enumerate(problem.disposal_sites) if vt.streams <= d.streams] or list(
        range(len(problem.disposal_sites))
    )
    if not sites:
        msg = f"no disposal site for vehicle type {vt.name}"
        raise BenchInputError(msg)
    return min(sites, key=lambda k: int(problem.distance_m[last_location, problem.disposal_sites[k].location]))


def solution_from_routes(
    instance: Instance, routes: list[list[int]], slots: list[tuple[int, int]] | None = None
) -> Solution:
    """A timed :class:`Solution` of ``instance`` from VRPLIB routes (lists of node numbers, depot 0).

    Parameters
    ----------
    instance
        The instance the routes solve.
    routes
        One list of nodes per vehicle, in the file's vehicle order; empty lists are unused vehicles.
    slots
        Vehicle of each route as ``(type, index within type)``; file order of :meth:`Problem.vehicles` by default.

    Raises
    ------
    BenchInputError
        When a route names an unknown node, a depot inside a route, or more routes than vehicles.
    """
    p = instance.problem
    kinds = _node_kinds(instance)
    slots = slots if slots is not None else _vehicle_slots(p)
    if sum(bool(r) for r in routes) > len(slots):
        msg = f"{instance.name}: {sum(bool(r) for r in routes)} routes for {len(slots)} vehicles"
        raise BenchInputError(msg)
    free = iter(slots[len(routes) :])
    timed: list[Route] = []
    for i, nodes in enumerate(routes):
        if not nodes:
            continue
        t, k = slots[i] if i < len(slots) else next(free)
        vt = p.vehicle_types[t]
        sequence: list[tuple[VisitKind, int]] = [("depot", p.depot_index(vt.start_depot))]
        for node in nodes:
            if not 0 <= node < len(kinds) or kinds[node][0] == "depot":
                msg = f"{instance.name}: route {i + 1} visits node {node}, not a client or reload site"
                raise BenchInputError(msg)
            sequence.append(kinds[node])
        if sequence[-1][0] != "disposal":
            places = {"depot": p.depots, "stop": p.stops, "disposal": p.disposal_sites}
            last = places[sequence[-1][0]][sequence[-1][1]].location
            sequence.append(("disposal", _final_site(p, t, last)))
        sequence.append(("depot", p.depot_index(vt.return_depot)))
        timed.append(timed_route(p, t, k, sequence))
    served = {s for r in timed for s in r.stops()}
    unserved = tuple(Unserved(i, "fleet") for i, s in enumerate(p.stops) if s.mandatory and i not in served)
    return Solution(p, tuple(timed), unserved)


def read_routes(path: str | Path) -> list[list[int]]:
    """The routes of a VRPLIB solution file, as lists of node numbers.

    Raises
    ------
    BenchInputError
        When the file is missing or not a VRPLIB solution.
    """
    import vrplib

    try:
        return [list(map(int, r)) for r in vrplib.read_solution(str(path))["routes"]]
    except (OSError, ValueError, KeyError, IndexError) as exc:
        msg = f"{path}: not a readable VRPLIB solution ({exc})"
        raise BenchInputError(msg) from exc


def routes_of(instance: Instance, solution: Solution) -> list[list[int]]:
    """VRPLIB routes (node numbers) of ``solution``: stops and reloads, without the last unloading."""
    node_of = {kind: node for node, kind in enumerate(_node_kinds(instance)) if kind[0] != "depot"}
    out = []
    for route in solution.routes:
        inner = [(v.kind, v.index) for v in route.visits[1:-1]]
        if inner and inner[-1][0] == "disposal":
            inner = inner[:-1]
        out.append([node_of[k] for k in inner])
    return out
