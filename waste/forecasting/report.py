"""Write a backtest's tables (CSV and Markdown) and plots (PNG) under one name in one folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from waste.backtest import NAIVE_MODELS, BacktestResult
from waste.forecasting.plots import plot_error_by_horizon, plot_examples
from waste.forecasting.ratio_bounds import bin_bootstrap_ratio, level_only_bound

OURS = "FillRate"


def markdown_table(frame: pd.DataFrame, floatfmt: str = "{:.3g}") -> str:
    """A pipe table of ``frame`` (no external dependency)."""

    def cell(v: object) -> str:
        if isinstance(v, float | np.floating):
            return "-" if np.isnan(v) else (f"{v:.0f}" if np.isinf(v) else floatfmt.format(v))
        return str(v)

    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def ratios(metrics: pd.DataFrame, predictions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per horizon: our MAE and coverage, the best naive baseline's MAE, and their ratio (lower is better).

    With the backtest's ``predictions``, also how sure the ratio is and how low the data let it go
    (:mod:`waste.forecasting.ratio_bounds`): ``bins``, ``ratio_lo``/``ratio_hi`` (90 % interval from resampling
    bins) and, on a coarse sensor, ``level_only_ratio`` (the best any forecast from the bin and its last reading
    alone reaches on these targets).
    """
    rows = []
    for h, g in metrics.groupby("horizon_h", sort=True):
        ours = g[g["model"] == OURS]
        naive = g[g["model"].isin(NAIVE_MODELS)]
        others = g[g["model"] != OURS]
        if ours.empty or naive.empty:
            continue
        best = naive.loc[naive["mae"].idxmin()]
        best_any = others.loc[others["mae"].idxmin()]
        rows.append(
            {
                "horizon_h": h,
                "n": int(ours["n"].iloc[0]),
                "ours_mae": float(ours["mae"].iloc[0]),
                "best_naive": best["model"],
                "best_naive_mae": float(best["mae"]),
                "mae_ratio": float(ours["mae"].iloc[0]) / float(best["mae"]) if best["mae"] > 0 else np.nan,
                "best_baseline": best_any["model"],
                "mae_ratio_vs_best_baseline": float(ours["mae"].iloc[0]) / float(best_any["mae"])
                if best_any["mae"] > 0
                else np.nan,
                "ours_coverage80": float(ours["coverage80"].iloc[0]),
            }
        )
    table = pd.DataFrame(rows)
    if predictions is None or table.empty:
        return table
    naive = list(NAIVE_MODELS)
    spread = bin_bootstrap_ratio(predictions, OURS, naive)
    table = table.merge(spread, on="horizon_h", how="left")
    bound = level_only_bound(predictions, naive)
    if not bound.empty:
        table = table.merge(bound[["horizon_h", "level_only_ratio"]], on="horizon_h", how="left")
    return table


def write_results(
    result: BacktestResult,
    out_dir: str | Path,
    name: str,
    title: str | None = None,
    ratio: pd.DataFrame | None = None,
) -> list[Path]:
    """Write ``forecast_<name>_{metrics,overflow,ratios}.csv``, ``forecast_<name>.md`` and the PNG plots.

    ``ratio`` is :func:`ratios` of the result when the caller has it already (it resamples bins: not done twice).

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    title = title or name
    stem = f"forecast_{name}"
    written = []
    ratio = ratios(result.metrics, result.predictions) if ratio is None else ratio
    for part, frame in (("metrics", result.metrics), ("overflow", result.overflow), ("ratios", ratio)):
        path = out / f"{stem}_{part}.csv"
        frame.to_csv(path, index=False, float_format="%.4f")
        written.append(path)
    md = [
        f"# Fill forecast backtest: {title}",
        "",
        "## Fill error by model and horizon (fill in % points; coverage of the 80 % interval)",
        "",
        markdown_table(result.metrics),
        "",
        "## Our model against the best naive baseline (MAE ratio; target <= 0.8) and interval coverage",
        "",
        "ratio_lo, ratio_hi: 90 % interval of the ratio from resampling whole bins. level_only_ratio (coarse "
        "sensors): the lowest ratio any forecast from the bin and its last reading alone reaches on these targets.",
        "",
        markdown_table(ratio) if not ratio.empty else "(no horizon with both our model and a naive baseline)",
        "",
        "## Overflow before the next visit",
        "",
        markdown_table(result.overflow),
        "",
    ]
    path = out / f"{stem}.md"
    path.write_text("\n".join(md), encoding="utf-8")
    written.append(path)
    if not result.metrics.empty:
        written.append(plot_error_by_horizon(result.metrics, out / f"{stem}_error_by_horizon.png", title))
    if not result.examples.empty:
        written.append(plot_examples(result.examples, result.observed, out / f"{stem}_examples.png", title))
    return written
