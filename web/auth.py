"""Bearer-token check of the API's write endpoints, and the sign-in link that hands the token to a browser.

Every write (``POST``) needs ``Authorization: Bearer <token>`` equal to the app's token: ``WASTE_API_TOKEN``, or,
when that is unset, a random token made when the app starts, so a write endpoint is never open by accident. No
page ever carries the token: a server cannot tell a browser on its own machine from a reverse proxy on it (waitress
drops the forwarding headers it does not trust before the app sees them, and a bare ``proxy_pass`` adds none), so
a page that carried it would hand it to every visitor behind a proxy. Instead ``waste serve`` prints a sign-in
link with the made-up token after ``#``: the fragment stays in the browser (it is never sent to the server, a
proxy or a log), where the page keeps it, as it keeps a token typed into its token box.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, jsonify, request

F = TypeVar("F", bound=Callable[..., Any])


def api_token() -> str:
    """The token writes must carry."""
    return current_app.config["WASTE_API_TOKEN"]


def token_is_valid(header: str | None) -> bool:
    """Whether an ``Authorization`` header carries the app's bearer token (compared in constant time).

    The scheme name is case-insensitive (RFC 9110 section 11.1): ``bearer`` and ``BEARER`` are accepted.
    """
    scheme, _, credentials = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return False
    return hmac.compare_digest(credentials.strip().encode(), api_token().encode())


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


def sign_in_link(base_url: str, token: str) -> str:
    """The link ``waste serve`` prints: the page at ``base_url`` with the token in its fragment (never sent out)."""
    return f"{base_url.rstrip('/')}/#token={token}"
