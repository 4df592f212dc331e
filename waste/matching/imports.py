"""Requests from a CSV file: one row per request, ``account_id`` and the request's fields as columns.

Every valid row is stored; each bad row is reported with its line and field and not stored, so one typo does not
hold back a hundred good requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from waste.errors import InputError
from waste.matching.accounts import Account, get_account
from waste.matching.requests import submit_request
from waste.store import Store


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Ids of the requests stored, and the rows rejected (``InputError`` with file, line and field)."""

    stored: tuple[int, ...]
    rejected: tuple[InputError, ...]


def import_requests_csv(store: Store, path: Path, city_account: Account) -> ImportResult:
    """Store each valid row of ``path`` as a request of its ``account_id`` in the city of ``city_account``."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read CSV: {exc}", file=str(path)) from exc
    if "account_id" not in frame.columns:
        raise InputError("missing column", file=str(path), row=1, field="account_id")
    stored, rejected = [], []
    for line, row in enumerate(frame.to_dict("records"), start=2):
        try:
            owner = get_account(store, row["account_id"])
            if owner is None or owner.city != city_account.city or not owner.is_requester:
                raise InputError(f"no requester account {row['account_id']!r}", field="account_id")
            stored.append(submit_request(store, owner, row, source="csv", actor=city_account.account_id))
        except InputError as exc:
            rejected.append(InputError(exc.reason, file=str(path), row=line, field=exc.field))
    return ImportResult(tuple(stored), tuple(rejected))
