"""Scenario files: the two sample cities load, and mistakes are reported with file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from energy.composition import hhv_as_received
from energy.scenario import load_scenario
from waste.errors import ConfigError, InputError
from waste.paths import city_dir


def test_sample_cities_load(santa_cruz, baltimore):
    """Both sample scenarios load with their climate zones."""
    assert santa_cruz.climate_zone == "tropical_wet"
    assert baltimore.climate_zone == "temperate_wet"
    assert 0.50 < santa_cruz.composition.organic_share < 0.52
    assert baltimore.projection.population == 585_708


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = (city_dir("baltimore") / "scenario.toml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "scenario.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_bad_number_names_file_and_key(tmp_path):
    """Text where a number belongs is reported with the file and the dotted key."""
    path = _broken(tmp_path, "count = 585_708", 'count = "many"')
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.field == "population.count"
    assert str(path) in str(info.value)


def test_missing_key_is_named(tmp_path):
    """A missing required key is named."""
    path = _broken(tmp_path, "power_price_usd_per_mwh = 40", "")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.field == "grid.power_price_usd_per_mwh"


def test_typo_in_key_is_reported(tmp_path):
    """An unknown key is a typo worth reporting rather than ignoring."""
    path = _broken(tmp_path, "life_years = 30", "life_yaers = 30")
    with pytest.raises(InputError, match="unknown key"):
        load_scenario(path)


def test_unknown_city():
    """An unknown sample city is a configuration error."""
    with pytest.raises(ConfigError):
        city_dir("atlantis")


def test_not_toml(tmp_path):
    """A file that is not TOML is reported as such."""
    path = tmp_path / "bad.toml"
    path.write_text("[city\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenario(path)


def test_measured_heating_value_calibrates_the_component_tables(baltimore, santa_cruz):
    """A measured as-fired HHV scales the tables so the mixture matches it; without one the tables stand."""
    comp = baltimore.composition
    hhv = float(hhv_as_received(comp.as_array(), comp.moisture_array(), comp.hhv_calibration))
    assert hhv == pytest.approx(comp.measured_hhv_mj_kg)
    assert comp.hhv_calibration < 1.0
    assert santa_cruz.composition.hhv_calibration == 1.0


def test_implausible_measured_heating_value_is_named(tmp_path):
    """A heating value outside 2-40 MJ/kg is reported with its key."""
    path = _broken(tmp_path, "measured_hhv_mj_kg = 11.57", "measured_hhv_mj_kg = 1157")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.field == "composition.measured_hhv_mj_kg"
