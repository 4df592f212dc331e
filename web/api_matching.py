"""The matching API: accounts, haulers, requests with offers and history, lifecycle, batch, day plans.

Access: a requester sees and changes only its requests; a hauler sees the requests offered to or accepted by it
(and only its own offers on them) and reports collections and misses; the city sees and does everything in its
city. A request an account may not see answers 404, as if it did not exist.
"""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd
from flask import Blueprint, jsonify, request

from routing.matching.engine import Matcher
from routing.matching.missed import resolve_missed
from routing.matching.rules import RULES
from waste.errors import InputError
from waste.matching.accounts import Account, create_account
from waste.matching.haulers import haulers_frame
from waste.matching.requests import (
    AccessDeniedError,
    change_status,
    get_request,
    history,
    list_requests,
    offers_of,
    submit_request,
    visible_request,
)
from waste.matching.webhooks import deliver_pending
from web.matching_auth import caller, refuse, unauthorized
from web.state import web_state

bp = Blueprint("api_matching", __name__, url_prefix="/api")

#: Hauler columns any caller may read (its own costs stay private).
PUBLIC_HAULER_COLUMNS = [
    "hauler_id", "name", "kind", "streams", "containers", "working_days", "shift_start", "shift_end",
    "max_pickups_per_day", "currency", "price_per_pickup", "price_per_m3", "price_per_tonne",
    "price_per_km_outside", "base_radius_km", "source",
]  # fmt: skip


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InputError("send a JSON object", field="body")
    return body


def _kick_webhooks() -> None:
    """Deliver pending webhooks in the background, one delivery thread at a time."""
    state = web_state()
    pump = state.cache.setdefault("webhook_pump", threading.Lock())
    if not pump.acquire(blocking=False):
        state.cache["webhook_again"] = True
        return

    def run() -> None:
        try:
            while True:
                state.cache["webhook_again"] = False
                deliver_pending(state.store)
                if not state.cache.get("webhook_again"):
                    break
        finally:
            pump.release()

    threading.Thread(target=run, daemon=True, name="webhooks").start()


def _view(account: Account, row: dict[str, Any]) -> dict[str, Any]:
    """A request as ``account`` may see it: with offers (a hauler sees only its own) and its history."""
    store = web_state().store
    offers = offers_of(store, row["request_id"])
    if account.is_hauler:
        offers = offers[offers["hauler_id"] == account.hauler_id]
    events = history(store, row["request_id"])
    events = events.assign(ts=events["ts"].map(lambda t: t.isoformat())).drop(columns=["ts_unix_s"])
    return {"request": row, "offers": _records(offers), "history": _records(events)}


def _visible(account: Account, request_id: int) -> dict[str, Any] | None:
    try:
        return visible_request(web_state().store, account, request_id)
    except AccessDeniedError:
        return None


@bp.post("/accounts")
def new_account() -> Any:
    """Create an account (the city only) and answer its token, shown once."""
    body = _body()
    account = caller(body.get("city"))
    if account is None:
        return unauthorized()
    if not account.is_city:
        return refuse(403, "only the city creates accounts", "kind")
    city = account.city or str(body.get("city") or "")
    if not city:
        raise InputError("required", field="city")
    token = create_account(
        web_state().store,
        str(body.get("account_id") or ""),
        city,
        str(body.get("kind") or ""),
        str(body.get("name") or ""),
        hauler_id=body.get("hauler_id"),
        webhook_url=body.get("webhook_url"),
    )
    response = jsonify({"account_id": body["account_id"], "city": city, "kind": body["kind"], "token": token})
    response.status_code = 201
    return response


@bp.get("/haulers")
def haulers() -> Any:
    """A city's haulers with their streams, days and price lists (public)."""
    city = request.args.get("city")
    if not city:
        return refuse(400, "give ?city=", "city")
    frame = haulers_frame(web_state().store, city)
    return jsonify(_records(frame[[c for c in PUBLIC_HAULER_COLUMNS if c in frame]]))


@bp.post("/requests")
def new_request() -> Any:
    """File a request; its offers are made at once and, unless ``accept`` is false, the ``rule``'s pick accepted."""
    body = _body()
    account = caller(body.get("city"))
    if account is None:
        return unauthorized()
    if account.is_hauler:
        return refuse(403, "haulers do not file requests", "account_id")
    rule = str(body.get("rule") or "cheapest")
    if rule not in RULES:
        raise InputError(f"{rule!r} is not one of {', '.join(RULES)}", field="rule")
    store = web_state().store
    source = "form" if body.get("source") == "form" else "api"
    try:
        rid = submit_request(store, account, body, source=source)
    except AccessDeniedError as exc:
        return refuse(403, exc.reason, exc.field)
    row = visible_request(store, account, rid)
    matcher = Matcher(store, row["city"])
    if body.get("accept", True) in (False, "false", "no", 0):
        matcher.offers(rid)
    else:
        matcher.match(rid, rule, account)
    _kick_webhooks()
    response = jsonify(_view(account, visible_request(store, account, rid)))
    response.status_code = 201
    return response


@bp.get("/requests")
def requests_list() -> Any:
    """The requests the caller may see, newest first (``?status=``, ``?date=``, ``?hauler_id=``)."""
    account = caller(request.args.get("city"))
    if account is None:
        return unauthorized()
    frame = list_requests(
        web_state().store,
        account if account.city else None,
        city=request.args.get("city"),
        status=request.args.get("status"),
        hauler_id=request.args.get("hauler_id"),
        service_date=request.args.get("date"),
    )
    return jsonify(_records(frame))


@bp.get("/requests/<int:request_id>")
def one_request(request_id: int) -> Any:
    """One request with its offers and history, if the caller may see it."""
    found = _caller_and_request(request_id)
    if not isinstance(found, tuple):
        return found
    account, row = found
    return jsonify(_view(account, row))


def _caller_and_request(request_id: int) -> tuple[Account, dict[str, Any]] | Any:
    """The calling account (the operator taking the request's city) and the request, if the caller may see it.

    Otherwise the answer to give: 401 without a valid token, 404 for a request the caller may not see.
    """
    account = caller()
    if account is None:
        return unauthorized()
    account = _for_city(account, request_id)
    row = _visible(account, request_id)
    if row is None:
        return refuse(404, f"no request {request_id}", "request_id")
    return account, row


def _for_city(account: Account, request_id: int) -> Account:
    """The app token's operator takes the city of the request it looks at."""
    if account.account_id != "operator":
        return account
    row = get_request(web_state().store, request_id)
    return Account("operator", row["city"] if row else "", "city", account.name)


@bp.post("/requests/<int:request_id>/accept")
def accept(request_id: int) -> Any:
    """Accept one of the request's offers (``offer_id``): the requester or the city."""
    found = _caller_and_request(request_id)
    if not isinstance(found, tuple):
        return found
    account, row = found
    if account.is_hauler:
        return refuse(403, "a hauler does not accept its own offer", "offer_id")
    body = _body()
    try:
        offer_id = int(body.get("offer_id"))
    except (TypeError, ValueError):
        raise InputError("required: the id of one of the request's offers", field="offer_id") from None
    Matcher(web_state().store, row["city"]).accept(request_id, offer_id, account)
    _kick_webhooks()
    return jsonify(_view(account, visible_request(web_state().store, account, request_id)))


@bp.post("/requests/<int:request_id>/status")
def set_status(request_id: int) -> Any:
    """Move a request (``status``, ``note``): a requester cancels; a hauler schedules, collects or misses it."""
    found = _caller_and_request(request_id)
    if not isinstance(found, tuple):
        return found
    account, row = found
    body = _body()
    new = str(body.get("status") or "")
    if account.is_hauler and row["hauler_id"] != account.hauler_id:
        return refuse(403, "only the hauler that accepted it may report on it", "status")
    store = web_state().store
    try:
        change_status(store, request_id, new, account, note=body.get("note"))
    except AccessDeniedError as exc:
        return refuse(403, exc.reason, exc.field)
    answer = _view(account, visible_request(store, account, request_id))
    if new == "missed":
        outcome = resolve_missed(Matcher(store, row["city"]), request_id)
        answer["recovery_request_id"] = outcome.recovery_request_id
        answer["credit"] = outcome.credit
    _kick_webhooks()
    return jsonify(answer)


@bp.post("/match/batch")
def batch() -> Any:
    """Match every waiting request of a city jointly (the city only)."""
    body = _body()
    account = caller(body.get("city"))
    if account is None:
        return unauthorized()
    if not account.is_city:
        return refuse(403, "only the city runs a batch", "city")
    store = web_state().store
    waiting = list_requests(store, account, status="requested")["request_id"].tolist()
    result = Matcher(store, account.city).match_batch(sorted(waiting), account)
    _kick_webhooks()
    chosen = {str(rid): (None if o is None else o.record()) for rid, o in result.chosen.items()}
    return jsonify({"status": result.status, "total_price": result.objective, "chosen": chosen})


@bp.post("/match/schedule")
def schedule() -> Any:
    """Solve each hauler's day (``date``) of a city: accepted pickups become scheduled (the city only)."""
    body = _body()
    account = caller(body.get("city"))
    if account is None:
        return unauthorized()
    if not account.is_city:
        return refuse(403, "only the city plans the days", "city")
    day = str(body.get("date") or "")
    solved = Matcher(web_state().store, account.city).schedule(day, time_limit_s=float(body.get("time_limit_s", 2)))
    _kick_webhooks()
    return jsonify(
        [
            {
                "hauler_id": s.hauler_id,
                "date": s.date,
                "stops": len(s.arrival_s),
                "unserved": list(s.unserved),
                "trucks": s.trucks_used,
                "distance_km": round(s.distance_km, 2),
                "cost": round(s.cost, 2),
            }
            for s in solved
        ]
    )


@bp.get("/haulers/<hauler_id>/day")
def hauler_day(hauler_id: str) -> Any:
    """A hauler's pickups on a date (``?date=``) in visiting order with windows: the hauler itself or the city."""
    account = caller(request.args.get("city"))
    if account is None:
        return unauthorized()
    if not (account.is_city or account.hauler_id == hauler_id):
        return refuse(403, "a hauler sees only its own day", "hauler_id")
    day = request.args.get("date")
    if not day:
        return refuse(400, "give ?date=YYYY-MM-DD", "date")
    frame = list_requests(web_state().store, account if account.city else None, hauler_id=hauler_id, service_date=day)
    frame = frame[frame["status"].isin(["accepted", "scheduled", "collected", "missed"])]
    return jsonify(_records(frame.sort_values(["window_start", "request_id"])))
