"""Recycling records in (haulers and the city) and the per-district, per-month report out (public, JSON or CSV)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from waste.errors import InputError
from waste.recycling.records import add_records, records, validate_record
from waste.recycling.report import monthly_report
from web.matching_auth import caller, refuse, unauthorized
from web.state import web_state

bp = Blueprint("api_recycling", __name__, url_prefix="/api")


@bp.post("/recycling")
def add() -> Any:
    """Store what collections brought in: one record or ``{"records": [...]}``; all or none, errors name the row."""
    body = request.get_json(silent=True)
    rows = body.get("records") if isinstance(body, dict) and "records" in body else [body]
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputError("send a record object or {'records': [...]}", field="records")
    city = str((rows[0] or {}).get("city") or request.args.get("city") or "") if rows else ""
    account = caller(city or None)
    if account is None:
        return unauthorized()
    if not (account.is_city or account.is_hauler):
        return refuse(403, "haulers and the city record collections", "records")
    city = account.city or city
    if not city:
        raise InputError("required", field="city")
    clean = []
    for n, row in enumerate(rows):
        try:
            record = validate_record(row, city)
        except InputError as exc:
            body = {"error": "bad_request", "detail": f"record {n}: {exc}"}
            body["errors"] = [{"row": n, "field": exc.field, "reason": exc.reason}]
            response = jsonify(body)
            response.status_code = 400
            return response
        if account.is_hauler:
            record["hauler_id"] = account.hauler_id
        clean.append(record)
    stored = add_records(web_state().store, clean, recorded_by=account.account_id)
    response = jsonify({"stored": stored})
    response.status_code = 201
    return response


@bp.get("/recycling/report")
def report() -> Any:
    """Per district and month of a city (``?city=``, ``?since=``, ``?until=``): JSON, or CSV with ``?format=csv``."""
    city = request.args.get("city")
    if not city:
        return refuse(400, "give ?city=", "city")
    frame = monthly_report(records(web_state().store, city, request.args.get("since"), request.args.get("until")))
    if request.args.get("format") == "csv":
        return Response(
            frame.to_csv(index=False),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={city}_recycling.csv"},
        )
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return jsonify(rows)
