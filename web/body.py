"""Reading a request's JSON body without letting a hostile body reach a traceback.

Flask's ``get_json(silent=True)`` turns a syntax error into ``None`` but not a body nested 100,000 levels deep
(``RecursionError``), which would answer 500. Here every body that is not usable JSON is ``None``, and the
endpoint answers 400 with its usual message.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request


def json_body() -> Any | None:
    """The request's JSON body, or ``None`` when it is not JSON (wrong type, bad syntax or UTF-8, too deep)."""
    if not request.is_json:
        return None
    try:
        return json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):
        return None
