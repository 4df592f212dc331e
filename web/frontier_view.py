"""The collection policies' frontier as the planner page shows it: the plot and the defaults' figures, if run.

``benchmarks/simulate_frontier.py`` writes ``simulate_frontier_<city>.csv`` (one row per run) and ``.png``; this
reads them and nothing more, averaging the runs of each default point over seeds with the function the benchmark
uses, so the page and the benchmark's table cannot disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from routing.operations.frontier import KNOBS, default_points, point_means

#: Policies in the order the page lists them.
ORDER = ["fixed", "threshold", "smart"]


def frontier_files(folder: Path, city: str) -> tuple[Path, Path]:
    """The CSV and PNG of ``city``'s frontier under ``folder``: the full protocol's if run, else the newest tagged run.

    The benchmark writes ``simulate_frontier_<city>.csv`` with its defaults and ``simulate_frontier_<city><tag>.csv``
    for shorter runs (``--tag``).
    """
    csv = folder / f"simulate_frontier_{city}.csv"
    if not csv.is_file():
        tagged = sorted(folder.glob(f"simulate_frontier_{city}_*.csv"), key=lambda p: p.stat().st_mtime)
        csv = tagged[-1] if tagged else csv
    return csv, csv.with_suffix(".png")


def frontier_summary(folder: Path, city: str) -> dict[str, Any] | None:
    """The defaults' mean figures (one row per policy), the runs behind them and whether a plot exists.

    Only the longest runs count (the CSV may also hold shorter ones, and a mean over runs of different lengths
    would mean nothing), at their most common time limit. ``None`` when no frontier was run for ``city``.
    """
    csv, png = frontier_files(folder, city)
    if not csv.is_file():
        return None
    runs = pd.read_csv(csv)
    if runs.empty or "default" not in runs.columns:
        return None
    runs = runs[runs["days"] == runs["days"].max()]
    runs = runs[runs["time_limit_s"] == runs["time_limit_s"].mode().iloc[0]]
    means = point_means(runs, ORDER)
    rows = []
    base = default_points(means).get("fixed")
    for policy, point in default_points(means).items():
        row = {
            "policy": policy,
            "setting": f"{KNOBS[policy]} = {point['knob']:g}",
            "truck-km": f"{point['truck_km']:,.0f}",
            "bin-hours overflowing": f"{point['overflow_bin_h']:,.0f}",
            "overflow events": f"{point['overflow_events']:,.0f}",
        }
        if base is not None:
            row["km vs fixed"] = f"{point['truck_km'] / base['truck_km']:.2f}"
            row["overflow vs fixed"] = f"{point['overflow_bin_h'] / max(base['overflow_bin_h'], 1e-9):.2f}"
        rows.append(row)
    return {
        "rows": rows,
        "plot": png.is_file(),
        "days": int(runs["days"].iloc[0]),
        "seeds": sorted(int(s) for s in runs["seed"].unique()),
        "time_limit_s": float(runs["time_limit_s"].iloc[0]),
    }
