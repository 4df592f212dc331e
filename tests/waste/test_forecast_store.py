"""Stored emptyings and the Dask-partitioned forecast: both give the answers of the plain local run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from waste.collections import clean_readings, record_emptyings, save_emptyings
from waste.commands.forecast import forecast
from waste.forecast import run_forecast
from waste.forecasting.partitioned import assign_partitions
from waste.load import load_sample_city
from waste.paths import city_dir
from waste.sources import read_readings
from waste.store import Store

T0 = pd.Timestamp("2024-03-04T00:00:00Z")


def series(values: list[float], bin_id: str = "B1") -> pd.DataFrame:
    ts = T0 + pd.to_timedelta(np.arange(len(values)), unit="h")
    return pd.DataFrame({"bin_id": bin_id, "ts": ts, "fill_pct": np.asarray(values, dtype=float)})


@pytest.fixture(scope="module")
def baltimore() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Readings and bins of 60 Baltimore bins (a few groups of similar bins)."""
    folder = city_dir("baltimore")
    readings = read_readings(folder / "readings.csv.gz").readings
    bins = pd.read_csv(folder / "bins.csv", dtype={"bin_id": str})
    ids = np.sort(readings["bin_id"].unique())[:60]
    return readings[readings["bin_id"].isin(ids)].reset_index(drop=True), bins[bins["bin_id"].isin(ids)]


def test_unconfirmed_fall_at_the_end_is_not_stored(sqlite_store: Store) -> None:
    """A fall in the last reading may still come back (a dip): it waits for the next run."""
    rise = [10.0 + k for k in range(60)]
    found = clean_readings(series([*rise, 2.0, 3.0, 4.0, *rise[:40], 3.0])).emptyings
    assert found["confirmed"].tolist() == [True, False]
    assert save_emptyings(sqlite_store, found) == 1
    assert sqlite_store.collections()["ts"].tolist() == [T0 + pd.Timedelta(hours=60)]


def test_record_emptyings_is_idempotent(sqlite_store: Store, baltimore: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Recording twice stores each emptying once; the stored ones are those detected and confirmed."""
    readings, bins = baltimore
    found = clean_readings(readings, bins).emptyings
    first = record_emptyings(sqlite_store, readings, bins)
    assert first == int(found["confirmed"].sum()) > 0
    assert record_emptyings(sqlite_store, readings, bins) == 0
    # an overlapping later window adds nothing already stored
    late = readings[readings["ts"] > readings["ts"].min() + pd.Timedelta(days=20)]
    assert record_emptyings(sqlite_store, late, bins) == 0
    assert len(sqlite_store.collections()) == first


def test_forecast_command_stores_collections(
    sqlite_store: Store, baltimore: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    """``waste forecast`` stores the emptyings it finds once, and writes each bin's collection history."""
    readings, _ = baltimore
    load_sample_city(sqlite_store, "baltimore")
    stamps = readings["ts"].astype("datetime64[ns, UTC]")
    unix_s = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    sqlite_store.insert_readings(readings.assign(ts_unix_s=unix_s).drop(columns="ts"))
    url = str(sqlite_store.engine.url)
    history = tmp_path / "history.csv"
    runner = CliRunner()
    result = runner.invoke(forecast, ["--db", url, "--city", "baltimore", "--collections", str(history)])
    assert result.exit_code == 0, result.output
    stored = len(sqlite_store.collections())
    assert stored > 0
    assert f"stored {stored} new collections" in result.output
    table = pd.read_csv(history)
    assert table["collections"].sum() == stored
    again = runner.invoke(forecast, ["--db", url, "--city", "baltimore", "--no-store-collections"])
    assert again.exit_code == 0, again.output
    assert "stored" not in again.output
    assert runner.invoke(forecast, ["--db", url, "--city", "baltimore"]).output.startswith("stored 0 new")


def test_partitions_keep_groups_whole() -> None:
    """Whole groups go to partitions, heaviest first onto the lightest."""
    group = np.array([0, 0, 0, 1, 2, 2, 3])
    part_of = assign_partitions(group, np.ones(group.size), 2)
    assert part_of.tolist() == [0, 1, 1, 0]  # groups 0 and 3 on one, 1 and 2 on the other


def test_dask_partitions_give_the_local_numbers(baltimore: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """On a LocalCluster the partitioned forecast equals the local one exactly, table and emptyings."""
    distributed = pytest.importorskip("distributed", reason="the 'dask' extra (dask[distributed]) is not installed")
    readings, bins = baltimore
    local = run_forecast(readings, bins)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        split = run_forecast(readings, bins, scheduler=client, partitions=3)
        by_address = run_forecast(readings, bins, scheduler=cluster.scheduler_address)
    assert bins.groupby(["stream", "area"]).ngroups >= 3
    pd.testing.assert_frame_equal(local.table, split.table, check_exact=True)
    pd.testing.assert_frame_equal(local.emptyings, split.emptyings, check_exact=True)
    pd.testing.assert_frame_equal(local.table, by_address.table, check_exact=True)


def test_daily_readings_fit_without_hourly_steps() -> None:
    """A bin read once a day has no step short enough for the hour profile: it stays flat, the fit still runs."""
    ts = T0 + pd.to_timedelta(np.arange(30) * 24.0, unit="h")
    readings = pd.DataFrame({"bin_id": "D", "ts": ts, "fill_pct": np.mod(np.arange(30) * 7.0, 70.0) + 5.0})
    run = run_forecast(readings)
    assert run.table["status"].iloc[0] == "ok"
    assert np.isfinite(run.table["fill_pct"].iloc[0])
