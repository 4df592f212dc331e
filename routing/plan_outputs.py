"""A daily plan as the dispatcher's documents: route sheets, GeoJSON, the JSON record and the key figures.

Times on sheets are local to the city (``HH:MM``); the JSON keeps both the local clock time and UTC. Fuel and CO2
are estimates:

- fuel: :data:`LITRES_PER_KM_LARGE` for a truck of 7 t payload or more, :data:`LITRES_PER_KM_SMALL` below that,
  plus :data:`IDLE_LITRES_PER_H` while the packer works at a stop or the truck unloads;
- CO2: :data:`KG_CO2_PER_LITRE` of diesel burnt.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from routing.gpx import plan_gpx
from routing.plan import DailyPlan
from routing.problem import Problem
from routing.route_lines import street_line, street_line_http
from routing.solution import Solution

#: Diesel a full-size refuse truck burns in collection work (L/km). Stop-and-go collection gives about 2.5-3
#: miles per US gallon (0.8-0.95 L/km) in published fleet reports; 0.85 L/km is taken as typical. An assumption.
LITRES_PER_KM_LARGE = 0.85
#: Diesel of a small (under 7 t payload) collection truck (L/km); an assumption, half way to a delivery van.
LITRES_PER_KM_SMALL = 0.45
#: Diesel burnt while the truck stands with the packer or tipper working (L/h); an assumption.
IDLE_LITRES_PER_H = 3.0
#: CO2 from burning one litre of diesel (kg/L): 74.1 t CO2/TJ (IPCC 2006 Vol. 2 Table 3.2.1) x 36 MJ/L.
KG_CO2_PER_LITRE = 2.67


def fuel_litres(problem: Problem, solution: Solution) -> float:
    """Diesel burnt (L): per km by truck size, plus idling while working at stops and disposal sites."""
    fuel_l = 0.0
    for route in solution.routes:
        vt = problem.vehicle_types[route.vehicle_type]
        per_km = LITRES_PER_KM_LARGE if vt.capacity_kg >= 7000 else LITRES_PER_KM_SMALL
        working_s = sum(v.departure_s - v.start_s for v in route.visits if v.kind != "depot")
        fuel_l += per_km * route.distance_m(problem) / 1000.0 + IDLE_LITRES_PER_H * working_s / 3600.0
    return fuel_l


def plan_figures(plan: DailyPlan) -> dict[str, Any]:
    """The plan's key figures: bins collected and left at risk, km, hours, disposal trips, fuel, CO2, cost."""
    solution = plan.result.solution
    problem = plan.problem
    served = solution.served()
    stops = problem.stops
    sel = plan.selection.set_index("bin_id")
    served_ids = {stops[i].id for i in served}
    must = sel.index[sel["decision"] == "must"]
    left_at_risk = [b for b in must if b not in served_ids]
    silent = sel.index[sel["status"].isin(["silent", "stuck", "no_data"])]
    fuel_l = fuel_litres(problem, solution)
    return {
        "bins_in_city": len(plan.selection),
        "bins_must_go": len(must),
        "bins_may_go": int((sel["decision"] == "may").sum()),
        "bins_collected": len(served_ids),
        "bins_left_at_risk": len(left_at_risk),
        "bins_without_forecast": len(silent),
        "trucks_used": len(solution.routes),
        "trucks_available": sum(vt.count for vt in problem.vehicle_types),
        "distance_km": round(solution.distance_m() / 1000.0, 1),
        "driving_hours": round(solution.duration_s() / 3600.0, 1),
        "disposal_trips": solution.disposal_trips(),
        "waste_collected_t": round(solution.collected_kg() / 1000.0, 2),
        "fuel_l": round(fuel_l, 0),
        "co2_kg": round(fuel_l * KG_CO2_PER_LITRE, 0),
        "cost": round(solution.cost() - solution.penalty(), 2),
        "currency": plan.currency,
        "travel_times": plan.matrix_provider,
        "places_off_road_network": plan.off_road_points,
    }


def route_sheets(plan: DailyPlan) -> dict[str, pd.DataFrame]:
    """One sheet per truck, keyed by its name: order, place, position, ETA, expected fill, load after the visit."""
    visits = plan.result.solution.to_frame()
    if visits.empty:
        return {}
    coords = plan.problem.coords_deg
    names = plan.sites.set_index("site_id")["name"]
    fills = plan.selection.set_index("bin_id")["fill_at_visit_pct"]
    midnight = plan.local_midnight
    sheets = {}
    for (type_name, vehicle), group in visits.groupby(["vehicle_type", "vehicle"], sort=True):
        truck = f"{type_name}-{vehicle + 1}"
        is_stop = group["kind"] == "stop"
        sheets[truck] = pd.DataFrame(
            {
                "order": np.arange(len(group)),
                "kind": group["kind"].to_numpy(),
                "id": group["id"].to_numpy(),
                "name": [
                    names.get(i, "") if k != "stop" else "" for i, k in zip(group["id"], group["kind"], strict=True)
                ],
                "lat": coords[group["location"], 0] if coords is not None else np.nan,
                "lon": coords[group["location"], 1] if coords is not None else np.nan,
                "arrival": _clock(midnight, group["arrival_s"]),
                "start": _clock(midnight, group["start_s"]),
                "departure": _clock(midnight, group["departure_s"]),
                "expected_fill_pct": np.where(is_stop, group["id"].map(fills).round(0), np.nan),
                "load_after_kg": group["load_kg"].round(0).to_numpy(),
                "load_after_m3": group["load_m3"].round(2).to_numpy(),
            }
        )
    return sheets


def route_lines(plan: DailyPlan) -> dict[str, list[list[float]]]:
    """Each truck's path as (longitude, latitude) pairs in visiting order, keyed by truck name.

    With road data or an OSRM server the paths follow the streets (:mod:`routing.route_lines`); otherwise they join
    the visits. Each leg is a query to OSRM, so callers that need the lines twice compute them once and pass them on.
    """
    lines = {}
    for truck, sheet in route_sheets(plan).items():
        stops_lonlat = [(float(x), float(y)) for x, y in sheet[["lon", "lat"]].to_numpy()]
        if plan.roads:
            line = street_line(plan.roads, stops_lonlat)
        elif plan.osrm_url:
            line = street_line_http(plan.osrm_url, stops_lonlat)
        else:
            line = [list(p) for p in stops_lonlat]
        lines[truck] = np.round(line, 6).tolist()
    return lines


def truck_figures(plan: DailyPlan) -> dict[str, dict[str, float | int]]:
    """Per truck (keyed as in :func:`route_sheets`): bins, km, hours out of the depot, waste collected, unloadings."""
    problem = plan.problem
    figures = {}
    for route in plan.result.solution.routes:
        truck = f"{problem.vehicle_types[route.vehicle_type].name}-{route.vehicle + 1}"
        stops = route.stops()
        figures[truck] = {
            "bins": len(stops),
            "distance_km": round(route.distance_m(problem) / 1000.0, 1),
            "hours": round(route.duration_s() / 3600.0, 2),
            "collected_kg": round(sum(problem.stops[s].weight_kg for s in stops), 0),
            "disposal_trips": route.disposal_trips(),
        }
    return figures


def plan_geojson(plan: DailyPlan, lines: dict[str, list[list[float]]] | None = None) -> dict[str, Any]:
    """Routes as lines (one per truck, in visiting order) and every bin as a point with its forecast and decision.

    ``lines`` are the trucks' paths from :func:`route_lines`, computed here when not given.
    """
    features: list[dict[str, Any]] = []
    lines = route_lines(plan) if lines is None else lines
    for number, (truck, sheet) in enumerate(route_sheets(plan).items()):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": lines[truck]},
                "properties": {
                    "kind": "route",
                    "truck": truck,
                    "route": number,
                    "stops": int((sheet["kind"] == "stop").sum()),
                },
            }
        )
    bins = plan.bins.merge(plan.selection, on=["bin_id", "stream"], how="left")
    for row in bins.itertuples(index=False):
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(row.lon, 6), round(row.lat, 6)]},
                "properties": {
                    "kind": "bin",
                    "bin_id": row.bin_id,
                    "stream": row.stream,
                    "status": row.status,
                    "decision": row.decision,
                    "fill_now_pct": _number(row.fill_now_pct),
                    "p_overflow": _number(row.p_overflow),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def plan_record(plan: DailyPlan, lines: dict[str, list[list[float]]] | None = None) -> dict[str, Any]:
    """The whole plan as JSON-ready data: figures, routes with their visits, must-go bins left out and why.

    ``lines`` are the trucks' paths from :func:`route_lines`, computed here when not given.
    """
    result = plan.result
    problem = plan.problem
    routes = []
    lines = route_lines(plan) if lines is None else lines
    totals = truck_figures(plan)
    for truck, sheet in route_sheets(plan).items():
        visits = json.loads(sheet.to_json(orient="records"))
        routes.append({"truck": truck, **totals[truck], "line": lines[truck], "visits": visits})
    return {
        "city": plan.city,
        "date": plan.date,
        "timezone": plan.timezone,
        "start_local": f"{plan.start:%Y-%m-%dT%H:%M%z}",
        "solver": result.solver,
        "status": result.status,
        "runtime_s": round(result.runtime_s, 1),
        "timings_s": {k: round(v, 2) for k, v in plan.timings_s.items()},
        "figures": plan_figures(plan),
        "routes": routes,
        "unserved": [
            {"bin_id": problem.stops[u.stop].id, "reason": u.reason, "why": u.describe(problem)}
            for u in result.unserved
        ],
    }


def write_plan(plan: DailyPlan, folder: Path, record: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write ``plan.json``, ``plan.geojson``, ``plan.gpx`` and ``routes/<truck>.csv`` under ``folder``; return paths.

    ``record`` is the plan's :func:`plan_record`, computed here when not given; its route lines are reused.
    """
    folder.mkdir(parents=True, exist_ok=True)
    sheets_dir = folder / "routes"
    sheets_dir.mkdir(exist_ok=True)
    for old in sheets_dir.glob("*.csv"):
        old.unlink()
    paths = {"json": folder / "plan.json", "geojson": folder / "plan.geojson", "routes": sheets_dir}
    record = plan_record(plan) if record is None else record
    lines = {route["truck"]: route["line"] for route in record["routes"]}
    paths["json"].write_text(json.dumps(record, indent=1), encoding="utf-8")
    paths["geojson"].write_text(json.dumps(plan_geojson(plan, lines)), encoding="utf-8")
    for truck, sheet in route_sheets(plan).items():
        sheet.to_csv(sheets_dir / f"{_safe(truck)}.csv", index=False)
    paths["gpx"] = folder / "plan.gpx"
    paths["gpx"].write_text(plan_gpx(record), encoding="utf-8")
    plan.selection.to_csv(folder / "selection.csv", index=False)
    paths["selection"] = folder / "selection.csv"
    return paths


def _clock(midnight: pd.Timestamp, seconds: pd.Series) -> list[str]:
    return [f"{midnight + pd.Timedelta(seconds=int(s)):%H:%M}" for s in seconds]


def _number(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 3)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
