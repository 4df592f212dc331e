"""Complete a road table from OSRM where the engine cannot be trusted: far-off points and unroutable pairs.

OSRM moves every point to the nearest routable road before routing and reports how far it moved it (the
``distance`` of each source and destination, m). A point farther than ``max_snap_m`` from any road, typically a bin
outside the extract, would otherwise be routed from a road that may lie kilometres away, so its rows and columns get
the straight-line estimate instead: great-circle distance times a circuity factor, driven at a speed, both
*calibrated* on the pairs the engine did route between well-snapped points (the median road-over-straight ratio and
the median road speed). The same estimate fills pairs the engine cannot route at all (a one-way island, a
disconnected part of the extract) and pairs it answers with a negative distance or time. The in-process engine
and the HTTP server share this step, so the two providers give the same table for the same points.
"""

from __future__ import annotations

import numpy as np

from routing.matrix import DEFAULT_CIRCUITY, DEFAULT_SPEED_KPH, Matrices, haversine_m

#: A point farther than this from any road (m) is left to the straight-line estimate. A bin stands at the kerb, so a
#: correct point snaps within a few tens of metres; 250 m allows for a bin set back in a yard or a parking lot.
DEFAULT_MAX_SNAP_M = 250.0
#: Pairs closer than this (m) in a straight line say little about circuity (snapping noise dominates).
_MIN_CALIBRATION_M = 100.0


def complete_road_tables(
    coords: np.ndarray,
    dist: np.ndarray,
    dur: np.ndarray,
    snap_m: np.ndarray,
    provider: str,
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> Matrices:
    """Matrices from raw engine tables: far-off points and unroutable pairs get the calibrated straight line.

    Parameters
    ----------
    coords
        ``(n, 2)`` latitude, longitude (degrees), already checked.
    dist, dur
        ``(n, n)`` road distance (m) and time (s) as the engine answered, NaN where it found no route; changed in
        place.
    snap_m
        Each point's distance to the road it was moved to (m); NaN where unknown.
    provider
        Name kept in the result (``"osrm"`` or ``"osrm-local"``).
    max_snap_m
        A point farther than this from the nearest road gets the straight-line estimate.

    Returns
    -------
    Matrices
        ``unreachable`` counts the estimated pairs, ``fallback_points`` the far-off points, ``circuity`` the factor.
    """
    if max_snap_m <= 0:
        msg = f"max_snap_m={max_snap_m} must be > 0"
        raise ValueError(msg)
    far = snap_m > max_snap_m  # NaN compares False: an unknown snap is trusted
    # OSRM answers a slightly negative distance when two points snap onto one segment with the target behind the
    # source (seen on bins outside an extract that snap to its edge): such a pair is no route, so it is estimated.
    routed = ~(far[:, None] | far[None, :]) & np.isfinite(dist) & np.isfinite(dur) & (dist >= 0) & (dur >= 0)
    np.fill_diagonal(routed, True)
    lat, lon = coords[:, 0], coords[:, 1]
    straight = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    circuity, speed_ms = calibrate(straight, dist, dur, routed)
    estimated = ~routed
    dist[estimated] = straight[estimated] * circuity
    dur[estimated] = dist[estimated] / speed_ms
    np.fill_diagonal(dist, 0)
    np.fill_diagonal(dur, 0)
    return Matrices(
        np.rint(dist).astype(np.int64),
        np.rint(dur).astype(np.int64),
        provider,
        int(estimated.sum()),
        snap_m=snap_m,
        fallback_points=int(far.sum()),
        circuity=circuity,
    )


def calibrate(
    straight_m: np.ndarray, road_m: np.ndarray, road_s: np.ndarray, routed: np.ndarray
) -> tuple[float, float]:
    """Circuity (road m per straight m) and speed (m/s) of the routed pairs: medians, robust to a few odd routes.

    Only off-diagonal pairs at least 100 m apart count. Without any, the defaults of :mod:`routing.matrix` are used
    (circuity 1.3, 25 km/h).
    """
    ok = routed & (straight_m >= _MIN_CALIBRATION_M) & (road_s > 0)
    np.fill_diagonal(ok, False)
    if not ok.any():
        return DEFAULT_CIRCUITY, DEFAULT_SPEED_KPH / 3.6
    circuity = max(1.0, float(np.median(road_m[ok] / straight_m[ok])))
    speed_ms = float(np.median(road_m[ok] / road_s[ok]))
    return circuity, speed_ms
