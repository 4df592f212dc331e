"""PNG plots of a backtest: error by horizon for every model, and observed fill against forecasts for a few bins.

Uses matplotlib's non-interactive Agg backend, so it runs on servers and in tests.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

_OURS = "FillRate"


def plot_error_by_horizon(metrics: pd.DataFrame, path: Path, title: str) -> Path:
    """MAE (left) and 80 % interval coverage (right) against horizon, one line per model."""
    fig, (ax_mae, ax_cov) = plt.subplots(1, 2, figsize=(11, 4))
    for model, rows in metrics.groupby("model", sort=False):
        rows = rows.sort_values("horizon_h")
        style = {"linewidth": 2.5, "color": "black"} if model == _OURS else {"linewidth": 1.2}
        ax_mae.plot(rows["horizon_h"], rows["mae"], marker="o", label=model, **style)
        ax_cov.plot(rows["horizon_h"], rows["coverage80"], marker="o", label=model, **style)
    ax_mae.set(xlabel="horizon (h)", ylabel="MAE of fill (% points)", title=f"{title}: error by horizon")
    ax_cov.axhspan(0.75, 0.85, color="0.9", zorder=0)
    ax_cov.axhline(0.8, color="0.5", linestyle="--", linewidth=1)
    ax_cov.set(xlabel="horizon (h)", ylabel="share inside the 80 % interval", title="interval coverage", ylim=(0, 1))
    ax_mae.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_examples(examples: pd.DataFrame, observed: pd.DataFrame, path: Path, title: str) -> Path:
    """Observed series around one origin per bin, our forecast with its 80 % band, and the baselines' points."""
    bins = list(dict.fromkeys(examples["bin_id"]))
    fig, axes = plt.subplots(len(bins), 1, figsize=(11, 3.2 * max(len(bins), 1)), squeeze=False)
    for ax, bin_id in zip(axes[:, 0], bins, strict=True):
        obs = observed[observed["bin_id"] == bin_id]
        ax.plot(obs["ts"], obs["fill_pct"], color="0.3", marker=".", linewidth=0.8, label="observed (cleaned)")
        ex = examples[examples["bin_id"] == bin_id]
        for model, rows in ex.groupby("model", sort=False):
            if model == _OURS:
                ax.fill_between(
                    rows["ts"], rows["lo80"], rows["hi80"], color="tab:blue", alpha=0.2, label=f"{model} 80 % interval"
                )
                ax.plot(rows["ts"], rows["point"], color="tab:blue", linewidth=2.2, label=f"{model} median")
            else:
                ax.plot(rows["ts"], rows["point"], linewidth=1, linestyle="--", label=model)
        ax.axvline(ex["origin_ts"].iloc[0], color="0.5", linestyle=":", linewidth=1)
        ax.set(ylabel="fill (%)", ylim=(-2, 105), title=f"{title}: {bin_id}")
        ax.legend(fontsize=7, loc="upper left", ncols=3)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_ratio_summary(summary: pd.DataFrame, path: Path, target: float = 0.8) -> Path:
    """Our MAE ratio to the best naive baseline per data set and horizon, with its interval over bins.

    One panel row: every data set side by side, a point per horizon with the 90 % interval from resampling bins
    as an error bar, the target as a dashed line and, for coarse sensors, the level-only bound as a cross (the
    lowest ratio a forecast from the bin and its last reading alone reaches). Horizons without a finite value
    (Edinburgh's "by the next collection") are left out.
    """
    horizon = pd.to_numeric(summary["horizon_h"], errors="coerce")
    frame = summary[np.isfinite(horizon)].assign(horizon_h=horizon)
    sets = list(dict.fromkeys(frame["data_set"]))
    fig, axes = plt.subplots(1, max(len(sets), 1), figsize=(2.6 * max(len(sets), 1) + 1, 3.6), sharey=True)
    axes = [axes] if len(sets) <= 1 else list(axes)
    for ax, name in zip(axes, sets, strict=False):
        rows = frame[frame["data_set"] == name].sort_values("horizon_h")
        x = range(len(rows))
        ratio = rows["mae_ratio"].to_numpy(dtype=float)
        if {"ratio_lo", "ratio_hi"} <= set(rows.columns):
            lo, hi = rows["ratio_lo"].to_numpy(dtype=float), rows["ratio_hi"].to_numpy(dtype=float)
            ax.errorbar(x, ratio, yerr=[ratio - lo, hi - ratio], fmt="o", color="black", capsize=3, label="ours")
        else:
            ax.plot(x, ratio, "o", color="black", label="ours")
        if "level_only_ratio" in rows.columns and rows["level_only_ratio"].notna().any():
            ax.plot(x, rows["level_only_ratio"], "x", color="tab:red", markersize=8, label="level-only bound")
        ax.axhline(target, color="0.5", linestyle="--", linewidth=1)
        ax.axhline(1.0, color="0.8", linewidth=1)
        ax.set_xticks(list(x), [f"{h:g} h" for h in rows["horizon_h"]])
        ax.set_title(name)
    axes[0].set_ylabel("MAE ratio to best naive baseline")
    legend: dict[str, object] = {}  # one entry per label over all panels (the bound shows on some only)
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    fig.legend(legend.values(), legend.keys(), loc="lower center", ncol=len(legend), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
