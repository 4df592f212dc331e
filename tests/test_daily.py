"""The daily job runs end to end on both bundled sample cities, and a second run stores nothing twice."""

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
    """Load, ingest every sample reading, print the status; again, with nothing new stored."""
    if not sample_readings(city).is_file():
        pytest.skip(f"no sample readings for {city}")
    db = f"sqlite:///{tmp_path / 'waste.sqlite'}"
    runner = CliRunner()
    first = runner.invoke(cli, ["daily", "--city", city, "--db", db, "--no-progress"])
    assert first.exit_code == 0, first.output
    assert "fleet" in first.output
    assert "general" in first.output
    store = open_store(db)
    stored = store.count_readings()
    assert stored > 60 * 24 * len(store.bins(city)) / 4  # at least one reading every four hours for 60 days
    assert len(store.quarantine()) == 0  # the sample readings are all valid
    second = runner.invoke(cli, ["daily", "--city", city, "--db", db, "--no-progress"])
    assert second.exit_code == 0, second.output
    assert store.count_readings() == stored
    store.dispose()
