"""Rolling-origin backtest: protocol on hand-made series, result files, the command, and the shared logs."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from waste.backtest import BacktestConfig, default_models, run_backtest
from waste.commands.backtest import backtest
from waste.forecasting.baselines import LastValue, LinearCycle, SeasonalNaive
from waste.forecasting.fillrate import FillRateModel
from waste.forecasting.next_collection import run_next_collection_backtest
from waste.forecasting.plots import plot_ratio_summary
from waste.forecasting.report import ratios, write_results
from waste.sources import load_source

T0 = pd.Timestamp("2024-03-04T00:00:00Z")
SHARED = Path(os.environ.get("WASTE_SHARED_DATA") or Path(__file__).resolve().parents[2].parent / "shared")
SENSOR = SHARED / "sensor_data"
FAST_MODELS = [FillRateModel, LastValue, LinearCycle, SeasonalNaive]


def sawtooth_bins(n_bins: int = 3, days: int = 30, seed: int = 0) -> pd.DataFrame:
    """Bins read every 2 h that fill at steady, different rates with a day/night profile and are emptied at 85 %."""
    rng = np.random.default_rng(seed)
    frames = []
    t = np.arange(0, days * 24, 2.0)
    day = ((np.mod(t, 24) >= 7) & (np.mod(t, 24) < 21)).astype(float)
    for b in range(n_bins):
        rate = 0.6 + 0.4 * b
        level = np.mod(np.cumsum(rate * 2.0 * (0.3 + 1.4 * day)), 85.0)
        frames.append(
            pd.DataFrame(
                {
                    "bin_id": f"B{b}",
                    "ts": T0 + pd.to_timedelta(t, unit="h"),
                    "fill_pct": np.clip(level + rng.normal(0, 1.0, t.size), 0, 100),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def result():
    """Backtest of the fast models on three synthetic bins."""
    config = BacktestConfig(eval_days=10, train_days=14, example_bins=2)
    return run_backtest(sawtooth_bins(), models=FAST_MODELS, config=config)


def test_tables_have_every_model_and_horizon(result) -> None:
    """Metrics for each model at each horizon; overflow scores for each model."""
    m = result.metrics
    assert set(m["model"]) == {"FillRate", "LastValue", "LinearCycle", "SeasonalNaive"}
    assert set(m["horizon_h"]) <= {6.0, 24.0, 48.0, 72.0}
    assert 6.0 in set(m["horizon_h"])
    assert ((m["coverage80"] >= 0) & (m["coverage80"] <= 1)).all()
    assert (m["rmse"] >= m["mae"] - 1e-9).all()
    assert set(result.overflow["model"]) == set(m["model"])


def test_same_targets_for_every_model(result) -> None:
    """Every model is scored on exactly the same targets."""
    p = result.predictions
    counts = p.groupby(["horizon_h", "model"]).size().unstack()
    assert (counts.nunique(axis=1) == 1).all()


def test_no_target_across_an_emptying(result) -> None:
    """A scored target is never lower than the level just before the origin by more than the noise."""
    p = result.predictions[result.predictions["model"] == "LastValue"]
    assert (p["observed"] - p["point"]).min() > -10.0


def test_our_model_beats_last_value_on_steady_fill(result) -> None:
    """On steady fill with a day profile our model's MAE is well below the last value's at 24 h."""
    m = result.metrics.set_index(["model", "horizon_h"])["mae"]
    assert m[("FillRate", 24.0)] < 0.5 * m[("LastValue", 24.0)]
    r = ratios(result.metrics)
    assert (r["mae_ratio"] < 1).all()


def test_write_results(result, tmp_path: Path) -> None:
    """CSV, Markdown and PNG files are written under the given name."""
    written = write_results(result, tmp_path, "synthetic")
    names = {p.name for p in written}
    assert {
        "forecast_synthetic_metrics.csv",
        "forecast_synthetic.md",
        "forecast_synthetic_error_by_horizon.png",
    } <= names
    assert "forecast_synthetic_examples.png" in names
    assert "| FillRate |" in (tmp_path / "forecast_synthetic.md").read_text()


def test_next_collection_backtest() -> None:
    """On a collection log the fill reached by the next collection is scored for each model."""
    rows = []
    for b in range(4):
        ts = T0 + pd.to_timedelta(np.arange(0, 60 * 24, 36.0 + 6 * b), unit="h")
        before = np.clip(1.5 * (36.0 + 6 * b) + np.random.default_rng(b).normal(0, 3, ts.size), 0, 100)
        for t, f in zip(ts, before, strict=True):
            rows += [(f"E{b}", t - pd.Timedelta(seconds=1), f), (f"E{b}", t, 0.0)]
    readings = pd.DataFrame(rows, columns=["bin_id", "ts", "fill_pct"])
    res = run_next_collection_backtest(readings, warmup_days=10)
    m = res.metrics.groupby("model")["mae"].mean()
    assert m["FillRate"] < m["LastValue"]
    assert set(res.overflow["model"]) == {"FillRate", "PreviousCycle", "LastValue", "SeasonalNaive"}


def test_backtest_command(tmp_path: Path) -> None:
    """``waste backtest --data FILE --format readings --out DIR`` prints the tables and writes the files."""
    data = tmp_path / "r.csv"
    sawtooth_bins(2, days=20).to_csv(data, index=False)
    out = tmp_path / "out"
    args = ["--data", str(data), "--out", str(out), "--eval-days", "5", "--no-ets", "--folds", "2"]
    res = CliRunner().invoke(backtest, args)
    assert res.exit_code == 0, res.output
    assert "FillRate" in res.output
    assert "leave-bins-out (2 folds)" in res.output
    assert (out / "forecast_r_oos_metrics.csv").is_file()
    assert "leave-bins-out" in (out / "forecast_r_ratios.csv").read_text()
    assert "ratio_lo" in res.output  # the ratio to the best naive baseline, with its interval over bins
    assert (out / "forecast_r_metrics.csv").is_file()
    bad = CliRunner().invoke(backtest, ["--out", str(out)])
    assert bad.exit_code != 0
    assert "exactly one of" in bad.output


def test_default_models_include_extras_only_when_installed() -> None:
    """AutoETS and the global model join the comparison only when their packages are importable."""
    from waste.forecasting.ets import statsforecast_available
    from waste.forecasting.gbm import lightgbm_available

    names = [f.__name__ for f in default_models()]
    core = ["FillRateModel", "LastValue", "LinearCycle", "SeasonalNaive"]
    assert [n for n in names if n in core] == core
    assert ("GlobalBoostedModel" in names) == lightgbm_available()
    assert ("AutoETSBaseline" in names) == statsforecast_available()
    assert [f.__name__ for f in default_models(include_ets=False, include_global=False)] == core


@pytest.mark.shared
@pytest.mark.skipif(not SENSOR.is_dir(), reason="shared sensor data (../shared or WASTE_SHARED_DATA) not present")
def test_prague_subset_backtest() -> None:
    """On two real Prague containers (ten days scored) our model is scored at every horizon."""
    data = load_source(SENSOR / "prague_golemio" / "readings_long.csv", "prague")
    ids = sorted(data.readings["bin_id"].unique())[-2:]
    readings = data.readings[data.readings["bin_id"].isin(ids)]
    config = BacktestConfig(eval_days=10, train_days=28, group_columns=("stream", "material"), example_bins=0)
    res = run_backtest(readings, data.bins, models=FAST_MODELS, config=config)
    ours = res.metrics[res.metrics["model"] == "FillRate"]
    assert len(ours) >= 2
    assert ours["mae"].notna().all()


def test_ratio_summary_plot(tmp_path: Path) -> None:
    """The summary plot takes the ratio tables of several data sets, infinite horizons and missing columns too."""
    summary = pd.DataFrame(
        {
            "data_set": ["a", "a", "b", "b"],
            "horizon_h": [6.0, 24.0, 24.0, np.inf],
            "mae_ratio": [0.7, 0.9, 0.5, 0.3],
            "ratio_lo": [0.6, 0.8, 0.4, 0.2],
            "ratio_hi": [0.8, 1.0, 0.6, 0.4],
            "level_only_ratio": [np.nan, np.nan, 0.45, 0.25],
        }
    )
    path = plot_ratio_summary(summary, tmp_path / "ratios.png")
    assert path.stat().st_size > 10_000
    plain = plot_ratio_summary(summary[["data_set", "horizon_h", "mae_ratio"]].head(2), tmp_path / "one.png")
    assert plain.is_file()
