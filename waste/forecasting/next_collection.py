"""Backtest of "how full will the bin be at its next collection" on a collection log (fill known only then).

A log such as Edinburgh's records each emptying with the fill just before it and nothing in between. Read as a
series (the level before each collection one second before it, the level after at it; see
:func:`waste.sources.read_edinburgh`), every fill cycle has two readings, and the question a router asks becomes:
from the last collection, what fill will the bin have reached when it is next emptied?

Origins every ``origin_step_h`` hours after a ``warmup_days`` start. At each, every model is fitted on the log up to
the origin and forecasts, for each bin, the fill at the time of its next collection (its exact time is the
"next visit", as a plan would fix it). Scored: MAE, RMSE and 80 % interval coverage by bands of time since the
last collection, and precision, recall and Brier score of "reaches the threshold (100 %) by the collection".
With ``folds >= 2`` the bins are dealt into that many groups and each group is forecast by models that learned
nothing shared from it (leave-bins-out, as in :mod:`waste.backtest`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from waste.backtest import BacktestResult, ModelTrainer, fold_of_bins, overflow_scores, summarise
from waste.forecasting.base import LEVELS, FillModel
from waste.forecasting.baselines import LastValue, PreviousCycle, SeasonalNaive
from waste.forecasting.fillrate import FillRateModel
from waste.forecasting.gbm import GlobalBoostedModel, lightgbm_available
from waste.forecasting.panel import DEFAULT_GROUP_COLUMNS, Panel, bin_groups, build_panel
from waste.forecasting.timebase import from_hours, to_hours

_LO, _HI = int(np.flatnonzero(LEVELS == 0.1)[0]), int(np.flatnonzero(LEVELS == 0.9)[0])
#: Upper edges (hours since the last collection) of the bands errors are reported in.
BANDS_H: tuple[float, ...] = (24.0, 48.0, 72.0, 168.0, np.inf)


def _with_cycles(readings: pd.DataFrame) -> pd.DataFrame:
    """Cycle = number of collections so far: the reading at a collection (fill after) starts a new cycle."""
    frame = readings.sort_values(["bin_id", "ts"], kind="stable").reset_index(drop=True)
    after = frame.groupby("bin_id").cumcount() % 2 == 1
    return frame.assign(cycle=after.astype(int).groupby(frame["bin_id"]).cumsum())


def next_collection_models(include_global: bool = False) -> list[Callable[[], FillModel]]:
    """Our models and the baselines for a collection log (the global model only when asked and installed)."""
    models: list[Callable[[], FillModel]] = [FillRateModel]
    if include_global and lightgbm_available():
        models.append(GlobalBoostedModel)
    return [*models, PreviousCycle, LastValue, SeasonalNaive]


def run_next_collection_backtest(
    readings: pd.DataFrame,
    bins: pd.DataFrame | None = None,
    *,
    models: Sequence[Callable[[], FillModel]] | None = None,
    origin_step_h: float = 25.0,
    warmup_days: float = 14.0,
    train_days: float = 56.0,
    threshold_pct: float = 100.0,
    folds: int = 0,
    fold_seed: int = 0,
) -> BacktestResult:
    """Rolling-origin backtest of the fill reached by the next collection (see the module docstring)."""
    factories = list(models) if models is not None else next_collection_models()
    frame = _with_cycles(readings)
    full = build_panel(frame, bins, thresholds=threshold_pct)
    hours = np.asarray(to_hours(frame["ts"]))
    groups = bin_groups(frame["bin_id"].astype(str).unique(), bins, DEFAULT_GROUP_COLUMNS)
    n_groups = max(groups.values()) + 1 if groups else 0
    rows, over = [], []
    trainer = ModelTrainer(factories)
    folds = folds if folds >= 2 else 0
    for origin_h in np.arange(full.t.min() + warmup_days * 24.0, full.t.max(), origin_step_h):
        sel = (hours <= origin_h) & (hours > origin_h - train_days * 24.0)
        if not sel.any():
            continue
        panel = build_panel(frame[sel], bins, thresholds=threshold_pct, groups=groups, groups_total=n_groups)
        if folds:
            fold = fold_of_bins(panel.bin_ids, folds, fold_seed)
            parts = [(k, fold == k) for k in range(folds) if (fold == k).any()]
        else:
            parts = [(-1, None)]
        for k, held_out in parts:
            r, v = _score(trainer.fit(panel, origin_h, k, held_out), panel, full, origin_h, threshold_pct, held_out)
            rows += r
            over += v
    predictions = pd.concat(rows, ignore_index=True)
    cases = pd.concat(over, ignore_index=True)
    overflow = overflow_scores(cases)
    empty = pd.DataFrame(columns=["model", "bin_id", "origin_ts", "ts", "point", "lo80", "hi80"])
    return BacktestResult(
        summarise(predictions),
        overflow,
        predictions,
        empty,
        pd.DataFrame(columns=["bin_id", "ts", "fill_pct"]),
        cases,
        f"leave-bins-out ({folds} folds)" if folds else "in sample",
    )


def _score(
    fitted: Sequence[FillModel],
    panel: Panel,
    full: Panel,
    origin_h: float,
    threshold_pct: float,
    only: np.ndarray | None,
) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Predictions and overflow cases of one origin for the bins where ``only`` is true (or all)."""
    rows: list[pd.DataFrame] = []
    over: list[pd.DataFrame] = []
    o = panel.last_at(origin_h)
    if only is not None:
        o = np.where(only, o, -1)
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
        return rows, over
    since = full.t[tg] - panel.t[o]
    band = np.array(BANDS_H)[np.searchsorted(np.array(BANDS_H), since)]
    event = full.x[tg] >= threshold_pct - 0.5
    for m in fitted:
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
        thr = np.full(o.size, threshold_pct)
        prob = m.prob_reach(o, full.t[tg], thr)
        said = m.call_overflow(o, full.t[tg], thr, prob)
        over.append(
            pd.DataFrame(
                {
                    "model": m.alias,
                    "bin_id": full.bin_ids[fcode],
                    "origin_ts": from_hours(np.full(o.size, origin_h)),
                    "event": event,
                    "said": said,
                    "prob": prob,
                }
            )
        )
    return rows, over
