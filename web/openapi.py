"""The OpenAPI 3.1 description of ``/api``, served at ``/api/openapi.json``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

bp = Blueprint("api_openapi", __name__, url_prefix="/api")

_ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {"type": "object", "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}},
        },
    },
    "required": ["error"],
}
_READING = {
    "type": "object",
    "description": "One reading. Aliases such as device_id or dev_eui (for bin_id), time (for ts), distance_cm and "
    "battery_mv are accepted as in the ingest files.",
    "properties": {
        "bin_id": {"type": "string"},
        "ts": {"type": ["string", "number"], "description": "ISO 8601 (UTC when no offset) or Unix s/ms"},
        "fill_pct": {"type": "number", "minimum": 0, "maximum": 100},
        "distance_mm": {"type": "number"},
        "battery_v": {"type": "number"},
        "temperature_c": {"type": "number"},
        "seq": {"type": "integer", "description": "frame counter"},
    },
}
_ROW_PROBLEM = {
    "type": "object",
    "properties": {
        "row": {"type": "integer", "description": "0-based position in the posted list"},
        "field": {"type": "string"},
        "reason": {"type": "string"},
        "value": {"type": ["string", "null"]},
        "detail": {"type": ["string", "null"]},
    },
}
_INGEST_ANSWER = {
    "type": "object",
    "properties": {
        "received": {"type": "integer"},
        "accepted": {"type": "integer", "description": "valid rows: stored now plus already stored"},
        "stored": {"type": "integer"},
        "already_stored": {"type": "integer"},
        "rejected": {"type": "array", "items": _ROW_PROBLEM, "description": "rows quarantined, not stored"},
        "dropped_fields": {
            "type": "array",
            "items": _ROW_PROBLEM,
            "description": "battery or temperature values left out of readings that were stored",
        },
    },
}
_JOB = {
    "type": "object",
    "properties": {
        "job_id": {"type": "string"},
        "city": {"type": "string"},
        "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
        "step": {"type": "string"},
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "plan_id": {"type": ["integer", "null"]},
        "error": {"type": ["string", "null"]},
        "plan": {"type": "object"},
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json({"$ref": "#/components/schemas/Error"}, description)


def _query(name: str, description: str, *, required: bool = False, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": {"type": kind}}


def _write(summary: str, body: dict[str, Any], answer: dict[str, Any], ok: str = "200") -> dict[str, Any]:
    return {
        "summary": summary,
        "security": [{"bearer": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {
            ok: _json(answer, "accepted"),
            "400": _json(answer if ok == "200" else {"$ref": "#/components/schemas/Error"}, "bad rows or fields"),
            "401": _error("missing or wrong bearer token"),
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of every ``/api`` endpoint."""
    energy_inputs = ["population_growth", "per_capita_growth", "organic_share", "gross_efficiency"]
    energy_inputs += ["organics_capture", "collection_efficiency"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "waste-optimiser API",
            "version": "1.0.0",
            "description": "Bins, sensor readings, collection plans, waste-to-energy estimates and solver benchmarks.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": _ERROR, "Reading": _READING, "IngestAnswer": _INGEST_ANSWER, "PlanJob": _JOB},
        },
        "paths": {
            "/api/cities": {
                "get": {
                    "summary": "Cities and their newest plan",
                    "responses": {"200": _json({"type": "array"}, "cities")},
                }
            },
            "/api/cities/{city}/map": {
                "get": {
                    "summary": "Bins with fill and risk, and the newest (or ?plan_id=) plan's trucks and lines",
                    "parameters": [
                        {"name": "city", "in": "path", "required": True, "schema": {"type": "string"}},
                        _query("plan_id", "a stored plan of this city", kind="integer"),
                    ],
                    "responses": {"200": _json({"type": "object"}, "map data"), "404": _error("unknown city")},
                }
            },
            "/api/bins": {
                "get": {
                    "summary": "Bins of a city with their newest fill and 24-hour overflow risk",
                    "parameters": [_query("city", "city name", required=True)],
                    "responses": {
                        "200": _json({"type": "array"}, "bins"),
                        "400": _error("no city"),
                        "404": _error("unknown city"),
                    },
                }
            },
            "/api/bins/{bin_id}": {
                "get": {
                    "summary": "A bin's readings, emptyings and forecast with its 10-90 % interval",
                    "parameters": [
                        {"name": "bin_id", "in": "path", "required": True, "schema": {"type": "string"}},
                        _query("days", "days of readings before the newest (default 14)", kind="number"),
                    ],
                    "responses": {
                        "200": _json({"type": "object"}, "history"),
                        "400": _error("bad days"),
                        "404": _error("unknown bin"),
                    },
                }
            },
            "/api/readings": {
                "post": _write(
                    "Store a batch of readings; bad rows are named and quarantined, the valid rows stored",
                    {
                        "oneOf": [
                            {"type": "array", "items": {"$ref": "#/components/schemas/Reading"}},
                            {
                                "type": "object",
                                "properties": {
                                    "readings": {"type": "array", "items": {"$ref": "#/components/schemas/Reading"}}
                                },
                            },
                        ]
                    },
                    {"$ref": "#/components/schemas/IngestAnswer"},
                )
            },
            "/api/uplinks": {
                "post": _write(
                    "The Things Stack webhook: one uplink message (or a list) with a decoded payload",
                    {"oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}}]},
                    {"$ref": "#/components/schemas/IngestAnswer"},
                )
            },
            "/api/plans": {
                "get": {
                    "summary": "Stored plans and this server's plan jobs",
                    "parameters": [_query("city", "only this city")],
                    "responses": {"200": _json({"type": "object"}, "plans and jobs")},
                },
                "post": _write(
                    "Start a plan in the background; poll the answer's status_url",
                    {
                        "type": "object",
                        "required": ["city"],
                        "properties": {
                            "city": {"type": "string"},
                            "time_limit_s": {"type": "number", "default": 60},
                            "date": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"},
                        },
                    },
                    {"$ref": "#/components/schemas/PlanJob"},
                    ok="202",
                ),
            },
            "/api/plans/{plan_ref}": {
                "get": {
                    "summary": "A plan job's status and progress (by job id), or a stored plan (by number)",
                    "parameters": [{"name": "plan_ref", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/PlanJob"}, "status"),
                        "404": _error("unknown"),
                    },
                }
            },
            "/api/energy": {
                "get": {
                    "summary": "Waste-to-energy technology comparison for a city, with optional changed inputs",
                    "parameters": [_query("city", "baltimore or santa_cruz", required=True)]
                    + [_query(name, "replaces the scenario's value", kind="number") for name in energy_inputs],
                    "responses": {"200": _json({"type": "object"}, "comparison"), "400": _error("bad input")},
                }
            },
            "/api/bench": {
                "get": {
                    "summary": "Solver benchmark leaderboard and runs",
                    "responses": {"200": _json({"type": "object"}, "results")},
                }
            },
            "/api/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": _json({"type": "object"}, "OpenAPI")}}
            },
        },
    }


@bp.get("/openapi.json")
def openapi_json() -> Any:
    """Serve the OpenAPI document."""
    return jsonify(openapi_document())
