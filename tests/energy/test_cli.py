"""End-to-end: ``waste energy`` on both sample cities, in process."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from waste.cli import cli


@pytest.mark.parametrize(("city", "fmt"), [("baltimore", "md"), ("santa_cruz", "html")])
def test_energy_command_writes_report(tmp_path, city, fmt):
    """The command prints the comparison and writes the report with its charts."""
    result = CliRunner().invoke(
        cli, ["energy", "--city", city, "--out", str(tmp_path), "--runs", "200", "--format", fmt]
    )
    assert result.exit_code == 0, result.output
    assert "Incineration" in result.output
    assert "Recommended capacity and layout" in result.output
    report = tmp_path / f"report.{fmt}"
    assert report.is_file()
    text = report.read_text(encoding="utf-8")
    assert "Side-by-side comparison" in text
    for chart in ("comparison.png", "tonnage.png", "tornado_incineration.png"):
        assert (tmp_path / chart).stat().st_size > 1000
        assert chart in text


def test_energy_command_reports_bad_scenario(tmp_path):
    """A broken scenario file gives a one-line error naming the file, not a traceback."""
    bad = tmp_path / "city.toml"
    bad.write_text('[city]\nname = "X"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["energy", "--scenario", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "Error:" in result.output
    assert "city.toml" in result.output


def test_energy_command_needs_city_or_scenario():
    """Neither --city nor --scenario is a usage error."""
    result = CliRunner().invoke(cli, ["energy"])
    assert result.exit_code == 2


def test_energy_validate_needs_the_shared_data(tmp_path, monkeypatch):
    """Without the validation file the command says where it looked, in one line."""
    monkeypatch.setenv("WASTE_SHARED_DATA", str(tmp_path))
    result = CliRunner().invoke(cli, ["energy", "--validate"])
    assert result.exit_code != 0
    assert "validation data not found" in result.output
    assert "Traceback" not in result.output


def test_energy_validate_refuses_a_city_beside_it():
    result = CliRunner().invoke(cli, ["energy", "--validate", "--city", "baltimore"])
    assert result.exit_code == 2
    assert "--validate takes no --city" in result.output
