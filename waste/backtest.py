"""Rolling-origin evaluation of fill forecasts: our model against the baselines, on any readings.

Protocol (the same for every model):

* **Origins** every ``origin_step_h`` hours (25 h by default, so that origins walk through the hours of the day)
  over the last ``eval_days`` of each bin's history. At each origin every model is fitted afresh on the raw
  readings of the previous ``train_days``, cleaned with :func:`waste.collections.clean_readings` using only those
  readings (no peeking at the future), and forecasts from each bin's last reading. Bins whose last reading is
  older than ``max(12 h, 3 x their median sampling step)`` are silent at that origin and skipped.
* **Truth** is the whole series cleaned once in hindsight: spikes, dips and stuck repeats are not fill, and the
  emptyings found in hindsight delimit the fill cycles.
* **Fill error at horizon h**: the reading nearest ``origin + h`` (within ``min(h/2, max(1.5 h, half the bin's
  sampling step))``), forecast at its exact time. A model forecasts the fill of a bin that is *not* collected; what
  a bin holds after an emptying cannot be known from its series, so a target is scored only when no emptying lies
  between the origin and the target (same fill cycle). MAE and RMSE are of the point forecast (our model: its
  median; baselines: their own value); coverage is the share of targets inside the 80 % interval.
* **Overflow before the next visit**: the next visit is ``next_visit_h`` (24 h) after the origin, or the next
  emptying if that comes sooner (the bin was visited then). The event is "a reading up to the visit reaches the
  threshold" (100 % by default); a model predicts it when its point forecast reaches the threshold at any of six
  times up to the visit. Origins already at the threshold are left out (nothing to predict). Precision, recall and
  the Brier score of each model's probability are reported, with a reliability table.
* **Leave-bins-out** (``folds >= 2``): the bins are dealt into ``folds`` groups; at each origin and for each group,
  every model learns what it shares across bins (the global model's boosters, its interval calibration, its
  overflow probability and decision threshold; the fill-rate model's pooled group rates) on the *other* bins'
  training window only, and forecasts the group's bins from their own past readings. Those bins' figures are
  then out of sample: nothing learned from them shaped their forecast. With ``folds=0`` every model is fitted on
  every bin (in sample).
* Models that say how long a training stays in use (``retrain_every_h``, the global model: a week) are trained at
  the first origin and again once that time has passed, on the window before that origin; in between they forecast
  each origin's panel with the boosters they have, as they would in service.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from waste.collections import CleaningConfig, clean_readings
from waste.forecasting.base import LEVELS, FillModel
from waste.forecasting.baselines import LastValue, LinearCycle, SeasonalNaive
from waste.forecasting.ets import AutoETSBaseline, statsforecast_available
from waste.forecasting.fillrate import FillRateModel
from waste.forecasting.gbm import GlobalBoostedModel, lightgbm_available
from waste.forecasting.panel import DEFAULT_GROUP_COLUMNS, Panel, bin_groups, build_panel
from waste.forecasting.timebase import from_hours, to_hours

_LO, _HI = int(np.flatnonzero(LEVELS == 0.1)[0]), int(np.flatnonzero(LEVELS == 0.9)[0])
#: The naive baselines (AutoETS is a fitted model, not a naive one).
NAIVE_MODELS: tuple[str, ...] = ("LastValue", "LinearCycle", "SeasonalNaive")


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    """Settings of :func:`run_backtest` (hours unless named otherwise)."""

    horizons_h: tuple[float, ...] = (6.0, 24.0, 48.0, 72.0)
    origin_step_h: float = 25.0
    eval_days: float = 60.0
    train_days: float = 56.0
    next_visit_h: float = 24.0
    threshold_pct: float | None = 100.0
    example_bins: int = 3
    group_columns: tuple[str, ...] = DEFAULT_GROUP_COLUMNS
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    #: 0: every model fitted on every bin (in sample); k >= 2: leave-bins-out over k groups of bins.
    folds: int = 0
    fold_seed: int = 0


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """Tables of a backtest.

    Attributes
    ----------
    metrics
        One row per model and horizon: ``model, horizon_h, n, mae, rmse, coverage80, width80``.
    overflow
        One row per model: ``model, n, events, predicted, precision, recall, brier``.
    overflow_cases
        Every overflow case: ``model, bin_id, origin_ts, event, said, prob``.
    predictions
        Every scored target: ``model, bin_id, origin_ts, ts, horizon_h, observed, point, lo80, hi80``.
    examples
        Dense forecasts (hourly) from one origin for a few bins, for plots: ``model, bin_id, origin_ts, ts,
        point, lo80, hi80``; ``observed`` holds the hindsight series around them (``bin_id, ts, fill_pct``).
    """

    metrics: pd.DataFrame
    overflow: pd.DataFrame
    predictions: pd.DataFrame
    examples: pd.DataFrame
    observed: pd.DataFrame
    overflow_cases: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: "in sample" or "leave-bins-out (k folds)".
    validation: str = "in sample"


def default_models(include_ets: bool = True, include_global: bool = True) -> list[Callable[[], FillModel]]:
    """Factories of the models compared: ours, the naive baselines, and AutoETS when statsforecast is installed.

    Ours are the fill-rate model and, when LightGBM is installed (the ``forecast`` extra) and ``include_global``,
    the global gradient-boosted model.
    """
    models: list[Callable[[], FillModel]] = [FillRateModel]
    if include_global and lightgbm_available():
        models.append(GlobalBoostedModel)
    models += [LastValue, LinearCycle, SeasonalNaive]
    if include_ets and statsforecast_available():
        models.append(AutoETSBaseline)
    return models


def _hindsight(readings: pd.DataFrame, bins: pd.DataFrame | None, cfg: BacktestConfig) -> Panel:
    clean = clean_readings(readings, bins, cfg.cleaning).clean
    return build_panel(clean, bins, group_columns=cfg.group_columns, thresholds=cfg.threshold_pct)


def _eval_start(full: Panel, cfg: BacktestConfig) -> np.ndarray:
    """Per bin of the hindsight panel: first origin time (hours) of its evaluation window (inf without readings)."""
    has = full.indptr[1:] > full.indptr[:-1]
    out = np.full(full.n_bins, np.inf)
    last = full.t[full.indptr[1:][has] - 1]
    first = full.t[full.indptr[:-1][has]]
    out[has] = np.maximum(last - cfg.eval_days * 24.0, first + 24.0)
    return out


def _origins(full: Panel, cfg: BacktestConfig) -> np.ndarray:
    has = full.indptr[1:] > full.indptr[:-1]
    if not has.any():
        return np.zeros(0)
    start = _eval_start(full, cfg)[has]
    lo, hi = np.floor(start.min()), full.t.max() - min(cfg.horizons_h)
    return np.arange(lo, hi, cfg.origin_step_h)


def _window_max(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """max(x[a_i:b_i]) for non-empty ranges, vectorised with ``maximum.reduceat``."""
    xs = np.r_[x, -np.inf]
    idx = np.column_stack([a, b]).ravel()
    return np.maximum.reduceat(xs, idx)[::2]


def _score_origin(
    models: Sequence[FillModel],
    panel: Panel,
    full: Panel,
    origin_h: float,
    cfg: BacktestConfig,
    only: np.ndarray | None = None,
) -> tuple[list[dict], list[dict]]:
    """Targets and overflow cases of one origin, for every fitted model (bins where ``only`` is true, or all)."""
    step = np.nan_to_num(panel.median_step_h(), nan=24.0)
    o = panel.last_at(origin_h)
    ok = o >= 0
    if only is not None:
        ok &= only
    ok[ok] &= origin_h - panel.t[o[ok]] <= np.maximum(12.0, 3.0 * step[ok])
    codes = np.flatnonzero(ok)
    o = o[ok]
    full_code = np.searchsorted(full.bin_ids, panel.bin_ids[codes])
    of = full.last_at(origin_h, full_code)
    keep = (of >= 0) & (origin_h >= _eval_start(full, cfg)[full_code])
    codes, o, full_code, of = codes[keep], o[keep], full_code[keep], of[keep]
    rows: list[dict] = []
    fstep = np.nan_to_num(full.median_step_h()[full_code], nan=24.0)
    for h in cfg.horizons_h:
        tol = np.minimum(h / 2.0, np.maximum(1.5, fstep / 2.0))
        tg = full.nearest(full_code, np.full(of.size, origin_h + h), tol)
        valid = tg >= 0
        valid[valid] &= (full.t[tg[valid]] > origin_h) & (full.cycle[tg[valid]] == full.cycle[of[valid]])
        if not valid.any():
            continue
        for m in models:
            point, q = m.forecast_at(o[valid], full.t[tg[valid]])
            rows.append(
                {
                    "model": m.alias,
                    "code": full_code[valid],
                    "horizon_h": h,
                    "ts": full.t[tg[valid]],
                    "observed": full.x[tg[valid]],
                    "point": point,
                    "lo80": q[:, _LO],
                    "hi80": q[:, _HI],
                }
            )
    # overflow before the next visit: readings after the origin, up to the visit or the end of the cycle
    thr = full.threshold_pct[full_code]
    visit = np.full(of.size, origin_h + cfg.next_visit_h)
    a = of + 1
    b = full.last_at(visit, full_code) + 1
    nxt = np.minimum(a, full.t.size - 1)
    in_cycle = (a < full.t.size) & (full.code[nxt] == full_code) & (full.cycle[nxt] == full.cycle[of])
    # stop at the end of the fill cycle: the first reading of the next cycle is after the emptying
    end_cycle = np.searchsorted(
        full.key(full.code, full.cycle.astype(float)), full.key(full_code, full.cycle[of] + 0.5)
    )
    b = np.minimum(b, end_cycle)
    valid = in_cycle & (b > a) & (full.x[of] < thr - 0.5)
    over: list[dict] = []
    if valid.any():
        event = _window_max(full.x, a[valid], b[valid]) >= thr[valid] - 0.5
        until = np.minimum(visit[valid], full.t[b[valid] - 1])
        for m in models:
            prob = m.prob_reach(o[valid], until, thr[valid])
            said = m.call_overflow(o[valid], until, thr[valid], prob)
            over.append(
                {
                    "model": m.alias,
                    "code": full_code[valid],
                    "origin_h": origin_h,
                    "event": event,
                    "said": said,
                    "prob": prob,
                }
            )
    return rows, over


def _fit_all(factories: Sequence[Callable[[], FillModel]], panel: Panel) -> list[FillModel]:
    return [f().fit(panel) for f in factories]


@dataclass(slots=True)
class ModelTrainer:
    """Fits the models at each origin, keeping a trained model while its ``retrain_every_h`` has not passed."""

    factories: Sequence[Callable[[], FillModel]]
    trained: dict[tuple[int, int], tuple[float, FillModel]] = field(default_factory=dict)

    def fit(self, panel: Panel, origin_h: float, fold: int, held_out: np.ndarray | None) -> list[FillModel]:
        """Every model fitted for ``panel`` at ``origin_h``, learning nothing shared from ``held_out`` bins."""
        fitted = []
        for i, factory in enumerate(self.factories):
            kept = self.trained.get((i, fold))
            if kept is not None and origin_h - kept[0] < getattr(kept[1], "retrain_every_h", 0.0):
                fitted.append(kept[1].reuse(panel, held_out))
                continue
            model = factory().fit_without(panel, held_out)
            if getattr(model, "retrain_every_h", 0.0) > 0:
                self.trained[(i, fold)] = (origin_h, model)
            fitted.append(model)
        return fitted


def fold_of_bins(bin_ids: np.ndarray, folds: int, seed: int = 0) -> np.ndarray:
    """Leave-bins-out group (0..folds-1) of each bin: a seeded shuffle of the sorted ids, dealt round-robin."""
    ids = np.sort(np.asarray(bin_ids, dtype=str))
    order = np.random.default_rng(seed).permutation(ids.size)
    fold = np.empty(ids.size, dtype=np.int64)
    fold[order] = np.arange(ids.size) % max(folds, 1)
    return fold[np.searchsorted(ids, np.asarray(bin_ids, dtype=str))]


def _train_panel(
    readings: pd.DataFrame,
    hours: np.ndarray,
    bins: pd.DataFrame | None,
    origin_h: float,
    cfg: BacktestConfig,
    groups: dict[str, int] | None = None,
) -> Panel | None:
    sel = (hours > origin_h - cfg.train_days * 24.0) & (hours <= origin_h)
    if not sel.any():
        return None
    clean = clean_readings(readings[sel], bins, cfg.cleaning).clean
    if clean.empty:
        return None
    # groups numbered over every bin of the log, so that a model trained at one origin reads them alike at the next
    return build_panel(
        clean,
        bins,
        group_columns=cfg.group_columns,
        thresholds=cfg.threshold_pct,
        groups=groups,
        groups_total=max(groups.values()) + 1 if groups else 0,
    )


def run_backtest(
    readings: pd.DataFrame,
    bins: pd.DataFrame | None = None,
    *,
    models: Sequence[Callable[[], FillModel]] | None = None,
    config: BacktestConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of ``models`` on ``readings`` (protocol in the module docstring).

    Parameters
    ----------
    readings
        Long-format readings (``bin_id, ts, fill_pct``), raw: cleaning is part of the protocol.
    bins
        Optional bins table (groups for pooling, compactors, capacities).
    models
        Model factories (default :func:`default_models`); each is called once per origin.
    config
        Protocol settings (``folds`` for leave-bins-out validation).
    progress
        Called with (origin number, number of origins) as the backtest walks through them.
    """
    cfg = config or BacktestConfig()
    factories = list(models) if models is not None else default_models()
    readings = readings.sort_values("ts", kind="stable").reset_index(drop=True)
    hours = np.asarray(to_hours(readings["ts"]))
    full = _hindsight(readings, bins, cfg)
    groups = bin_groups(readings["bin_id"].astype(str).unique(), bins, cfg.group_columns)
    rows: list[dict] = []
    over: list[dict] = []
    origin_of: list[np.ndarray] = []
    trainer = ModelTrainer(factories)
    folds = cfg.folds if cfg.folds >= 2 else 0
    origins = _origins(full, cfg)
    for step, origin_h in enumerate(origins):  # one refit per origin; every model is vectorised over bins
        panel = _train_panel(readings, hours, bins, origin_h, cfg, groups)
        if panel is None:
            continue
        if progress is not None:
            progress(step + 1, origins.size)
        if folds:
            fold = fold_of_bins(panel.bin_ids, folds, cfg.fold_seed)
            parts = [(k, fold == k) for k in range(folds) if (fold == k).any()]
        else:
            parts = [(-1, None)]
        for k, held_out in parts:
            fitted = trainer.fit(panel, origin_h, k, held_out)
            r, v = _score_origin(fitted, panel, full, origin_h, cfg, held_out)
            for item in r:
                origin_of.append(np.full(item["code"].size, origin_h))
            rows += r
            over += v
    predictions = _predictions_frame(rows, origin_of, full)
    metrics = summarise(predictions)
    cases = _overflow_cases(over, full)
    overflow = overflow_scores(cases) if not cases.empty else _overflow_table([])
    if folds:
        examples = pd.DataFrame(columns=["model", "bin_id", "origin_ts", "ts", "point", "lo80", "hi80"])
        observed = pd.DataFrame(columns=["bin_id", "ts", "fill_pct"])
    else:
        examples, observed = _examples(readings, hours, bins, full, predictions, factories, cfg)
    validation = f"leave-bins-out ({folds} folds)" if folds else "in sample"
    return BacktestResult(metrics, overflow, predictions, examples, observed, cases, validation)


def _predictions_frame(rows: list[dict], origin_of: list[np.ndarray], full: Panel) -> pd.DataFrame:
    cols = ["model", "bin_id", "origin_ts", "ts", "horizon_h", "observed", "point", "lo80", "hi80"]
    if not rows:
        return pd.DataFrame(columns=cols)
    n = [r["code"].size for r in rows]
    frame = pd.DataFrame(
        {
            "model": np.repeat([r["model"] for r in rows], n),
            "bin_id": full.bin_ids[np.concatenate([r["code"] for r in rows])],
            "origin_ts": from_hours(np.concatenate(origin_of)),
            "ts": from_hours(np.concatenate([r["ts"] for r in rows])),
            "horizon_h": np.repeat([r["horizon_h"] for r in rows], n),
        }
    )
    for name in ("observed", "point", "lo80", "hi80"):
        frame[name] = np.concatenate([r[name] for r in rows])
    return frame


def summarise(predictions: pd.DataFrame) -> pd.DataFrame:
    """MAE, RMSE (fill %), coverage and mean width of the 80 % interval per model and horizon."""
    p = predictions.assign(
        abs_err=(predictions["point"] - predictions["observed"]).abs(),
        sq_err=(predictions["point"] - predictions["observed"]) ** 2,
        inside=(predictions["observed"] >= predictions["lo80"] - 1e-9)
        & (predictions["observed"] <= predictions["hi80"] + 1e-9),
        width=predictions["hi80"] - predictions["lo80"],
    )
    g = p.groupby(["model", "horizon_h"], sort=False)
    out = pd.DataFrame(
        {
            "n": g.size(),
            "mae": g["abs_err"].mean(),
            "rmse": np.sqrt(g["sq_err"].mean()),
            "coverage80": g["inside"].mean(),
            "width80": g["width"].mean(),
        }
    ).reset_index()
    return out.sort_values(["horizon_h", "mae"], kind="stable").reset_index(drop=True)


def _overflow_table(over: list[dict]) -> pd.DataFrame:
    cols = ["model", "n", "events", "predicted", "precision", "recall", "brier"]
    if not over:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame(
        {
            "model": np.repeat([o["model"] for o in over], [o["event"].size for o in over]),
            "event": np.concatenate([o["event"] for o in over]),
            "said": np.concatenate([o["said"] for o in over]),
            "prob": np.concatenate([o["prob"] for o in over]),
        }
    )
    return overflow_scores(frame)


def _overflow_cases(over: list[dict], full: Panel) -> pd.DataFrame:
    """One row per overflow case and model: ``model, bin_id, origin_ts, event, said, prob``."""
    cols = ["model", "bin_id", "origin_ts", "event", "said", "prob"]
    if not over:
        return pd.DataFrame(columns=cols)
    n = [o["event"].size for o in over]
    return pd.DataFrame(
        {
            "model": np.repeat([o["model"] for o in over], n),
            "bin_id": full.bin_ids[np.concatenate([o["code"] for o in over])],
            "origin_ts": from_hours(np.repeat([o["origin_h"] for o in over], n)),
            "event": np.concatenate([o["event"] for o in over]),
            "said": np.concatenate([o["said"] for o in over]),
            "prob": np.concatenate([o["prob"] for o in over]),
        }
    )


#: Edges of the probability bins of :func:`reliability_table`.
RELIABILITY_EDGES = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)


def reliability_table(cases: pd.DataFrame, edges: Sequence[float] = RELIABILITY_EDGES) -> pd.DataFrame:
    """Per model and bin of predicted probability: cases, mean probability and observed share of overflows.

    A calibrated probability has the two close in every bin (``cases`` says how much each bin can be trusted).
    """
    cols = ["model", "p_lo", "p_hi", "cases", "mean_prob", "observed"]
    if cases.empty:
        return pd.DataFrame(columns=cols)
    e = np.asarray(edges, dtype=float)
    cell = np.clip(np.searchsorted(e, cases["prob"].to_numpy(dtype=float), side="right") - 1, 0, e.size - 2)
    g = cases.assign(cell=cell, hit=cases["event"].astype(float)).groupby(["model", "cell"], sort=False)
    out = g.agg(cases=("prob", "size"), mean_prob=("prob", "mean"), observed=("hit", "mean")).reset_index()
    out["p_lo"], out["p_hi"] = e[out["cell"]], e[out["cell"] + 1]
    return out.sort_values(["model", "cell"], kind="stable").loc[:, cols].reset_index(drop=True)


def overflow_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Precision, recall and Brier score of overflow calls, per model.

    ``frame`` has one row per case: ``model``, ``event`` (it overflowed), ``said`` (the model called it) and
    ``prob`` (the model's probability). Precision and recall are NaN where a model called nothing or nothing
    happened.
    """
    cols = ["model", "n", "events", "predicted", "precision", "recall", "brier"]
    hit = frame["event"] & frame["said"]
    sq = (frame["prob"] - frame["event"].astype(float)) ** 2
    g = frame.assign(hit=hit, sq=sq).groupby("model", sort=False)
    out = pd.DataFrame(
        {
            "n": g.size(),
            "events": g["event"].sum(),
            "predicted": g["said"].sum(),
            "hits": g["hit"].sum(),
            "brier": g["sq"].mean(),
        }
    ).reset_index()
    out["precision"] = out["hits"] / out["predicted"].where(out["predicted"] > 0)
    out["recall"] = out["hits"] / out["events"].where(out["events"] > 0)
    return out.loc[:, cols]


def _examples(
    readings: pd.DataFrame,
    hours: np.ndarray,
    bins: pd.DataFrame | None,
    full: Panel,
    predictions: pd.DataFrame,
    factories: Sequence[Callable[[], FillModel]],
    cfg: BacktestConfig,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hourly forecasts from one origin for the bins with most long-horizon targets, and their observed series."""
    empty = pd.DataFrame(columns=["model", "bin_id", "origin_ts", "ts", "point", "lo80", "hi80"])
    longest = max(cfg.horizons_h)
    cand = predictions[predictions["horizon_h"] == longest]
    if cand.empty or cfg.example_bins <= 0:
        return empty, pd.DataFrame(columns=["bin_id", "ts", "fill_pct"])
    top = cand.groupby("bin_id").size().sort_values(ascending=False).index[: cfg.example_bins]
    frames, observed = [], []
    for bin_id in top:  # a few plots, not a hot path
        choice = cand[cand["bin_id"] == bin_id]["origin_ts"].iloc[len(cand[cand["bin_id"] == bin_id]) // 2]
        origin_h = float(to_hours(choice))
        panel = _train_panel(readings, hours, bins, origin_h, cfg)
        if panel is None:
            continue
        code = int(np.searchsorted(panel.bin_ids, bin_id))
        o = panel.last_at(origin_h)[code]
        grid = panel.t[o] + np.arange(1.0, longest + 1.0)
        for m in _fit_all(factories, panel):
            point, q = m.forecast_at(np.full(grid.size, o), grid)
            frames.append(
                pd.DataFrame(
                    {
                        "model": m.alias,
                        "bin_id": bin_id,
                        "origin_ts": choice,
                        "ts": from_hours(grid),
                        "point": point,
                        "lo80": q[:, _LO],
                        "hi80": q[:, _HI],
                    }
                )
            )
        fc = int(np.searchsorted(full.bin_ids, bin_id))
        lo, hi = full.indptr[fc], full.indptr[fc + 1]
        sel = (full.t[lo:hi] >= origin_h - 4 * 24.0) & (full.t[lo:hi] <= origin_h + longest + 12.0)
        observed.append(
            pd.DataFrame({"bin_id": bin_id, "ts": from_hours(full.t[lo:hi][sel]), "fill_pct": full.x[lo:hi][sel]})
        )
    if not frames:
        return empty, pd.DataFrame(columns=["bin_id", "ts", "fill_pct"])
    return pd.concat(frames, ignore_index=True), pd.concat(observed, ignore_index=True)
