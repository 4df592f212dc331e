"""Time as float hours since the Unix epoch (UTC): the one clock of the forecasting arrays.

Float hours keep the arithmetic of rates (% per hour) and horizons simple and exact to well under a second for
centuries. The week position counts hours from Monday 00:00 UTC (the epoch, 1970-01-01, was a Thursday).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NS_PER_H = 3_600_000_000_000
HOURS_PER_WEEK = 168
_EPOCH_WEEK_OFFSET_H = 72.0  # 1970-01-01 00:00 UTC is Thursday 00:00: 3 days after Monday 00:00


def to_hours(ts: pd.Series | pd.DatetimeIndex | pd.Timestamp) -> np.ndarray | float:
    """Hours since 1970-01-01 00:00 UTC of timezone-aware (or UTC-naive) times."""
    if isinstance(ts, pd.Timestamp):
        stamp = ts.tz_convert("UTC") if ts.tzinfo is not None else ts
        return float(stamp.as_unit("ns").value) / NS_PER_H
    index = pd.DatetimeIndex(ts)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    return index.as_unit("ns").asi8.astype(np.float64) / NS_PER_H


def from_hours(hours: np.ndarray | float) -> pd.DatetimeIndex | pd.Timestamp:
    """UTC times from hours since the epoch (rounded to the nanosecond)."""
    if np.ndim(hours) == 0:
        return pd.Timestamp(round(float(hours) * NS_PER_H), unit="ns", tz="UTC")
    ns = np.round(np.asarray(hours, dtype=np.float64) * NS_PER_H).astype(np.int64)
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")


def week_position(hours: np.ndarray) -> np.ndarray:
    """Hours since the last Monday 00:00 UTC, in [0, 168)."""
    return np.mod(np.asarray(hours, dtype=np.float64) + _EPOCH_WEEK_OFFSET_H, HOURS_PER_WEEK)
