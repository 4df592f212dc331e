"""Numbers and times from the text (or JSON values) of raw rows, vectorised and strict about what they accept.

Kept apart from the validation rules because they answer one narrow question, "what value does this text hold",
and have their own traps: pandas 2 shifts a naive time that follows a zoned one, and a single bad number would
otherwise push a whole batch onto the slow path.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: A time zone at the end of an ISO 8601 time: ``Z`` or an offset such as ``+02:00``, ``-0300`` or ``+05``.
ZONE_SUFFIX = re.compile(r"(?:[Zz]|[+-]\d\d(?::?\d\d)?)$")


def to_float(values: np.ndarray) -> np.ndarray:
    """Numbers from text or JSON values, NaN where a value is not a number.

    NumPy's own conversion is several times faster than pandas' and handles the clean case. A batch holding a bad
    value falls back to converting each value with the same rules (Python's ``float``), so what a value becomes
    never depends on the other values of its batch.
    """
    try:
        return values.astype(float)
    except (ValueError, TypeError):
        return np.fromiter((_one_float(v) for v in values), dtype=float, count=len(values))


def _one_float(value: object) -> float:
    """``float(value)``, NaN where that fails: the fast path's rules, one value at a time."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return np.nan


def parse_iso_utc(strings: np.ndarray) -> pd.DatetimeIndex:
    """Parse ISO 8601 text to UTC, naive times as UTC; NaT where it is not a time.

    Times with a zone (``Z`` or an offset) and naive times are parsed apart: pandas 2 gives a naive time that
    follows an offset time in the same array that offset, silently shifting it.
    """
    zoned = np.fromiter(
        (isinstance(v, str) and (v.endswith("Z") or ZONE_SUFFIX.search(v) is not None) for v in strings),
        dtype=bool,
        count=len(strings),
    )
    out = np.full(len(strings), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    for part in (zoned, ~zoned):
        if part.any():
            stamps = pd.to_datetime(strings[part], format="ISO8601", utc=True, errors="coerce")
            out[part] = stamps.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    return pd.DatetimeIndex(out).tz_localize("UTC")
