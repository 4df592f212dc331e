"""Backtest the fill forecasts on every data set at hand and write the tables and plots.

Runs the rolling-origin evaluation of :mod:`waste.backtest` on the real sensor logs beside the project
(``../shared/sensor_data``, or ``WASTE_SHARED_DATA``): Prague (sub-daily ultrasonic), Wyndham (daily compactor
levels), Edinburgh (collection log: fill reached by the next collection), and on the bundled sample cities when
their readings exist. Writes ``benchmarks/results/forecast_<name>*.{csv,md,png}`` and a summary
``forecast_summary.{csv,md}`` with our model's MAE ratio to the best naive baseline and its interval coverage, and
``forecast_summary_ratios.png``: every ratio with its interval over bins against the target.

A sample city has thousands of bins; ``--city-bins`` (default 50) of them, drawn with a fixed seed, are scored over
their last 30 days so that the per-bin AutoETS baseline stays affordable (our model is vectorised and would take
them all).

Usage::

    python benchmarks/forecast_backtest.py [--no-ets] [--only prague,wyndham,...] [--city-bins 50] [--folds 5]
        [--summary-only]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from waste.backtest import BacktestConfig, BacktestResult, default_models, run_backtest
from waste.forecasting.ensemble import with_average
from waste.forecasting.next_collection import next_collection_models, run_next_collection_backtest
from waste.forecasting.plots import plot_ratio_summary
from waste.forecasting.report import all_ratios, markdown_table, write_results
from waste.paths import SAMPLE_CITIES, sample_data_root
from waste.sources import load_source, read_readings

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
#: The model whose out-of-sample ratios the summary plot shows (the default forecaster).
HEADLINE_MODEL = "Ensemble"


def shared_root() -> Path:
    return Path(os.environ.get("WASTE_SHARED_DATA") or ROOT.parent / "shared") / "sensor_data"


def data_sets() -> list[tuple[str, str, Path | None]]:
    """(name, format, path) of every data set found; sample cities use format 'readings'."""
    shared = shared_root()
    found = []
    for name, fmt, rel in (
        ("prague", "prague", "prague_golemio/readings_long.csv"),
        ("wyndham", "wyndham", "wyndham/readings_raw.csv"),
        ("edinburgh", "edinburgh", "edinburgh_2016/collections.csv"),
    ):
        if (shared / rel).is_file():
            found.append((name, fmt, shared / rel))
    for city in SAMPLE_CITIES:
        path = sample_data_root() / city / "readings.csv.gz"
        if path.is_file():
            found.append((city, "city", path))
    return found


def run_one(name: str, fmt: str, path: Path, ets: bool, city_bins: int, folds: int) -> None:
    started = time.perf_counter()
    if fmt == "city":
        source = read_readings(path)
        bins_path = path.parent / "bins.csv"
        bins = pd.read_csv(bins_path, dtype={"bin_id": str}) if bins_path.is_file() else None
        readings = source.readings
        ids = np.sort(readings["bin_id"].unique())
        if city_bins and ids.size > city_bins:
            chosen = np.random.default_rng(0).choice(ids, size=city_bins, replace=False)
            readings = readings[readings["bin_id"].isin(chosen)].reset_index(drop=True)
            bins = bins[bins["bin_id"].isin(chosen)] if bins is not None else None
    else:
        source = load_source(path, fmt)
        bins, readings = source.bins, source.readings
    results: list[BacktestResult] = []
    for k in (folds, 0):  # out of sample first: the figures that lead
        if fmt == "edinburgh":
            models = next_collection_models(include_global=True)
            results.append(run_next_collection_backtest(readings, bins, models=models, folds=k))
        else:
            groups = ("stream", "material") if fmt == "prague" else ("stream", "area")
            config = BacktestConfig(group_columns=groups, eval_days=30.0 if fmt == "city" else 60.0, folds=k)
            # AutoETS learns nothing across bins: its figures are the same either way, so it runs in sample only
            results.append(run_backtest(readings, bins, models=default_models(ets and k == 0), config=config))
        print(f"{name}, {results[-1].validation}: {time.perf_counter() - started:.1f} s")
    oos, ins = (with_average(r) for r in results)  # the ensemble's rows, from its members' predictions
    for written in write_results(ins, RESULTS, name, out_of_sample=oos):
        print(f"  wrote {written.relative_to(ROOT)}")
    print(markdown_table(all_ratios(oos)))
    print(markdown_table(oos.overflow))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-ets", action="store_true", help="leave out AutoETS")
    parser.add_argument("--only", default="", help="comma-separated data set names")
    parser.add_argument("--city-bins", type=int, default=50, help="bins scored per sample city (0: all)")
    parser.add_argument("--folds", type=int, default=5, help="groups of bins for leave-bins-out validation")
    parser.add_argument("--summary-only", action="store_true", help="rewrite the summary from the results on disk")
    args = parser.parse_args()
    only = {s for s in args.only.split(",") if s}
    for name, fmt, path in data_sets():
        if args.summary_only or (only and name not in only):
            continue
        run_one(name, fmt, path, not args.no_ets, args.city_bins, args.folds)  # its ratios feed the summary

    # the summary gathers every data set's ratios on disk, so a partial run (--only) refreshes its own rows
    parts = [
        pd.read_csv(RESULTS / f"forecast_{name}_ratios.csv").assign(data_set=name)
        for name, _, _ in data_sets()
        if (RESULTS / f"forecast_{name}_ratios.csv").is_file()
    ]
    if parts:
        write_summary(pd.concat(parts, ignore_index=True))


def write_summary(table: pd.DataFrame) -> None:
    """``forecast_summary.{csv,md}`` (every ratio, both validations, and the overflow scores) and the plot."""
    table = table[["data_set", *[c for c in table.columns if c != "data_set"]]]
    table.to_csv(RESULTS / "forecast_summary.csv", index=False, float_format="%.4f")
    cols = ["data_set", "model", "horizon_h", "mae_ratio", "ratio_lo", "ratio_hi", "ours_coverage80", "best_naive"]
    cols = [c for c in cols if c in table.columns]
    overflow = []
    for name, _, _ in data_sets():
        for part, validation in (("oos_overflow", "out of sample"), ("overflow", "in sample")):
            path = RESULTS / f"forecast_{name}_{part}.csv"
            if path.is_file():
                overflow.append(pd.read_csv(path).assign(data_set=name, validation=validation))
    md = ["# Fill forecasts: our models against the best naive baseline", ""]
    for validation, rows in table.groupby("validation", sort=False):
        md += [f"## {validation}", "", markdown_table(rows[cols]), ""]
    if overflow:
        over = pd.concat(overflow, ignore_index=True)
        over = over[["data_set", "validation", *[c for c in over.columns if c not in ("data_set", "validation")]]]
        over.to_csv(RESULTS / "forecast_summary_overflow.csv", index=False, float_format="%.4f")
        md += ["## Overflow before the next visit", "", markdown_table(over), ""]
    (RESULTS / "forecast_summary.md").write_text("\n".join(md), encoding="utf-8")
    headline = table[
        table["validation"].fillna("").str.startswith("leave-bins-out") & (table["model"] == HEADLINE_MODEL)
    ]
    plot_ratio_summary(headline, RESULTS / "forecast_summary_ratios.png")
    print("\n".join(md))


if __name__ == "__main__":
    main()
