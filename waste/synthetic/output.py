"""Byte-reproducible files: CSV with fixed formatting, gzip without a timestamp, UTC times at minute precision."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd

#: ISO 8601 UTC at minute precision, as sensors' platforms export it (e.g. 2026-09-01T04:07Z).
TS_FORMAT = "%Y-%m-%dT%H:%MZ"


def iso_minutes(t_s: np.ndarray) -> pd.Categorical:
    """Format UTC seconds as ISO 8601 minutes, formatting each distinct minute once (fast for millions of rows)."""
    minutes = np.asarray(t_s, dtype=np.int64) // 60
    uniq, inverse = np.unique(minutes, return_inverse=True)
    labels = pd.to_datetime(uniq * 60, unit="s", utc=True).strftime(TS_FORMAT)
    return pd.Categorical.from_codes(inverse.astype(np.int32), categories=pd.Index(labels))


def csv_text(df: pd.DataFrame, float_format: str | None = None) -> str:
    """The CSV text of ``df``: header, Unix line ends, no index, empty cells for missing values."""
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n", float_format=float_format)
    return buf.getvalue()


def write_csv(df: pd.DataFrame, path: Path, float_format: str | None = None) -> int:
    """Write ``df`` as CSV (UTF-8); returns the file size in bytes."""
    data = csv_text(df, float_format).encode("utf-8")
    path.write_bytes(data)
    return len(data)


def write_csv_gz(df: pd.DataFrame, path: Path, float_format: str | None = None, chunk_rows: int = 500_000) -> int:
    """Write ``df`` as gzip-compressed CSV with a zero timestamp and no file name, so equal data give equal bytes.

    Returns the compressed size in bytes.
    """
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        for start in range(0, max(len(df), 1), chunk_rows):
            part = df.iloc[start : start + chunk_rows]
            text = csv_text(part, float_format)
            if start > 0:
                text = text.split("\n", 1)[1]
            gz.write(text.encode("utf-8"))
    return path.stat().st_size
