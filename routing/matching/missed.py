"""The missed-pickup rule: a recovery pickup at no charge, else a credit of the full price.

When a pickup is missed (the hauler reports it, or the day's plan could not reach it), the same hauler is asked
to come back within :data:`RECOVERY_DAYS` days after the missed day, at no charge: a new request (source
``recovery``, linked by ``recovery_of``) is matched to that hauler alone. When the hauler cannot fit it in that
time, the requester is credited the full price of the missed pickup (the request's ``credit``), and may ask
again. The hauler carries the cost either way: that is the incentive the rule is for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from routing.matching.engine import Matcher
from waste.matching import tables
from waste.matching.accounts import get_account
from waste.matching.requests import SYSTEM, change_status, get_request, save_offers, submit_request
from waste.store import Store

#: Days after the missed day within which the recovery pickup must happen.
RECOVERY_DAYS = 2


@dataclass(frozen=True, slots=True)
class MissedOutcome:
    """What the rule gave: the recovery request's id, or the credit (currency)."""

    request_id: int
    recovery_request_id: int | None
    credit: float


def resolve_missed(matcher: Matcher, request_id: int) -> MissedOutcome:
    """Apply the rule to a ``missed`` request."""
    store: Store = matcher.store
    row = get_request(store, request_id)
    if row is None or row["status"] != "missed":
        msg = f"request {request_id} is not missed"
        raise ValueError(msg)
    matcher.release(request_id)
    owner = get_account(store, row["account_id"])
    missed_on = date.fromisoformat(row["service_date"] or row["latest"])
    body = {k: row[k] for k in ("address", "lat", "lon", "stream", "container", "volume_m3")}
    body["earliest"] = (missed_on + timedelta(days=1)).isoformat()
    body["latest"] = (missed_on + timedelta(days=RECOVERY_DAYS)).isoformat()
    assert owner is not None  # a request always has its account
    recovery = submit_request(store, owner, body, source="recovery", recovery_of=request_id, actor=SYSTEM)
    found = matcher.offers(recovery, only=row["hauler_id"], save=False)
    if found:
        first = min(found, key=lambda o: (o.service_date, o.marginal_cost))
        record = {**first.record(), "price": 0.0}
        (offer_id,) = save_offers(store, recovery, [record])
        matcher.accept(recovery, offer_id, None)
        return MissedOutcome(request_id, recovery, 0.0)
    note = f"{row['hauler_id']} has no room within {RECOVERY_DAYS} days: credited instead"
    change_status(store, recovery, "cancelled", None, note=note)
    credit = float(row["price"] or 0.0)
    with store.engine.begin() as conn:
        conn.execute(
            tables.requests.update().where(tables.requests.c.request_id == int(request_id)).values(credit=credit)
        )
    return MissedOutcome(request_id, None, credit)
