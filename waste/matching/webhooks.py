"""Webhooks: tell a requester's URL about each status change of its requests, retrying with backoff.

Status changes leave a ``pending`` row in ``webhook_deliveries`` (see :mod:`waste.matching.requests`).
:func:`deliver_pending` posts each as JSON; a failure (no answer, or an HTTP status other than 2xx) is retried after
``base_delay_s``, then twice that, and so on, up to ``max_attempts`` attempts; the row records the attempts, the last
HTTP status and error, and ends ``delivered`` or ``failed``. A failed delivery is kept for the operator to see
(``waste requests webhooks``); it is not retried again by itself.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

from waste.matching import tables
from waste.store import Store

#: Attempts per delivery, and the first wait between two attempts (s); each next wait doubles.
MAX_ATTEMPTS = 5
BASE_DELAY_S = 1.0
TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    """What one :func:`deliver_pending` call did."""

    delivered: int
    failed: int


def deliver_pending(
    store: Store,
    *,
    max_attempts: int = MAX_ATTEMPTS,
    base_delay_s: float = BASE_DELAY_S,
    timeout_s: float = TIMEOUT_S,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryCounts:
    """Deliver every pending webhook, oldest first, each with its retries."""
    d, e = tables.webhook_deliveries, tables.request_events
    with store.engine.connect() as conn:
        pending = (
            conn.execute(
                select(d, e.c.ts_unix_s, e.c.status_from, e.c.status_to, e.c.actor, e.c.note)
                .join(e, e.c.event_id == d.c.event_id)
                .where(d.c.status == "pending")
                .order_by(d.c.delivery_id)
            )
            .mappings()
            .all()
        )
    delivered = failed = 0
    for row in pending:
        body = json.dumps(
            {
                "event_id": row["event_id"],
                "request_id": row["request_id"],
                "status": row["status_to"],
                "previous_status": row["status_from"],
                "at": pd.Timestamp(row["ts_unix_s"], unit="s", tz="UTC").isoformat(),
                "actor": row["actor"],
                "note": row["note"],
            }
        ).encode()
        attempts, http_status, error = 0, None, None
        while attempts < max_attempts:
            if attempts:
                sleep(base_delay_s * 2 ** (attempts - 1))
            attempts += 1
            http_status, error = _post(row["url"], body, row["event_id"], timeout_s)
            if http_status is not None and 200 <= http_status < 300:
                error = None
                break
        ok = error is None
        delivered += ok
        failed += not ok
        with store.engine.begin() as conn:
            conn.execute(
                d.update()
                .where(d.c.delivery_id == row["delivery_id"])
                .values(
                    status="delivered" if ok else "failed",
                    attempts=attempts,
                    last_http_status=http_status,
                    last_error=error,
                    finished_unix_s=int(time.time()),
                )
            )
    return DeliveryCounts(delivered, failed)


def _post(url: str, body: bytes, event_id: int, timeout_s: float) -> tuple[int | None, str | None]:
    """POST ``body``; (HTTP status or ``None``, error text or ``None``)."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Waste-Event": str(event_id)},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:
            return int(answer.status), None
    except urllib.error.HTTPError as exc:
        exc.close()  # the error carries the open response
        return int(exc.code), f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"no answer: {reason}"


def deliveries(store: Store, request_id: int | None = None) -> pd.DataFrame:
    """Webhook deliveries, newest first (optionally of one request)."""
    d = tables.webhook_deliveries
    query = select(d).order_by(d.c.delivery_id.desc())
    if request_id is not None:
        query = query.where(d.c.request_id == int(request_id))
    with store.engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in d.columns])
