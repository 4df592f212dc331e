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
* the **probability of overflow** before the next visit (binary objective on "a reading up to the visit reaches the
  threshold", with the window length as the horizon feature), calibrated by a logistic (Platt) fit on the
  out-of-fold probabilities, and the **decision threshold**: the highest probability at which the out-of-fold calls
  still catch :attr:`BoostingConfig.target_recall` of the overflows (a missed overflow costs more than a visit).

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
from waste.forecasting.panel import Panel

_Z10 = NormalDist().inv_cdf(0.9)
_Z = np.array([NormalDist().inv_cdf(p) for p in LEVELS])
_HEADROOM = FEATURE_NAMES.index("headroom")
#: Windows (hours to the next visit) the overflow classifier is trained on; others are read between them.
OVERFLOW_WINDOWS_H = (12.0, 24.0, 48.0, 72.0)


def lightgbm_available() -> bool:
    """True when LightGBM (the ``forecast`` extra) is installed."""
    return importlib.util.find_spec("lightgbm") is not None


@dataclass(frozen=True, slots=True)
class BoostingConfig:
    """Settings of :class:`GlobalBoostedModel`, fixed beforehand (never tuned on scored bins)."""

    rounds: int = 150
    learning_rate: float = 0.08
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
    classifier: object | None
    platt: tuple[float, float]  # logit calibration a * logit(p) + b (or the base rate when no classifier)
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


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fit_platt(p: np.ndarray, y: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """Logistic recalibration ``sigmoid(a * logit(p) + b)`` by Newton's method (a small ridge keeps it stable)."""
    z = _logit(p)
    a, b = 1.0, 0.0
    yf = y.astype(float)
    for _ in range(iterations):
        q = _sigmoid(a * z + b)
        w = q * (1 - q)
        g = np.array([np.sum((q - yf) * z) + 1e-3 * (a - 1.0), np.sum(q - yf) + 1e-3 * b])
        h = np.array([[np.sum(w * z * z) + 1e-3, np.sum(w * z)], [np.sum(w * z), np.sum(w) + 1e-3]])
        step = np.linalg.solve(h, g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


def apply_platt(p: np.ndarray, ab: tuple[float, float]) -> np.ndarray:
    """Calibrated probabilities from raw ones (see :func:`fit_platt`)."""
    return _sigmoid(ab[0] * _logit(p) + ab[1])


def recall_threshold(p: np.ndarray, event: np.ndarray, target_recall: float) -> float:
    """Highest probability threshold whose calls (``p >= threshold``) catch ``target_recall`` of the events."""
    hits = np.sort(p[event])[::-1]
    if hits.size == 0:
        return 1.0
    k = int(np.ceil(target_recall * hits.size)) - 1
    return float(hits[min(max(k, 0), hits.size - 1)])


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


def learn(train: Panel, cfg: BoostingConfig) -> Learned:
    """Train every part of the model on the bins of ``train`` (see the module docstring)."""
    state = reading_state(train)
    origins = training_origins(train)
    grid = np.asarray(cfg.horizons_h)
    x, y, _, code = regression_samples(train, state, origins, grid)
    if y.size < 50:
        msg = f"too little history to train the global model ({y.size} training pairs; at least 50 needed)"
        raise ValueError(msg)
    cases = [overflow_samples(train, state, origins, w) for w in OVERFLOW_WINDOWS_H]
    xo = np.concatenate([c[0] for c in cases])
    eo = np.concatenate([c[1] for c in cases])
    co = np.concatenate([c[2] for c in cases])
    wo = np.concatenate([np.full(c[1].size, w) for c, w in zip(cases, OVERFLOW_WINDOWS_H, strict=True)])
    folds = min(cfg.inner_folds, train.n_bins)
    fold = _inner_split(train.n_bins, folds, cfg.seed) if folds >= 2 else np.zeros(train.n_bins, dtype=np.int64)
    oof = np.full((y.size, 3), np.nan)
    oof_p = np.full(eo.size, np.nan)
    can_classify = eo.any() and not eo.all()
    for f in range(folds if folds >= 2 else 0):
        tr, te = fold[code] != f, fold[code] == f
        if tr.sum() < 50 or not te.any():
            continue
        for j, (obj, a) in enumerate((("quantile", 0.1), ("l1", None), ("quantile", 0.9))):
            oof[te, j] = _train(cfg, x[tr], y[tr], obj, a).predict(x[te])
        tro, teo = fold[co] != f, fold[co] == f
        if can_classify and eo[tro].any() and not eo[tro].all() and teo.any():
            oof_p[teo] = _train(cfg, xo[tro], eo[tro].astype(float), "binary").predict(xo[teo])
    widen = np.ones(grid.size)
    done = np.isfinite(oof).all(axis=1)
    if done.any():
        lo, med, hi = np.minimum(oof[:, 0], oof[:, 1]), oof[:, 1], np.maximum(oof[:, 2], oof[:, 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            need = np.where(y < med, (med - y) / (med - lo), (y - med) / (hi - med))
        need = np.where(np.isfinite(need), need, np.where(y == med, 0.0, 10.0))
        hcell = _horizon_cell(x[:, FEATURE_NAMES.index("horizon_h")].astype(float), grid)
        for j in range(grid.size):
            sel = done & (hcell == j)
            if sel.sum() >= 30:
                widen[j] = float(np.clip(np.quantile(need[sel], 0.8), 0.5, 4.0))
        widen = np.maximum.accumulate(widen)  # an interval never narrows with the horizon
    base_rate = float((eo.sum() + 1.0) / (eo.size + 2.0))
    classifier, platt, decision = None, (0.0, 0.0), 1.0
    if can_classify:
        classifier = _train(cfg, xo, eo.astype(float), "binary")
        got = np.isfinite(oof_p)
        if got.sum() >= 30 and eo[got].any() and not eo[got].all():
            platt = fit_platt(oof_p[got], eo[got])
            near = got & (wo == min(OVERFLOW_WINDOWS_H, key=lambda w: abs(w - cfg.visit_h)))
            sel = near if eo[near].any() else got
            decision = recall_threshold(apply_platt(oof_p[sel], platt), eo[sel], cfg.target_recall)
        else:
            platt = (1.0, 0.0)
            decision = recall_threshold(classifier.predict(xo), eo, cfg.target_recall)
    return Learned(
        median=_train(cfg, x, y, "l1"),
        lower=_train(cfg, x, y, "quantile", 0.1),
        upper=_train(cfg, x, y, "quantile", 0.9),
        widen=widen,
        classifier=classifier,
        platt=platt,
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
        self.state_: ReadingState = reading_state(panel)
        return self

    def reuse(self, panel: Panel) -> GlobalBoostedModel:
        """A copy that forecasts ``panel`` with this model's trained boosters (between retrainings)."""
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
    def _quantiles(self, origin: np.ndarray, target_h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        panel, learned = self.panel_, self.learned_
        feats = pair_features(panel, self.state_, origin, target_h)
        level = panel.x[origin]
        med = learned.median.predict(feats)
        lo = np.minimum(learned.lower.predict(feats), med)
        hi = np.maximum(learned.upper.predict(feats), med)
        h = feats[:, FEATURE_NAMES.index("horizon_h")].astype(float)
        s = learned.widen[_horizon_cell(h, np.asarray(self.config.horizons_h))]
        below = (med - lo) * s / _Z10
        above = (hi - med) * s / _Z10
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
        """Calibrated probability that each bin reaches ``threshold`` (%) between its origin and ``until_h``."""
        panel = self._check_fitted()
        origin = np.asarray(origin, dtype=np.int64)
        learned = self.learned_
        threshold = np.broadcast_to(np.asarray(threshold, dtype=np.float64), origin.shape)
        if learned.classifier is None:
            return np.full(origin.size, learned.base_rate)
        until = np.broadcast_to(np.asarray(until_h, dtype=np.float64), origin.shape)
        feats = pair_features(panel, self.state_, origin, until)
        feats[:, _HEADROOM] = threshold - panel.x[origin]
        p = apply_platt(learned.classifier.predict(feats), learned.platt)
        return np.where(panel.x[origin] >= threshold - 0.5, 1.0, p)

    def call_overflow(
        self, origin: np.ndarray, until_h: np.ndarray, threshold: np.ndarray, prob: np.ndarray
    ) -> np.ndarray:
        """Overflow called when the calibrated probability reaches the threshold chosen out of fold."""
        return np.asarray(prob) >= self.learned_.decision

    def hours_to_reach(self, origin: np.ndarray, start_h: np.ndarray, level_pct: np.ndarray) -> np.ndarray:
        """Hours after ``start_h`` until the median forecast reaches ``level_pct`` (inf within two weeks: never).

        Read off the median on a grid of horizons (every 2 h to three days, then every 6 h), linear between.
        """
        origin = np.asarray(origin, dtype=np.int64)
        start = np.broadcast_to(np.asarray(start_h, dtype=np.float64), origin.shape)
        level = np.broadcast_to(np.asarray(level_pct, dtype=np.float64), origin.shape)
        grid = np.r_[0.0, np.arange(2.0, 72.0, 2.0), np.arange(72.0, 337.0, 6.0)]
        point, _ = self.forecast_at(np.repeat(origin, grid.size), (start[:, None] + grid[None, :]).ravel())
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
        out[has] = self.state_.bin_rate[panel.indptr[1:][has] - 1]
        return out
