"""The global gradient-boosted model, its features, and leave-bins-out validation."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from waste.backtest import BacktestConfig, fold_of_bins, reliability_table, run_backtest
from waste.collections import clean_readings
from waste.forecasting.base import FillModel
from waste.forecasting.baselines import LastValue, LinearCycle
from waste.forecasting.features import FEATURE_NAMES, pair_features, reading_state
from waste.forecasting.fillrate import FillRateModel
from waste.forecasting.gbm import lightgbm_available
from waste.forecasting.logistic import fit_logistic, predict_logistic, recall_threshold
from waste.forecasting.panel import build_panel

from .test_backtest import T0, sawtooth_bins

needs_lightgbm = pytest.mark.skipif(not lightgbm_available(), reason="LightGBM (the forecast extra) not installed")


def _panel(frame: pd.DataFrame, cycle: list[int] | None = None):
    if cycle is not None:
        frame = frame.assign(cycle=cycle)
    return build_panel(frame)


def test_subset_keeps_groups_and_series() -> None:
    """A subset panel holds exactly the chosen bins' readings and the whole panel's group numbering."""
    frame = sawtooth_bins(n_bins=3, days=3)
    bins = pd.DataFrame({"bin_id": ["B0", "B1", "B2"], "stream": ["glass", "paper", "glass"]})
    panel = build_panel(frame, bins)
    sub = panel.subset(np.array([False, True, True]))
    assert list(sub.bin_ids) == ["B1", "B2"]
    assert sub.t.size == (frame["bin_id"] != "B0").sum()
    assert list(sub.group) == list(panel.group[1:])
    assert sub.n_groups == panel.n_groups
    b2 = panel.indptr[2]
    np.testing.assert_array_equal(sub.x[sub.indptr[1] :], panel.x[b2:])
    assert (sub.code[: sub.indptr[1]] == 0).all()
    assert (sub.code[sub.indptr[1] :] == 1).all()


def test_reading_state_by_hand() -> None:
    """Rises, cycle age, mean rate and cycle length on a series small enough to check by hand."""
    hours = [0, 2, 4, 6, 8, 10, 12, 14]
    fill = [10, 20, 30, 5, 15, 25, 2, 4]
    cycle = [0, 0, 0, 1, 1, 1, 2, 2]
    frame = pd.DataFrame({"bin_id": "A", "ts": T0 + pd.to_timedelta(hours, unit="h"), "fill_pct": fill})
    panel = _panel(frame, cycle)
    s = reading_state(panel)
    np.testing.assert_allclose(s.rises[2], [10, 20, np.nan])
    assert np.isnan(s.rises[3]).all()  # first reading of a cycle: nothing before it in the cycle
    np.testing.assert_allclose(s.cycle_age_h[[2, 3, 5]], [4, 0, 4])
    np.testing.assert_allclose(s.level_mean3[5], 15.0)  # mean of 5, 15, 25
    np.testing.assert_allclose(s.bin_rate[5], 40.0 / 8.0)  # rises within cycles: 10+10+10+10 over 8 h
    assert np.isnan(s.mean_cycle_h[5])  # no completed cycle seen whole yet
    np.testing.assert_allclose(s.mean_cycle_h[7], 6.0)  # the second cycle ran from 6 h to 12 h
    np.testing.assert_allclose(s.line_slope[2], 5.0)
    feats = pair_features(panel, s, np.array([2]), np.array([T0.value / 3.6e12 + 10.0]))
    row = dict(zip(FEATURE_NAMES, feats[0], strict=True))
    assert row["horizon_h"] == pytest.approx(6.0)
    assert row["line_increment"] == pytest.approx(30.0)
    assert row["headroom"] == pytest.approx(70.0)


def test_logistic_and_recall_threshold() -> None:
    """The logistic recovers known probabilities, stays finite on separable cases; the threshold catches its share."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 2))
    true_p = 1 / (1 + np.exp(-(1.5 * x[:, 0] - 0.5 * x[:, 1] - 2.0)))
    event = rng.uniform(size=true_p.size) < true_p
    fixed = predict_logistic(x, fit_logistic(x, event))
    assert np.abs(fixed - true_p).mean() < 0.01
    separable = fit_logistic(x[:, 0], x[:, 0] > 0)
    assert np.isfinite(separable).all()
    thr = recall_threshold(fixed, event, 0.7)
    assert (fixed[event] >= thr).mean() == pytest.approx(0.7, abs=0.01)
    assert recall_threshold(fixed, np.zeros(fixed.size, bool), 0.7) == 1.0


class _Spy(FillModel):
    """Records the bins each fit learned from and forecasts like the last value."""

    alias = "Spy"
    seen: ClassVar[list[tuple[set[str], set[str]]]] = []

    def _point(self, origin: np.ndarray, target_h: np.ndarray) -> np.ndarray:
        return self.panel_.x[origin]

    def fit_without(self, panel, held_out):
        trained = set(panel.bin_ids[~held_out]) if held_out is not None else set(panel.bin_ids)
        _Spy.seen.append((trained, set(panel.bin_ids[held_out]) if held_out is not None else set()))
        return self.fit(panel)


def test_leave_bins_out_scores_each_bin_without_it() -> None:
    """Each fold learns from the other bins only, every bin is scored once per origin, and figures add up."""
    _Spy.seen = []
    frame = sawtooth_bins(n_bins=5, days=20)
    cfg = BacktestConfig(eval_days=6, train_days=10, folds=3, example_bins=0)
    res = run_backtest(frame, models=[_Spy, LastValue], config=cfg)
    assert res.validation == "leave-bins-out (3 folds)"
    assert _Spy.seen
    assert all(not (trained & held) for trained, held in _Spy.seen)
    p = res.predictions[res.predictions["model"] == "Spy"]
    assert set(p["bin_id"]) == {f"B{b}" for b in range(5)}
    assert not p.duplicated(["bin_id", "origin_ts", "horizon_h"]).any()
    inside = run_backtest(frame, models=[_Spy, LastValue], config=BacktestConfig(eval_days=6, train_days=10))
    # the spy forecasts like the last value either way: the same targets and errors in and out of sample
    pd.testing.assert_frame_equal(
        res.metrics.sort_values(["model", "horizon_h"]).reset_index(drop=True),
        inside.metrics.sort_values(["model", "horizon_h"]).reset_index(drop=True),
    )


def test_folds_are_seeded_and_balanced() -> None:
    """Bins are dealt evenly into folds, the same way for the same ids in any order."""
    ids = np.array([f"b{i}" for i in range(11)])
    fold = fold_of_bins(ids, 5)
    assert np.bincount(fold).tolist() in (
        [3, 2, 2, 2, 2],
        [2, 3, 2, 2, 2],
        [2, 2, 3, 2, 2],
        [2, 2, 2, 3, 2],
        [2, 2, 2, 2, 3],
    )
    np.testing.assert_array_equal(fold_of_bins(ids[::-1], 5), fold[::-1])


def test_reliability_table() -> None:
    """Cases fall in their probability bin, with the observed share of events."""
    cases = pd.DataFrame(
        {"model": "m", "prob": [0.01, 0.015, 0.6, 0.65, 0.9], "event": [False, False, True, False, True]}
    )
    table = reliability_table(cases)
    assert table["cases"].tolist() == [2, 2, 1]
    assert table["observed"].tolist() == [0.0, 0.5, 1.0]


@needs_lightgbm
def test_global_model_on_new_bins() -> None:
    """Trained on some bins, the global model forecasts others: ordered quantiles, better than the last value."""
    from waste.forecasting.gbm import GlobalBoostedModel

    frame = sawtooth_bins(n_bins=8, days=30, seed=1)
    panel = build_panel(clean_readings(frame).clean)
    held = np.isin(panel.bin_ids, ["B0", "B5"])
    model = GlobalBoostedModel().fit_without(panel, held)
    codes = np.flatnonzero(held)
    o = np.concatenate([np.arange(panel.indptr[c] + 60, panel.indptr[c + 1] - 40, 5) for c in codes])
    target = panel.t[o] + 24.0
    point, q = model.forecast_at(o, target)
    assert point.shape == o.shape
    assert q.shape == (o.size, 13)
    assert (np.diff(q, axis=1) >= -1e-9).all()
    truth_idx = panel.nearest(panel.code[o], target, 1.5)
    same = (truth_idx >= 0) & (panel.cycle[np.maximum(truth_idx, 0)] == panel.cycle[o])
    err = np.abs(point - panel.x[truth_idx])[same]
    last = np.abs(panel.x[o] - panel.x[truth_idx])[same]
    assert err.mean() < 0.6 * last.mean()
    p = model.prob_reach(o, panel.t[o] + 24.0, np.full(o.size, 80.0))
    assert ((p >= 0) & (p <= 1)).all()
    hours = model.hours_to_reach(o, panel.t[o], np.full(o.size, 80.0))
    assert np.isfinite(hours).mean() > 0.9


@needs_lightgbm
def test_backtest_with_global_model_leave_bins_out() -> None:
    """The global model runs in the leave-bins-out backtest with the others and is scored like them."""
    from waste.forecasting.gbm import GlobalBoostedModel

    frame = sawtooth_bins(n_bins=6, days=24, seed=2)
    cfg = BacktestConfig(eval_days=5, train_days=14, folds=2, example_bins=0)
    res = run_backtest(frame, models=[FillRateModel, GlobalBoostedModel, LastValue, LinearCycle], config=cfg)
    m = res.metrics.set_index(["model", "horizon_h"])["mae"]
    assert m[("GlobalGBM", 24.0)] < m[("LastValue", 24.0)]
    assert set(res.overflow["model"]) == {"FillRate", "GlobalGBM", "LastValue", "LinearCycle"}
    assert not res.overflow_cases.empty


@needs_lightgbm
def test_average_model_is_what_the_backtest_derives() -> None:
    """The ensemble class forecasts the mean of its members; the backtest's derived rows are the same numbers."""
    from waste.forecasting.ensemble import AverageModel, with_average
    from waste.forecasting.gbm import GlobalBoostedModel

    frame = sawtooth_bins(n_bins=5, days=24, seed=3)
    cfg = BacktestConfig(eval_days=3, train_days=14, folds=2, example_bins=0)
    res = with_average(run_backtest(frame, models=[FillRateModel, GlobalBoostedModel, AverageModel], config=cfg))
    p = res.predictions.set_index(["model", "bin_id", "origin_ts", "ts", "horizon_h"]).sort_index()
    # the class (alias "Ensemble") was scored too, then the derived rows were added under the same name
    ours = p.loc["Ensemble"]
    assert len(ours) == 2 * len(p.loc["FillRate"])
    first = ours[~ours.index.duplicated(keep="first")]
    second = ours[ours.index.duplicated(keep="first")]
    np.testing.assert_allclose(first["point"].to_numpy(), second.loc[first.index, "point"].to_numpy(), atol=1e-9)
    np.testing.assert_allclose(first["hi80"].to_numpy(), second.loc[first.index, "hi80"].to_numpy(), atol=1e-9)


def test_model_factory_falls_back_without_lightgbm(monkeypatch) -> None:
    """Without LightGBM the global model and the ensemble give way to the fill-rate model, with a note saying so."""
    from waste.errors import InputError
    from waste.forecast import model_factory
    from waste.forecasting import gbm

    monkeypatch.setattr(gbm, "lightgbm_available", lambda: False)
    for name in ("global", "ensemble", None):
        factory, note = model_factory(name)
        assert factory is FillRateModel
        assert "pip install 'waste-optimiser[forecast]'" in note
    assert model_factory("fillrate") == (FillRateModel, None)
    with pytest.raises(InputError, match="unknown model"):
        model_factory("arima")
