"""The recycling report: per district and per month, tonnes by stream, diversion, contamination and reuse.

Definitions (weights in tonnes, per district and month):

* ``t_<stream>``: weight collected of each stream (reuse items not included).
* ``diverted_t``: recycling and organic loads not flagged contaminated, plus reuse items' weight: what did not go
  to disposal.
* ``diversion_rate``: ``diverted_t`` over everything handled (all streams plus reuse items).
* ``contamination_rate``: contaminated recycling and organic weight over all recycling and organic weight
  (empty when none was collected).
* ``reuse_items``: items handed to reuse; ``estimated_share``: fraction of the weight that was estimated, not weighed.

:func:`disposal_tonnes_by_day` gives the energy planner what reaches disposal, day by day.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from waste.matching.model import STREAMS

#: Streams that count as diverted when clean.
DIVERTIBLE = ("recycling", "organic")
#: Streams whose residual goes to waste-to-energy or landfill (not bulky items or construction debris).
RESIDUAL = ("general", "recycling", "organic")
REPORT_COLUMNS = [
    "district", "month", *[f"t_{s}" for s in STREAMS], "total_t", "reuse_kg", "diverted_t", "diversion_rate",
    "contamination_rate", "reuse_items", "records", "estimated_share",
]  # fmt: skip


def monthly_report(records: pd.DataFrame, *, with_city_total: bool = True) -> pd.DataFrame:
    """Per district and month (``YYYY-MM``), the columns of :data:`REPORT_COLUMNS`; a ``city`` row per month too."""
    if records.empty:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    r = records.assign(
        month=records["collected_on"].str[:7],
        t=records["weight_kg"] / 1000.0,
        divertible=records["stream"].isin(DIVERTIBLE),
    )
    r = r.assign(
        clean_t=np.where(r["divertible"] & ~r["contaminated"], r["t"], 0.0),
        div_t=np.where(r["divertible"], r["t"], 0.0),
        dirty_t=np.where(r["divertible"] & r["contaminated"], r["t"], 0.0),
        est_t=np.where(r["weight_source"] == "estimate", r["t"], 0.0),
    )
    frames = [r]
    if with_city_total:
        frames.append(r.assign(district="(city)"))
    r = pd.concat(frames, ignore_index=True)
    keys = ["district", "month"]
    by_stream = r.pivot_table(index=keys, columns="stream", values="t", aggfunc="sum", fill_value=0.0)
    by_stream = by_stream.reindex(columns=list(STREAMS), fill_value=0.0).add_prefix("t_")
    g = r.groupby(keys)
    out = by_stream.join(
        pd.DataFrame(
            {
                "reuse_kg": g["reuse_kg"].sum(),
                "clean_t": g["clean_t"].sum(),
                "div_t": g["div_t"].sum(),
                "dirty_t": g["dirty_t"].sum(),
                "est_t": g["est_t"].sum(),
                "reuse_items": g["reuse_items"].sum().astype(int),
                "records": g.size(),
            }
        )
    )
    out["total_t"] = out[[f"t_{s}" for s in STREAMS]].sum(axis=1)
    handled = out["total_t"] + out["reuse_kg"] / 1000.0
    out["diverted_t"] = out["clean_t"] + out["reuse_kg"] / 1000.0
    out["diversion_rate"] = (out["diverted_t"] / handled.where(handled > 0)).round(4)
    out["contamination_rate"] = (out["dirty_t"] / out["div_t"].where(out["div_t"] > 0)).round(4)
    out["estimated_share"] = (out["est_t"] / out["total_t"].where(out["total_t"] > 0)).round(4)
    out = out.reset_index()
    for column in [f"t_{s}" for s in STREAMS] + ["total_t", "diverted_t"]:
        out[column] = out[column].round(3)
    return out[REPORT_COLUMNS].sort_values(["month", "district"], ignore_index=True)


def disposal_tonnes_by_day(records: pd.DataFrame) -> pd.DataFrame:
    """Tonnes reaching disposal each day (``date``, ``tonnes``), every day of the span, for the energy planner.

    Counts general waste and contaminated recycling or organics: the residual a waste-to-energy plant or landfill
    receives. Clean recyclables and organics, reuse items, bulky items and construction debris are left out. Days
    without records count as zero, so the planner's scaling to a year is not inflated by days without pickups.
    """
    if records.empty:
        return pd.DataFrame(columns=["date", "tonnes"])
    residual = records[
        (records["stream"] == "general") | (records["stream"].isin(DIVERTIBLE) & records["contaminated"])
    ]
    daily = (residual["weight_kg"] / 1000.0).groupby(pd.to_datetime(residual["collected_on"])).sum()
    span = pd.date_range(records["collected_on"].min(), records["collected_on"].max(), freq="D")
    daily = daily.reindex(span, fill_value=0.0)
    return pd.DataFrame({"date": daily.index, "tonnes": daily.to_numpy()})


def write_report_chart(report: pd.DataFrame, path: Path, *, title: str = "") -> Path:
    """A bar chart: tonnes by stream per district (latest month stacked, one bar each), diversion rate marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    rows = report[report["district"] != "(city)"]
    if rows.empty:
        ax.text(0.5, 0.5, "no records", ha="center", va="center", transform=ax.transAxes)
    else:
        labels = [f"{d}\n{m}" for d, m in zip(rows["district"], rows["month"], strict=True)]
        x = np.arange(len(rows))
        bottom = np.zeros(len(rows))
        colours = {"general": "#7f7f7f", "recycling": "#1f77b4", "organic": "#2ca02c", "bulky": "#ff7f0e",
                   "construction": "#8c564b"}  # fmt: skip
        for stream in STREAMS:
            values = rows[f"t_{stream}"].to_numpy(float)
            ax.bar(x, values, bottom=bottom, label=stream, color=colours[stream])
            bottom += values
        ax.set_xticks(x, labels, fontsize=8)
        ax.set_ylabel("tonnes collected")
        rate = ax.twinx()
        rate.plot(x, 100 * rows["diversion_rate"].to_numpy(float), "kD", label="diversion rate")
        rate.set_ylabel("diversion rate (%)")
        rate.set_ylim(0, 100)
        handles, names = ax.get_legend_handles_labels()
        h2, n2 = rate.get_legend_handles_labels()
        ax.legend(handles + h2, names + n2, fontsize=8, loc="upper left", ncols=3)
    ax.set_title(title or "Collected tonnes by district and month")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
