"""Costs as ranges, levelised cost of electricity and the gate fee a plant would need.

* A :class:`CostRange` is a triangular distribution (low, most likely, high) of a unit cost taken from
  published studies; the scenario files give each range with its source.
* Capital is annualised with the capital recovery factor ``CRF = r (1+r)^n / ((1+r)^n - 1)`` at the scenario's
  real discount rate ``r`` over the plant life ``n``.
* Levelised cost of electricity (LCOE), USD/MWh: (annualised capital + yearly operating cost) / net MWh a
  year; what the electricity would have to sell for if it alone paid for the plant.
* Gate fee, USD/t: (annualised capital + operating cost - sales of electricity and heat) / tonnes treated;
  what the city would pay per tonne delivered for the plant to break even.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from waste.errors import InputError


def triangular_quantile(low: ArrayLike, mode: ArrayLike, high: ArrayLike, q: ArrayLike) -> NDArray[np.float64]:
    """Inverse cumulative distribution of a triangular distribution (vectorised; ``low == high`` allowed).

    Parameters
    ----------
    low, mode, high
        The distribution's minimum, most likely value and maximum.
    q
        Probabilities in [0, 1].
    """
    a, c, b, u = (np.asarray(v, dtype=float) for v in (low, mode, high, q))
    span = b - a
    safe = np.where(span > 0, span, 1.0)
    f_mode = np.where(span > 0, (c - a) / safe, 0.5)
    left = a + np.sqrt(np.clip(u * span * (c - a), 0.0, None))
    right = b - np.sqrt(np.clip((1.0 - u) * span * (b - c), 0.0, None))
    return np.where(span > 0, np.where(u < f_mode, left, right), a)


@dataclass(frozen=True, slots=True)
class CostRange:
    """A unit cost as low, most likely and high values, with the study it comes from.

    Attributes
    ----------
    low, mode, high
        Values in the unit of the field that holds the range (e.g. USD per tonne of yearly capacity).
    source
        Citation of the published figure.
    """

    low: float
    mode: float
    high: float
    source: str = ""

    def __post_init__(self) -> None:
        if not (0.0 <= self.low <= self.mode <= self.high):
            msg = f"cost range must satisfy 0 <= low <= mode <= high, got {self.low}, {self.mode}, {self.high}"
            raise InputError(msg, file=self.source or None)

    def at(self, q: ArrayLike) -> NDArray[np.float64]:
        """Value at probability ``q``; NaN ``q`` gives the most likely value."""
        u = np.asarray(q, dtype=float)
        value = triangular_quantile(self.low, self.mode, self.high, np.nan_to_num(u, nan=0.5))
        return np.where(np.isnan(u), self.mode, value)


def capital_recovery_factor(rate: ArrayLike, years: int) -> NDArray[np.float64]:
    """Share of the capital cost to pay each year to repay it with interest over ``years`` (1/yr)."""
    r = np.asarray(rate, dtype=float)
    growth = (1.0 + r) ** years
    with np.errstate(divide="ignore", invalid="ignore"):
        crf = r * growth / (growth - 1.0)
    return np.where(np.abs(r) < 1e-12, 1.0 / years, crf)


def levelised_cost_per_mwh(
    capex: ArrayLike, opex_per_yr: ArrayLike, mwh_per_yr: ArrayLike, rate: ArrayLike, years: int
) -> NDArray[np.float64]:
    """LCOE, currency per MWh; NaN where no electricity is made."""
    annual = np.asarray(capex) * capital_recovery_factor(rate, years) + np.asarray(opex_per_yr)
    mwh = np.asarray(mwh_per_yr, dtype=float)
    return np.divide(annual, mwh, out=np.full(np.broadcast(annual, mwh).shape, np.nan), where=mwh > 0)


def gate_fee_per_t(
    capex: ArrayLike,
    opex_per_yr: ArrayLike,
    revenue_per_yr: ArrayLike,
    tonnes_per_yr: ArrayLike,
    rate: ArrayLike,
    years: int,
) -> NDArray[np.float64]:
    """Break-even gate fee, currency per tonne delivered; NaN where nothing is treated."""
    annual = np.asarray(capex) * capital_recovery_factor(rate, years) + np.asarray(opex_per_yr)
    net = annual - np.asarray(revenue_per_yr)
    tonnes = np.asarray(tonnes_per_yr, dtype=float)
    return np.divide(net, tonnes, out=np.full(np.broadcast(net, tonnes).shape, np.nan), where=tonnes > 0)
