"""Sensor-raised requests: a registered container whose forecast crosses its threshold raises one request, once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from waste.errors import InputError
from waste.ingest import ingest_file
from waste.load import load_city_files
from waste.matching.accounts import create_account
from waste.matching.requests import list_requests
from waste.matching.sensor import raise_sensor_requests, register_container
from waste.reference import CityFiles
from waste.simulate import simulate_city, write_city
from waste.store import Store

END = pd.Timestamp("2026-11-20T00:00Z")


@pytest.fixture
def sensed(sqlite_store: Store, tmp_path: Path) -> Store:
    sim = simulate_city("baltimore", bins=30, days=14, seed=5, end=END)
    write_city(sim, tmp_path / "city")
    load_city_files(sqlite_store, "baltimore", CityFiles.in_folder(tmp_path / "city"))
    ingest_file(sqlite_store, tmp_path / "city" / "readings.csv.gz")
    create_account(sqlite_store, "diner", "baltimore", "business", "Diner")
    return sqlite_store


def test_containers_raise_one_request_each_when_due(sensed: Store) -> None:
    bins = sensed.bins("baltimore")["bin_id"].tolist()
    low, high = bins[:4], bins[4:8]
    for bin_id in low:
        register_container(sensed, bin_id, "diner", threshold_pct=10)  # due at once
    for bin_id in high:
        register_container(sensed, bin_id, "diner", threshold_pct=100)  # far from due within 2 days, mostly
    at = END - pd.Timedelta(hours=1)
    first = raise_sensor_requests(sensed, "baltimore", at, timezone="America/New_York")
    assert first.containers == 8
    raised = list_requests(sensed, city="baltimore")
    assert set(low) <= set(raised["bin_id"])
    assert (raised["source"] == "sensor").all()
    assert (raised["account_id"] == "diner").all()
    assert (raised["earliest"] == "2026-11-20").all()  # the local day after 18:59 on the 19th
    again = raise_sensor_requests(sensed, "baltimore", at, timezone="America/New_York")
    assert again.raised == ()  # open requests are not raised twice


def test_registering_names_the_bad_field(sensed: Store) -> None:
    with pytest.raises(InputError) as info:
        register_container(sensed, "no-such-bin", "diner")
    assert info.value.field == "bin_id"
    bin_id = sensed.bins("baltimore")["bin_id"].iloc[0]
    with pytest.raises(InputError) as info:
        register_container(sensed, bin_id, "diner", threshold_pct=150)
    assert info.value.field == "threshold_pct"
