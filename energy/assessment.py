"""One call that answers a planner's question for a city: which plant, how large, what it gives and costs.

:func:`assess` sizes the plants for the base case, runs the Monte Carlo and the tornado analyses, and gathers
everything the command line and the report show into one :class:`Assessment`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from energy.model import Design, base_draws, design, evaluate
from energy.projection import growth_perturbation
from energy.scenario import TECHNOLOGIES, Scenario
from energy.uncertainty import sample_draws, summarise, tornado

#: Outputs the tornado charts explain, per technology.
TORNADO_OUTPUTS: tuple[str, ...] = ("mwh_net_per_yr", "gate_fee_usd_per_t")


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything estimated for one city.

    Attributes
    ----------
    scenario
        The inputs.
    plan
        The recommended plants (base case).
    summary
        Base value and P10/P50/P90 of every output (see :func:`energy.uncertainty.summarise`).
    tonnage
        Columns ``year``, ``base``, ``p10``, ``p90``: waste available, t/yr.
    tornadoes
        ``(technology, output) -> tornado table`` (see :func:`energy.uncertainty.tornado`).
    runs, seed
        Monte Carlo draws and random seed used.
    """

    scenario: Scenario
    plan: Design
    summary: pd.DataFrame
    tonnage: pd.DataFrame
    tornadoes: dict[tuple[str, str], pd.DataFrame]
    runs: int
    seed: int

    def value(self, technology: str, output: str, column: str = "base") -> float:
        """One figure of the summary."""
        row = self.summary[(self.summary["technology"] == technology) & (self.summary["output"] == output)]
        return float(row[column].iloc[0])


def assess(scenario: Scenario, *, runs: int = 2000, seed: int = 0) -> Assessment:
    """Size, simulate and explain the three technologies for a city.

    Parameters
    ----------
    scenario
        The city's inputs, from :func:`energy.scenario.load_scenario`.
    runs
        Monte Carlo draws (2,000 give percentiles stable to about 1 %).
    seed
        Seed of the random generator, for reproducible results.
    """
    plan = design(scenario)
    draws = sample_draws(scenario, runs, seed)
    results = evaluate(scenario, plan, draws)
    summary = summarise(results, evaluate(scenario, plan, base_draws(scenario)))
    factor = growth_perturbation(
        plan.years,
        scenario.projection.base_year,
        draws["population_growth"],
        draws["per_capita_growth"],
        scenario.projection.population_growth,
        scenario.projection.per_capita_growth,
    )
    sampled = plan.base_tonnes[None, :] * factor
    tonnage = pd.DataFrame(
        {
            "year": plan.years,
            "base": plan.base_tonnes,
            "p10": np.percentile(sampled, 10, axis=0),
            "p90": np.percentile(sampled, 90, axis=0),
        }
    )
    tornadoes = {
        (tech, output): tornado(scenario, plan, tech, output) for tech in TECHNOLOGIES for output in TORNADO_OUTPUTS
    }
    return Assessment(scenario, plan, summary, tonnage, tornadoes, runs, seed)
