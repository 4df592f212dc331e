"""PNG charts of an assessment, drawn with matplotlib's non-interactive Agg backend.

Each function writes one file and returns its path; the report links them. Charts are deliberately plain:
planners print them.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

from energy.assessment import TORNADO_OUTPUTS, Assessment
from energy.composition import COMPONENTS
from energy.model import OUTPUTS
from energy.scenario import TECHNOLOGIES

#: Display names of the technologies.
TECH_LABELS: dict[str, str] = {
    "incineration": "Incineration",
    "digestion": "Anaerobic digestion",
    "landfill_gas": "Landfill gas",
}


_THOUSANDS = FuncFormatter(lambda v, _: f"{v:,.0f}")


def _save(fig: plt.Figure, path: Path, rect: tuple[float, float, float, float] = (0, 0, 1, 1)) -> Path:
    fig.tight_layout(rect=rect)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def tonnage_chart(a: Assessment, path: Path) -> Path:
    """Waste available over the plant life, base case with the P10-P90 band, t/day."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    t = a.tonnage
    ax.fill_between(t["year"], t["p10"] / 365, t["p90"] / 365, alpha=0.25, label="P10-P90")
    ax.plot(t["year"], t["base"] / 365, label="base case")
    ax.axvline(a.plan.design_year, linestyle="--", color="grey", label=f"design year {a.plan.design_year}")
    hours = a.scenario.incineration.availability_h
    yearly_cap = a.plan.grate.total * hours / 365.0
    ax.axhline(
        yearly_cap,
        linestyle=":",
        color="tab:red",
        label=f"incinerator capacity, {a.plan.grate.describe()} at {hours:,.0f} h/yr",
    )
    ax.yaxis.set_major_formatter(_THOUSANDS)
    ax.set_ylabel("waste available (t/day)")
    ax.set_title(f"{a.scenario.name}: waste available over the plant life")
    ax.legend(loc="best", fontsize=8)
    return _save(fig, path)


def composition_chart(a: Assessment, path: Path) -> Path:
    """Wet-mass composition of the waste, %."""
    fig, ax = plt.subplots(figsize=(7, 3.4))
    x = a.scenario.composition.as_array() * 100
    ax.barh([c.replace("_", " ") for c in COMPONENTS], x)
    ax.invert_yaxis()
    ax.set_xlabel("share of wet mass (%)")
    ax.set_title(f"{a.scenario.name}: waste composition")
    return _save(fig, path)


def _bars(ax: plt.Axes, a: Assessment, output: str) -> None:
    s = a.summary[a.summary["output"] == output].set_index("technology").loc[list(TECHNOLOGIES)]
    p50 = s["p50"].to_numpy()
    err = np.vstack([p50 - s["p10"].to_numpy(), s["p90"].to_numpy() - p50])
    ax.bar([TECH_LABELS[t] for t in TECHNOLOGIES], p50, yerr=err, capsize=4)
    label, unit = OUTPUTS[output]
    ax.set_ylabel(unit)
    ax.yaxis.set_major_formatter(_THOUSANDS)
    ax.set_title(f"{label} (P50, P10-P90)", fontsize=9)


def comparison_chart(a: Assessment, path: Path) -> Path:
    """Net electricity, gate fee and LCOE of the three technologies, P50 with P10-P90 whiskers."""
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.6))
    for ax, output in zip(axes, ("mwh_net_per_yr", "gate_fee_usd_per_t", "lcoe_usd_per_mwh"), strict=True):
        _bars(ax, a, output)
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle(a.scenario.name)
    return _save(fig, path)


def tornado_chart(a: Assessment, technology: str, path: Path, top: int = 8) -> Path:
    """Main drivers of net electricity and gate fee for one technology (one driver moved at a time)."""
    fig, axes = plt.subplots(1, len(TORNADO_OUTPUTS), figsize=(11, 3.8))
    for ax, output in zip(axes, TORNADO_OUTPUTS, strict=True):
        t = a.tornadoes[(technology, output)]
        t = t[t["swing"] > 0].head(top).iloc[::-1]
        base = float(a.tornadoes[(technology, output)]["base"].iloc[0])
        y = np.arange(len(t))
        low, high = t["low"].to_numpy(), t["high"].to_numpy()
        ax.barh(y, low - base, left=base, color="tab:blue", label="driver at its P10")
        ax.barh(y, high - base, left=base, color="tab:orange", label="driver at its P90")
        ax.axvline(base, color="black", linewidth=0.8)
        ax.set_yticks(y, t["label"].tolist(), fontsize=7)
        label, unit = OUTPUTS[output]
        ax.set_xlabel(f"{label} ({unit})", fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.xaxis.set_major_formatter(_THOUSANDS)
        ax.tick_params(axis="x", labelsize=7)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle(f"{TECH_LABELS[technology]}: main drivers")
    return _save(fig, path, rect=(0, 0.07, 1, 1))


def write_charts(a: Assessment, folder: Path) -> dict[str, Path]:
    """Every chart of an assessment, written into ``folder``; name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    charts = {
        "tonnage": tonnage_chart(a, folder / "tonnage.png"),
        "composition": composition_chart(a, folder / "composition.png"),
        "comparison": comparison_chart(a, folder / "comparison.png"),
    }
    for tech in TECHNOLOGIES:
        charts[f"tornado_{tech}"] = tornado_chart(a, tech, folder / f"tornado_{tech}.png")
    return charts
