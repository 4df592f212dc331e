"""Tiny hand-checkable problems: places on a plane, metres apart, driven at 10 m/s."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from routing.problem import Depot, DisposalSite, Problem, Stop, VehicleType

H = 3600
#: Driving speed of the test problems (m/s): 1 km takes 100 s.
SPEED_M_S = 10


def matrices(xy_m: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distances (m) and times (s) at :data:`SPEED_M_S` between points given in metres."""
    pts = np.asarray(xy_m, dtype=float)
    dist = np.rint(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    return dist, np.rint(dist / SPEED_M_S).astype(np.int64)


def truck(**changes: object) -> VehicleType:
    """One general-waste truck at depot D: 1,000 kg, 10 m3, 06:00-14:00, 1 per km, 36 per hour."""
    base = VehicleType(
        name="truck",
        count=1,
        capacity_kg=1000,
        capacity_m3=10,
        shift_start_s=6 * H,
        shift_end_s=14 * H,
        start_depot="D",
        fixed_cost=100,
        cost_per_km=1.0,
        cost_per_h=36.0,
        streams=frozenset({"general"}),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def problem(
    stops_xy: list[tuple[float, float]],
    stops: list[dict[str, object]] | None = None,
    *,
    vehicle_types: tuple[VehicleType, ...] | None = None,
    depots_xy: tuple[tuple[float, float], ...] = ((0, 0),),
    sites: tuple[tuple[float, float, dict[str, object]], ...] = ((0, 5000, {}),),
) -> Problem:
    """Depots ``D``, ``D2``, ... then disposal sites ``L``, ``L2``, ... then stops ``S0``, ``S1``, ... at the points.

    Each stop defaults to 200 kg, 0.5 m3, 60 s of service, general waste, must-go; ``stops[i]`` overrides fields.
    Each site defaults to 06:00-18:00, 300 s to unload, general waste.
    """
    xy = list(depots_xy) + [(x, y) for x, y, _ in sites] + list(stops_xy)
    dist, dur = matrices(xy)
    depots = tuple(Depot("D" if i == 0 else f"D{i + 1}", i) for i in range(len(depots_xy)))
    n_dep = len(depots)
    site_objs = []
    for k, (_, _, extra) in enumerate(sites):
        fields = {"opens_s": 6 * H, "closes_s": 18 * H, "unload_s": 300, "streams": frozenset({"general"})}
        fields |= extra
        site_objs.append(DisposalSite("L" if k == 0 else f"L{k + 1}", n_dep + k, **fields))  # type: ignore[arg-type]
    first = n_dep + len(sites)
    stop_objs = []
    for i in range(len(stops_xy)):
        fields = {"weight_kg": 200.0, "volume_m3": 0.5, "service_s": 60}
        fields |= (stops or [{}] * len(stops_xy))[i] if stops else {}
        stop_objs.append(Stop(f"S{i}", first + i, **fields))  # type: ignore[arg-type]
    return Problem(
        depots,
        tuple(site_objs),
        tuple(stop_objs),
        vehicle_types if vehicle_types is not None else (truck(),),
        dist,
        dur,
        name="test",
    )
