"""Validation against real waste-to-energy plants (needs the shared data folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from energy.validation import error_summary, validate


def shared_dir() -> Path:
    """The shared data folder: ``WASTE_SHARED_DATA``, else ``../shared`` beside the project root."""
    override = os.environ.get("WASTE_SHARED_DATA")
    return Path(override) if override else Path(__file__).resolve().parents[2].parent / "shared"


PLANTS = shared_dir() / "energy_data" / "plants_validation.csv"

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not PLANTS.is_file(), reason=f"shared validation data not found at {PLANTS}"),
]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return validate(pd.read_csv(PLANTS))


def test_every_plant_listed(table):
    """Every plant of the file appears, scored or with the reason it is not."""
    assert len(table) == len(pd.read_csv(PLANTS))
    assert table.loc[~table["scored"].astype(bool), "note"].str.len().gt(0).all()


def test_no_plant_off_by_more_than_35_pct(table):
    """No scored plant is off by more than 35 %."""
    assert error_summary(table)["max_abs_pct"] <= 35.0


@pytest.mark.xfail(
    strict=True,
    reason="median is about 20 %: published yearly energy sits 20-34 % below the design-point estimate "
    "while rated powers agree within 20 %; see the README validation section",
)
def test_median_error_within_15_pct(table):
    """Target: median absolute error on electricity of at most 15 %."""
    assert error_summary(table)["median_abs_pct"] <= 15.0
