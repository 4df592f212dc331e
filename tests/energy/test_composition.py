"""Heating value from composition tables and from elemental analysis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from energy.composition import (
    COMPONENT_TABLE,
    COMPONENTS,
    Composition,
    default_moisture,
    dulong_hhv,
    dulong_lhv_as_received,
    lhv_as_received,
    proximate,
    with_organic_share,
)
from waste.errors import InputError


def test_dulong_pure_carbon_is_about_33_7_mj_kg():
    """337 kJ/kg per % carbon: pure carbon gives 33.7 MJ/kg (graphite measures 32.8)."""
    assert dulong_hhv(1.0, 0.0, 0.0) == pytest.approx(33.7)


def test_dulong_food_waste_by_hand():
    """Food waste ultimate analysis (C 48, H 6.4, O 37.6, N 2.6, S 0.4 % dry) worked by hand."""
    by_hand = (337 * 48 + 1419 * (6.4 - 37.6 / 8) + 93 * 0.4 + 23 * 2.6) / 1000  # = 18.685 MJ/kg
    assert dulong_hhv(0.48, 0.064, 0.376, 0.004, 0.026) == pytest.approx(by_hand)
    assert by_hand == pytest.approx(18.685, abs=0.001)


def test_dulong_lhv_as_received_subtracts_water_and_hydrogen():
    """LHV = HHV_dry (1-w) - 2.442 (w + 8.937 H (1-w)) for a 50 % moist sample."""
    hhv = float(dulong_hhv(0.5, 0.06, 0.4))
    expected = hhv * 0.5 - 2.442 * (0.5 + 8.937 * 0.06 * 0.5)
    assert dulong_lhv_as_received(0.5, 0.06, 0.4, moisture=0.5) == pytest.approx(expected)


def test_single_component_lhv_matches_table():
    """Pure plastics at table moisture: HHV as discarded 32.6 MJ/kg less latent heat of water."""
    x = np.zeros(len(COMPONENTS))
    x[COMPONENTS.index("plastics")] = 1.0
    p = COMPONENT_TABLE["plastics"]
    expected = 32.6 - 2.442 * (p.moisture + 8.937 * p.hydrogen * (1 - p.moisture))
    assert float(lhv_as_received(x)) == pytest.approx(expected)


def test_composition_must_sum_to_one():
    """A composition that does not add up is a user mistake, reported with its field."""
    with pytest.raises(InputError, match="sum to 1"):
        Composition({"food": 0.5, "paper": 0.2})


def test_unknown_component_is_named():
    """A misspelt component names itself in the error."""
    with pytest.raises(InputError) as info:
        Composition({"fud": 1.0})
    assert info.value.field == "composition.fud"


fractions = st.lists(st.floats(0.0, 1.0), min_size=len(COMPONENTS), max_size=len(COMPONENTS)).filter(
    lambda v: sum(v) > 0.05
)


@given(fractions, st.floats(0.0, 0.9), st.floats(0.0, 0.09))
def test_lhv_decreases_with_moisture(raw, moisture, extra):
    """Wetter waste of the same composition never has a higher LHV."""
    x = np.array(raw) / sum(raw)
    dry = float(lhv_as_received(x, np.full(len(COMPONENTS), moisture)))
    wet = float(lhv_as_received(x, np.full(len(COMPONENTS), moisture + extra)))
    assert wet <= dry + 1e-9


@given(fractions, st.floats(0.01, 0.99))
def test_organic_share_rescaling_keeps_total_and_share(raw, share):
    """Rescaling to an organic share keeps the sum at 1 and hits the share."""
    x = np.array(raw) / sum(raw)
    organic = x[0] + x[1]
    if organic < 1e-6 or organic > 1 - 1e-6:
        return
    y = with_organic_share(x, share)
    assert y.sum() == pytest.approx(1.0)
    assert y[0] + y[1] == pytest.approx(share)


@given(fractions)
def test_proximate_sums_to_one(raw):
    """Moisture, ash and combustibles make up the whole wet mass."""
    x = np.array(raw) / sum(raw)
    p = proximate(x, default_moisture())
    assert p["moisture"] + p["ash"] + p["combustibles"] == pytest.approx(1.0)
