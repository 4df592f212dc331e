"""The average of the fill-rate model and the global model: each bin's own pace and what all bins teach.

The two err in different places: the fill-rate model follows a bin's own rate and daily profile but is tuned by
hand on the bins it was built on; the global model carries across bins but knows a bin only through a few
summaries. The ensemble's median is the mean of the two medians, and each quantile the mean of the two quantiles
(a quantile average: the interval stays ordered). The overflow probability and call are the global model's, the
one calibrated out of fold. With too little history to train the global model (a few days of a few bins) the
ensemble is the fill-rate model alone. In a backtest the ensemble's figures follow exactly from its members' predictions
(:func:`with_average`), so it costs no second training there.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from waste.backtest import BacktestResult, overflow_scores, summarise
from waste.forecasting.base import FillModel
from waste.forecasting.fillrate import FillRateModel
from waste.forecasting.gbm import GlobalBoostedModel, TooLittleHistoryError
from waste.forecasting.panel import Panel


class AverageModel(FillModel):
    """Mean of :class:`FillRateModel` and :class:`GlobalBoostedModel` (see the module docstring)."""

    alias = "Ensemble"
    point_is_median = True

    def __init__(self, alias: str | None = None) -> None:
        super().__init__(alias)
        self.own = FillRateModel()
        self.shared = GlobalBoostedModel()

    @property
    def retrain_every_h(self) -> float:
        """The global model's retraining period."""
        return self.shared.retrain_every_h

    def fit(self, panel: Panel) -> AverageModel:
        """Fit both members on every bin of ``panel``."""
        return self.fit_without(panel, None)

    def fit_without(self, panel: Panel, held_out: np.ndarray | None) -> AverageModel:
        """Fit both members learning nothing shared from ``held_out`` bins (see :meth:`FillModel.fit_without`)."""
        self.own = FillRateModel().fit_without(panel, held_out)
        try:
            self.shared = self.shared.fit_without(panel, held_out)
        except TooLittleHistoryError:
            self.shared = None  # a handful of readings: the fill-rate model alone, as the class docstring says
        self.panel_ = panel
        return self

    def fit_local(self, panel: Panel, pooled: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Fit both members on this panel (the forecast pipeline's first stage; nothing to sum over parts)."""
        self.fit(panel)
        return np.zeros(1)

    def fit_finish(self, histogram: np.ndarray) -> AverageModel:
        """Nothing to finish: both members calibrated themselves."""
        return self

    def reuse(self, panel: Panel, held_out: np.ndarray | None = None) -> AverageModel:
        """Keep the global model's training, refit the fill-rate model on ``panel``."""
        other = AverageModel(self.alias)
        other.shared = None if self.shared is None else self.shared.reuse(panel)
        other.own = FillRateModel().fit_without(panel, held_out)
        other.panel_ = panel
        return other

    def forecast_at(
        self, origin: np.ndarray, target_h: np.ndarray, *, monotone: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean of the members' points and of their quantiles."""
        p1, q1 = self.own.forecast_at(origin, target_h, monotone=monotone)
        if self.shared is None:
            return p1, q1
        p2, q2 = self.shared.forecast_at(origin, target_h, monotone=monotone)
        return (p1 + p2) / 2.0, (q1 + q2) / 2.0

    def _point(self, origin: np.ndarray, target_h: np.ndarray, state: dict | None = None) -> np.ndarray:
        return self.forecast_at(origin, target_h)[0]

    def prob_reach(self, origin: np.ndarray, until_h: np.ndarray, threshold: np.ndarray, steps: int = 8) -> np.ndarray:
        """The global model's calibrated probability."""
        if self.shared is None:
            return self.own.prob_reach(origin, until_h, threshold, steps)
        return self.shared.prob_reach(origin, until_h, threshold, steps)

    def call_overflow(
        self, origin: np.ndarray, until_h: np.ndarray, threshold: np.ndarray, prob: np.ndarray
    ) -> np.ndarray:
        """The global model's call."""
        if self.shared is None:
            return self.own.call_overflow(origin, until_h, threshold, prob)
        return self.shared.call_overflow(origin, until_h, threshold, prob)

    def hours_to_reach(self, origin: np.ndarray, start_h: np.ndarray, level_pct: np.ndarray) -> np.ndarray:
        """Mean of the members' hours to the level (infinite when either never reaches it)."""
        if self.shared is None:
            return self.own.hours_to_reach(origin, start_h, level_pct)
        return (
            self.own.hours_to_reach(origin, start_h, level_pct) + self.shared.hours_to_reach(origin, start_h, level_pct)
        ) / 2.0

    @property
    def rate_(self) -> np.ndarray:
        """The fill-rate model's rate (% per hour)."""
        return self.own.rate_


def with_average(
    result: BacktestResult, members: tuple[str, str] = ("FillRate", "GlobalGBM"), name: str = "Ensemble"
) -> BacktestResult:
    """``result`` with the rows :class:`AverageModel` would have scored, made from its members' predictions.

    Exact for the backtest's protocol: both members are fitted the same way inside the ensemble and alone.
    Returns ``result`` unchanged when a member is missing.
    """
    p = result.predictions
    if not set(members) <= set(p["model"]):
        return result
    key = ["bin_id", "origin_ts", "ts", "horizon_h"]
    a = p[p["model"] == members[0]].set_index(key)
    b = p[p["model"] == members[1]].set_index(key).loc[a.index]
    avg = a[["observed"]].copy()
    for col in ("point", "lo80", "hi80"):
        avg[col] = (a[col].to_numpy() + b[col].to_numpy()) / 2.0
    avg = avg.reset_index().assign(model=name)[list(p.columns)]
    predictions = pd.concat([p, avg], ignore_index=True)
    cases = result.overflow_cases
    if not cases.empty and members[1] in set(cases["model"]):
        cases = pd.concat([cases, cases[cases["model"] == members[1]].assign(model=name)], ignore_index=True)
    return replace(
        result,
        predictions=predictions,
        metrics=summarise(predictions),
        overflow=overflow_scores(cases) if not cases.empty else result.overflow,
        overflow_cases=cases,
    )
