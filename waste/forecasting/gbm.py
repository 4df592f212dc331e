"""A global gradient-boosted fill forecaster: one LightGBM model across all bins (the ``forecast`` extra).

Why global: a per-bin model learns each bin from its own few weeks and is tuned to the bins it was built on. One
model trained across every bin of a city learns how fill cycles behave in general (how the level now, the age of
the cycle, the last rises and the bin's own mean rate translate into the next hours), and carries that to a bin it
has never seen. The features are in :mod:`waste.forecasting.features`.

What is learned, all on the training bins only (so that leave-bins-out validation can withhold the scored ones):

* the **median** increment over the last reading (L1 objective), per horizon: the point forecast is the last
  reading plus it, clipped to 0-100 %;
* the **10 % and 90 % quantiles** of that increment (quantile objective): the 80 % interval. Quantile boosters
  trained on the same samples as they are judged on are too narrow on new bins, so each horizon's interval is
  widened by the factor that gives 80 % coverage on errors *out of fold*: the training bins are split in two, and
  each half is forecast by boosters trained on the other. Other levels of the distribution follow a normal shape
  scaled separately below and above the median;
* the **probability of overflow** before the next visit ("a reading up to the visit reaches the threshold"): a
  small logistic (:mod:`waste.forecasting.logistic`) on scores that mean the same on any bin (the distance of the
  out-of-fold median, the bin's rate and the straight line to the threshold, the bin's past share of full
  readings, the hours to the visit), and the **decision threshold**: the highest probability at which the
  out-of-fold calls still catch :attr:`BoostingConfig.target_recall` of the overflows (a missed overflow costs
  more than a visit). A boosted classifier was tried and ranked other bins' overflows no better than chance.

Training is once per city or log (:attr:`BoostingConfig.retrain_every_h`: a week by default); forecasting is a
vectorised feature build and one pass of each booster over all pairs.
"""

from __future__ import annotations

import copy
import importlib.util
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from waste.forecasting.base import LEVELS, FillModel
from waste.forecasting.features import (
    CATEGORICAL,
    FEATURE_NAMES,
    TRAIN_HORIZONS_H,
    ReadingState,
    overflow_samples,
    pair_features,
    reading_state,
    regression_samples,
    training_origins,
)
from waste.forecasting.logistic import fit_logistic, predict_logistic, recall_threshold
from waste.forecasting.panel import Panel

_Z10 = NormalDist().inv_cdf(0.9)
_Z = np.array([NormalDist().inv_cdf(p) for p in LEVELS])
_HEADROOM = FEATURE_NAMES.index("headroom")
_LEVEL = FEATURE_NAMES.index("level")
_RATE_INC = FEATURE_NAMES.index("rate_increment")
_LINE_INC = FEATURE_NAMES.index("line_increment")
_FULL_SHARE = FEATURE_NAMES.index("full_share")
_HORIZON = FEATURE_NAMES.index("horizon_h")
#: Hours after the start at which :meth:`GlobalBoostedModel.hours_to_reach` reads the median (two weeks at most).
REACH_GRID_H = np.array([0.0, 3.0, 6.0, 12.0, 18.0, 24.0, 36.0, 48.0, 72.0, 96.0, 144.0, 216.0, 336.0])
#: Fewest out-of-fold overflows a set of cases needs for the decision threshold to be chosen on it.
MIN_DECISION_EVENTS = 20
#: Windows (hours to the next visit) the overflow probability is calibrated on, and the next reading.
OVERFLOW_WINDOWS_H = (12.0, 24.0, 48.0, 72.0)


class TooLittleHistoryError(ValueError):
    """The readings hold too few (origin, target) pairs to train the global model."""


def lightgbm_available() -> bool:
    """True when LightGBM (the ``forecast`` extra) is installed."""
    return importlib.util.find_spec("lightgbm") is not None


@dataclass(frozen=True, slots=True)
class BoostingConfig:
    """Settings of :class:`GlobalBoostedModel`, fixed beforehand (never tuned on scored bins)."""

    rounds: int = 100
    learning_rate: float = 0.1
    max_bin: int = 63
    num_leaves: int = 15
    min_data_in_leaf: int = 40
    feature_fraction: float = 0.9
    #: Split of the training bins for the out-of-fold interval widening and the probability calibration.
    inner_folds: int = 2
    #: Hours to the next visit at which the overflow decision threshold is chosen.
    visit_h: float = 24.0
    #: Share of overflows the overflow call must catch on out-of-fold training bins.
    target_recall: float = 0.7
    retrain_every_h: float = 168.0
    threads: int = 1
    seed: int = 0
    horizons_h: tuple[float, ...] = field(default_factory=lambda: tuple(TRAIN_HORIZONS_H.tolist()))


@dataclass(slots=True)
class Learned:
    """Everything a :class:`GlobalBoostedModel` learned from its training bins (shared by reused models)."""

    median: object
    lower: object
    upper: object
    widen: np.ndarray  # per training horizon: factor on the interval's two half-widths
    overflow_weights: np.ndarray  # logistic on :func:`overflow_features`, fitted out of fold
    base_rate: float
    decision: float  # probability at and above which an overflow is called
    samples: int


def _params(cfg: BoostingConfig, objective: str, alpha: float | None = None) -> dict:
    p = {
        "objective": objective,
        "learning_rate": cfg.learning_rate,
        "num_leaves": cfg.num_leaves,
        "min_data_in_leaf": cfg.min_data_in_leaf,
        "feature_fraction": cfg.feature_fraction,
        "max_bin": cfg.max_bin,
        "num_threads": cfg.threads,
        "seed": cfg.seed,
        "deterministic": True,
        "verbose": -1,
    }
    if alpha is not None:
        p["alpha"] = alpha
    return p


def _train(cfg: BoostingConfig, x: np.ndarray, y: np.ndarray, objective: str, alpha: float | None = None) -> object:
    import lightgbm as lgb

    data = lgb.Dataset(
        x, label=y, feature_name=list(FEATURE_NAMES), categorical_feature=list(CATEGORICAL), free_raw_data=True
    )
    return lgb.train(_params(cfg, objective, alpha), data, num_boost_round=cfg.rounds)


def _horizon_cell(h: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Index of the training horizon nearest ``h`` in log(1 + h)."""
    lg = np.log1p(grid)
    u = np.log1p(np.maximum(h, 0.0))
    j = np.clip(np.searchsorted(lg, u), 1, lg.size - 1)
    return np.where(u - lg[j - 1] < lg[j] - u, j - 1, j)


def _inner_split(n_bins: int, folds: int, seed: int) -> np.ndarray:
    """Fold of each bin (a seeded shuffle, dealt round-robin)."""
    order = np.random.default_rng(seed).permutation(n_bins)
    fold = np.empty(n_bins, dtype=np.int64)
    fold[order] = np.arange(n_bins) % folds
    return fold


def overflow_features(
    level: np.ndarray, median_inc: np.ndarray, feats: np.ndarray, threshold: np.ndarray
) -> np.ndarray:
    """The logistic's inputs for reaching ``threshold`` by the visit ``(n, 5)``, each in tens of points or a share.

    How far below the threshold the visit's level lies by the model's median, by the bin's mean rate and by the
    straight line through the cycle (each clipped to -50..+10 points), the bin's past share of readings at the
    threshold, and the hours to the visit in days.
    """
    gap = threshold - 0.5

    def near(v: np.ndarray) -> np.ndarray:
        return np.clip(np.nan_to_num(v - gap, nan=-50.0), -50.0, 10.0) / 10.0

    return np.column_stack(
        [
            near(level + median_inc),
            near(level + feats[:, _RATE_INC].astype(float)),
            near(level + feats[:, _LINE_INC].astype(float)),
            np.nan_to_num(feats[:, _FULL_SHARE].astype(float), nan=0.0),
            feats[:, _HORIZON].astype(float) / 24.0,
        ]
    )


def learn(train: Panel, cfg: BoostingConfig) -> Learned:
    """Train every part of the model on the bins of ``train`` (see the module docstring)."""
    origins = training_origins(train)
    state = reading_state(train, origins)
    grid = np.asarray(cfg.horizons_h)
    x, y, _, code = regression_samples(train, state, origins, grid)
    if y.size < 50:
        msg = f"too little history to train the global model ({y.size} training pairs; at least 50 needed)"
        raise TooLittleHistoryError(msg)
    windows = (*OVERFLOW_WINDOWS_H, None)  # None: the visit is the next reading (a collection log's next emptying)
    cases = [overflow_samples(train, state, origins, w) for w in windows]
    xo = np.concatenate([c[0] for c in cases])
    eo = np.concatenate([c[1] for c in cases])
    co = np.concatenate([c[2] for c in cases])
    wo = np.concatenate([np.full(c[1].size, np.nan if w is None else w) for c, w in zip(cases, windows, strict=True)])
    folds = min(cfg.inner_folds, train.n_bins)
    fold = _inner_split(train.n_bins, folds, cfg.seed) if folds >= 2 else np.zeros(train.n_bins, dtype=np.int64)
    oof = np.full((y.size, 3), np.nan)
    oof_o = np.full(eo.size, np.nan)  # the same median booster at the overflow cases' visits
    for f in range(folds if folds >= 2 else 0):
        tr, te, teo = fold[code] != f, fold[code] == f, fold[co] == f
        if tr.sum() < 50 or not te.any():
            continue
        for j, (obj, a) in enumerate((("quantile", 0.1), ("l1", None), ("quantile", 0.9))):
            booster = _train(cfg, x[tr], y[tr], obj, a)
            oof[te, j] = booster.predict(x[te])
            if j == 1 and teo.any():
                oof_o[teo] = booster.predict(xo[teo])
    widen = np.ones(grid.size)
    done = np.isfinite(oof).all(axis=1)
    if done.any():
        lo, med, hi = np.minimum(oof[:, 0], oof[:, 1]), oof[:, 1], np.maximum(oof[:, 2], oof[:, 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            need = np.where(y < med, (med - y) / (med - lo), (y - med) / (hi - med))
        need = np.where(np.isfinite(need), need, np.where(y == med, 0.0, 10.0))
        hcell = _horizon_cell(x[:, _HORIZON].astype(float), grid)
        for j in range(grid.size):
            sel = done & (hcell == j)
            if sel.sum() >= 30:
                widen[j] = float(np.clip(np.quantile(need[sel], 0.8), 0.5, 4.0))
        widen = np.maximum.accumulate(widen)  # an interval never narrows with the horizon
    base_rate = float((eo.sum() + 1.0) / (eo.size + 2.0))
    weights = np.r_[np.zeros(5), np.log(base_rate / (1.0 - base_rate))]
    decision = 1.0
    got = np.isfinite(oof_o)
    if got.sum() >= 30 and eo[got].any() and not eo[got].all():
        level = xo[:, _LEVEL].astype(float)
        inputs = overflow_features(level, oof_o, xo, level + xo[:, _HEADROOM].astype(float))
        weights = fit_logistic(inputs[got], eo[got])
        # the threshold is chosen where the visit is as in service: the window nearest visit_h, or, where those
        # hold few overflows (a collection log has no reading a day later), the next reading
        near = got & (wo == min(OVERFLOW_WINDOWS_H, key=lambda w: abs(w - cfg.visit_h)))
        nxt = got & np.isnan(wo)
        sel = near if eo[near].sum() >= MIN_DECISION_EVENTS else (nxt if eo[nxt].sum() >= MIN_DECISION_EVENTS else got)
        decision = recall_threshold(predict_logistic(inputs[sel], weights), eo[sel], cfg.target_recall)
    return Learned(
        median=_train(cfg, x, y, "l1"),
        lower=_train(cfg, x, y, "quantile", 0.1),
        upper=_train(cfg, x, y, "quantile", 0.9),
        widen=widen,
        overflow_weights=weights,
        base_rate=base_rate,
        decision=decision,
        samples=int(y.size),
    )


class GlobalBoostedModel(FillModel):
    """One LightGBM model across all bins (see the module docstring).

    Parameters
    ----------
    config
        Training settings.
    alias
        Name in tables.
    """

    alias = "GlobalGBM"
    point_is_median = True

    def __init__(self, config: BoostingConfig | None = None, alias: str | None = None) -> None:
        super().__init__(alias)
        if not lightgbm_available():
            msg = "the global model needs LightGBM: pip install 'waste-optimiser[forecast]'"
            raise ImportError(msg)
        self.config = config or BoostingConfig()

    @property
    def retrain_every_h(self) -> float:
        """Hours a trained model stays in use before it is retrained on newer readings."""
        return self.config.retrain_every_h

    # -- fitting ------------------------------------------------------------------------------------------
    def fit(self, panel: Panel) -> GlobalBoostedModel:
        """Train on every bin of ``panel`` and forecast them."""
        return self.fit_without(panel, None)

    def fit_without(self, panel: Panel, held_out: np.ndarray | None) -> GlobalBoostedModel:
        """Train on the bins of ``panel`` not ``held_out`` (boolean per bin), then forecast every bin of it."""
        train = panel if held_out is None or not np.any(held_out) else panel.subset(~np.asarray(held_out))
        self.learned_ = learn(train, self.config)
        return self.attach(panel)

    def attach(self, panel: Panel) -> GlobalBoostedModel:
        """Forecast the bins of ``panel`` with what was learned (no training); returns the model."""
        self.panel_ = panel
        self._state: ReadingState | None = None
        return self

    def reuse(self, panel: Panel, held_out: np.ndarray | None = None) -> GlobalBoostedModel:
        """A copy that forecasts ``panel`` with this model's trained boosters (between retrainings).

        ``held_out`` is accepted for the backtest's leave-bins-out runs: the boosters were trained without those
        bins already, and nothing else is learned here.
        """
        other = copy.copy(self)
        return other.attach(panel)

    def fit_local(self, panel: Panel, pooled: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Train on this partition's bins (a partitioned run trains one model per partition)."""
        self.fit(panel)
        return np.zeros(1)

    def fit_finish(self, histogram: np.ndarray) -> GlobalBoostedModel:
        """Nothing to finish: the intervals were calibrated in training."""
        return self

    # -- forecasting --------------------------------------------------------------------------------------
    def state_at(self, origin: np.ndarray) -> ReadingState:
        """Feature state at the origins asked (kept while later calls ask at the same or fewer origins)."""
        state = self._state
        wanted = np.unique(origin)
        if state is not None and np.isin(wanted, state.origins, assume_unique=True).all():
            return state
        self._state = reading_state(self.panel_, wanted)
        return self._state

    def _raw(self, origin: np.ndarray, target_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raw 10/50/90 % increments ``(n, 3)`` and each pair's interval widening factor."""
        learned = self.learned_
        feats = pair_features(self.panel_, self.state_at(origin), origin, target_h)
        raw = np.column_stack(
            [learned.lower.predict(feats), learned.median.predict(feats), learned.upper.predict(feats)]
        )
        widen = learned.widen[_horizon_cell(feats[:, _HORIZON].astype(float), np.asarray(self.config.horizons_h))]
        return raw, widen

    def _quantiles(self, origin: np.ndarray, target_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        level = self.panel_.x[origin]
        raw, s = self._raw(origin, target_h)
        med = raw[:, 1]
        below = (med - np.minimum(raw[:, 0], med)) * s / _Z10
        above = (np.maximum(raw[:, 2], med) - med) * s / _Z10
        inc = med[:, None] + np.where(_Z[None, :] < 0, below[:, None], above[:, None]) * _Z[None, :]
        point = np.clip(level + med, 0.0, 100.0)
        return point, np.clip(level[:, None] + inc, 0.0, 100.0)

    def _forecast_pairs(
        self, origin: np.ndarray, target_h: np.ndarray, table: np.ndarray | None, monotone: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        target_h = np.broadcast_to(np.asarray(target_h, dtype=np.float64), origin.shape)
        if origin.size == 0:
            return np.zeros(0), np.zeros((0, LEVELS.size))
        return self._quantiles(origin, target_h)

    def forecast_at(
        self, origin: np.ndarray, target_h: np.ndarray, *, monotone: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Forecast pairs (origin reading index, target time in hours): ``(point (n,), quantiles (n, levels))``."""
        self._check_fitted()
        origin = np.asarray(origin, dtype=np.int64)
        return self._forecast_pairs(origin, np.asarray(target_h, dtype=np.float64), None, monotone)

    def _point(self, origin: np.ndarray, target_h: np.ndarray, state: dict | None = None) -> np.ndarray:
        return self.forecast_at(origin, target_h)[0]

    def prob_reach(self, origin: np.ndarray, until_h: np.ndarray, threshold: np.ndarray, steps: int = 8) -> np.ndarray:
        """Calibrated probability that each bin reaches ``threshold`` (%) between its origin and ``until_h``.

        The fill of a bin that is not emptied does not fall, so reaching the threshold by ``until_h`` is being at
        it then: :func:`overflow_features` of the forecast at ``until_h``, through the logistic fitted out of fold.
        """
        panel = self._check_fitted()
        origin = np.asarray(origin, dtype=np.int64)
        learned = self.learned_
        threshold = np.broadcast_to(np.asarray(threshold, dtype=np.float64), origin.shape)
        until = np.broadcast_to(np.asarray(until_h, dtype=np.float64), origin.shape)
        if origin.size == 0:
            return np.zeros(0)
        feats = pair_features(panel, self.state_at(origin), origin, until)
        level = panel.x[origin]
        inputs = overflow_features(level, learned.median.predict(feats), feats, threshold)
        p = predict_logistic(inputs, learned.overflow_weights)
        return np.where(level >= threshold - 0.5, 1.0, p)

    def call_overflow(
        self, origin: np.ndarray, until_h: np.ndarray, threshold: np.ndarray, prob: np.ndarray
    ) -> np.ndarray:
        """Overflow called when the calibrated probability reaches the threshold chosen out of fold."""
        return np.asarray(prob) >= self.learned_.decision

    def hours_to_reach(self, origin: np.ndarray, start_h: np.ndarray, level_pct: np.ndarray) -> np.ndarray:
        """Hours after ``start_h`` until the median forecast reaches ``level_pct`` (inf within two weeks: never).

        Read off the median (the median booster alone) at :data:`REACH_GRID_H`, linear between.
        """
        origin = np.asarray(origin, dtype=np.int64)
        start = np.broadcast_to(np.asarray(start_h, dtype=np.float64), origin.shape)
        level = np.broadcast_to(np.asarray(level_pct, dtype=np.float64), origin.shape)
        grid = REACH_GRID_H
        o = np.repeat(origin, grid.size)
        feats = pair_features(self.panel_, self.state_at(origin), o, (start[:, None] + grid[None, :]).ravel())
        point = np.clip(self.panel_.x[o] + self.learned_.median.predict(feats), 0.0, 100.0)
        path = np.maximum.accumulate(point.reshape(origin.size, grid.size), axis=1)
        above = path >= level[:, None]
        first = np.argmax(above, axis=1)
        hit = above.any(axis=1)
        j = np.maximum(first, 1)
        rows = np.arange(origin.size)
        p0, p1 = path[rows, j - 1], path[rows, j]
        frac = np.where(p1 > p0, (level - p0) / np.where(p1 > p0, p1 - p0, 1.0), 1.0)
        hours = grid[j - 1] + np.clip(frac, 0.0, 1.0) * (grid[j] - grid[j - 1])
        hours = np.where(first == 0, 0.0, hours)
        return np.where(hit, hours, np.inf)

    @property
    def rate_(self) -> np.ndarray:
        """Per bin: mean fill rate (% per hour) over its history in the panel (NaN without steps)."""
        panel = self.panel_
        has = panel.indptr[1:] > panel.indptr[:-1]
        out = np.full(panel.n_bins, np.nan)
        last = panel.indptr[1:][has] - 1
        out[has] = self.state_at(last).bin_rate[self.state_at(last).rows(last)]
        return out
