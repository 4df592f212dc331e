r"""Text of quarantined rows as both databases can store it, and the digest that tells one bad row from another.

A bad row is kept as it came, as far as the database allows: PostgreSQL refuses the NUL character in text, and
neither database stores a lone surrogate (what Python makes of a byte that is not UTF-8, or of a JSON ``\ud800``
escape). Those become visible escapes (``\x00``, ``\xe9``, ``\ud800``), so the row can still be read and traced.
"""

from __future__ import annotations

import hashlib
import re

import pandas as pd

#: Characters no database text column takes: NUL, and surrogates (U+D800 to U+DFFF).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: Columns of the quarantine table that hold text from the input.
TEXT_COLUMNS = ("source", "field", "value", "detail", "raw")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code == 0:
        return "\\x00"
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as Python's surrogateescape keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def storable(text: object) -> object:
    """``text`` with NUL and surrogate characters escaped; anything that is not a string unchanged."""
    if not isinstance(text, str) or _UNSTORABLE.search(text) is None:
        return text
    return _UNSTORABLE.sub(_escape, text)


def row_digest(value: object, raw: object) -> str:
    """Hash (32 hex digits) of a quarantined row's value and raw text: the same bad row gives the same digest.

    The detail is left out on purpose: it can name the moment of ingest, which differs when a file is ingested again.
    """
    text = f"{'' if value is None else value}\x1f{'' if raw is None else raw}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def storable_quarantine(frame: pd.DataFrame) -> pd.DataFrame:
    """A quarantine frame with its text storable and its :func:`row_digest` column filled in."""
    out = frame.copy()
    for name in TEXT_COLUMNS:
        if name in out:
            values = [None if _missing(v) else v for v in out[name].tolist()]
            if _UNSTORABLE.search("".join(v for v in values if isinstance(v, str))) is not None:
                values = [storable(v) for v in values]  # the slow path, only for a column that needs it
            out[name] = pd.Series(values, index=out.index, dtype=object)
    values = out["value"].tolist() if "value" in out else [None] * len(out)
    raws = out["raw"].tolist() if "raw" in out else [None] * len(out)
    out["digest"] = [row_digest(v, r) for v, r in zip(values, raws, strict=True)]
    return out


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
