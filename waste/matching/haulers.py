"""Haulers: the city's own fleet and independent haulers, each with a service area, streams, trucks and prices.

Haulers are read from a GeoJSON FeatureCollection (``sample_data/<city>/haulers.geojson``): one Feature per hauler,
its geometry the service area (Polygon or MultiPolygon, longitude-latitude as GeoJSON says), its properties the
fields of :data:`HAULER_FIELDS`. Lists (streams, containers, working days) are ``;``-separated text or JSON arrays.

Price list (the hauler's currency): ``price_per_pickup`` per stop, ``price_per_m3`` of loose volume,
``price_per_tonne`` of estimated weight, and ``price_per_km_outside`` per road km from the depot beyond
``base_radius_km``. Costs to the hauler itself (for the marginal cost of a stop): ``truck_day_cost`` per truck used,
``cost_per_km``, ``cost_per_h``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import shape
from sqlalchemy import delete, select

from waste.errors import InputError
from waste.matching import tables
from waste.matching.model import CONTAINERS, STREAMS
from waste.store import Store

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Property -> (type, required). Numbers must be >= 0; clock times are HH:MM.
HAULER_FIELDS: dict[str, tuple[type, bool]] = {
    "hauler_id": (str, True),
    "name": (str, True),
    "kind": (str, True),
    "streams": (list, True),
    "containers": (list, True),
    "depot_lat": (float, True),
    "depot_lon": (float, True),
    "disposal_lat": (float, True),
    "disposal_lon": (float, True),
    "trucks": (int, True),
    "truck_capacity_m3": (float, True),
    "truck_day_cost": (float, True),
    "cost_per_km": (float, True),
    "cost_per_h": (float, True),
    "shift_start": (str, True),
    "shift_end": (str, True),
    "working_days": (list, True),
    "max_pickups_per_day": (int, True),
    "currency": (str, True),
    "price_per_pickup": (float, True),
    "price_per_m3": (float, True),
    "price_per_tonne": (float, True),
    "price_per_km_outside": (float, True),
    "base_radius_km": (float, True),
    "target_share": (float, False),
    "source": (str, False),
}
HAULER_KINDS = ("city", "independent")


@dataclass(frozen=True, slots=True, eq=False)
class Hauler:
    """One hauler, ready for matching: the row of the ``haulers`` table with its area parsed."""

    row: dict[str, Any]
    area: Any  # a shapely geometry, prepared for fast point tests

    @property
    def hauler_id(self) -> str:
        """The hauler's id."""
        return str(self.row["hauler_id"])

    def __getattr__(self, name: str) -> Any:
        try:
            return self.row[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def stream_set(self) -> frozenset[str]:
        """Streams it takes."""
        return frozenset(self.row["streams"].split(";"))

    @property
    def container_set(self) -> frozenset[str]:
        """Container types it takes."""
        return frozenset(self.row["containers"].split(";"))

    def covers(self, lat: float, lon: float) -> bool:
        """Whether its service area holds the point (degrees); the boundary counts as inside."""
        return bool(shapely.intersects_xy(self.area, lon, lat))

    def works_on(self, day: str) -> bool:
        """Whether it collects on the local date ``day`` (``YYYY-MM-DD``)."""
        return WEEKDAYS[date.fromisoformat(day).weekday()] in self.row["working_days"].split(";")

    def can_take(self, stream: str, container: str) -> bool:
        """Whether it takes this stream in this container."""
        return stream in self.stream_set and container in self.container_set


def read_haulers(path: Path) -> pd.DataFrame:
    """Haulers of a GeoJSON file as a frame of the ``haulers`` table's columns (without ``city``).

    Raises
    ------
    InputError
        Naming the file, the feature (``row``, 1-based) and the field at fault.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read GeoJSON: {exc}", file=str(path)) from exc
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise InputError("expected a GeoJSON FeatureCollection", file=str(path), field="type")
    rows = [validate_hauler(f, file=str(path), row=n) for n, f in enumerate(data["features"], start=1)]
    frame = pd.DataFrame(rows)
    duplicated = frame["hauler_id"].duplicated()
    if duplicated.any():
        n = int(duplicated.to_numpy().argmax()) + 1
        raise InputError("this hauler_id appears twice", file=str(path), row=n, field="hauler_id")
    return frame


def validate_hauler(feature: dict[str, Any], *, file: str | None = None, row: int | None = None) -> dict[str, Any]:
    """One GeoJSON Feature as a clean row of the ``haulers`` table (``service_area`` as GeoJSON text)."""

    def fail(field: str, reason: str) -> InputError:
        return InputError(reason, file=file, row=row, field=field)

    props = feature.get("properties") or {}
    clean: dict[str, Any] = {}
    for name, (kind, required) in HAULER_FIELDS.items():
        value = props.get(name)
        if value is None or value == "":
            if required:
                raise fail(name, "required")
            clean[name] = None
            continue
        if kind is list:
            items = value if isinstance(value, list) else str(value).split(";")
            clean[name] = ";".join(str(v).strip().lower() for v in items if str(v).strip())
        elif kind in (int, float):
            try:
                number = kind(value)
            except (TypeError, ValueError):
                raise fail(name, f"{value!r} is not a number") from None
            if number < 0 and not name.endswith(("_lat", "_lon")):
                raise fail(name, f"{number} must be >= 0")
            clean[name] = number
        else:
            clean[name] = str(value).strip()
    for name in ("depot_lat", "disposal_lat"):
        if not -90 <= clean[name] <= 90:
            raise fail(name, f"{clean[name]} is not a latitude")
    for name in ("depot_lon", "disposal_lon"):
        if not -180 <= clean[name] <= 180:
            raise fail(name, f"{clean[name]} is not a longitude")
    if clean["kind"] not in HAULER_KINDS:
        raise fail("kind", f"{clean['kind']!r} is not one of {', '.join(HAULER_KINDS)}")
    for name, known in (("streams", STREAMS), ("containers", tuple(CONTAINERS)), ("working_days", WEEKDAYS)):
        unknown = sorted(set(clean[name].split(";")) - set(known))
        if unknown or not clean[name]:
            raise fail(name, f"unknown {', '.join(unknown) or 'empty list'}; known: {', '.join(known)}")
    for name in ("shift_start", "shift_end"):
        parts = clean[name].split(":")
        if len(parts) != 2 or not all(p.isdigit() for p in parts) or not (0 <= int(parts[0]) <= 24):
            raise fail(name, f"{clean[name]!r} is not a clock time HH:MM")
    if clean["shift_end"] <= clean["shift_start"]:
        raise fail("shift_end", "must be after shift_start (no night shifts for on-demand pickups)")
    if clean["trucks"] < 1 or clean["truck_capacity_m3"] <= 0 or clean["max_pickups_per_day"] < 1:
        raise fail("trucks", "a hauler needs at least one truck of some capacity and a daily capacity of 1 or more")
    try:
        area = shape(feature.get("geometry") or {})
    except (AttributeError, ValueError, TypeError, shapely.errors.GEOSException) as exc:
        raise fail("geometry", f"not a GeoJSON geometry: {exc}") from None
    if area.geom_type not in ("Polygon", "MultiPolygon") or area.is_empty or not area.is_valid:
        raise fail("geometry", f"the service area must be a valid Polygon or MultiPolygon, got {area.geom_type}")
    clean["service_area"] = json.dumps(feature["geometry"])
    return clean


def replace_haulers(store: Store, city: str, haulers: pd.DataFrame) -> int:
    """Replace a city's haulers in one transaction; return how many were stored."""
    records = haulers.assign(city=city).astype(object).where(haulers.assign(city=city).notna(), None)
    with store.engine.begin() as conn:
        conn.execute(delete(tables.haulers).where(tables.haulers.c.city == city))
        if len(records):
            conn.execute(tables.haulers.insert(), records.to_dict("records"))
    return len(records)


def load_haulers(store: Store, city: str | None = None) -> list[Hauler]:
    """The haulers in the store (of one city), sorted by id, with their areas parsed."""
    query = select(tables.haulers).order_by(tables.haulers.c.hauler_id)
    if city is not None:
        query = query.where(tables.haulers.c.city == city)
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    out = []
    for row in rows:
        area = shape(json.loads(row["service_area"]))
        shapely.prepare(area)
        out.append(Hauler(row, area))
    return out


def haulers_frame(store: Store, city: str | None = None) -> pd.DataFrame:
    """The haulers table as a frame, without the service area geometry."""
    rows = [h.row for h in load_haulers(store, city)]
    return pd.DataFrame(rows).drop(columns=["service_area"], errors="ignore")
