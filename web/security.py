"""Headers on every response that keep a browser from being turned against the app.

- ``Content-Security-Policy``: scripts, styles, fonts and data only from the app itself (the map and chart
  libraries are served from ``web/static/vendor``, never a CDN), map tiles from OpenStreetMap, no plugins, no
  framing, forms only to the app. Inline styles are allowed (the map library positions its layers with them);
  inline scripts are not, so an injected ``<script>`` does not run.
- ``X-Content-Type-Options: nosniff``: a downloaded CSV or GeoJSON is never run as a script.
- ``X-Frame-Options: DENY`` (and ``frame-ancestors 'none'``): no page can frame the app to steal clicks.
- ``Referrer-Policy: same-origin``: links out carry no address of the app.
"""

from __future__ import annotations

from flask import Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: https://tile.openstreetmap.org",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def security_headers(response: Response) -> Response:
    """Add :data:`SECURITY_HEADERS` to ``response`` (an ``after_request`` hook), keeping any a view set itself."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
