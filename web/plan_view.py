"""A stored plan (the record :func:`routing.plan_outputs.plan_record` made) as the map, the panels and the files.

Everything here reads only the stored record, so a plan made by ``waste plan`` on the command line and one made
from the page look and download the same. Records of older versions lack the per-truck figures and route lines;
hours then come from the clock times on the sheet and the line joins the visits.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pandas as pd

#: Columns of a route sheet, in the order ``waste plan`` writes them.
SHEET_COLUMNS = [
    "order", "kind", "id", "name", "lat", "lon", "arrival", "start", "departure", "expected_fill_pct",
    "load_after_kg", "load_after_m3",
]  # fmt: skip


def truck_panels(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per truck: name, figures (bins, km, hours, kg, disposal trips, peak load), line and stops."""
    panels = []
    for number, route in enumerate(record.get("routes", [])):
        visits = route["visits"]
        line = route.get("line") or [[v["lon"], v["lat"]] for v in visits if v.get("lat") is not None]
        stops = [
            {k: v.get(k) for k in ("order", "kind", "id", "name", "lat", "lon", "arrival", "expected_fill_pct")}
            for v in visits
            if v.get("kind") != "depot"
        ]
        panels.append(
            {
                "truck": route["truck"],
                "number": number,
                "bins": route.get("bins", sum(v.get("kind") == "stop" for v in visits)),
                "distance_km": route.get("distance_km"),
                "hours": route.get("hours", _clock_hours(visits)),
                "collected_kg": route.get("collected_kg"),
                "disposal_trips": route.get("disposal_trips", sum(v.get("kind") == "disposal" for v in visits)),
                "peak_load_kg": max((float(v.get("load_after_kg") or 0) for v in visits), default=0.0),
                "start": visits[0].get("departure") if visits else None,
                "end": visits[-1].get("arrival") if visits else None,
                "line": line,
                "stops": stops,
            }
        )
    return panels


def _clock_hours(visits: list[dict[str, Any]]) -> float | None:
    if len(visits) < 2:
        return None
    start, end = (_minutes(visits[0].get("departure")), _minutes(visits[-1].get("arrival")))
    if start is None or end is None:
        return None
    return round(((end - start) % 1440) / 60.0, 2)


def _minutes(clock: Any) -> int | None:
    if not clock or ":" not in str(clock):
        return None
    hours, minutes = str(clock).split(":")[:2]
    return int(hours) * 60 + int(minutes)


def sheet_frame(route: dict[str, Any]) -> pd.DataFrame:
    """A truck's route sheet as ``waste plan`` writes it (columns :data:`SHEET_COLUMNS`)."""
    return pd.DataFrame(route["visits"]).reindex(columns=SHEET_COLUMNS)


def route_csv(record: dict[str, Any], truck: str) -> str | None:
    """The CSV route sheet of one truck, or ``None`` when the plan has no such truck."""
    for route in record.get("routes", []):
        if route["truck"] == truck:
            return sheet_frame(route).to_csv(index=False)
    return None


def routes_zip(record: dict[str, Any]) -> bytes:
    """Every truck's CSV route sheet in one zip archive (``<truck>.csv``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for route in record.get("routes", []):
            archive.writestr(f"{safe_name(route['truck'])}.csv", sheet_frame(route).to_csv(index=False))
    return buffer.getvalue()


def record_geojson(record: dict[str, Any], bins: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Routes as lines, their visits as numbered points and, when given, every bin with its fill and risk."""
    features: list[dict[str, Any]] = []
    for panel in truck_panels(record):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": panel["line"]},
                "properties": {
                    "kind": "route",
                    "truck": panel["truck"],
                    "route": panel["number"],
                    "stops": panel["bins"],
                    "distance_km": panel["distance_km"],
                    "hours": panel["hours"],
                },
            }
        )
        for stop in panel["stops"]:
            if stop["lat"] is None:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [stop["lon"], stop["lat"]]},
                    "properties": {"kind": f"visit_{stop['kind']}", "truck": panel["truck"], **stop},
                }
            )
    for row in bins or []:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                "properties": {"kind": "bin", **{k: v for k, v in row.items() if k not in ("lat", "lon")}},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def safe_name(name: str) -> str:
    """A file-name-safe form of a truck name, as ``waste plan`` names its sheets."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
