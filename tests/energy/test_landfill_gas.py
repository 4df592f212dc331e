"""IPCC 2006 first-order decay of landfilled waste."""

from __future__ import annotations

import numpy as np
import pytest

from energy.composition import COMPONENTS
from energy.landfill_gas import (
    DOC_WET,
    decay_rates,
    fod_methane_t,
    methane_to_mwh,
    single_deposit_methane_closed_form,
)


def _food_only() -> np.ndarray:
    x = np.zeros(len(COMPONENTS))
    x[COMPONENTS.index("food")] = 1.0
    return x


def test_single_deposit_matches_closed_form():
    """1,000 t of food in a tropical wet site (k = 0.40/yr) decays as DDOCm e^{-k(n-1)} (1 - e^{-k})."""
    k = decay_rates("tropical_wet")
    assert k[COMPONENTS.index("food")] == 0.40
    deposits = np.zeros(30)
    deposits[0] = 1000.0
    recursive = fod_methane_t(deposits, _food_only(), k)
    ddocm = 1000.0 * DOC_WET["food"] * 0.5 * 1.0
    closed = single_deposit_methane_closed_form(ddocm, 0.40, 30)
    np.testing.assert_allclose(recursive, closed, rtol=1e-12)
    assert recursive[0] == 0.0


def test_first_year_by_hand():
    """Year 1 methane: 1,000 t x 0.15 x 0.5 x (1 - e^-0.185) x 0.5 x 16/12 (temperate wet food)."""
    deposits = np.array([1000.0, 0.0])
    methane = fod_methane_t(deposits, _food_only(), decay_rates("temperate_wet"))
    assert methane[1] == pytest.approx(1000 * 0.15 * 0.5 * (1 - np.exp(-0.185)) * 0.5 * 16 / 12)


def test_all_carbon_eventually_becomes_methane():
    """Over a long horizon the methane adds up to DDOCm x F x 16/12 (mass balance)."""
    deposits = np.full(5, 200.0)
    methane = fod_methane_t(deposits, _food_only(), decay_rates("tropical_wet"), years_after=200)
    assert methane.sum() == pytest.approx(1000 * 0.15 * 0.5 * 0.5 * 16 / 12, rel=1e-9)


def test_tropical_decays_faster_than_temperate():
    """The same waste gives its gas sooner in a tropical wet climate (IPCC Table 3.3)."""
    deposits = np.array([1000.0] + [0.0] * 9)
    tropical = fod_methane_t(deposits, _food_only(), decay_rates("tropical_wet"))
    temperate = fod_methane_t(deposits, _food_only(), decay_rates("temperate_wet"))
    assert tropical[1] > temperate[1]


def test_methane_energy():
    """One tonne of methane is 1,394.7 m3 x 35.8 MJ/m3 = 49.93 GJ; at 35 % that is 4.85 MWh."""
    assert float(methane_to_mwh(1.0, 0.35)) == pytest.approx(1000 / 0.717 * 35.8 / 3600 * 0.35)
