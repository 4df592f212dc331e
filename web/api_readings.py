"""``POST /api/readings`` (a batch of readings) and ``POST /api/uplinks`` (The Things Stack webhook).

Both run the same validation as ``waste ingest`` (:func:`waste.ingest.ingest_records`): every valid row is stored,
every bad row is quarantined with its reason and named in the answer, and a row already stored is counted, not
stored twice, so a client may re-post a batch whose answer it lost. The answer is 200 when every row was good and
400 (with the valid rows stored all the same) when any was not.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pandas as pd
from flask import Blueprint, jsonify, request

from waste.ingest import IngestReport, ingest_records
from waste.validate import BinLookup
from web.auth import requires_token
from web.body import json_body
from web.state import web_state

bp = Blueprint("api_readings", __name__, url_prefix="/api")

#: Largest batch accepted in one request (rows).
MAX_BATCH_ROWS = 50_000
#: Seconds the known bins are cached between requests; a city loaded meanwhile is seen after this long.
BIN_CACHE_S = 30.0


def _bins() -> BinLookup:
    state = web_state()
    with state.lock:
        cached = state.cache.get("bin_lookup")
        if cached is not None and time.monotonic() - cached[0] < BIN_CACHE_S:
            return cached[1]
    lookup = BinLookup.from_bins(state.store.bins())
    with state.lock:
        state.cache["bin_lookup"] = (time.monotonic(), lookup)
    return lookup


def _bad_request(detail: str) -> Any:
    response = jsonify({"error": "bad_request", "detail": detail})
    response.status_code = 400
    return response


def _records(body: Any, key: str) -> list[Any] | None:
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get(key), list):
        return body[key]
    return None


def _answer(report: IngestReport) -> Any:
    rejected = _problems(report.rejected)
    body = {
        "received": report.rows_read,
        "accepted": report.stored + report.already_stored,
        "stored": report.stored,
        "already_stored": report.already_stored,
        "rejected": rejected,
        "dropped_fields": _problems(report.dropped),
    }
    response = jsonify(body)
    response.status_code = 400 if rejected else 200
    return response


def _problems(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Rows of a rejected or dropped-fields frame as the API names them (0-based row in the posted list)."""
    if frame is None:
        return []
    return [
        {
            "row": int(row["line"]) - 1,
            "field": row["field"],
            "reason": row["reason"],
            "value": row["value"],
            "detail": row["detail"],
        }
        for row in frame.astype(object).where(frame.notna(), None).to_dict("records")
    ]


def _ingest(records: list[Any], kind: str) -> Any:
    if len(records) > MAX_BATCH_ROWS:
        return _bad_request(f"at most {MAX_BATCH_ROWS} rows per request, got {len(records)}")
    # Naming the source after the body's hash tells batches apart in the quarantine (each numbers its rows from 0);
    # a re-posted batch is the same source with the same rows, so nothing is quarantined twice.
    source = f"api:{kind}:{hashlib.sha256(request.get_data()).hexdigest()[:16]}"
    report = ingest_records(web_state().store, records, source, first_line=1, bins=_bins())
    return _answer(report)


@bp.post("/readings")
@requires_token
def post_readings() -> Any:
    """Store a batch of readings: a JSON list of objects, or ``{"readings": [...]}``."""
    records = _records(json_body(), "readings")
    if records is None:
        return _bad_request('the body must be a JSON list of readings or {"readings": [...]}')
    return _ingest(records, "readings")


@bp.post("/uplinks")
@requires_token
def post_uplinks() -> Any:
    """The Things Stack webhook: one uplink message per request, or a list of them."""
    body = json_body()
    if isinstance(body, dict):
        records = [body]
    elif isinstance(body, list):
        records = body
    else:
        return _bad_request("the body must be a The Things Stack uplink message (JSON object) or a list of them")
    return _ingest(records, "uplinks")
