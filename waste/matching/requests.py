"""Requests, their offers and their history in the store.

Every status change is written with its time and actor in ``request_events`` in the same transaction as the change,
and, when the requester has a webhook URL, a pending row in ``webhook_deliveries`` (an outbox): a crash between the
change and the notification loses neither. :mod:`waste.matching.webhooks` delivers the pending rows.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, or_, select

from waste.districts import city_districts
from waste.errors import InputError
from waste.matching import tables
from waste.matching.accounts import Account, can_see, get_account
from waste.matching.lifecycle import check_transition, may_change
from waste.matching.model import SOURCES, validate_request
from waste.store import Store

#: The actor of changes the platform makes itself (offers computed, a day's plan, a missed day detected).
SYSTEM = "system"


class AccessDeniedError(InputError):
    """The account may not read or change this request (the API answers 403, or 404 to hide that it exists)."""


def submit_request(
    store: Store,
    account: Account,
    data: dict[str, Any],
    *,
    source: str = "api",
    today: date | None = None,
    bin_id: str | None = None,
    recovery_of: int | None = None,
    actor: str | None = None,
) -> int:
    """Validate and store a request of ``account`` (status ``requested``); return its id.

    The city's account may file on behalf of a requester by giving ``account_id`` in ``data``.

    Raises
    ------
    InputError
        Naming the field at fault.
    AccessDeniedError
        When a hauler's account files a request, or a requester names another account.
    """
    if source not in SOURCES:
        raise InputError(f"{source!r} is not one of {', '.join(SOURCES)}", field="source")
    owner = account
    if data.get("account_id") and data["account_id"] != account.account_id:
        if not account.is_city:
            raise AccessDeniedError("only the city may file a request for another account", field="account_id")
        found = get_account(store, str(data["account_id"]))
        if found is None or not found.is_requester or found.city != account.city:
            raise InputError(f"no requester account {data['account_id']!r} in {account.city}", field="account_id")
        owner = found
    if not owner.is_requester:
        raise AccessDeniedError("requests are filed by business or resident accounts", field="account_id")
    clean = validate_request(data, today=today)
    district = str(city_districts(owner.city).of(clean["lat"], clean["lon"])[0])
    now = int(time.time())
    with store.engine.begin() as conn:
        result = conn.execute(
            tables.requests.insert().values(
                city=owner.city,
                account_id=owner.account_id,
                district=district,
                source=source,
                bin_id=bin_id,
                status="requested",
                credit=0.0,
                recovery_of=recovery_of,
                created_unix_s=now,
                updated_unix_s=now,
                **clean,
            )
        )
        request_id = int(result.inserted_primary_key[0])
        _event(conn, request_id, None, "requested", actor or account.account_id, f"source {source}", now)
    return request_id


def get_request(store: Store, request_id: int) -> dict[str, Any] | None:
    """One request's row, or ``None``."""
    with store.engine.connect() as conn:
        row = conn.execute(select(tables.requests).where(tables.requests.c.request_id == int(request_id)))
        found = row.mappings().first()
    return None if found is None else dict(found)


def visible_request(store: Store, account: Account, request_id: int) -> dict[str, Any]:
    """A request ``account`` may see.

    Raises
    ------
    AccessDeniedError
        When it does not exist or the account may not see it (the same error: existence is not disclosed).
    """
    row = get_request(store, request_id)
    if row is None or not can_see(account, row, set(offers_of(store, request_id)["hauler_id"])):
        raise AccessDeniedError(f"no request {request_id} for account {account.account_id}", field="request_id")
    return row


def list_requests(
    store: Store,
    account: Account | None = None,
    *,
    city: str | None = None,
    status: str | None = None,
    hauler_id: str | None = None,
    service_date: str | None = None,
) -> pd.DataFrame:
    """Requests ``account`` may see (every one when ``None``), newest first, with optional filters."""
    t = tables.requests
    query = select(t).order_by(t.c.request_id.desc())
    if account is not None:
        if account.is_city:
            query = query.where(t.c.city == account.city)
        elif account.is_requester:
            query = query.where(t.c.account_id == account.account_id)
        else:
            offered = select(tables.offers.c.request_id).where(tables.offers.c.hauler_id == account.hauler_id)
            query = query.where(or_(t.c.hauler_id == account.hauler_id, t.c.request_id.in_(offered)))
    for column, value in (("city", city), ("status", status), ("hauler_id", hauler_id), ("service_date", service_date)):
        if value is not None:
            query = query.where(t.c[column] == value)
    with store.engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in t.columns])


def offers_of(store: Store, request_id: int) -> pd.DataFrame:
    """Offers made for a request, cheapest first."""
    t = tables.offers
    query = select(t).where(t.c.request_id == int(request_id)).order_by(t.c.price, t.c.service_date)
    with store.engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in t.columns])


def history(store: Store, request_id: int) -> pd.DataFrame:
    """Every status change of a request, oldest first, with ``ts`` as UTC timestamps."""
    t = tables.request_events
    query = select(t).where(t.c.request_id == int(request_id)).order_by(t.c.event_id)
    with store.engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in t.columns])
    return frame.assign(ts=pd.to_datetime(frame["ts_unix_s"].astype("int64"), unit="s", utc=True))


def save_offers(store: Store, request_id: int, offers: Iterable[dict[str, Any]]) -> list[int]:
    """Store offers for a ``requested`` request and move it to ``offered`` (left ``requested`` when none); their ids.

    Each offer has ``hauler_id``, ``service_date``, ``window_start``, ``window_end``, ``price``, ``marginal_cost``,
    ``road_km_from_depot``.
    """
    now = int(time.time())
    ids = []
    with store.engine.begin() as conn:
        current = _status(conn, request_id)
        rows = list(offers)
        for offer in rows:
            result = conn.execute(
                tables.offers.insert().values(request_id=request_id, status="open", created_unix_s=now, **offer)
            )
            ids.append(int(result.inserted_primary_key[0]))
        if rows:
            note = f"{len(rows)} offer(s) from {len({o['hauler_id'] for o in rows})} hauler(s)"
            _change(conn, request_id, current, "offered", SYSTEM, note, now)
        else:
            _event(conn, request_id, current, current, SYSTEM, "no feasible hauler within the requested days", now)
    return ids


def accept_offer(store: Store, request_id: int, offer_id: int, actor: Account | None) -> None:
    """Accept one offer of an ``offered`` request: the request takes its hauler, day, window and price.

    Raises
    ------
    InputError
        When the offer is not an open offer of this request, or the request is not ``offered``.
    AccessDeniedError
        When ``actor`` may not accept for this request.
    """
    if actor is not None and not (actor.is_city or actor.is_requester):
        raise AccessDeniedError("only the requester or the city may accept an offer", field="offer_id")
    now = int(time.time())
    with store.engine.begin() as conn:
        row = conn.execute(
            select(tables.offers).where(
                and_(tables.offers.c.offer_id == int(offer_id), tables.offers.c.request_id == int(request_id))
            )
        ).mappings()
        offer = row.first()
        if offer is None or offer["status"] != "open":
            raise InputError(f"offer {offer_id} is not an open offer of request {request_id}", field="offer_id")
        current = _status(conn, request_id)
        check_transition(current, "accepted")
        conn.execute(
            tables.offers.update().where(tables.offers.c.request_id == int(request_id)).values(status="declined")
        )
        conn.execute(tables.offers.update().where(tables.offers.c.offer_id == int(offer_id)).values(status="accepted"))
        fields = {k: offer[k] for k in ("hauler_id", "service_date", "window_start", "window_end", "price")}
        who = SYSTEM if actor is None else actor.account_id
        note = f"offer {offer_id} of {offer['hauler_id']}"
        _change(conn, request_id, current, "accepted", who, note, now, offer_id=offer_id, **fields)


def change_status(
    store: Store,
    request_id: int,
    new: str,
    actor: Account | None,
    *,
    note: str | None = None,
    **fields: Any,
) -> int:
    """Move a request to ``new`` (by ``actor``; ``None`` is the platform itself), storing the event; its id.

    Raises
    ------
    InputError
        When the change is not allowed from the current status.
    AccessDeniedError
        When ``actor`` may not make this change.
    """
    if actor is not None and not may_change(actor, new):
        raise AccessDeniedError(f"a {actor.kind} account may not set a request to {new}", field="status")
    now = int(time.time())
    with store.engine.begin() as conn:
        current = _status(conn, request_id)
        check_transition(current, new)
        who = SYSTEM if actor is None else actor.account_id
        return _change(conn, request_id, current, new, who, note, now, **fields)


def _status(conn: Connection, request_id: int) -> str:
    found = conn.execute(select(tables.requests.c.status).where(tables.requests.c.request_id == int(request_id)))
    status = found.scalar_one_or_none()
    if status is None:
        raise InputError(f"no request {request_id}", field="request_id")
    return str(status)


def _change(
    conn: Connection, request_id: int, old: str, new: str, actor: str, note: str | None, now: int, **fields: Any
) -> int:
    conn.execute(
        tables.requests.update()
        .where(tables.requests.c.request_id == int(request_id))
        .values(status=new, updated_unix_s=now, **fields)
    )
    return _event(conn, request_id, old, new, actor, note, now)


def _event(conn: Connection, request_id: int, old: str | None, new: str, actor: str, note: str | None, now: int) -> int:
    result = conn.execute(
        tables.request_events.insert().values(
            request_id=request_id, ts_unix_s=now, status_from=old, status_to=new, actor=actor, note=note
        )
    )
    event_id = int(result.inserted_primary_key[0])
    owner = select(tables.requests.c.account_id).where(tables.requests.c.request_id == int(request_id))
    url = conn.execute(
        select(tables.accounts.c.webhook_url).where(tables.accounts.c.account_id == owner.scalar_subquery())
    ).scalar_one_or_none()
    if url and old != new:
        conn.execute(
            tables.webhook_deliveries.insert().values(
                event_id=event_id, request_id=request_id, url=url, status="pending", attempts=0, created_unix_s=now
            )
        )
    return event_id
