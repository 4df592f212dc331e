"""Write a :class:`~routing.problem.Problem` as a VRPLIB instance, in the dialect of PyVRP's instance collection.

The file follows the conventions of the multi-trip family (``MTVRPTWR``) of PyVRP's instances, so that the ``vrplib``
package reads it and PyVRP solves it with reloads, and other solvers can benchmark on our cities:

* Nodes, numbered from 1: the depots, then the disposal sites (both listed in ``DEPOT_SECTION``: PyVRP wants every
  depot and reload point in the lowest indices), then the stops.
* ``EDGE_WEIGHT_SECTION`` (``EXPLICIT``, ``FULL_MATRIX``) holds driving *times* in seconds, the unit of the time
  windows, because VRPLIB readers take edge weights as both distance and duration. Road distances in metres follow
  in ``DISTANCE_SECTION``, an extension readers may ignore.
* ``DEMAND_SECTION`` has two columns: kg (rounded up) and litres of body volume (rounded up), the waste of each stop
  packed at the strongest packer of the fleet, ``R``. ``CAPACITY_SECTION`` gives each vehicle its payload (kg) and
  ``capacity_m3 * ratio / R`` litres (rounded down), which is exact for plain bins and errs on the safe side for
  compactor bins on trucks with a weaker packer. As in ``MTVRPTWR``, demands are written as deliveries: the loads
  between two reloads are the same as those of a collection route between two unloadings.
* ``SERVICE_TIME_SECTION``: emptying time of each bin, unloading time of each site.
* ``TIME_WINDOW_SECTION``: start-of-service windows of stops; for a site, the times an unloading may start; for a
  depot, the earliest departure and latest return of the trucks based there (PyVRP gives a vehicle its depot's
  window).
* ``PRIZE_SECTION``: zero for must-go stops (required, PyVRP's convention), else the penalty in seconds of truck time at
  the fleet's average cost per hour (at least 1). ``VEHICLES_FIXED_COST_SECTION`` uses the same conversion.
* One row per vehicle: ``VEHICLES_DEPOT_SECTION``, ``VEHICLES_RELOAD_DEPOT_SECTION`` (the sites that accept every
  stream it collects, else any of them), ``VEHICLES_MAX_DURATION_SECTION`` (shift length or maximum duration), and,
  when streams restrict them, ``VEHICLES_ALLOWED_CLIENTS_SECTION``; driver breaks, if any, in the extension
  ``VEHICLES_BREAK_SECTION`` (earliest start, latest start, duration, in seconds; zeros for none).

Daily limits on bins or collected waste per truck are not written.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from routing.problem import Problem


def export_vrplib(problem: Problem, path: str | Path, *, name: str | None = None) -> Path:
    """Write ``problem`` to ``path`` in VRPLIB form (see the module docstring) and return the path.

    Parameters
    ----------
    problem
        The problem to write.
    path
        File to write (``.vrp`` by custom).
    name
        Instance name; ``problem.name`` (or the file's stem) by default.
    """
    path = Path(path)
    p = problem
    nodes = [d.location for d in p.depots] + [d.location for d in p.disposal_sites] + [s.location for s in p.stops]
    n_dep, n_site = len(p.depots), len(p.disposal_sites)
    first_stop = n_dep + n_site
    vehicles = p.vehicles()
    types = p.vehicle_types
    strongest = max((vt.compaction_ratio for vt in types), default=1.0)
    hourly = sum(vt.cost_per_h * vt.count for vt in types) / max(1, p.num_vehicles)
    per_s = hourly / 3600 if hourly > 0 else 1.0
    idx = np.asarray(nodes)
    duration = p.duration_s[np.ix_(idx, idx)]
    distance = p.distance_m[np.ix_(idx, idx)]

    demand = [(0, 0)] * first_stop + [
        (math.ceil(s.weight_kg), math.ceil(1000 * s.volume_m3 / max(strongest, s.compaction_ratio))) for s in p.stops
    ]
    total_kg = sum(d[0] for d in demand) + 1
    total_l = sum(d[1] for d in demand) + 1

    def capacity(t: int) -> tuple[int, int]:
        vt = types[t]
        kg = total_kg if not math.isfinite(vt.capacity_kg) else math.floor(vt.capacity_kg)
        litres = vt.capacity_m3 * 1000 * vt.compaction_ratio / strongest
        return kg, total_l if not math.isfinite(litres) else math.floor(litres)

    windows = []
    for d in p.depots:
        based = [vt for vt in types if d.id in (vt.start_depot, vt.return_depot)]
        early = max(d.opens_s, min((vt.shift_start_s for vt in based), default=d.opens_s))
        late = min(d.closes_s, max((vt.latest_return_s for vt in based), default=d.closes_s))
        windows.append((early, max(early, late)))
    windows += [(d.opens_s, d.closes_s - d.unload_s) for d in p.disposal_sites]
    windows += [(s.tw_start_s, s.tw_end_s) for s in p.stops]
    service = [0] * n_dep + [d.unload_s for d in p.disposal_sites] + [s.service_s for s in p.stops]
    prizes = [0] * first_stop + [0 if s.mandatory else max(1, round(s.penalty / per_s)) for s in p.stops]

    lines = [
        f"NAME: {name or p.name or path.stem}",
        "COMMENT: waste collection day; edge weights are driving times (s); demands kg and litres; see DISTANCE (m)",
        "TYPE: MTVRPTWR",
        f"DIMENSION: {len(nodes)}",
        f"VEHICLES: {len(vehicles)}",
        "EDGE_WEIGHT_TYPE: EXPLICIT",
        "EDGE_WEIGHT_FORMAT: FULL_MATRIX",
    ]
    if p.coords_deg is not None:
        coords = p.coords_deg[idx]
        lines.append("NODE_COORD_SECTION")
        lines += [f"{i + 1}\t{lon:.6f}\t{lat:.6f}" for i, (lat, lon) in enumerate(coords)]
    lines.append("EDGE_WEIGHT_SECTION")
    lines += ["\t".join(map(str, row)) for row in duration.tolist()]
    lines.append("DISTANCE_SECTION")
    lines += [f"{i + 1}\t" + "\t".join(map(str, row)) for i, row in enumerate(distance.tolist())]
    lines += _section("DEMAND", demand)
    lines += _section("CAPACITY", [capacity(t) for t, _ in vehicles])
    lines += _section("SERVICE_TIME", [(s,) for s in service])
    lines += _section("TIME_WINDOW", windows)
    if any(not s.mandatory for s in p.stops):
        lines += _section("PRIZE", [(x,) for x in prizes])
    lines += _section("VEHICLES_DEPOT", [(p.depot_index(types[t].start_depot) + 1,) for t, _ in vehicles])
    lines += _section("VEHICLES_RELOAD_DEPOT", [tuple(_reload_sites(p, t)) for t, _ in vehicles])
    durations = [
        (min(types[t].shift_end_s - types[t].shift_start_s, types[t].max_duration_s or math.inf),) for t, _ in vehicles
    ]
    lines += _section("VEHICLES_MAX_DURATION", durations)
    lines += _section("VEHICLES_FIXED_COST", [(round(types[t].fixed_cost / per_s),) for t, _ in vehicles])
    allowed = [
        tuple(first_stop + i + 1 for i, s in enumerate(p.stops) if s.stream in types[t].streams) for t, _ in vehicles
    ]
    if any(len(a) != len(p.stops) for a in allowed):
        lines += _section("VEHICLES_ALLOWED_CLIENTS", [a or (0,) for a in allowed])
    if any(vt.driver_break for vt in types):
        breaks = []
        for t, _ in vehicles:
            b = types[t].driver_break
            breaks.append((b.earliest_start_s, b.latest_start_s, b.duration_s) if b else (0, 0, 0))
        lines += _section("VEHICLES_BREAK", breaks)
    lines += ["DEPOT_SECTION", *[str(i + 1) for i in range(first_stop)], "-1", "EOF"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _reload_sites(problem: Problem, t: int) -> list[int]:
    """1-based node numbers of the disposal sites a truck of type ``t`` may unload at."""
    streams = problem.vehicle_types[t].streams
    offset = len(problem.depots) + 1
    full = [offset + k for k, d in enumerate(problem.disposal_sites) if streams <= d.streams]
    return full or [offset + k for k, d in enumerate(problem.disposal_sites) if streams & d.streams]


def _section(title: str, rows: list[tuple[int | float, ...]]) -> list[str]:
    return [f"{title}_SECTION", *(f"{i + 1}\t" + "\t".join(str(int(v)) for v in row) for i, row in enumerate(rows))]
