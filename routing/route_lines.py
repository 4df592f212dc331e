"""Street geometry of planned routes from OSRM, so that the map shows routes along the streets.

Each leg (one visit to the next) is asked of the in-process engine separately: a leg whose end lies farther than
:data:`routing.road_fallback.DEFAULT_MAX_SNAP_M` from any road of the extract (a landfill outside it, say) is drawn
as a straight line, as its travel time was costed, rather than along a road the engine would snap it to.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

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
    line: list[list[float]] = [list(map(float, lonlat[0]))] if lonlat else []
    for a, b in pairwise(lonlat):
        if a == b:
            continue
        params = osrm.RouteParameters(coordinates=[a, b], geometries="geojson", overview="full")
        try:
            answer = engine.Route(params)  # type: ignore[attr-defined]
        except RuntimeError as exc:
            msg = f"the OSRM engine failed on a route leg: {exc}"
            raise ConfigError(msg) from exc
        snapped = answer["code"] == "Ok" and all(float(w["distance"]) <= max_snap_m for w in answer["waypoints"])
        if snapped:
            points = [[float(x), float(y)] for x, y in answer["routes"][0]["geometry"]["coordinates"]]
            line += [[float(a[0]), float(a[1])], *points, [float(b[0]), float(b[1])]]
        else:
            line.append([float(b[0]), float(b[1])])
    return line
