"""A city day as PyVRP ``ProblemData``, through reformulations that are exact unless said.

PyVRP knows depots, clients with loads in several dimensions, vehicle types with reload depots, and prizes. A day
of waste collection asks more; each part below is mapped onto those notions:

Unload before going home (``unload_away``)
    A truck whose return depot has no site that unloads it instantly must drive to a disposal site, unload and
    drive home. Its PyVRP route ends at a *copy* of one site (no unloading there); the last unloading and the drive
    home are a fixed cost (their time at ``cost_per_h``, their distance at ``cost_per_km``) and shorten the truck's
    latest arrival and maximum duration. Exact for the chosen site; one site per truck type (the one with the
    shortest unloading plus drive home, open when the shift ends) is a restriction when several would do.
Reloads
    Sites that accept every stream a truck collects are its reload depots, with the unloading as service time and
    no unloading started after closing minus unloading time. A mixed-stream truck could also unload at a site that
    takes only what is on board: a restriction.
Streams
    One load dimension per stream some truck does not collect: every stop of the stream weighs 1 in it, a truck
    that collects the stream has room for all of them, one that does not has room for none. Exact.
Truck-dependent compaction
    One volume dimension per packer ratio in the fleet: a stop's demand there is its loose volume over the larger
    of that ratio and the bin's own (litres, rounded up); a truck has its body volume in the dimension of its own
    ratio and unlimited room in the others. Exact up to the rounding up.
Must-go and optional bins
    A must-go bin is a required client (``must_go="required"``) or an optional one with a prize larger than any
    route's cost (``must_go="prize"``, never infeasible); an optional bin has its penalty as prize.
Stops per route (``max_stops``)
    A load dimension where every stop weighs 1. Loads reset at a reload, so a truck with a stop limit makes one
    trip (``max_reloads=0``): a restriction when the limit exceeds what one truckload holds.
Driver breaks
    The shift is shortened by the break and the break is placed where the route read back has room for it
    (:mod:`routing.solvers.pyvrp_breaks`): exact when the break window is wide, a restriction otherwise; the
    checker judges every placement.

Stops that no truck could serve on their own (:func:`routing.reasons.unservable_reason`) stay out of the model and
are reported with their reason. Costs are scaled to whole numbers (:func:`routing.solvers.adapt.cost_scale`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from routing.problem import Problem, VehicleType
from routing.reasons import unservable_reason
from routing.solution import Unserved
from routing.solvers.adapt import cost_scale
from routing.solvers.features import final_site, home_site, reloads_matter, single_trip

#: How a model treats must-go bins: required clients, or optional ones with a prize above any route's cost.
MustGo = Literal["required", "prize"]


@dataclass(frozen=True, slots=True)
class TypeMap:
    """Where a PyVRP vehicle type comes from: the problem's type and, for ``unload_away``, the final site."""

    vehicle_type: int
    final_site: int
    end_is_site_copy: bool


@dataclass(frozen=True, slots=True, eq=False)
class PyvrpModel:
    """PyVRP data for a problem and the maps to read its solutions back.

    Attributes
    ----------
    data
        The ``pyvrp.ProblemData``.
    scale
        Cost multiplier (:func:`routing.solvers.adapt.cost_scale`).
    clients
        Problem stop index of each PyVRP client, in client order.
    num_depots
        The problem's depots come first among PyVRP depots, then one reload depot per disposal site, then the
        copies of final sites.
    types
        One :class:`TypeMap` per PyVRP vehicle type.
    left_out
        Must-go stops kept out of the model, with the reason no truck could serve them.
    """

    data: Any
    scale: int
    clients: tuple[int, ...]
    num_depots: int
    types: tuple[TypeMap, ...]
    left_out: tuple[Unserved, ...]


def _body_m3(vt: VehicleType) -> float:
    """Body volume (m3) one trip may fill: the capacity, or the daily limit of a single-trip truck when smaller."""
    if single_trip(vt) and vt.max_collected_m3 is not None:
        return min(vt.capacity_m3, vt.max_collected_m3)
    return vt.capacity_m3


def _dimensions(problem: Problem, stops: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Integer ``(clients x dims)`` pickups and ``(types x dims)`` capacities; see the module docstring."""
    p = problem
    types = p.vehicle_types
    n = len(stops)
    kg_caps = [
        min(vt.capacity_kg, vt.max_collected_kg or math.inf) if single_trip(vt) else vt.capacity_kg for vt in types
    ]
    weights = [p.stops[i].weight_kg for i in stops]
    finite = [c for c in kg_caps if math.isfinite(c)]
    whole = all(abs(v - round(v)) <= 1e-9 * max(1.0, abs(v)) for v in weights + finite)
    kg_scale = 1 if whole else 1000
    columns: list[list[int]] = [[math.ceil(w * kg_scale - 1e-9) for w in weights]]
    big = sum(columns[0]) + 1
    caps: list[list[int]] = [[min(big, math.floor(c * kg_scale + 1e-9)) if math.isfinite(c) else big for c in kg_caps]]
    ratios = sorted({vt.compaction_ratio for vt in types if vt.count > 0 and math.isfinite(vt.capacity_m3)})
    for ratio in ratios:
        litres = [
            math.ceil(1000 * p.stops[i].volume_m3 / max(ratio, p.stops[i].compaction_ratio) - 1e-9) for i in stops
        ]
        big_l = sum(litres) + 1
        columns.append(litres)
        caps.append(
            [
                min(big_l, math.floor(1000 * _body_m3(vt) + 1e-9))
                if vt.compaction_ratio == ratio and math.isfinite(vt.capacity_m3)
                else big_l
                for vt in types
            ]
        )
    stream_of = [p.stops[i].stream for i in stops]
    for stream in sorted(set(stream_of)):
        if all(stream in vt.streams for vt in types if vt.count > 0):
            continue
        columns.append([int(s == stream) for s in stream_of])
        caps.append([n + 1 if stream in vt.streams else 0 for vt in types])
    if any(vt.max_stops is not None for vt in types):
        columns.append([1] * n)
        caps.append([min(n + 1, vt.max_stops) if vt.max_stops is not None else n + 1 for vt in types])
    pickup = np.array(columns, dtype=np.int64).T.reshape(n, len(columns))
    return pickup, np.array(caps, dtype=np.int64).T


def must_go_prize(problem: Problem, scale: int) -> int:
    """Prize of a must-go bin in the ``prize`` variant: more than the costliest route a truck could drive (scaled)."""
    longest_s = max((vt.shift_end_s - vt.shift_start_s for vt in problem.vehicle_types), default=0)
    top_km = float(problem.distance_m.max(initial=0)) / 1000 * (problem.num_stops + 2)
    route = max(
        (vt.fixed_cost + vt.cost_per_km * top_km + vt.cost_per_h * longest_s / 3600 for vt in problem.vehicle_types),
        default=1.0,
    )
    return int(min(2**40, max(1.0, 10 * route) * scale))


def build_model(
    problem: Problem, must_go: MustGo = "required", *, shorten_s: dict[int, int] | None = None
) -> PyvrpModel:
    """PyVRP data for ``problem``.

    Parameters
    ----------
    problem
        The day.
    must_go
        ``"required"`` or ``"prize"`` (see the module docstring).
    shorten_s
        Seconds to take off the end of each problem type's shift (its driver break), by type index.
    """
    import pyvrp

    p = problem
    scale = cost_scale(p)
    left: list[Unserved] = []
    clients: list[int] = []
    for i, stop in enumerate(p.stops):
        reason = unservable_reason(p, i)
        if reason is None:
            clients.append(i)
        elif stop.mandatory:
            left.append(Unserved(i, *reason))
    pickup, caps = _dimensions(p, clients)
    n_dep, n_sites = len(p.depots), len(p.disposal_sites)
    depots = [pyvrp.Depot(location=d.location, tw_early=d.opens_s, tw_late=d.closes_s, name=d.id) for d in p.depots]
    depots += [
        pyvrp.Depot(
            location=d.location,
            tw_early=d.opens_s,
            tw_late=d.closes_s - d.unload_s,
            service_duration=d.unload_s,
            name=d.id,
        )
        for d in p.disposal_sites
    ]
    big_prize = must_go_prize(p, scale)
    pv_clients = [
        pyvrp.Client(
            location=p.stops[i].location,
            pickup=pickup[c].tolist(),
            service_duration=p.stops[i].service_s,
            tw_early=p.stops[i].tw_start_s,
            tw_late=p.stops[i].tw_end_s,
            release_time=p.stops[i].release_s,
            prize=(big_prize if must_go == "prize" else 0)
            if p.stops[i].mandatory
            else round(p.stops[i].penalty * scale),
            required=p.stops[i].mandatory and must_go == "required",
            name=p.stops[i].id,
        )
        for c, i in enumerate(clients)
    ]
    copies: dict[int, int] = {}
    types: list[Any] = []
    maps: list[TypeMap] = []
    can_reload = reloads_matter(p)
    for t, vt in enumerate(p.vehicle_types):
        site = final_site(p, t)
        if vt.count == 0 or site is None:
            continue
        away = home_site(p, t) is None
        end_pv = p.depot_index(vt.return_depot)
        fixed = vt.fixed_cost
        late = min(vt.latest_return_s, p.depots[end_pv].closes_s) - (shorten_s or {}).get(t, 0)
        duration = vt.max_duration_s
        if away:
            d = p.disposal_sites[site]
            home = p.depots[end_pv]
            drive_s = int(p.duration_s[d.location, home.location])
            tail_s = d.unload_s + drive_s
            fixed += (
                vt.cost_per_h * tail_s / 3600 + vt.cost_per_km * int(p.distance_m[d.location, home.location]) / 1000
            )
            late = min(late - tail_s, d.closes_s - d.unload_s)
            duration = None if duration is None else duration - tail_s
            if site not in copies:
                copies[site] = n_dep + n_sites + len(copies)
                depots.append(pyvrp.Depot(location=d.location, tw_early=d.opens_s, tw_late=d.closes_s - d.unload_s))
            end_pv = copies[site]
        early = max(vt.shift_start_s, p.depots[p.depot_index(vt.start_depot)].opens_s)
        reloads = [n_dep + k for k, d in enumerate(p.disposal_sites) if vt.streams <= d.streams]
        if single_trip(vt) or not can_reload or vt.max_stops is not None:
            reloads = []
        extra: dict[str, Any] = {"reload_depots": reloads}
        if not reloads:
            extra["max_reloads"] = 0
        if duration is not None:
            extra["shift_duration"] = max(0, duration - (shorten_s or {}).get(t, 0))
        types.append(
            pyvrp.VehicleType(
                num_available=vt.count,
                capacity=caps[t].tolist(),
                start_depot=p.depot_index(vt.start_depot),
                end_depot=end_pv,
                fixed_cost=round(fixed * scale),
                tw_early=early,
                tw_late=max(early, late),
                unit_distance_cost=round(vt.cost_per_km / 1000 * scale),
                unit_duration_cost=round(vt.cost_per_h / 3600 * scale),
                name=str(t),
                **extra,
            )
        )
        maps.append(TypeMap(t, site, away))
    locations = [pyvrp.Location(x=0, y=0) for _ in range(p.num_locations)]
    if p.coords_deg is not None:
        locations = [pyvrp.Location(x=float(lon), y=float(lat)) for lat, lon in p.coords_deg]
    data = pyvrp.ProblemData(
        locations=locations,
        clients=pv_clients,
        depots=depots,
        vehicle_types=types,
        distance_matrices=[np.asarray(p.distance_m)],
        duration_matrices=[np.asarray(p.duration_s)],
    )
    return PyvrpModel(data, scale, tuple(clients), n_dep, tuple(maps), tuple(left))


def usable_types(problem: Problem) -> list[VehicleType]:
    """The vehicle types a model can use: trucks available and a final site that fits their shift."""
    return [vt for t, vt in enumerate(problem.vehicle_types) if vt.count > 0 and final_site(problem, t) is not None]
