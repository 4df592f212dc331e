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
#: Within the span a nanosecond time holds (1677-09-21 to 2262-04-11), as microsecond times to compare any unit.
_EARLIEST_NS = np.datetime64("1677-09-22", "us")
_LATEST_NS = np.datetime64("2262-04-10", "us")


def to_float(values: np.ndarray) -> np.ndarray:
    """Numbers from text or JSON values, NaN where a value is not a number.

    NumPy's own conversion is several times faster than pandas' and handles the clean case. A batch holding a bad
    value falls back to converting each value with the same rules (Python's ``float``), so what a value becomes
    never depends on the other values of its batch.
    """
    try:
        return values.astype(float)
    except (ValueError, TypeError, OverflowError):
        return np.fromiter((_one_float(v) for v in values), dtype=float, count=len(values))


def _one_float(value: object) -> float:
    """``float(value)``, NaN where that fails: the fast path's rules, one value at a time.

    An integer too large for a float (a JSON number of 400 digits) is not a number here rather than an
    ``OverflowError``; a list or object is not a number either.
    """
    try:
        return float(value)  # type: ignore[arg-type]
    except (ValueError, TypeError, OverflowError):
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
            out[part] = _as_nanoseconds(stamps.tz_localize(None).to_numpy())
    return pd.DatetimeIndex(out).tz_localize("UTC")


def _as_nanoseconds(stamps: np.ndarray) -> np.ndarray:
    """Naive times of any unit as nanosecond times, NaT where a nanosecond time cannot hold them.

    pandas 3 keeps the text's own resolution (microseconds), so it parses years such as 3000, 0001 or -1 that
    pandas 2 refused; converting those to nanoseconds would overflow. They lie far outside the plausible range
    anyway, so they become "not a time" as they were with pandas 2.
    """
    if stamps.dtype == np.dtype("datetime64[ns]"):
        return stamps
    inside = (stamps >= _EARLIEST_NS) & (stamps <= _LATEST_NS)
    return np.where(inside, stamps, np.datetime64("NaT")).astype("datetime64[ns]")
