"""Validation against real waste-to-energy plants (needs the shared data folder)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from energy.composition import hhv_as_received
from energy.validation import REGION_WASTE, error_summary, validate


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


def test_median_error_within_15_pct(table):
    """Target: median absolute error on electricity of at most 15 %."""
    assert error_summary(table)["median_abs_pct"] <= 15.0


def test_us_heating_value_follows_the_published_as_fired_figure():
    """US plants burn waste at the EPA default HHV (9.95 mmBtu/short ton), not the component-table value."""
    region = REGION_WASTE["US"]
    comp = region.composition
    hhv = float(hhv_as_received(comp.as_array(), comp.moisture_array(), comp.hhv_calibration))
    assert hhv == pytest.approx(9.95 * 1055.056 / 907.2, rel=1e-6)
    assert 9.5 < region.lhv_mj_kg < hhv


def test_yearly_energy_and_rated_power_both_scored(table):
    """Both kinds of published figure count: yearly energy (actual operation) and rated power (design point)."""
    scored = table[table["scored"].astype(bool)]
    assert set(scored["compared"]) == {"annual energy", "rated power"}


def test_energy_validate_prints_every_plant():
    """``waste energy --validate`` prints the estimate of each real plant and the error summary."""
    from click.testing import CliRunner

    from waste.cli import cli

    result = CliRunner().invoke(cli, ["energy", "--validate"], env={"WASTE_SHARED_DATA": str(shared_dir())})
    assert result.exit_code == 0, result.output
    assert "plants scored: median error" in result.output
    assert "Covanta" in result.output
