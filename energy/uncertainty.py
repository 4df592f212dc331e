"""Monte Carlo uncertainty and one-at-a-time sensitivity (tornado) of every output.

Each driver in :data:`energy.model.DRIVERS` follows a triangular distribution whose most likely value is the
base case and whose low and high ends come from the scenario's ``[uncertainty]`` table (or the documented
default). The cost drivers are different: one uniform quantile per draw positions every published cost range
at once (so a draw with expensive incineration also has expensive digestion, as happens when construction
prices move together). Draws are independent; the random generator is seeded, so runs are reproducible.

The tornado chart moves one driver at a time to its 10th and 90th percentile, holding the others at their base
values, and reports how far an output swings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from energy.costs import triangular_quantile
from energy.model import DRIVERS, OUTPUTS, SHARE_OUTPUTS, Design, Draws, Results, base_draws, evaluate
from energy.scenario import Scenario
from waste.errors import InputError

#: Percentiles reported for every output.
PERCENTILES: tuple[int, ...] = (10, 50, 90)


def driver_ranges(scenario: Scenario) -> dict[str, tuple[float, float, float]]:
    """``(low, base, high)`` of every driver, checked to bracket its base value.

    Raises
    ------
    InputError
        When a driver has no range in the scenario and no default, is unknown, or does not bracket its base.
    """
    base = {k: float(v[0]) for k, v in base_draws(scenario).items()}
    for key in scenario.uncertainty:
        if key not in DRIVERS:
            msg = f"unknown uncertainty driver; known: {', '.join(DRIVERS)}"
            raise InputError(msg, file=scenario.source_file, field=f"uncertainty.{key}")
    ranges: dict[str, tuple[float, float, float]] = {}
    for name, (_, _, default, _) in DRIVERS.items():
        low_high = scenario.uncertainty.get(name, default)
        if low_high is None:
            msg = "missing range [low, high] for this driver"
            raise InputError(msg, file=scenario.source_file, field=f"uncertainty.{name}")
        low, high = low_high
        mid = 0.5 if name == "cost_quantile" else base[name]
        if not low <= mid <= high:
            msg = f"range [{low}, {high}] does not contain the base value {mid}"
            raise InputError(msg, file=scenario.source_file, field=f"uncertainty.{name}")
        ranges[name] = (low, mid, high)
    return ranges


def sample_draws(scenario: Scenario, runs: int, seed: int) -> Draws:
    """``runs`` random draws of every driver (vectorised, seeded)."""
    if runs < 1:
        msg = f"the number of Monte Carlo runs must be at least 1, got {runs}"
        raise InputError(msg, field="runs")
    rng = np.random.default_rng(seed)
    draws: Draws = {}
    for name, (low, mode, high) in driver_ranges(scenario).items():
        u = rng.random(runs)
        if name == "cost_quantile":
            draws[name] = low + (high - low) * u  # uniform position within the cost ranges
        else:
            draws[name] = triangular_quantile(low, mode, high, u)
    return draws


def summarise(results: Results, base: Results) -> pd.DataFrame:
    """Percentiles of every output of every technology.

    Returns
    -------
    pandas.DataFrame
        Columns ``technology``, ``output``, ``label``, ``unit``, ``base``, ``p10``, ``p50``, ``p90`` (floats
        in the output's unit); one row per technology and output. For the yes/no outputs of
        :data:`~energy.model.SHARE_OUTPUTS` the percentile columns all hold the share of draws that say yes.
    """
    rows = []
    for tech, outputs in results.items():
        for name, values in outputs.items():
            finite = values[np.isfinite(values)]
            pct = np.percentile(finite, PERCENTILES) if finite.size else [np.nan] * len(PERCENTILES)
            if name in SHARE_OUTPUTS:
                pct = [float(finite.mean()) if finite.size else np.nan] * len(PERCENTILES)
            label, unit = OUTPUTS[name]
            row: dict[str, str | float] = {"technology": tech, "output": name, "label": label, "unit": unit}
            row["base"] = float(base[tech][name][0])
            row.update({f"p{p}": float(v) for p, v in zip(PERCENTILES, pct, strict=True)})
            rows.append(row)
    return pd.DataFrame(rows)


def tornado(scenario: Scenario, plan: Design, technology: str, output: str) -> pd.DataFrame:
    """Swing of one output when each driver moves alone to its 10th and 90th percentile.

    Returns
    -------
    pandas.DataFrame
        Columns ``driver``, ``label``, ``low_input``, ``high_input`` (driver values), ``low``, ``high``
        (output at those values), ``base`` and ``swing`` (absolute difference), sorted by decreasing swing.
    """
    ranges = driver_ranges(scenario)
    names = list(ranges)
    base = base_draws(scenario)
    n = 2 * len(names)
    draws = {k: np.repeat(v, n) for k, v in base.items()}
    inputs = {}
    for j, name in enumerate(names):
        low, mode, high = ranges[name]
        if name == "cost_quantile":
            lo_v, hi_v = low + 0.1 * (high - low), low + 0.9 * (high - low)
        else:
            lo_v, hi_v = (float(x) for x in triangular_quantile(low, mode, high, np.array([0.1, 0.9])))
        draws[name][2 * j], draws[name][2 * j + 1] = lo_v, hi_v
        inputs[name] = (lo_v, hi_v)
    values = evaluate(scenario, plan, draws)[technology][output]
    base_value = float(evaluate(scenario, plan, base)[technology][output][0])
    frame = pd.DataFrame(
        {
            "driver": names,
            "label": [DRIVERS[n_][0] for n_ in names],
            "low_input": [inputs[n_][0] for n_ in names],
            "high_input": [inputs[n_][1] for n_ in names],
            "low": values[0::2],
            "high": values[1::2],
        }
    )
    frame["base"] = base_value
    frame["swing"] = (frame["high"] - frame["low"]).abs()
    return frame.sort_values("swing", ascending=False, ignore_index=True)
