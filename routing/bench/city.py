"""Read back a city day that :func:`routing.vrplib.export_vrplib` wrote, as a :class:`~routing.problem.Problem`.

The file keeps the structure of the day (depots, disposal sites, stops, trucks, windows, loads, reload sites,
maximum durations, breaks, which trucks may collect which bins) but not its prices: penalties and fixed costs are
written in seconds of truck time. The problem read back therefore costs one unit per second of route duration, plus
the fixed costs and penalties in the same seconds: the truck time of the day. Streams are rebuilt from the allowed
clients: bins allowed to the same trucks share a stream, and a site accepts the streams of the trucks that reload
there. Volumes are the litres of the file (already packed at the fleet's strongest packer).
"""

from __future__ import annotations

import math

import numpy as np

from routing.bench.errors import BenchInputError
from routing.problem import Break, Depot, DisposalSite, Problem, Stop, VehicleType


def _rows(data: dict, key: str, vehicles: int, default: object) -> list:
    value = data.get(key)
    if value is None:
        return [default] * vehicles
    if np.isscalar(value):
        return [value] * vehicles
    return [np.atleast_1d(v).tolist() if not np.isscalar(v) else v for v in value]


def problem_from_city(data: dict, name: str) -> Problem:
    """The problem of an exported city day (as ``vrplib.read_instance`` returns it); see the module docstring.

    Raises
    ------
    BenchInputError
        When sections the export always writes are missing.
    """
    try:
        n = int(data["dimension"])
        vehicles = int(data["vehicles"])
        depot_nodes = [int(d) for d in np.atleast_1d(data["depot"])]
        veh_depot = [int(d) - 1 for d in np.atleast_1d(data["vehicles_depot"])]
        demand = np.asarray(data["demand"]).reshape(n, -1)
        capacity = np.asarray(data["capacity"]).reshape(vehicles, -1)
        windows = np.asarray(data["time_window"], dtype=np.int64)
    except KeyError as exc:
        msg = f"{name}: section {exc} missing from a city instance"
        raise BenchInputError(msg) from exc
    service = np.broadcast_to(np.asarray(data.get("service_time", 0), dtype=np.int64), n)
    reloads = [[int(k) - 1 for k in row] for row in _rows(data, "vehicles_reload_depot", vehicles, [])]
    reloads = [r if isinstance(r, list) else [r] for r in reloads]
    max_dur = [int(v) for v in _rows(data, "vehicles_max_duration", vehicles, 0)]
    fixed = [float(v) for v in _rows(data, "vehicles_fixed_cost", vehicles, 0)]
    breaks = _rows(data, "vehicles_break", vehicles, [0, 0, 0])
    first_stop = len(depot_nodes)
    stop_nodes = range(first_stop, n)
    allowed_rows = data.get("vehicles_allowed_clients")
    allowed = (
        [frozenset(int(c) - 1 for c in np.atleast_1d(row)) for row in allowed_rows]
        if allowed_rows is not None
        else [frozenset(stop_nodes)] * vehicles
    )
    # A stream per set of vehicles allowed at a bin.
    signature = {c: tuple(v for v in range(vehicles) if c in allowed[v]) for c in stop_nodes}
    names = {
        sig: ("general" if i == 0 else f"stream{i + 1}") for i, sig in enumerate(dict.fromkeys(signature.values()))
    }
    stream_of = {c: names[signature[c]] for c in stop_nodes}
    depots = sorted(set(veh_depot))
    sites = [d for d in depot_nodes if d not in depots]
    prize = np.broadcast_to(np.asarray(data.get("prize", 0)), n)
    stops = tuple(
        Stop(
            id=str(c),
            location=c,
            weight_kg=float(demand[c, 0]),
            volume_m3=float(demand[c, 1]) / 1000 if demand.shape[1] > 1 else 0.0,
            service_s=int(service[c]),
            tw_start_s=int(windows[c, 0]),
            tw_end_s=int(windows[c, 1]),
            stream=stream_of[c],
            mandatory=bool(prize[c] == 0),
            penalty=float(prize[c]),
        )
        for c in stop_nodes
    )
    groups: dict[tuple, int] = {}
    for v in range(vehicles):
        streams = frozenset(stream_of[c] for c in allowed[v] if c in stream_of) or frozenset({"general"})
        brk = tuple(int(x) for x in np.atleast_1d(breaks[v]))
        cap = tuple(float(x) for x in capacity[v])
        key = (veh_depot[v], cap, max_dur[v], fixed[v], streams, brk, tuple(reloads[v]))
        groups[key] = groups.get(key, 0) + 1
    accepts: dict[int, set[str]] = {s: set() for s in sites}
    types = []
    for t, ((depot, cap, duration, fix, streams, brk, reload), count) in enumerate(groups.items()):
        early, late = int(windows[depot, 0]), int(windows[depot, 1])
        for s in reload:
            accepts.setdefault(s, set()).update(streams)
        types.append(
            VehicleType(
                name=f"type{t + 1}",
                count=count,
                capacity_kg=cap[0],
                capacity_m3=cap[1] / 1000 if len(cap) > 1 else math.inf,
                shift_start_s=early,
                shift_end_s=late,
                start_depot=str(depot),
                fixed_cost=fix,
                cost_per_h=3600.0,  # one unit per second of route duration
                streams=streams,
                max_duration_s=duration if 0 < duration < late - early else None,
                driver_break=Break(brk[2], brk[0], brk[1]) if len(brk) == 3 and brk[2] > 0 else None,
            )
        )
    site_objs = tuple(
        DisposalSite(
            id=str(s),
            location=s,
            opens_s=int(windows[s, 0]),
            closes_s=int(windows[s, 1]) + int(service[s]),
            unload_s=int(service[s]),
            streams=frozenset(accepts.get(s) or {"general"}),
        )
        for s in sites
    )
    coords = data.get("node_coord")
    return Problem(
        depots=tuple(Depot(str(d), d, int(windows[d, 0]), int(windows[d, 1])) for d in depots),
        disposal_sites=site_objs,
        stops=stops,
        vehicle_types=tuple(types),
        distance_m=np.asarray(data["distance"], dtype=np.int64),
        duration_s=np.asarray(data["edge_weight"], dtype=np.int64),
        coords_deg=None if coords is None else np.asarray(coords, dtype=float)[:, ::-1],
        name=name,
    )
