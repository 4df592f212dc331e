"""How sure a backtest's MAE ratio is (bootstrap over bins) and the bound a coarse sensor puts on it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from waste.forecasting.ratio_bounds import bin_bootstrap_ratio, level_only_bound
from waste.forecasting.report import ratios

NAIVE = ["LastValue", "LinearCycle", "SeasonalNaive"]


def _predictions(n_bins: int, per_bin: int, levels: np.ndarray | None, seed: int = 0) -> pd.DataFrame:
    """Targets of ``n_bins`` bins at 24 h: FillRate errs by 5-15 points, LastValue by 10-30, per bin."""
    rng = np.random.default_rng(seed)
    rows = []
    origin = pd.Timestamp("2024-01-01", tz="UTC")
    for b in range(n_bins):
        ours_scale, last_scale = rng.uniform(5, 15), rng.uniform(10, 30)
        for k in range(per_bin):
            last = rng.choice(levels) if levels is not None else rng.uniform(0, 80)
            observed = min(100.0, last + rng.exponential(last_scale))
            ts = origin + pd.Timedelta(hours=25 * k)
            common = {"bin_id": f"B{b}", "origin_ts": ts, "ts": ts + pd.Timedelta(hours=24), "horizon_h": 24.0}
            common |= {"observed": observed, "lo80": 0.0, "hi80": 100.0}
            rows.append({"model": "FillRate", "point": observed + rng.normal(0, ours_scale), **common})
            rows.append({"model": "LastValue", "point": last, **common})
    return pd.DataFrame(rows)


def _ratio(p: pd.DataFrame) -> float:
    mae = (p["point"] - p["observed"]).abs().groupby(p["model"]).mean()
    return float(mae["FillRate"] / mae["LastValue"])


def test_bootstrap_interval_holds_the_ratio_and_narrows_with_more_bins() -> None:
    """The interval brackets the measured ratio, is reproducible, and shrinks as the bins grow in number."""
    few, many = _predictions(8, 30, None), _predictions(200, 30, None)
    a = bin_bootstrap_ratio(few, "FillRate", NAIVE).iloc[0]
    assert a["bins"] == 8
    assert a["ratio_lo"] < _ratio(few) < a["ratio_hi"]
    assert bin_bootstrap_ratio(few, "FillRate", NAIVE).equals(bin_bootstrap_ratio(few, "FillRate", NAIVE))
    b = bin_bootstrap_ratio(many, "FillRate", NAIVE).iloc[0]
    assert b["ratio_lo"] < _ratio(many) < b["ratio_hi"]
    assert b["ratio_hi"] - b["ratio_lo"] < 0.5 * (a["ratio_hi"] - a["ratio_lo"])


def test_bootstrap_needs_two_bins() -> None:
    """One bin cannot be resampled: the bounds are NaN, not a zero-width interval."""
    row = bin_bootstrap_ratio(_predictions(1, 30, None), "FillRate", NAIVE).iloc[0]
    assert row["bins"] == 1
    assert np.isnan(row["ratio_lo"])
    assert np.isnan(row["ratio_hi"])


def test_level_only_bound_on_a_coarse_sensor() -> None:
    """Five levels: the bound is the per-(bin, level) median's MAE, and LastValue itself cannot beat it."""
    p = _predictions(10, 40, np.array([0.0, 25.0, 50.0, 75.0, 100.0]))
    bound = level_only_bound(p, NAIVE).iloc[0]
    assert bound["levels"] == 5
    last = p[p["model"] == "LastValue"]
    by_cell = last.groupby(["bin_id", "point"])["observed"]
    expected = (by_cell.transform("median") - last["observed"]).abs().mean()
    assert np.isclose(bound["level_only_mae"], expected)
    lv_mae = (last["point"] - last["observed"]).abs().mean()
    assert bound["level_only_ratio"] <= 1.0
    assert np.isclose(bound["level_only_ratio"], expected / lv_mae)
    assert bound["level_only_mae"] < lv_mae  # a forecast of (bin, level) that LastValue is one of


def test_level_only_bound_skips_continuous_sensors() -> None:
    """On a sensor with a level per reading the bound is not computed (every cell would be one target)."""
    assert level_only_bound(_predictions(5, 30, None), NAIVE).empty


def test_ratios_table_carries_the_interval_and_the_bound() -> None:
    """The report's ratio table gains the bootstrap interval and, for a coarse sensor, the bound."""
    p = _predictions(10, 40, np.array([0.0, 25.0, 50.0, 75.0, 100.0]))
    metrics = (
        p.assign(abs_err=(p["point"] - p["observed"]).abs())
        .groupby(["model", "horizon_h"])
        .agg(n=("abs_err", "size"), mae=("abs_err", "mean"))
        .reset_index()
        .assign(coverage80=1.0)
    )
    table = ratios(metrics, p)
    assert {"ratio_lo", "ratio_hi", "bins", "level_only_ratio"} <= set(table.columns)
    row = table.iloc[0]
    assert row["ratio_lo"] <= row["mae_ratio"] <= row["ratio_hi"]
    assert "ratio_lo" not in ratios(metrics).columns  # without predictions: the table as before
