"""One bin's story for the bin page: its readings, the emptyings found in them, and the forecast ahead.

Emptyings are detected from the readings (:func:`waste.collections.detect_emptyings`) and merged with those the
store holds; the forecast (:func:`waste.forecast.fill_curve`) gives the median and the 10-90 % interval every
:data:`STEP_H` hours up to :data:`HORIZON_H` after the newest reading. The model learns from
:data:`LEARN_DAYS` of the bin's own readings; with a short history it says so through a wide interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from waste.collections import detect_emptyings
from waste.errors import InputError
from waste.forecast import ForecastConfig, fill_curve
from waste.store import Store
from web.bin_status import records

HORIZON_H = 72.0
STEP_H = 2.0
LEARN_DAYS = 56.0


def bin_history(store: Store, bin_id: str, *, days: float = 14.0) -> dict[str, Any] | None:
    """Readings of the last ``days`` (before the newest), emptyings and forecast of ``bin_id``; ``None`` if unknown."""
    bins = store.bins()
    row = bins[bins["bin_id"] == bin_id]
    if row.empty:
        return None
    info = records(row)[0]
    latest = store.latest_readings().query("bin_id == @bin_id")
    body: dict[str, Any] = {"bin": info, "readings": [], "emptyings": [], "forecast": [], "threshold_pct": 100.0}
    if latest.empty:
        return body
    newest = latest["ts"].iloc[0]
    learn = store.readings([bin_id], since=newest - pd.Timedelta(days=LEARN_DAYS), until=newest)
    shown = learn[learn["ts"] >= newest - pd.Timedelta(days=days)]
    body["readings"] = records(shown[["ts", "fill_pct", "battery_v", "temperature_c"]])
    found = detect_emptyings(learn, row.drop(columns="city"))
    stored = store.collections([bin_id])
    parts = [f for f in (found.assign(source="detected"), stored.assign(source="stored")) if len(f)]
    emptyings = pd.concat(parts, ignore_index=True) if parts else found.assign(source="detected")
    emptyings = emptyings[emptyings["ts"] >= shown["ts"].min()] if len(shown) else emptyings.iloc[0:0]
    emptyings = emptyings.drop_duplicates(subset=["ts"]).sort_values("ts")
    body["emptyings"] = records(emptyings[["ts", "fill_before_pct", "fill_after_pct", "kind", "source"]])
    try:
        curve = fill_curve(
            learn,
            row.drop(columns="city"),
            horizons_h=np.arange(STEP_H, HORIZON_H + STEP_H / 2, STEP_H),
            config=ForecastConfig(history_days=LEARN_DAYS),
        )
    except InputError:
        curve = pd.DataFrame(columns=["ts", "p10", "p50", "p90"])
    body["forecast"] = records(curve[["ts", "p10", "p50", "p90"]])
    if "threshold_pct" in row and pd.notna(row["threshold_pct"].iloc[0]):
        body["threshold_pct"] = float(row["threshold_pct"].iloc[0])
    return body
