"""Headers on every response that keep a browser from being turned against the app.

- ``Content-Security-Policy``: scripts, styles, fonts and data only from the app itself (the map and chart
  libraries are served from ``web/static/vendor``, never a CDN), images also from the map tile server the settings
  name (none by default), no plugins, no framing, forms only to the app. Inline styles are allowed (the map library
  positions its layers with them); inline scripts are not, so an injected ``<script>`` does not run.
- ``X-Content-Type-Options: nosniff``: a downloaded CSV or GeoJSON is never run as a script.
- ``X-Frame-Options: DENY`` (and ``frame-ancestors 'none'``): no page can frame the app to steal clicks.
- ``Referrer-Policy: same-origin``: links out carry no address of the app.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Response


def tile_origin(tiles_url: str | None) -> str | None:
    """The origin a Leaflet tile URL template loads from, for the policy's ``img-src``; ``None`` when there is none.

    A ``{s}`` sub-domain placeholder becomes a wildcard (``https://{s}.tiles.example.org/{z}/{x}/{y}.png`` ->
    ``https://*.tiles.example.org``). Anything that is not an http(s) URL with a host allows nothing.
    """
    if not tiles_url:
        return None
    parts = urlsplit(tiles_url.replace("{s}", "x-subdomain"))
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    host = parts.netloc.replace("x-subdomain", "*")
    if any(c in host for c in " ;,'\"{}"):
        return None
    return f"{parts.scheme}://{host}"


def content_security_policy(tiles_url: str | None = None) -> str:
    """The policy: everything from the app itself, images also from the configured tile server."""
    images = "img-src 'self' data: blob:"
    origin = tile_origin(tiles_url)
    if origin:
        images += f" {origin}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            images,
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers_for(tiles_url: str | None = None) -> Callable[[Response], Response]:
    """An ``after_request`` hook adding the security headers to every response, keeping any a view set itself."""
    headers = {
        "Content-Security-Policy": content_security_policy(tiles_url),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }

    def security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    return security_headers
