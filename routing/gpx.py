"""A daily plan as GPX 1.1, for drivers' navigation devices and phone apps.

One track per truck follows the plan's route line (along the streets when the plan used road data, else straight
from visit to visit), and one waypoint per visit carries its order, bin or site, and the expected arrival. GPX
times are UTC (the GPX 1.1 schema says so); the record's local clock times are converted with its time zone, and
a clock time earlier than the one before it belongs to the next day (a shift that runs past midnight).

The input is the JSON-ready plan record of :func:`routing.plan_outputs.plan_record` (also what the store keeps),
so a stored plan gives the same file as a fresh one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

GPX_NAMESPACE = "http://www.topografix.com/GPX/1/1"
CREATOR = "waste-optimiser"


def plan_gpx(record: Mapping[str, Any]) -> str:
    """The GPX document of a plan record: a waypoint per visit (with its ETA) and a track per truck.

    Parameters
    ----------
    record
        A plan record: ``date``, ``timezone`` and ``routes`` (each with ``truck``, ``visits`` and optionally
        ``line``, a list of (longitude, latitude) pairs).

    Returns
    -------
    str
        The XML text, UTF-8 declared.
    """
    ET.register_namespace("", GPX_NAMESPACE)
    root = ET.Element(_tag("gpx"), {"version": "1.1", "creator": CREATOR})
    metadata = ET.SubElement(root, _tag("metadata"))
    _text(metadata, "name", f"Collection plan {record.get('city', '')} {record.get('date', '')}".strip())
    midnight = pd.Timestamp(str(record["date"])).tz_localize(str(record.get("timezone") or "UTC"))
    for route in record.get("routes", []):
        for visit, eta in zip(route["visits"], _etas(midnight, route["visits"]), strict=True):
            _waypoint(root, route["truck"], visit, eta)
    for route in record.get("routes", []):
        _track(root, route)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _tag(name: str) -> str:
    return f"{{{GPX_NAMESPACE}}}{name}"


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, _tag(name))
    element.text = value
    return element


def _etas(midnight: pd.Timestamp, visits: Sequence[Mapping[str, Any]]) -> list[pd.Timestamp | None]:
    """UTC arrival of every visit from its local ``HH:MM`` clock time, rolling over midnight when it goes back."""
    etas: list[pd.Timestamp | None] = []
    day = 0
    previous = -1
    for visit in visits:
        clock = visit.get("arrival")
        if not clock:
            etas.append(None)
            continue
        hours, minutes = (int(part) for part in str(clock).split(":"))
        minute_of_day = hours * 60 + minutes
        if minute_of_day < previous:
            day += 1
        previous = minute_of_day
        local = midnight + pd.Timedelta(days=day, minutes=minute_of_day)
        etas.append(local.tz_convert("UTC"))
    return etas


def _waypoint(root: ET.Element, truck: str, visit: Mapping[str, Any], eta: pd.Timestamp | None) -> None:
    lat, lon = visit.get("lat"), visit.get("lon")
    if lat is None or lon is None:
        return  # a problem without coordinates (a VRPLIB instance) has nothing to put on a map
    point = ET.SubElement(root, _tag("wpt"), {"lat": f"{float(lat):.6f}", "lon": f"{float(lon):.6f}"})
    if eta is not None:
        _text(point, "time", eta.strftime("%Y-%m-%dT%H:%M:%SZ"))
    place = visit.get("name") or visit.get("id")
    _text(point, "name", f"{truck} #{visit.get('order')} {place}")
    details = [f"{visit.get('kind')} {visit.get('id')}", f"arrive {visit.get('arrival')}"]
    if visit.get("expected_fill_pct") is not None:
        details.append(f"expected fill {float(visit['expected_fill_pct']):.0f} %")
    if visit.get("load_after_kg") is not None:
        details.append(f"load after {float(visit['load_after_kg']):.0f} kg")
    _text(point, "desc", "; ".join(details))
    _text(point, "type", str(visit.get("kind")))


def _track(root: ET.Element, route: Mapping[str, Any]) -> None:
    line = route.get("line") or [
        [v["lon"], v["lat"]] for v in route["visits"] if v.get("lat") is not None and v.get("lon") is not None
    ]
    if not line:
        return
    track = ET.SubElement(root, _tag("trk"))
    _text(track, "name", str(route["truck"]))
    stops = sum(1 for v in route["visits"] if v.get("kind") == "stop")
    _text(track, "desc", f"{stops} bins")
    segment = ET.SubElement(track, _tag("trkseg"))
    for lon, lat in line:
        ET.SubElement(segment, _tag("trkpt"), {"lat": f"{float(lat):.6f}", "lon": f"{float(lon):.6f}"})
