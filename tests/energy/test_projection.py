"""Tonnage over the plant life, from population or from recorded tonnes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energy.projection import ProjectionInputs, project_tonnage, tonnage_from_records
from waste.errors import InputError


def test_population_route_by_hand():
    """1 M people at 1 kg/day, 90 % collected, 10 % recycled: 295,650 t/yr, growing 2 % a year."""
    inputs = ProjectionInputs(
        base_year=2020,
        population=1e6,
        population_growth=0.02,
        kg_per_person_day=1.0,
        coverage=0.9,
        recycling=0.1,
    )
    frame = project_tonnage(inputs, [2020, 2021])
    assert frame["tonnes"].tolist() == pytest.approx([295_650.0, 295_650.0 * 1.02])


def test_coverage_ramps_to_target():
    """Coverage moves linearly to its target and stays there."""
    inputs = ProjectionInputs(2020, 1e5, 0.0, 1.0, coverage=0.8, coverage_target=1.0, coverage_target_year=2030)
    frame = project_tonnage(inputs, [2020, 2025, 2030, 2040])
    assert frame["coverage"].tolist() == pytest.approx([0.8, 0.9, 1.0, 1.0])


def test_yearly_records_extend_their_growth():
    """Records growing exactly 3 %/yr are continued at 3 %/yr."""
    records = pd.Series([1000.0 * 1.03**i for i in range(4)], index=[2020, 2021, 2022, 2023])
    frame = tonnage_from_records(records, [2024, 2025])
    assert frame["tonnes"].tolist() == pytest.approx([1000 * 1.03**4, 1000 * 1.03**5])


def test_dated_records_are_scaled_to_a_year():
    """Daily records of 10 t over half a year total 3,650 t for the year."""
    dates = pd.date_range("2024-01-01", periods=183, freq="D")
    frame = pd.DataFrame({"date": dates, "tonnes": 10.0})
    result = tonnage_from_records(frame, [2024], default_growth=0.0)
    assert result["tonnes"].iloc[0] == pytest.approx(3650.0)


def test_records_need_tonnes():
    """A records table without tonnes is refused with the field named."""
    with pytest.raises(InputError) as info:
        tonnage_from_records(pd.DataFrame({"year": [2020], "t": [1.0]}), [2021])
    assert info.value.field == "tonnes"


def test_projection_columns():
    """Both routes give the documented columns."""
    a = project_tonnage(ProjectionInputs(2020, 1e5, 0.0, 1.0), np.arange(2020, 2023))
    b = tonnage_from_records(pd.Series([5.0], index=[2020]), np.arange(2020, 2023))
    assert list(a.columns) == list(b.columns)
