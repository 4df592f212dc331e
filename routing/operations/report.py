"""Figures of an operations simulation: totals per policy, a comparison table, CSV files and plots.

Uses matplotlib's non-interactive Agg backend, so it runs on servers and in tests.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from routing.operations.run import OpsRun

#: Figures summed over the days.
SUMMED = (
    "bins_collected",
    "bins_dropped",
    "truck_km",
    "driving_h",
    "disposal_trips",
    "overflow_events",
    "overflow_bin_h",
    "overflowed_l",
    "fuel_l",
    "co2_kg",
    "cost",
    "collected_l",
    "generated_l",
)
#: Rows of the comparison table: column of the totals, label, decimals.
TABLE_ROWS = (
    ("truck_km", "truck-km", 0),
    ("driving_h", "driving hours (truck-hours)", 0),
    ("disposal_trips", "disposal trips", 0),
    ("bins_collected", "bins collected", 0),
    ("bins_dropped", "chosen bins no truck reached", 0),
    ("mean_fill_at_collection_pct", "mean fill at collection (%)", 1),
    ("overflow_events", "overflow events", 0),
    ("overflow_bin_h", "bin-hours overflowing", 0),
    ("overflowed_m3", "waste not collected in time (m³)", 1),
    ("fuel_l", "diesel (L)", 0),
    ("co2_t", "CO2 (t)", 1),
    ("cost", "cost", 0),
)


def totals(runs: dict[str, OpsRun]) -> pd.DataFrame:
    """One row per policy: the figures summed over the days, mean fill at collection, and the waste balance."""
    rows = []
    for name, run in runs.items():
        row: dict[str, object] = {"policy": name, "days": len(run.daily)}
        for col in SUMMED:
            row[col] = float(run.daily[col].sum())
        before = run.collections["fill_before_pct"].to_numpy(dtype=float)
        row["mean_fill_at_collection_pct"] = float(before.mean()) if len(before) else float("nan")
        row["overflowed_m3"] = float(row["overflowed_l"]) / 1000.0  # type: ignore[arg-type]
        row["co2_t"] = float(row["co2_kg"]) / 1000.0  # type: ignore[arg-type]
        row["opening_l"] = run.opening_l
        row["still_in_bins_l"] = run.still_in_bins_l
        row["balance_l"] = run.balance_l
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt(value: float, decimals: int) -> str:
    if not np.isfinite(value):
        return "n/a"
    return f"{value:,.{decimals}f}"


def comparison_markdown(table: pd.DataFrame, title: str, currency: str, baseline: str = "fixed") -> str:
    """A Markdown table, one column per policy, with each policy's change against ``baseline`` where it ran."""
    policies = list(table["policy"])
    by = table.set_index("policy")
    has_base = baseline in by.index
    others = [p for p in policies if p != baseline] if has_base else []
    head = ["figure", *policies, *(f"{p} vs {baseline}" for p in others)]
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for col, label, decimals in TABLE_ROWS:
        label = f"{label} ({currency})" if col == "cost" else label
        cells = [_fmt(float(by.at[p, col]), decimals) for p in policies]
        for p in others:
            base, value = float(by.at[baseline, col]), float(by.at[p, col])
            cells.append(
                f"{(value - base) / base:+.0%}" if base and np.isfinite(base) and np.isfinite(value) else "n/a"
            )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_daily(daily: pd.DataFrame, path: Path, title: str) -> Path:
    """Truck-km (left) and bin-hours overflowing (right) by day, one line per policy."""
    fig, (ax_km, ax_over) = plt.subplots(1, 2, figsize=(11, 4))
    for policy, rows in daily.groupby("policy", sort=False):
        ax_km.plot(rows["day"] + 1, rows["truck_km"], marker="o", markersize=3, label=policy)
        ax_over.plot(rows["day"] + 1, rows["overflow_bin_h"], marker="o", markersize=3, label=policy)
    ax_km.set(xlabel="day", ylabel="truck-km", title=f"{title}: distance driven", ylim=(0, None))
    ax_over.set(xlabel="day", ylabel="bin-hours overflowing", title="overflow", ylim=(0, None))
    ax_km.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(runs: dict[str, OpsRun], folder: Path, title: str, currency: str) -> dict[str, Path]:
    """Write ``daily.csv``, ``totals.csv``, ``comparison.md`` and ``daily.png`` under ``folder``; return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    daily = pd.concat([r.daily for r in runs.values()], ignore_index=True)
    table = totals(runs)
    paths = {
        "daily": folder / "daily.csv",
        "totals": folder / "totals.csv",
        "comparison": folder / "comparison.md",
        "plot": folder / "daily.png",
    }
    daily.round(3).to_csv(paths["daily"], index=False)
    table.round(3).to_csv(paths["totals"], index=False)
    paths["comparison"].write_text(comparison_markdown(table, title, currency), encoding="utf-8")
    plot_daily(daily, paths["plot"], title)
    return paths
