"""Bearer-token check of the API's write endpoints.

Every write (``POST``) needs ``Authorization: Bearer <token>`` equal to the app's token: ``WASTE_API_TOKEN``, or,
when that is unset, a random token made when the app starts (``waste serve`` prints it), so a write endpoint is
never open by accident. Only that made-up token is ever put in a page, and only for a browser on the same machine
(a loopback address, no proxy in between), so a dispatcher trying the app locally can press "run a new plan" at
once. A token the operator chose is never sent out: it is typed once into the page's token box, and the browser
keeps it for the next visits.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, jsonify, request

F = TypeVar("F", bound=Callable[..., Any])


def api_token() -> str:
    """The token writes must carry."""
    return current_app.config["WASTE_API_TOKEN"]


def token_is_valid(header: str | None) -> bool:
    """Whether an ``Authorization`` header carries the app's bearer token (compared in constant time)."""
    if not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), api_token().encode())


def requires_token(view: F) -> F:
    """Answer 401 with a JSON reason unless the request carries the bearer token."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not token_is_valid(request.headers.get("Authorization")):
            body = {"error": "unauthorized", "detail": "send the header 'Authorization: Bearer <WASTE_API_TOKEN>'"}
            response = jsonify(body)
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="waste"'
            return response
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def token_for_page() -> str | None:
    """The token to put in a page: the made-up one, for a browser on this machine with no proxy between; else ``None``.

    A reverse proxy on the same machine makes every visitor look local; the forwarding headers it adds give it away.
    """
    if not current_app.config.get("WASTE_TOKEN_GENERATED"):
        return None
    if any(name in request.headers for name in ("X-Forwarded-For", "Forwarded", "X-Real-Ip")):
        return None
    try:
        local = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        local = False
    return api_token() if local else None
