"""Accounts and their tokens, and the access rule of each kind of account.

A requester (business or resident) sees and changes only its own requests; a hauler sees the requests offered to
or accepted by it; the city sees every request of its city. Each account has one bearer token, made here and shown
once; the store keeps only its SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from sqlalchemy import select

from waste.errors import InputError
from waste.matching import tables
from waste.matching.model import ACCOUNT_KINDS, REQUESTER_KINDS
from waste.store import Store


@dataclass(frozen=True, slots=True)
class Account:
    """Who is calling: the account's id, city, kind and (for a hauler's account) its hauler."""

    account_id: str
    city: str
    kind: str
    name: str
    hauler_id: str | None = None
    webhook_url: str | None = None

    @property
    def is_city(self) -> bool:
        """The city's account: sees and may change everything in its city."""
        return self.kind == "city"

    @property
    def is_requester(self) -> bool:
        """A business or resident account."""
        return self.kind in REQUESTER_KINDS

    @property
    def is_hauler(self) -> bool:
        """A hauler's account."""
        return self.kind == "hauler"


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_account(
    store: Store,
    account_id: str,
    city: str,
    kind: str,
    name: str,
    *,
    hauler_id: str | None = None,
    webhook_url: str | None = None,
    token: str | None = None,
) -> str:
    """Create an account and return its bearer token (only its hash is stored: show it to the user once).

    Raises
    ------
    InputError
        When a field is missing or wrong, or the id is taken.
    """
    account_id = (account_id or "").strip()
    if not account_id or len(account_id) > 64:
        raise InputError("required, at most 64 characters", field="account_id")
    if kind not in ACCOUNT_KINDS:
        raise InputError(f"{kind!r} is not one of {', '.join(ACCOUNT_KINDS)}", field="kind")
    if kind == "hauler" and not hauler_id:
        raise InputError("a hauler's account names its hauler", field="hauler_id")
    if webhook_url and not webhook_url.startswith(("http://", "https://")):
        raise InputError(f"{webhook_url!r} is not an http(s) URL", field="webhook_url")
    token = token or secrets.token_urlsafe(24)
    with store.engine.begin() as conn:
        taken = conn.execute(select(tables.accounts.c.account_id).where(tables.accounts.c.account_id == account_id))
        if taken.first() is not None:
            raise InputError(f"account {account_id!r} exists already", field="account_id")
        conn.execute(
            tables.accounts.insert().values(
                account_id=account_id,
                city=city,
                kind=kind,
                name=name or account_id,
                hauler_id=hauler_id,
                webhook_url=webhook_url or None,
                token_sha256=token_hash(token),
                created_unix_s=int(time.time()),
            )
        )
    return token


def account_for_token(store: Store, token: str) -> Account | None:
    """The account a bearer token belongs to, or ``None``."""
    if not token:
        return None
    with store.engine.connect() as conn:
        row = (
            conn.execute(select(tables.accounts).where(tables.accounts.c.token_sha256 == token_hash(token)))
            .mappings()
            .first()
        )
    return None if row is None else _account(row)


def get_account(store: Store, account_id: str) -> Account | None:
    """One account by id, or ``None``."""
    with store.engine.connect() as conn:
        row = conn.execute(select(tables.accounts).where(tables.accounts.c.account_id == account_id)).mappings().first()
    return None if row is None else _account(row)


def _account(row: object) -> Account:
    data = dict(row)  # type: ignore[call-overload]
    return Account(
        account_id=data["account_id"],
        city=data["city"],
        kind=data["kind"],
        name=data["name"],
        hauler_id=data["hauler_id"],
        webhook_url=data["webhook_url"],
    )


def can_see(account: Account, request: dict, offered_to: set[str]) -> bool:
    """Whether ``account`` may read ``request`` (a row of the requests table), offered to the haulers ``offered_to``."""
    if account.is_city:
        return request["city"] == account.city
    if account.is_requester:
        return request["account_id"] == account.account_id
    return account.hauler_id is not None and (
        request["hauler_id"] == account.hauler_id or account.hauler_id in offered_to
    )
