"""The daily job runs end to end on both bundled sample cities, and a second run stores no reading twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from waste.cli import cli
from waste.load import sample_readings
from waste.store import open_store


@pytest.mark.slow
@pytest.mark.parametrize("city", ["baltimore", "santa_cruz"])
def test_daily_job_on_a_sample_city(city: str, tmp_path: Path) -> None:
    """Load, ingest every sample reading, print the status, plan the day; again, with no reading stored twice."""
    if not sample_readings(city).is_file():
        pytest.skip(f"no sample readings for {city}")
    db = f"sqlite:///{tmp_path / 'waste.sqlite'}"
    runner = CliRunner()
    args = ["daily", "--city", city, "--db", db, "--no-progress", "--time-limit", "5", "--out", str(tmp_path / "plan")]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "fleet" in first.output
    assert "general" in first.output
    store = open_store(db)
    stored = store.count_readings()
    assert stored > 60 * 24 * len(store.bins(city)) / 4  # at least one reading every four hours for 60 days
    assert len(store.quarantine()) == 0  # the sample readings are all valid
    assert "collection plan" in first.output
    assert list((tmp_path / "plan" / "routes").glob("*.csv"))
    assert len(store.plans(city)) == 1
    second = runner.invoke(cli, args)
    assert second.exit_code == 0, second.output
    assert store.count_readings() == stored
    store.dispose()
