"""Write a backtest's tables (CSV and Markdown) and plots (PNG) under one name in one folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from waste.backtest import NAIVE_MODELS, BacktestResult, reliability_table
from waste.forecasting.plots import plot_error_by_horizon, plot_examples
from waste.forecasting.ratio_bounds import bin_bootstrap_ratio, level_only_bound

OURS = "FillRate"
#: Models that are baselines, not ours: each other model gets its ratio to the best naive baseline.
NOT_OURS = (*NAIVE_MODELS, "AutoETS", "PreviousCycle")


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


def ratios(metrics: pd.DataFrame, predictions: pd.DataFrame | None = None, ours: str = OURS) -> pd.DataFrame:
    """Per horizon: our MAE and coverage, the best naive baseline's MAE, and their ratio (lower is better).

    With the backtest's ``predictions``, also how sure the ratio is and how low the data let it go
    (:mod:`waste.forecasting.ratio_bounds`): ``bins``, ``ratio_lo``/``ratio_hi`` (90 % interval from resampling
    bins) and, on a coarse sensor, ``level_only_ratio`` (the best any forecast from the bin and its last reading
    alone reaches on these targets). ``ours`` names the model compared (default: the fill-rate model);
    ``best_baseline`` is the best of the baselines, not of our other models.
    """
    name = ours
    rows = []
    for h, g in metrics.groupby("horizon_h", sort=True):
        ours = g[g["model"] == name]
        naive = g[g["model"].isin(NAIVE_MODELS)]
        others = g[g["model"].isin(NOT_OURS)]
        if ours.empty or naive.empty or others.empty:
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
    spread = bin_bootstrap_ratio(predictions, name, naive)

    table = table.merge(spread, on="horizon_h", how="left")
    bound = level_only_bound(predictions, naive)
    if not bound.empty:
        table = table.merge(bound[["horizon_h", "level_only_ratio"]], on="horizon_h", how="left")
    return table


def _ours_in(metrics: pd.DataFrame) -> list[str]:
    return [m for m in dict.fromkeys(metrics["model"]) if m not in NOT_OURS]


def all_ratios(result: BacktestResult) -> pd.DataFrame:
    """:func:`ratios` of every model of ours in ``result``, with ``validation`` and ``model`` columns first."""
    parts = []
    for model in _ours_in(result.metrics):
        table = ratios(result.metrics, result.predictions, ours=model)
        if not table.empty:
            parts.append(table.assign(validation=result.validation, model=model))
    if not parts:
        return pd.DataFrame(columns=["validation", "model", "horizon_h"])
    table = pd.concat(parts, ignore_index=True)
    return table[["validation", "model", *[c for c in table.columns if c not in ("validation", "model")]]]


def _section(result: BacktestResult, ratio: pd.DataFrame) -> list[str]:
    """Markdown of one validation's figures: ratios, errors, overflow scores and their reliability."""
    reliability = reliability_table(result.overflow_cases)
    out = [
        f"## {result.validation}: each model of ours against the best naive baseline",
        "",
        "MAE ratio (lower is better; 1 is the best naive baseline); ratio_lo, ratio_hi: 90 % interval of the ratio "
        "from resampling whole bins; level_only_ratio (coarse sensors): the lowest ratio any forecast from the bin "
        "and its last reading alone reaches on these targets.",
        "",
        markdown_table(ratio) if not ratio.empty else "(no horizon with both our model and a naive baseline)",
        "",
        f"## {result.validation}: fill error by model and horizon (% points; coverage of the 80 % interval)",
        "",
        markdown_table(result.metrics),
        "",
        f"## {result.validation}: overflow before the next visit (precision, recall, Brier score)",
        "",
        markdown_table(result.overflow),
        "",
    ]
    if not reliability.empty:
        out += [
            f"## {result.validation}: reliability of the overflow probability",
            "",
            "Cases by predicted probability: mean probability against the observed share of overflows.",
            "",
            markdown_table(reliability),
            "",
        ]
    return out


def write_results(
    result: BacktestResult,
    out_dir: str | Path,
    name: str,
    title: str | None = None,
    ratio: pd.DataFrame | None = None,
    *,
    out_of_sample: BacktestResult | None = None,
    ratio_out: pd.DataFrame | None = None,
) -> list[Path]:
    """Write ``forecast_<name>_{metrics,overflow,ratios,reliability}.csv``, ``forecast_<name>.md`` and the plots.

    ``ratio`` is :func:`all_ratios` of the result when the caller has it already (it resamples bins: not done
    twice). With ``out_of_sample`` (a leave-bins-out backtest; its ratios in ``ratio_out``) its figures lead the
    Markdown and go to ``forecast_<name>_oos_*.csv``, and ``_ratios.csv`` holds both validations.

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
    ratio = all_ratios(result) if ratio is None else ratio
    md = [f"# Fill forecast backtest: {title}", ""]
    tables = [
        ("metrics", result.metrics),
        ("overflow", result.overflow),
        ("reliability", reliability_table(result.overflow_cases)),
    ]
    both = [ratio]
    if out_of_sample is not None:
        ratio_out = all_ratios(out_of_sample) if ratio_out is None else ratio_out
        both.insert(0, ratio_out)
        tables += [
            ("oos_metrics", out_of_sample.metrics),
            ("oos_overflow", out_of_sample.overflow),
            ("oos_reliability", reliability_table(out_of_sample.overflow_cases)),
        ]
        md += _section(out_of_sample, ratio_out)
    tables.append(("ratios", pd.concat([b for b in both if not b.empty], ignore_index=True)))
    for part, frame in tables:
        path = out / f"{stem}_{part}.csv"
        frame.to_csv(path, index=False, float_format="%.4f")
        written.append(path)
    md += _section(result, ratio)
    path = out / f"{stem}.md"
    path.write_text("\n".join(md), encoding="utf-8")
    written.append(path)
    if not result.metrics.empty:
        written.append(plot_error_by_horizon(result.metrics, out / f"{stem}_error_by_horizon.png", title))
    if not result.examples.empty:
        written.append(plot_examples(result.examples, result.observed, out / f"{stem}_examples.png", title))
    return written
