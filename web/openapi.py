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


_REQUEST_BODY = {
    "type": "object",
    "description": "A collection request. volume_m3 defaults to the container's size times count.",
    "required": ["lat", "lon", "stream", "container", "earliest"],
    "properties": {
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "address": {"type": "string"},
        "stream": {"type": "string", "enum": ["general", "recycling", "organic", "bulky", "construction"]},
        "container": {
            "type": "string",
            "enum": ["bag", "bin_240l", "container_1100l", "item", "skip_6m3", "roll_off_15m3"],
        },
        "count": {"type": "integer", "minimum": 1, "maximum": 100},
        "volume_m3": {"type": "number", "exclusiveMinimum": 0, "maximum": 60},
        "earliest": {"type": "string", "format": "date"},
        "latest": {"type": "string", "format": "date", "description": "at most 14 days after earliest"},
        "account_id": {"type": "string", "description": "the city filing for a requester"},
        "rule": {"type": "string", "enum": ["cheapest", "fastest", "share"], "default": "cheapest"},
        "accept": {"type": "boolean", "default": True, "description": "accept the rule's pick at once"},
    },
}
_REQUEST_VIEW = {
    "type": "object",
    "properties": {
        "request": {
            "type": "object",
            "description": "the request's row: status, hauler_id, service_date, window, price",
        },
        "offers": {"type": "array", "items": {"type": "object"}, "description": "a hauler sees only its own"},
        "history": {"type": "array", "items": {"type": "object"}, "description": "status changes: ts, actor, note"},
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
            "schemas": {
                "Error": _ERROR,
                "Reading": _READING,
                "IngestAnswer": _INGEST_ANSWER,
                "PlanJob": _JOB,
                "CollectionRequest": _REQUEST_BODY,
                "RequestView": _REQUEST_VIEW,
            },
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
            **_matching_paths(),
            "/api/openapi.json": {
                "get": {"summary": "This document", "responses": {"200": _json({"type": "object"}, "OpenAPI")}}
            },
        },
    }


def _account_write(summary: str, body: dict[str, Any], answer: dict[str, Any], ok: str = "200") -> dict[str, Any]:
    """A write by an account token; 403 when the account may not, 404 when it may not see the request."""
    operation = _write(summary, body, answer, ok)
    operation["responses"]["403"] = _error("this account may not do that")
    operation["responses"]["404"] = _error("no such request for this account")
    return operation


def _matching_paths() -> dict[str, Any]:
    """Paths of the matching platform and the recycling data."""
    rid = {"name": "request_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    view = {"$ref": "#/components/schemas/RequestView"}
    return {
        "/api/accounts": {
            "post": _account_write(
                "Create an account (the city); the answer carries its token, shown once",
                {
                    "type": "object",
                    "required": ["account_id", "kind"],
                    "properties": {
                        "account_id": {"type": "string"},
                        "kind": {"type": "string", "enum": ["business", "resident", "hauler", "city"]},
                        "name": {"type": "string"},
                        "city": {"type": "string"},
                        "hauler_id": {"type": "string"},
                        "webhook_url": {"type": "string", "format": "uri"},
                    },
                },
                {"type": "object"},
                ok="201",
            )
        },
        "/api/haulers": {
            "get": {
                "summary": "A city's haulers: streams, containers, days, price lists",
                "parameters": [_query("city", "city key", required=True)],
                "responses": {"200": _json({"type": "array"}, "haulers"), "400": _error("no city")},
            }
        },
        "/api/haulers/{hauler_id}/day": {
            "get": {
                "summary": "A hauler's pickups of a day with their windows (the hauler or the city)",
                "security": [{"bearer": []}],
                "parameters": [
                    {"name": "hauler_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    _query("date", "local date YYYY-MM-DD", required=True),
                ],
                "responses": {"200": _json({"type": "array"}, "pickups"), "403": _error("another hauler's day")},
            }
        },
        "/api/requests": {
            "get": {
                "summary": "Requests the caller may see, newest first",
                "security": [{"bearer": []}],
                "parameters": [_query("status", "only this status"), _query("date", "only this service date")],
                "responses": {"200": _json({"type": "array"}, "requests"), "401": _error("no account token")},
            },
            "post": _account_write(
                "File a request: offers are made at once and the rule's pick accepted",
                {"$ref": "#/components/schemas/CollectionRequest"},
                view,
                ok="201",
            ),
        },
        "/api/requests/{request_id}": {
            "get": {
                "summary": "A request with its offers and history",
                "security": [{"bearer": []}],
                "parameters": [rid],
                "responses": {"200": _json(view, "the request"), "404": _error("no such request for this account")},
            }
        },
        "/api/requests/{request_id}/accept": {
            "post": {
                **_account_write(
                    "Accept one of the request's offers (the requester or the city)",
                    {"type": "object", "required": ["offer_id"], "properties": {"offer_id": {"type": "integer"}}},
                    view,
                ),
                "parameters": [rid],
            }
        },
        "/api/requests/{request_id}/status": {
            "post": {
                **_account_write(
                    "Change the status: cancelled (requester), scheduled/collected/missed (its hauler), any (city)",
                    {
                        "type": "object",
                        "required": ["status"],
                        "properties": {
                            "status": {"type": "string", "enum": ["scheduled", "collected", "missed", "cancelled"]},
                            "note": {"type": "string"},
                        },
                    },
                    view,
                ),
                "parameters": [rid],
            }
        },
        "/api/match/batch": {
            "post": _account_write(
                "Match every waiting request of the city jointly (the city)",
                {"type": "object", "properties": {"city": {"type": "string"}}},
                {"type": "object"},
            )
        },
        "/api/match/schedule": {
            "post": _account_write(
                "Solve each hauler's day: accepted pickups become scheduled (the city)",
                {
                    "type": "object",
                    "required": ["date"],
                    "properties": {"date": {"type": "string", "format": "date"}, "time_limit_s": {"type": "number"}},
                },
                {"type": "array"},
            )
        },
        "/api/recycling": {
            "post": _account_write(
                "Record what collections brought in (a hauler or the city); all records or none",
                {"type": "object", "properties": {"records": {"type": "array", "items": {"type": "object"}}}},
                {"type": "object", "properties": {"stored": {"type": "integer"}}},
                ok="201",
            )
        },
        "/api/recycling/report": {
            "get": {
                "summary": "Per district and month: tonnes by stream, diversion, contamination, reuse (JSON or CSV)",
                "parameters": [
                    _query("city", "city key", required=True),
                    _query("since", "first date"),
                    _query("until", "last date"),
                    _query("format", "csv for a CSV file"),
                ],
                "responses": {"200": _json({"type": "array"}, "report rows")},
            }
        },
    }


@bp.get("/openapi.json")
def openapi_json() -> Any:
    """Serve the OpenAPI document."""
    return jsonify(openapi_document())
