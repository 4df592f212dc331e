"""Districts of a city, for reports: named polygons read from ``districts.geojson`` beside the city's files.

Each Feature has a Polygon or MultiPolygon geometry (longitude-latitude) and a ``district`` property. A point in no
district is reported as ``outside``. The sample cities' districts are synthetic (a centre and four quadrants around
the city centre, see the files' ``source`` property): load real boundaries in their place with the same shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from waste.errors import ConfigError, InputError
from waste.paths import city_dir

#: The name given to a point that lies in no district.
OUTSIDE = "outside"


@dataclass(frozen=True, slots=True, eq=False)
class Districts:
    """Named district polygons, tested in order (the first that holds a point names it)."""

    names: tuple[str, ...]
    areas: tuple[Any, ...]

    def of(self, lat: np.ndarray | float, lon: np.ndarray | float) -> np.ndarray:
        """District name of each point (degrees); :data:`OUTSIDE` where none holds it."""
        lat, lon = np.atleast_1d(np.asarray(lat, float)), np.atleast_1d(np.asarray(lon, float))
        out = np.full(lat.shape, OUTSIDE, dtype=object)
        free = np.ones(lat.shape, bool)
        for name, area in zip(self.names, self.areas, strict=True):
            inside = free & shapely.intersects_xy(area, lon, lat)
            out[inside] = name
            free &= ~inside
        return out


def read_districts(path: Path) -> Districts:
    """Districts of a GeoJSON FeatureCollection.

    Raises
    ------
    InputError
        Naming the file, the feature and the field at fault.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read GeoJSON: {exc}", file=str(path)) from exc
    names, areas = [], []
    for n, feature in enumerate(data.get("features") or [], start=1):
        name = str((feature.get("properties") or {}).get("district") or "").strip()
        if not name:
            raise InputError("required", file=str(path), row=n, field="district")
        try:
            area = shape(feature.get("geometry") or {})
        except (AttributeError, ValueError, TypeError, shapely.errors.GEOSException) as exc:
            raise InputError(f"not a GeoJSON geometry: {exc}", file=str(path), row=n, field="geometry") from None
        if area.geom_type not in ("Polygon", "MultiPolygon") or not area.is_valid:
            raise InputError("must be a valid Polygon or MultiPolygon", file=str(path), row=n, field="geometry")
        shapely.prepare(area)
        names.append(name)
        areas.append(area)
    return Districts(tuple(names), tuple(areas))


def city_districts(city: str) -> Districts:
    """A sample city's districts; none (everything ``outside``) when the city has no ``districts.geojson``."""
    try:
        path = city_dir(city) / "districts.geojson"
    except ConfigError:  # a city loaded from elsewhere has no sample folder: no districts, not an error
        return Districts((), ())
    return read_districts(path) if path.is_file() else Districts((), ())
