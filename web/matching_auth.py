"""Who is calling the matching API: an account's bearer token, or the app's own token acting as the city.

Every matching endpoint but the public ones (haulers, the recycling report) needs ``Authorization: Bearer <token>``.
An account's token makes the call that account's (a requester, a hauler, the city); the app's token
(``WASTE_API_TOKEN``) acts as the city's operator of the city the call names.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import jsonify, request

from waste.matching.accounts import Account, account_for_token
from web.auth import api_token
from web.state import web_state


def bearer() -> str:
    """The bearer token of the request, or an empty string."""
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""


def caller(city: str | None = None) -> Account | None:
    """The calling account; the app's token is the operator of ``city`` (of every city when ``None``)."""
    token = bearer()
    if not token:
        return None
    if hmac.compare_digest(token.encode(), api_token().encode()):
        return Account("operator", city or "", "city", "operator (app token)")
    return account_for_token(web_state().store, token)


def unauthorized() -> Any:
    """401 with the reason."""
    body = {"error": "unauthorized", "detail": "send 'Authorization: Bearer <account token>'"}
    response = jsonify(body)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="waste"'
    return response


def refuse(status: int, detail: str, field: str | None = None) -> Any:
    """A JSON error (403 forbidden, 404 not found, 409 conflict) naming the field."""
    names = {403: "forbidden", 404: "not_found", 409: "conflict", 400: "bad_request"}
    body: dict[str, Any] = {"error": names.get(status, "error"), "detail": detail}
    if field:
        body["errors"] = [{"field": field, "reason": detail}]
    response = jsonify(body)
    response.status_code = status
    return response
