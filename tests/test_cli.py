"""The ``waste`` command: every subcommand has help, and the reading commands work end to end in-process."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.waste.test_ingest import BAD_CSV, EXPECTED_BAD, EXPECTED_DROPPED
from waste.cli import COMMANDS, cli


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name: str) -> None:
    """Each subcommand imports, and its --help describes it."""
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert len(cli.get_command(None, name).help or "") > 20  # type: ignore[arg-type]


def test_top_level_help_lists_every_command_with_its_purpose() -> None:
    """``waste --help`` names every subcommand and says what it is for."""
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name, (_, purpose) in COMMANDS.items():
        assert name in result.output
        assert purpose.split()[0] in result.output


def _load_tiny(runner: CliRunner, db: str, tiny: Path) -> None:
    result = runner.invoke(
        cli,
        ["load", "--db", db, "--name", "tiny", "--timezone", "America/New_York"]
        + [f"--{k}={tiny / f'{k}.csv'}" for k in ("sites", "bins", "fleet")],
    )
    assert result.exit_code == 0, result.output
    assert "4 bins" in result.output


def test_load_ingest_status_quarantine(tmp_path: Path) -> None:
    """A city of one's own is loaded, readings ingested with a summary, status and quarantine printed."""
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'w.sqlite'}"
    _load_tiny(runner, db, Path(__file__).parent / "data" / "tiny_city")
    readings = tmp_path / "readings.csv"
    readings.write_text(BAD_CSV)
    result = runner.invoke(cli, ["ingest", str(readings), "--db", db, "--now", "2026-11-20", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "unknown_bin" in result.output
    assert f"{len(EXPECTED_BAD)}" in result.output
    assert "without a bad battery or temperature value: battery_out_of_range 1" in result.output
    result = runner.invoke(cli, ["status", "--city", "tiny", "--db", db])
    assert result.exit_code == 0, result.output
    assert "America/New_York" in result.output  # times are shown on the city's clock
    assert "rear_loader" in result.output
    assert "general" in result.output
    result = runner.invoke(cli, ["quarantine", "--db", db, "--reason", "unknown_bin"])
    assert result.exit_code == 0
    assert "B9" in result.output
    out_csv = tmp_path / "q.csv"
    result = runner.invoke(cli, ["quarantine", "--db", db, "--csv", str(out_csv)])
    assert result.exit_code == 0
    assert len(out_csv.read_text().splitlines()) == len(EXPECTED_BAD) + len(EXPECTED_DROPPED) + 1


def test_ingest_fails_only_when_nothing_could_be_read(tmp_path: Path) -> None:
    """A missing file is reported; the command fails when no file could be read at all."""
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'w.sqlite'}"
    _load_tiny(runner, db, Path(__file__).parent / "data" / "tiny_city")
    good = tmp_path / "good.csv"
    good.write_text("bin_id,ts,fill_pct\nB1,2026-11-01T00:00:00Z,5\n")
    result = runner.invoke(cli, ["ingest", str(good), str(tmp_path / "missing.csv"), "--db", db, "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "file not found" in result.output
    result = runner.invoke(cli, ["ingest", str(tmp_path / "missing.csv"), "--db", db, "--no-progress"])
    assert result.exit_code == 1
    assert "nothing could be read" in result.output


def test_bad_reference_file_lists_every_problem(tmp_path: Path) -> None:
    """Loading a bins file with several bad values names the file, each line and field, and loads nothing."""
    tiny = Path(__file__).parent / "data" / "tiny_city"
    bins = (tiny / "bins.csv").read_text().replace("B2,39.291", "B2,139.291").replace("recycling,660", "paper,660")
    bad = tmp_path / "bins.csv"
    bad.write_text(bins)
    db = f"sqlite:///{tmp_path / 'w.sqlite'}"
    result = CliRunner().invoke(
        cli,
        [
            "load",
            "--db",
            db,
            "--name",
            "t",
            f"--sites={tiny / 'sites.csv'}",
            f"--bins={bad}",
            f"--fleet={tiny / 'fleet.csv'}",
        ],
    )
    assert result.exit_code == 1
    assert "bins.csv" in result.output
    assert "line 3, field 'lat'" in result.output
    assert "line 4, field 'stream'" in result.output


def test_unknown_city_is_a_clear_error(tmp_path: Path) -> None:
    """Asking for a city that is not bundled lists the ones that are."""
    result = CliRunner().invoke(cli, ["load", "--city", "atlantis", "--db", f"sqlite:///{tmp_path / 'w.sqlite'}"])
    assert result.exit_code == 1
    assert "atlantis" in result.output


def test_quarantined_text_is_shown_as_text_and_exported_defused(tmp_path: Path) -> None:
    """Rich markup in a stored value prints as written; a formula is not a formula in the CSV export."""
    import csv

    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'w.sqlite'}"
    _load_tiny(runner, db, Path(__file__).parent / "data" / "tiny_city")
    readings = tmp_path / "[bold]r[red].csv"
    readings.write_text(
        "bin_id,ts,fill_pct,temperature_c\n"
        "[/],2026-11-01T00:00:00Z,5,\n"
        "=cmd|' /C calc'!A0,2026-11-01T01:00:00Z,5,\n"
        "B1,2026-11-01T02:00:00Z,5,-127\n"
    )
    result = runner.invoke(cli, ["ingest", str(readings), "--db", db, "--now", "2026-11-20", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "[bold]r[red].csv" in result.output
    result = runner.invoke(cli, ["quarantine", "--db", db])
    assert result.exit_code == 0, result.output
    assert "[/]" in result.output
    out_csv = tmp_path / "q.csv"
    assert runner.invoke(cli, ["quarantine", "--db", db, "--csv", str(out_csv)]).exit_code == 0
    with out_csv.open(newline="") as exported:
        values = [row["value"] for row in csv.DictReader(exported)]
    assert values == ["[/]", "'=cmd|' /C calc'!A0", "-127"]


@pytest.mark.parametrize("option", [["ingest", "x.csv", "--now", "garbage"], ["status", "--city", "x", "--at", "soon"]])
def test_a_time_option_that_is_no_time_is_a_usage_error(tmp_path: Path, option: list[str]) -> None:
    result = CliRunner().invoke(cli, [*option, "--db", f"sqlite:///{tmp_path / 'w.sqlite'}"])
    assert result.exit_code == 2
    assert "not an ISO 8601 time" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_ingesting_again_says_the_rows_were_quarantined_before(tmp_path: Path) -> None:
    """A file ingested twice: the second summary says its bad rows were in the quarantine already."""
    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'w.sqlite'}"
    _load_tiny(runner, db, Path(__file__).parent / "data" / "tiny_city")
    readings = tmp_path / "readings.csv"
    readings.write_text(BAD_CSV)
    args = ["ingest", str(readings), "--db", db, "--now", "2026-11-20", "--no-progress"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "quarantined before" not in first.output
    again = runner.invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert f"{len(EXPECTED_BAD)} of the quarantined rows were quarantined before" in again.output
