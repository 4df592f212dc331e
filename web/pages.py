"""The dispatcher page and a plan's downloads: CSV route sheets, GPX, printable sheets, GeoJSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, request

from routing.gpx import plan_gpx
from web.api_plans import city_info, known_cities
from web.bin_status import bin_status, records
from web.plan_view import record_geojson, route_csv, routes_zip, safe_name, truck_panels
from web.state import web_state

bp = Blueprint("pages", __name__)


@bp.get("/")
def dispatcher() -> str:
    """The dispatcher map: bins by fill and risk, each truck's route, the plan button and the downloads."""
    store = web_state().store
    stored = store.cities()
    cities = [{**city_info(c), "loaded": c in stored} for c in known_cities()]
    settings = web_state().settings
    return render_template(
        "dispatcher.html",
        cities=cities,
        active="dispatcher",
        tiles_url=settings.map_tiles_url or "",
        tiles_attribution=settings.map_tiles_attribution or "",
    )


def _plan(plan_id: int) -> dict[str, Any]:
    plan = web_state().store.plan(plan_id)
    if plan is None:
        abort(404, f"no plan {plan_id}")
    return plan


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _stem(plan: dict[str, Any]) -> str:
    return safe_name(f"{plan['city']}_{plan['plan_date']}_plan{plan['plan_id']}")


@bp.get("/plans/<int:plan_id>/routes.zip")
def download_sheets(plan_id: int) -> Response:
    """Every truck's CSV route sheet, zipped."""
    plan = _plan(plan_id)
    return _download(routes_zip(plan["payload"]), "application/zip", f"{_stem(plan)}_routes.zip")


@bp.get("/plans/<int:plan_id>/routes/<truck>.csv")
def download_sheet(plan_id: int, truck: str) -> Response:
    """One truck's CSV route sheet."""
    plan = _plan(plan_id)
    text = route_csv(plan["payload"], truck)
    if text is None:
        abort(404, f"plan {plan_id} has no truck {truck}")
    return _download(text, "text/csv", f"{_stem(plan)}_{safe_name(truck)}.csv")


@bp.get("/plans/<int:plan_id>/plan.gpx")
def download_gpx(plan_id: int) -> Response:
    """The plan as GPX: a track per truck, a waypoint per visit with its ETA."""
    plan = _plan(plan_id)
    return _download(plan_gpx(plan["payload"]), "application/gpx+xml", f"{_stem(plan)}.gpx")


@bp.get("/plans/<int:plan_id>/plan.geojson")
def download_geojson(plan_id: int) -> Response:
    """The plan's routes and visits, and the city's bins with their fill and risk, as GeoJSON."""
    import json

    plan = _plan(plan_id)
    bins = records(bin_status(web_state(), plan["city"]))
    body = json.dumps(record_geojson(plan["payload"], bins))
    return _download(body, "application/geo+json", f"{_stem(plan)}.geojson")


@bp.get("/plans/<int:plan_id>/sheets")
def printable_sheets(plan_id: int) -> str:
    """Printable route sheets, one page per truck (``?truck=`` for one)."""
    plan = _plan(plan_id)
    record = plan["payload"]
    wanted = request.args.get("truck")
    routes = [r for r in record.get("routes", []) if wanted in (None, r["truck"])]
    panels = {p["truck"]: p for p in truck_panels(record)}
    return render_template("sheets.html", plan=plan, record=record, routes=routes, panels=panels)
