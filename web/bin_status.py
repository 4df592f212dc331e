"""Each bin's current fill and overflow risk, for the dispatcher map and the bins API.

The fill is the bin's newest reading; the risk is the forecast's probability that the bin reaches its threshold
within :data:`RISK_HORIZON_H` (:func:`waste.forecast.forecast_bins`), learnt from :data:`HISTORY_DAYS` of
readings. A forecast of a few thousand bins takes seconds, so the table is cached per city until a newer reading
arrives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from waste.errors import InputError
from waste.forecast import ForecastConfig, forecast_bins
from waste.store import Store
from web.state import WebState

#: Horizon of the overflow risk shown on the map (h): until the same time tomorrow, the next chance to collect.
RISK_HORIZON_H = 24.0
#: Days of readings the map's forecast learns from (fewer than the plan's 56, for a quick first page).
HISTORY_DAYS = 21.0
#: Columns of :func:`bin_status`.
STATUS_COLUMNS = [
    "bin_id", "stream", "lat", "lon", "capacity_l", "last_ts", "fill_pct", "status", "p_overflow",
    "hours_to_threshold",
]  # fmt: skip


def bin_status(state: WebState, city: str) -> pd.DataFrame:
    """Bins of ``city`` with their newest fill and forecast risk (:data:`STATUS_COLUMNS`), cached per reading."""
    store = state.store
    latest = store.latest_readings(city)
    newest = latest["ts"].max() if len(latest) else None
    key = ("bin_status", city, newest, len(latest))
    with state.lock:
        cached = state.cache.get(key)
    if cached is not None:
        return cached
    table = _compute(store, city, latest, newest)
    with state.lock:
        for old in [k for k in state.cache if k[:2] == ("bin_status", city)]:
            del state.cache[old]
        state.cache[key] = table
    return table


def _compute(store: Store, city: str, latest: pd.DataFrame, newest: pd.Timestamp | None) -> pd.DataFrame:
    bins = store.bins(city)
    merged = bins.merge(latest[["bin_id", "ts", "fill_pct"]], on="bin_id", how="left").rename(columns={"ts": "last_ts"})
    if newest is None or bins.empty:
        merged["status"] = "no_data"
        merged["p_overflow"] = np.nan
        merged["hours_to_threshold"] = np.nan
        return merged.reindex(columns=STATUS_COLUMNS)
    readings = store.readings(city=city, since=newest - pd.Timedelta(days=HISTORY_DAYS), until=newest)
    try:
        forecast = forecast_bins(
            readings,
            bins.drop(columns="city"),
            config=ForecastConfig(horizon_h=RISK_HORIZON_H, history_days=HISTORY_DAYS),
        )
    except InputError:
        forecast = pd.DataFrame(columns=["bin_id", "status", "p_overflow", "hours_to_threshold"])
    risk = forecast[["bin_id", "status", "p_overflow", "hours_to_threshold"]]
    return merged.merge(risk, on="bin_id", how="left").reindex(columns=STATUS_COLUMNS)


def records(frame: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: NaN and infinity become ``null``, times ISO 8601 UTC."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = out.replace([np.inf, -np.inf], np.nan).astype(object)
    return out.where(out.notna(), None).to_dict("records")
