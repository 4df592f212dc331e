"""Plans: ``POST /api/plans`` starts a background plan, ``GET /api/plans/<id>`` reports it, and the map data.

``<id>`` is either a job id (hex, as ``POST`` answers) or a stored plan's number. A job's status carries its
progress and, once done, the stored plan's id and record.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from flask import Blueprint, jsonify, request, url_for

from waste.paths import SAMPLE_CITIES, city_dir
from waste.reference import read_city_info
from web.auth import requires_token
from web.bin_status import bin_status, records
from web.body import json_body
from web.plan_view import truck_panels
from web.state import web_state

bp = Blueprint("api_plans", __name__, url_prefix="/api")

#: Default solver budget of a plan started from the web (s), and the largest accepted.
DEFAULT_TIME_LIMIT_S = 60.0
MAX_TIME_LIMIT_S = 3600.0


def _error(status: int, errors: list[dict[str, Any]] | str) -> Any:
    body = {"error": "bad_request" if status == 400 else "not_found"}
    if isinstance(errors, str):
        body["detail"] = errors
    else:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def known_cities() -> list[str]:
    """Cities in the store, then the sample cities a plan would load on first use."""
    stored = web_state().store.cities()
    return stored + [c for c in SAMPLE_CITIES if c not in stored]


def city_info(city: str) -> dict[str, Any]:
    """Name, time zone and currency of a city: from the store, or from the sample's ``city.toml`` before loading."""
    store = web_state().store
    if city in store.cities() or city not in SAMPLE_CITIES:
        return store.city_info(city)
    info = read_city_info(city_dir(city) / "city.toml", city)
    return {"city": city, "name": info.name, "timezone": info.timezone, "currency": info.currency}


def _is_date(value: object) -> bool:
    """Whether ``value`` is a calendar date written YYYY-MM-DD (``9999-99-99`` is not)."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


@bp.post("/plans")
@requires_token
def start_plan() -> Any:
    """Start a plan: ``{"city": ..., "time_limit_s": 60, "date": "YYYY-MM-DD"}``; answers 202 with the job."""
    body = json_body()
    if not isinstance(body, dict):
        return _error(400, "the body must be a JSON object with at least 'city'")
    errors = []
    city = body.get("city")
    if not isinstance(city, str) or city not in known_cities():
        errors.append({"field": "city", "reason": f"unknown city {city!r}; known: {', '.join(known_cities())}"})
    limit = body.get("time_limit_s", DEFAULT_TIME_LIMIT_S)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or not 0 < limit <= MAX_TIME_LIMIT_S:
        errors.append({"field": "time_limit_s", "reason": f"a number of seconds in (0, {MAX_TIME_LIMIT_S:g}]"})
    date = body.get("date")
    if date is not None and not _is_date(date):
        errors.append({"field": "date", "reason": "a local date YYYY-MM-DD"})
    if errors:
        return _error(400, errors)
    job = web_state().jobs.submit(city, time_limit_s=float(limit), date=date)
    response = jsonify({**job.as_dict(), "status_url": url_for("api_plans.get_plan", plan_ref=job.job_id)})
    response.status_code = 202
    return response


@bp.get("/plans")
def list_plans() -> Any:
    """Stored plans (newest first, optionally ``?city=``) and this server's recent jobs."""
    frame = web_state().store.plans(request.args.get("city"))
    return jsonify({"plans": records(frame), "jobs": [j.as_dict() for j in web_state().jobs.all()]})


@bp.get("/plans/<plan_ref>")
def get_plan(plan_ref: str) -> Any:
    """A job's status (and its plan once done), or a stored plan by number."""
    state = web_state()
    job = state.jobs.get(plan_ref)
    if job is not None:
        body = job.as_dict()
        if job.plan_id is not None:
            body["plan"] = _stored(job.plan_id)
        return jsonify(body)
    if plan_ref.isascii() and plan_ref.isdigit():
        plan = _stored(int(plan_ref))
        if plan is not None:
            return jsonify({"status": "done", "plan_id": plan["plan_id"], "plan": plan})
    return _error(404, f"no plan or plan job {plan_ref!r}")


def _stored(plan_id: int) -> dict[str, Any] | None:
    row = web_state().store.plan(plan_id)
    if row is None:
        return None
    return {
        "plan_id": row["plan_id"],
        "city": row["city"],
        "plan_date": row["plan_date"],
        "solver": row["solver"],
        "cost": row["cost"],
        "created_unix_s": row["created_unix_s"],
        "record": row["payload"],
    }


def latest_plan(city: str) -> dict[str, Any] | None:
    """The newest stored plan of ``city`` (row with parsed payload), or ``None``."""
    frame = web_state().store.plans(city)
    if frame.empty:
        return None
    return web_state().store.plan(int(frame["plan_id"].iloc[0]))


@bp.get("/cities/<city>/map")
def city_map(city: str) -> Any:
    """Everything the dispatcher map draws for a city: bins with fill and risk, and a plan's trucks and lines."""
    state = web_state()
    if city not in state.store.cities():
        return _error(404, f"city {city!r} is not in the store yet; start a plan of it to load it")
    wanted = request.args.get("plan_id")
    plan = state.store.plan(int(wanted)) if wanted and wanted.isascii() and wanted.isdigit() else latest_plan(city)
    body: dict[str, Any] = {"city": city, "info": state.store.city_info(city), "sites": [], "plan": None}
    body["bins"] = records(bin_status(state, city))
    body["sites"] = records(state.store.sites(city)[["site_id", "name", "kind", "lat", "lon"]])
    if plan is not None and plan["city"] == city:
        record = plan["payload"]
        body["plan"] = {
            "plan_id": plan["plan_id"],
            "date": plan["plan_date"],
            "solver": plan["solver"],
            "figures": record.get("figures", {}),
            "unserved": record.get("unserved", []),
            "trucks": truck_panels(record),
        }
    return jsonify(body)
