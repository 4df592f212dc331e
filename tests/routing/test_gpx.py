"""GPX of a plan record: a track per truck along its line, a waypoint per visit with its ETA in UTC."""

from __future__ import annotations

import datetime as dt

import gpxpy

from routing.gpx import plan_gpx


def _visit(order: int, kind: str, ident: str, lat: float, lon: float, arrival: str) -> dict:
    return {"order": order, "kind": kind, "id": ident, "name": "", "lat": lat, "lon": lon, "arrival": arrival,
            "expected_fill_pct": 80.0 if kind == "stop" else None, "load_after_kg": 10.0 * order}  # fmt: skip


RECORD = {
    "city": "nightville",
    "date": "2026-11-20",
    "timezone": "America/La_Paz",  # UTC-4, no daylight saving
    "routes": [
        {
            "truck": "rear-1",
            "line": [[-63.18, -17.78], [-63.181, -17.781], [-63.19, -17.79], [-63.18, -17.78]],
            "visits": [
                _visit(0, "depot", "D1", -17.78, -63.18, "22:30"),
                _visit(1, "stop", "B1", -17.79, -63.19, "23:50"),
                _visit(2, "stop", "B2", -17.791, -63.191, "00:20"),
                _visit(3, "depot", "D1", -17.78, -63.18, "01:05"),
            ],
        },
        {
            "truck": "side-1",
            "visits": [
                _visit(0, "depot", "D2", -17.7, -63.1, "06:00"),
                _visit(1, "stop", "B3", -17.71, -63.11, "06:10"),
            ],
        },
    ],
}


def test_gpx_parses_with_tracks_and_waypoints() -> None:
    gpx = gpxpy.parse(plan_gpx(RECORD))
    assert [t.name for t in gpx.tracks] == ["rear-1", "side-1"]
    assert len(gpx.tracks[0].segments[0].points) == 4  # the stored street line, not the visits
    assert len(gpx.tracks[1].segments[0].points) == 2  # no line stored: straight from visit to visit
    assert len(gpx.waypoints) == 6
    assert gpx.waypoints[1].name == "rear-1 #1 B1"
    assert "expected fill 80 %" in gpx.waypoints[1].description


def test_etas_are_utc_and_roll_over_midnight() -> None:
    times = [w.time for w in gpxpy.parse(plan_gpx(RECORD)).waypoints]
    utc = dt.UTC
    assert times[0] == dt.datetime(2026, 11, 21, 2, 30, tzinfo=utc)  # 22:30 in La Paz
    assert times[2] == dt.datetime(2026, 11, 21, 4, 20, tzinfo=utc)  # 00:20 the next day
    assert times[3] > times[2] > times[1] > times[0]
