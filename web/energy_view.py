"""The planner's questions put to :mod:`energy`: a city scenario with the key inputs changed, and its charts.

A planner changes the growth of population and of waste per person, the food-and-garden share of the waste, and
the efficiency of each technology (incinerator gross electrical efficiency, share of organics captured for
digestion, landfill gas collection efficiency). Each change moves the base case; the Monte Carlo range of that
input moves with it (same width, clipped to what the input can be), because the scenario's ranges are stated
around its base value.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from energy.assessment import Assessment, assess
from energy.charts import write_charts
from energy.composition import COMPONENTS, Composition, with_organic_share
from energy.report import comparison_table
from energy.scenario import Scenario, load_city_scenario
from energy.uncertainty import driver_ranges

#: Inputs the planner page changes: name -> (label, unit, lowest, highest).
KEY_INPUTS: dict[str, tuple[str, str, float, float]] = {
    "population_growth": ("population growth", "fraction per year", -0.05, 0.10),
    "per_capita_growth": ("growth of waste per person", "fraction per year", -0.05, 0.10),
    "organic_share": ("food + garden share of the waste", "fraction", 0.05, 0.90),
    "gross_efficiency": ("incinerator gross electrical efficiency", "fraction", 0.10, 0.40),
    "organics_capture": ("organics captured for digestion", "fraction", 0.05, 1.0),
    "collection_efficiency": ("landfill gas collection efficiency", "fraction", 0.05, 0.95),
}
GROWTH_INPUTS = ("population_growth", "per_capita_growth")
#: Monte Carlo draws of a planner request, as `waste energy` draws by default (well under a second).
PLANNER_RUNS = 2000


@dataclass(frozen=True, slots=True)
class PlannerResult:
    """An assessment with the inputs used and the base values they replaced."""

    assessment: Assessment
    inputs: dict[str, float]
    defaults: dict[str, float]


def current_inputs(scenario: Scenario) -> dict[str, float]:
    """The scenario's value of each :data:`KEY_INPUTS` entry."""
    return {
        "population_growth": scenario.projection.population_growth,
        "per_capita_growth": scenario.projection.per_capita_growth,
        "organic_share": scenario.composition.organic_share,
        "gross_efficiency": scenario.incineration.gross_efficiency,
        "organics_capture": scenario.digestion.organics_capture,
        "collection_efficiency": scenario.landfill_gas.collection_efficiency,
    }


def parse_inputs(values: dict[str, Any]) -> tuple[dict[str, float], list[dict[str, str]]]:
    """Numbers for the known inputs given in ``values`` (strings allowed) and a list of errors by field."""
    inputs, errors = {}, []
    for name, (label, unit, low, high) in KEY_INPUTS.items():
        raw = values.get(name)
        if raw is None or raw == "":
            continue
        try:
            number = float(raw)
        except (TypeError, ValueError):
            errors.append({"field": name, "reason": f"{label}: not a number ({raw!r})"})
            continue
        if not low <= number <= high:
            errors.append({"field": name, "reason": f"{label} must be between {low:g} and {high:g} {unit}"})
            continue
        inputs[name] = number
    return inputs, errors


def adjusted_scenario(scenario: Scenario, inputs: dict[str, float]) -> Scenario:
    """``scenario`` with the given key inputs replaced and their uncertainty ranges moved alongside."""
    base = current_inputs(scenario)
    ranges = driver_ranges(scenario)
    uncertainty = dict(scenario.uncertainty)
    for name, value in inputs.items():
        low, mid, high = ranges[name]
        shift = value - mid
        low, high = low + shift, high + shift
        if name not in GROWTH_INPUTS:  # a fraction stays a fraction
            low, high = max(low, 0.0), min(high, 1.0)
        uncertainty[name] = (low, high)
    projection = dataclasses.replace(
        scenario.projection,
        population_growth=inputs.get("population_growth", base["population_growth"]),
        per_capita_growth=inputs.get("per_capita_growth", base["per_capita_growth"]),
    )
    composition = scenario.composition
    if "organic_share" in inputs:
        shares = with_organic_share(composition.as_array(), inputs["organic_share"])
        composition = Composition(
            fractions=dict(zip(COMPONENTS, (float(x) for x in shares), strict=True)),
            moisture=composition.moisture,
            source=f"{composition.source} (food + garden share set to {inputs['organic_share']:.0%})",
        )
    return dataclasses.replace(
        scenario,
        projection=projection,
        composition=composition,
        incineration=dataclasses.replace(
            scenario.incineration, gross_efficiency=inputs.get("gross_efficiency", base["gross_efficiency"])
        ),
        digestion=dataclasses.replace(
            scenario.digestion, organics_capture=inputs.get("organics_capture", base["organics_capture"])
        ),
        landfill_gas=dataclasses.replace(
            scenario.landfill_gas,
            collection_efficiency=inputs.get("collection_efficiency", base["collection_efficiency"]),
        ),
        uncertainty=uncertainty,
    )


def run_planner(city: str, inputs: dict[str, float], *, runs: int = PLANNER_RUNS, seed: int = 0) -> PlannerResult:
    """Assess ``city``'s scenario with the key inputs changed.

    Raises
    ------
    waste.errors.ConfigError
        For a city without a scenario file.
    InputError
        When the changed scenario is not valid.
    """
    scenario = load_city_scenario(city)
    defaults = current_inputs(scenario)
    changed = adjusted_scenario(scenario, inputs) if inputs else scenario
    return PlannerResult(assess(changed, runs=runs, seed=seed), {**defaults, **inputs}, defaults)


def request_key(city: str, inputs: dict[str, float]) -> str:
    """A short, stable name of a planner request, for its cached charts."""
    text = json.dumps({"city": city, **{k: round(v, 6) for k, v in sorted(inputs.items())}})
    return hashlib.sha256(text.encode()).hexdigest()[:16]


#: Planner requests whose charts are kept; older ones are deleted (every distinct query draws a new set).
KEPT_CHART_SETS = 64


def charts_for(result: PlannerResult, folder: Path, *, keep: int | None = None) -> dict[str, Path]:
    """Write the assessment's charts into ``folder`` (once) and return them by name.

    ``folder``'s siblings are the chart sets of other requests: only the ``keep`` most recently used stay, so a
    visitor trying many inputs does not fill the disk (:data:`KEPT_CHART_SETS` when ``keep`` is ``None``).
    """
    done = folder / "done"
    if done.is_file():
        os.utime(folder)  # used again: the newest to keep
        return {p.stem: p for p in folder.glob("*.png")}
    charts = write_charts(result.assessment, folder)
    done.write_text("ok", encoding="utf-8")
    _prune(folder.parent, KEPT_CHART_SETS if keep is None else keep)
    return charts


def _prune(root: Path, keep: int) -> None:
    """Delete all but the ``keep`` most recently used chart folders under ``root``."""
    folders = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in folders[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def comparison_records(result: PlannerResult) -> list[dict[str, str]]:
    """The side-by-side comparison table (P50 with P10-P90) as rows of text."""
    return comparison_table(result.assessment).to_dict("records")


def summary_records(result: PlannerResult) -> list[dict[str, Any]]:
    """Every output's base, P10, P50 and P90 per technology, JSON-ready."""
    frame = result.assessment.summary
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.to_dict("records")
