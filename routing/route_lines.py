"""Street geometry of planned routes from OSRM, so that the map shows routes along the streets.

Each leg (one visit to the next) is asked of the in-process engine, or of an OSRM server, separately: a leg whose
end lies farther than :data:`routing.road_fallback.DEFAULT_MAX_SNAP_M` from any road of the extract (a landfill
outside it, say) is drawn as a straight line, as its travel time was costed, rather than along a road the engine
would snap it to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path

from routing.matrix import _get_json
from routing.osrm_local import _engine, engine_dataset
from routing.road_fallback import DEFAULT_MAX_SNAP_M
from waste.errors import ConfigError


def street_line(
    dataset: Path, lonlat: Sequence[tuple[float, float]], *, max_snap_m: float = DEFAULT_MAX_SNAP_M
) -> list[list[float]]:
    """The polyline (longitude, latitude pairs) through ``lonlat`` in order, along the streets where it can.

    Raises
    ------
    ConfigError
        When OSRM is not installed or the dataset is missing.
    """
    import osrm  # optional dependency; _engine has said so clearly if it is missing

    engine = _engine(str(engine_dataset(dataset)))

    def leg(a: tuple[float, float], b: tuple[float, float]) -> dict:
        params = osrm.RouteParameters(coordinates=[a, b], geometries="geojson", overview="full")
        try:
            return engine.Route(params)  # type: ignore[attr-defined]
        except RuntimeError as exc:
            # Two places in parts of the extract no road joins (a city larger than its extract): a straight leg,
            # as the matrix costed it; the server's answer is read the same way in street_line_http.
            if "NoRoute" in str(exc) or "NoSegment" in str(exc):
                return {"code": "NoRoute"}
            msg = f"the OSRM engine failed on a route leg: {exc}"
            raise ConfigError(msg) from exc

    return _join_legs(lonlat, leg, max_snap_m)


def street_line_http(
    url: str,
    lonlat: Sequence[tuple[float, float]],
    *,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    profile: str = "driving",
    timeout_s: float = 30.0,
) -> list[list[float]]:
    """As :func:`street_line`, from the ``/route`` service of an OSRM server at ``url``.

    Raises
    ------
    ConfigError
        When the server cannot be reached or answers with an error other than "no route".
    """
    base = url.rstrip("/")

    def leg(a: tuple[float, float], b: tuple[float, float]) -> dict:
        query = (
            f"{base}/route/v1/{profile}/{a[0]:.6f},{a[1]:.6f};{b[0]:.6f},{b[1]:.6f}?geometries=geojson&overview=full"
        )
        try:
            return _get_json(query, timeout_s)
        except ConfigError as exc:
            if "NoRoute" in str(exc) or "NoSegment" in str(exc):
                return {"code": "NoRoute"}
            raise

    return _join_legs(lonlat, leg, max_snap_m)


def _join_legs(
    lonlat: Sequence[tuple[float, float]],
    leg: Callable[[tuple[float, float], tuple[float, float]], dict],
    max_snap_m: float,
) -> list[list[float]]:
    """One polyline from the legs' geometries; a leg without a route or with a far-off end is a straight segment."""
    line: list[list[float]] = [list(map(float, lonlat[0]))] if lonlat else []
    for a, b in pairwise(lonlat):
        if a == b:
            continue
        answer = leg(a, b)
        snapped = answer["code"] == "Ok" and all(float(w["distance"]) <= max_snap_m for w in answer["waypoints"])
        if snapped:
            points = [[float(x), float(y)] for x, y in answer["routes"][0]["geometry"]["coordinates"]]
            line += [[float(a[0]), float(a[1])], *points, [float(b[0]), float(b[1])]]
        else:
            line.append([float(b[0]), float(b[1])])
    return line
