"""The frontier of truck-km against overflow: summarising a sweep of each policy's knob, for tables, plots and pages.

A policy is judged by its frontier, not by one point: a fixed schedule with one more collection a week overflows
less and drives more, a lower fill threshold likewise, a higher overflow cost likewise. ``benchmarks/
simulate_frontier.py`` runs the sweep and writes one row per run (``policy``, ``knob``, ``default``, ``seed``,
``days``, ``time_limit_s`` and the totals); this module averages the runs of each point over seeds, finds each
policy's Pareto front, reads a front at a given overflow level, checks the targets and draws the plot.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

#: What each policy's knob is, for tables and the plot.
KNOBS = {"fixed": "visits a week added", "threshold": "fill threshold (%)", "smart": "bin-hour overflowing (truck-h)"}
#: Figures averaged over seeds.
FIGURES = ("truck_km", "driving_h", "trucks_used", "overflow_bin_h", "overflow_events", "overflowed_m3", "cost")
#: Line colours of the policies.
COLOURS = {"fixed": "tab:blue", "threshold": "tab:orange", "smart": "tab:green"}


def point_means(runs: pd.DataFrame, policies: list[str] | None = None) -> pd.DataFrame:
    """One row per (policy, knob): the mean of :data:`FIGURES` over seeds, ``runs`` and ``default``."""
    means = (
        runs.groupby(["policy", "knob"], sort=False)
        .agg(
            **{c: (c, "mean") for c in FIGURES if c in runs.columns},
            default=("default", "max"),
            runs=("seed", "count"),
            wall_s=("wall_s", "mean"),
        )
        .reset_index()
    )
    order = {p: i for i, p in enumerate(policies or list(dict.fromkeys(means["policy"])))}
    means = means[means["policy"].isin(order)]
    return means.sort_values(["policy", "knob"], key=lambda s: s.map(order) if s.name == "policy" else s)


def default_points(means: pd.DataFrame) -> dict[str, pd.Series]:
    """Each policy's default point (the first row marked ``default``)."""
    return {str(p): rows.iloc[0] for p, rows in means[means["default"].astype(bool)].groupby("policy", sort=False)}


def pareto(points: pd.DataFrame) -> pd.DataFrame:
    """The points no other point beats on both km and overflow, by overflow."""
    ordered = points.sort_values(["overflow_bin_h", "truck_km"])
    keep, best_km = [], np.inf
    for idx, row in ordered.iterrows():
        if row["truck_km"] < best_km:
            keep.append(idx)
            best_km = row["truck_km"]
    return ordered.loc[keep]


def km_at_overflow(points: pd.DataFrame, overflow_bin_h: float) -> float:
    """Km of the policy's frontier at an overflow level: linear between frontier points, NaN outside them."""
    front = pareto(points)
    x, y = front["overflow_bin_h"].to_numpy(), front["truck_km"].to_numpy()
    if len(x) == 0 or overflow_bin_h < x.min():
        return float("nan")
    if overflow_bin_h >= x.max():
        return float(y[np.argmax(x)])
    return float(np.interp(overflow_bin_h, x, y))


def summary_markdown(means: pd.DataFrame, title: str, command: str) -> str:
    """The points' means, the defaults against each other and the targets."""
    lines = [f"### {title}", "", f"`{command}`", ""]
    lines += [
        "| policy | knob | truck-km | bin-hours overflowing | overflow events | truck-days | cost | runs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, r in means.iterrows():
        mark = " (default)" if bool(r["default"]) else ""
        lines.append(
            f"| {r['policy']} | {KNOBS[r['policy']]} = {r['knob']:g}{mark} | {r['truck_km']:,.0f} | "
            f"{r['overflow_bin_h']:,.0f} | {r['overflow_events']:,.0f} | {r['trucks_used']:,.0f} | {r['cost']:,.0f} | "
            f"{int(r['runs'])} |"
        )
    default = default_points(means)
    lines.append("")
    if "smart" in default and "fixed" in default:
        s, f = default["smart"], default["fixed"]
        km, over = s["truck_km"] / f["truck_km"], s["overflow_bin_h"] / max(f["overflow_bin_h"], 1e-9)
        met = km <= 0.7 and over <= 1.0
        lines.append(
            f"- smart against fixed (defaults): {km:.2f} x the km, {over:.2f} x the overflow; target at most 0.70 x "
            f"the km with no more overflow: **{'met' if met else 'not met'}**."
        )
        at = km_at_overflow(means[means["policy"] == "smart"], float(f["overflow_bin_h"]))
        ratio = at / f["truck_km"] if np.isfinite(at) else float("nan")
        verdict = "met" if np.isfinite(ratio) and ratio <= 0.6 else "not met"
        lines.append(
            f"- on the frontier at fixed's overflow ({f['overflow_bin_h']:,.0f} bin-h), smart needs "
            f"{'n/a (outside the swept range)' if not np.isfinite(at) else f'{at:,.0f} km = {ratio:.2f} x'} fixed's "
            f"km; target at most 0.60 x: **{verdict}**."
        )
    if "smart" in default and "threshold" in default:
        s, t = default["smart"], default["threshold"]
        dom = s["truck_km"] <= t["truck_km"] and s["overflow_bin_h"] <= t["overflow_bin_h"]
        lines.append(
            f"- smart against threshold (defaults): {s['truck_km'] / t['truck_km']:.2f} x the km, "
            f"{s['overflow_bin_h'] / max(t['overflow_bin_h'], 1e-9):.2f} x the overflow; dominates: "
            f"**{'yes' if dom else 'no'}**."
        )
    return "\n".join(lines) + "\n"


def plot_frontiers(means: pd.DataFrame, path: Path, title: str) -> Path:
    """Truck-km against bin-hours overflowing, one line per policy through its swept points, defaults starred."""
    fig, ax = plt.subplots(figsize=(7, 5))
    for policy, rows in means.groupby("policy", sort=False):
        rows = rows.sort_values("overflow_bin_h")
        colour = COLOURS.get(str(policy))
        ax.plot(rows["overflow_bin_h"], rows["truck_km"], marker="o", color=colour, label=f"{policy}")
        for _, r in rows.iterrows():
            ax.annotate(f"{r['knob']:g}", (r["overflow_bin_h"], r["truck_km"]), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")  # fmt: skip
        best = rows[rows["default"].astype(bool)]
        ax.scatter(best["overflow_bin_h"], best["truck_km"], marker="*", s=220, color=colour, edgecolor="black",
                   zorder=5)  # fmt: skip
    ax.set(xlabel="bin-hours overflowing", ylabel="truck-km", title=title, xlim=(0, None), ylim=(0, None))
    ax.legend(title="policy (knob values labelled, default starred)", fontsize=8, title_fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
