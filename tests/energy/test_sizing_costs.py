"""Unit layouts, annualised costs and the Monte Carlo sampling helpers."""

from __future__ import annotations

import numpy as np
import pytest

from energy.costs import CostRange, capital_recovery_factor, gate_fee_per_t, triangular_quantile
from energy.sizing import choose_units, design_rate_per_h, grate_layout
from waste.errors import InputError


def test_design_rate():
    """800,000 t/yr over 8,000 h with a 10 % peak: 110 t/h."""
    assert design_rate_per_h(800_000, 8000, 1.1) == pytest.approx(110.0)


def test_grate_layout_at_least_two_lines_within_sizes():
    """110 t/h at 9 MJ/kg: the fewest standard lines within 15 % of the least capacity."""
    layout = grate_layout(110.0, 9.0)
    assert layout.count >= 2
    assert layout.total >= 110.0
    assert layout.unit_size * 9.0 / 3.6 <= 110.0
    assert layout.describe() == "3 x 40 t/h"


def test_choose_units_small_requirement():
    """A requirement below the smallest size takes one smallest unit."""
    assert choose_units(0.3, (0.5, 1.0), "MW").total == 0.5


def test_crf_by_hand():
    """CRF at 10 % over 20 years is 0.11746."""
    assert float(capital_recovery_factor(0.10, 20)) == pytest.approx(0.117460, rel=1e-5)
    assert float(capital_recovery_factor(0.0, 20)) == pytest.approx(0.05)


def test_gate_fee_by_hand():
    """100 M capex at CRF 0.1 + 5 M opex - 3 M sales over 100,000 t = 120 per tonne."""
    fee = gate_fee_per_t(100e6, 5e6, 3e6, 100_000, 0.0, 10)
    assert float(fee) == pytest.approx(120.0)


def test_triangular_quantile_ends_and_mode():
    """Quantile 0 is the low end, 1 the high end, and F(mode) the mode."""
    q = triangular_quantile(1.0, 2.0, 5.0, np.array([0.0, 0.25, 1.0]))
    assert q.tolist() == pytest.approx([1.0, 2.0, 5.0])


def test_cost_range_checks_order():
    """A range out of order is refused."""
    with pytest.raises(InputError):
        CostRange(5.0, 3.0, 9.0)
    assert float(CostRange(1.0, 2.0, 3.0).at(np.nan)) == 2.0
