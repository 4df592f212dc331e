"""Backtest of "how full will the bin be at its next collection" on a collection log (fill known only then).

A log such as Edinburgh's records each emptying with the fill just before it and nothing in between. Read as a
series (the level before each collection one second before it, the level after at it; see
:func:`waste.sources.read_edinburgh`), every fill cycle has two readings, and the question a router asks becomes:
from the last collection, what fill will the bin have reached when it is next emptied?

Origins every ``origin_step_h`` hours after a ``warmup_days`` start. At each, every model is fitted on the log up to
the origin and forecasts, for each bin, the fill at the time of its next collection (its exact time is the
"next visit", as a plan would fix it). Scored: MAE, RMSE and 80 % interval coverage by bands of time since the
last collection, and precision, recall and Brier score of "reaches the threshold (100 %) by the collection".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from waste.backtest import BacktestResult, overflow_scores, summarise
from waste.forecasting.base import LEVELS, FillModel
from waste.forecasting.baselines import LastValue, PreviousCycle, SeasonalNaive
from waste.forecasting.fillrate import FillRateModel
from waste.forecasting.panel import build_panel
from waste.forecasting.timebase import from_hours, to_hours

_LO, _HI = int(np.flatnonzero(LEVELS == 0.1)[0]), int(np.flatnonzero(LEVELS == 0.9)[0])
#: Upper edges (hours since the last collection) of the bands errors are reported in.
BANDS_H: tuple[float, ...] = (24.0, 48.0, 72.0, 168.0, np.inf)


def _with_cycles(readings: pd.DataFrame) -> pd.DataFrame:
    """Cycle = number of collections so far: the reading at a collection (fill after) starts a new cycle."""
    frame = readings.sort_values(["bin_id", "ts"], kind="stable").reset_index(drop=True)
    after = frame.groupby("bin_id").cumcount() % 2 == 1
    return frame.assign(cycle=after.astype(int).groupby(frame["bin_id"]).cumsum())


def run_next_collection_backtest(
    readings: pd.DataFrame,
    bins: pd.DataFrame | None = None,
    *,
    models: Sequence[Callable[[], FillModel]] | None = None,
    origin_step_h: float = 25.0,
    warmup_days: float = 14.0,
    train_days: float = 56.0,
    threshold_pct: float = 100.0,
) -> BacktestResult:
    """Rolling-origin backtest of the fill reached by the next collection (see the module docstring)."""
    factories = list(models) if models is not None else [FillRateModel, PreviousCycle, LastValue, SeasonalNaive]
    frame = _with_cycles(readings)
    full = build_panel(frame, bins, thresholds=threshold_pct)
    hours = np.asarray(to_hours(frame["ts"]))
    rows, over = [], []
    for origin_h in np.arange(full.t.min() + warmup_days * 24.0, full.t.max(), origin_step_h):
        sel = (hours <= origin_h) & (hours > origin_h - train_days * 24.0)
        if not sel.any():
            continue
        panel = build_panel(frame[sel], bins, thresholds=threshold_pct)
        o = panel.last_at(origin_h)
        codes = np.flatnonzero(o >= 0)
        o = o[codes]
        fcode = np.searchsorted(full.bin_ids, panel.bin_ids[codes])
        of = full.last_at(origin_h, fcode)
        nxt = of + 1
        ok = (of >= 0) & (nxt < full.t.size)
        nxt = np.where(ok, nxt, 0)
        ok &= (full.code[nxt] == fcode) & (full.cycle[nxt] == full.cycle[of]) & (panel.x[o] < threshold_pct - 0.5)
        o, fcode, tg = o[ok], fcode[ok], nxt[ok]
        if o.size == 0:
            continue
        since = full.t[tg] - panel.t[o]
        band = np.array(BANDS_H)[np.searchsorted(np.array(BANDS_H), since)]
        event = full.x[tg] >= threshold_pct - 0.5
        for m in (f().fit(panel) for f in factories):
            point, q = m.forecast_at(o, full.t[tg])
            rows.append(
                pd.DataFrame(
                    {
                        "model": m.alias,
                        "bin_id": full.bin_ids[fcode],
                        "origin_ts": from_hours(np.full(o.size, origin_h)),
                        "ts": from_hours(full.t[tg]),
                        "horizon_h": band,
                        "observed": full.x[tg],
                        "point": point,
                        "lo80": q[:, _LO],
                        "hi80": q[:, _HI],
                    }
                )
            )
            prob = m.prob_reach(o, full.t[tg], np.full(o.size, threshold_pct))
            over.append(
                pd.DataFrame({"model": m.alias, "event": event, "said": point >= threshold_pct - 0.5, "prob": prob})
            )
    predictions = pd.concat(rows, ignore_index=True)
    o_frame = pd.concat(over, ignore_index=True)
    overflow = overflow_scores(o_frame)
    empty = pd.DataFrame(columns=["model", "bin_id", "origin_ts", "ts", "point", "lo80", "hi80"])
    return BacktestResult(
        summarise(predictions), overflow, predictions, empty, pd.DataFrame(columns=["bin_id", "ts", "fill_pct"])
    )
