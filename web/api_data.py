"""Read endpoints: cities, bins and their readings, energy estimates, benchmark results."""

from __future__ import annotations

from typing import Any

import pandas as pd
from flask import Blueprint, jsonify, request

from waste.errors import ConfigError, InputError
from waste.paths import SAMPLE_CITIES, sample_cities
from web.api_plans import city_info, known_cities
from web.bench_view import bench_results
from web.bin_history import bin_history
from web.bin_status import bin_status, records
from web.energy_view import comparison_records, parse_inputs, run_planner, summary_records
from web.state import web_state

bp = Blueprint("api_data", __name__, url_prefix="/api")


def _fail(status: int, detail: str, errors: list[dict[str, Any]] | None = None) -> Any:
    body: dict[str, Any] = {"error": "bad_request" if status == 400 else "not_found", "detail": detail}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


@bp.get("/cities")
def cities() -> Any:
    """Cities in the store and the sample cities, with their newest plan."""
    store = web_state().store
    stored = set(store.cities())
    out = []
    for city in known_cities():
        plans = store.plans(city) if city in stored else pd.DataFrame()
        out.append(
            {
                **city_info(city),
                "loaded": city in stored,
                "sample": city in SAMPLE_CITIES,
                "latest_plan_id": int(plans["plan_id"].iloc[0]) if len(plans) else None,
            }
        )
    return jsonify(out)


@bp.get("/bins")
def bins() -> Any:
    """Bins of a city (``?city=``, required) with their newest fill and 24-hour overflow risk."""
    city = request.args.get("city")
    if not city:
        return _fail(400, "give ?city=", [{"field": "city", "reason": "required"}])
    if city not in web_state().store.cities():
        return _fail(404, f"city {city!r} is not in the store")
    return jsonify(records(bin_status(web_state(), city)))


@bp.get("/bins/<path:bin_id>")
def one_bin(bin_id: str) -> Any:
    """One bin: its row, readings (``?days=`` back from the newest, default 14), emptyings and forecast."""
    try:
        days = float(request.args.get("days", 14))
    except ValueError:
        return _fail(400, "days must be a number", [{"field": "days", "reason": "not a number"}])
    if not 0 < days <= 366:
        return _fail(400, "days must be in (0, 366]", [{"field": "days", "reason": "out of range"}])
    history = bin_history(web_state().store, bin_id, days=days)
    if history is None:
        return _fail(404, f"no bin {bin_id!r}")
    return jsonify(history)


@bp.get("/energy")
def energy() -> Any:
    """Waste-to-energy comparison of a sample city (``?city=``) with optional changed inputs."""
    city = request.args.get("city")
    if not city:
        return _fail(400, "give ?city=", [{"field": "city", "reason": "required"}])
    known = sample_cities()
    if city not in known:  # a name, checked against the list: never a path to read (/etc, ../x)
        detail = f"no scenario for city {city!r}; known: {', '.join(known)}"
        return _fail(400, detail, [{"field": "city", "reason": "unknown city"}])
    inputs, errors = parse_inputs(request.args.to_dict())
    if errors:
        return _fail(400, "bad inputs", errors)
    try:
        result = run_planner(city, inputs)
    except (ConfigError, InputError) as exc:
        # The message names the scenario file; the answer names only what is wrong with it.
        reason = exc.reason if isinstance(exc, InputError) else "the city's scenario cannot be used"
        return _fail(400, reason, [{"field": getattr(exc, "field", None) or "city", "reason": reason}])
    return jsonify(
        {
            "city": city,
            "scenario": result.assessment.scenario.name,
            "inputs": result.inputs,
            "defaults": result.defaults,
            "runs": result.assessment.runs,
            "comparison": comparison_records(result),
            "summary": summary_records(result),
        }
    )


@bp.get("/bench")
def bench() -> Any:
    """The benchmark leaderboard and every run from the ``waste bench`` results folder."""
    return jsonify(bench_results(web_state().bench_dir))
