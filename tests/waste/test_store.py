"""The store keeps what it is given, once, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from waste.errors import ConfigError
from waste.store import Store, open_store


def _readings(bin_ids: list[str], ts_s: list[int], fill: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bin_id": bin_ids,
            "ts_unix_s": np.array(ts_s, dtype=np.int64),
            "fill_pct": fill,
            "distance_mm": np.nan,
            "battery_v": [3.6] * len(fill),
            "temperature_c": np.nan,
        }
    )


def test_reference_data_round_trip(tiny_store: Store) -> None:
    """Sites, bins and fleet come back as loaded, with the city attached."""
    assert tiny_store.cities() == ["tiny"]
    bins = tiny_store.bins("tiny")
    assert bins["bin_id"].tolist() == ["B1", "B2", "B3", "B4"]
    assert bins.loc[bins["bin_id"] == "B2", "tw_start"].item() == "06:00"
    assert pd.isna(bins.loc[bins["bin_id"] == "B1", "tw_start"].item())
    assert tiny_store.fleet("tiny")["count"].tolist() == [2]
    assert set(tiny_store.sites("tiny")["kind"]) == {"depot", "landfill"}


def test_reloading_a_city_replaces_it(tiny_store: Store, tiny_city_files) -> None:
    """Loading the same city again leaves one copy of each row."""
    from waste.load import load_city_files

    load_city_files(tiny_store, "tiny", tiny_city_files)
    assert len(tiny_store.bins()) == 4
    assert len(tiny_store.fleet()) == 1


def test_readings_are_stored_once(tiny_store: Store) -> None:
    """A reading already stored is skipped and not counted as new."""
    first = _readings(["B1", "B1", "B2"], [1_700_000_000, 1_700_003_600, 1_700_000_000], [10.0, 12.5, 40.0])
    assert tiny_store.insert_readings(first) == 3
    again = _readings(["B1", "B3"], [1_700_000_000, 1_700_000_000], [99.0, 5.0])
    assert tiny_store.insert_readings(again) == 1
    stored = tiny_store.readings()
    assert len(stored) == 4
    assert stored.loc[(stored["bin_id"] == "B1"), "fill_pct"].tolist() == [10.0, 12.5]
    assert str(stored["ts"].dt.tz) == "UTC"
    assert stored["distance_mm"].isna().all()


def test_reading_queries(tiny_store: Store) -> None:
    """Readings filter by bin, time and city; the latest reading per bin is found."""
    tiny_store.insert_readings(
        _readings(["B1", "B1", "B2", "B2"], [1_700_000_000, 1_700_007_200, 1_700_000_000, 1_700_003_600], [1, 2, 3, 4])
    )
    assert len(tiny_store.readings(bin_ids=["B2"])) == 2
    since = pd.Timestamp(1_700_003_600, unit="s", tz="UTC")
    assert tiny_store.readings(since=since)["fill_pct"].tolist() == [2.0, 4.0]
    assert len(tiny_store.readings(city="tiny")) == 4
    assert len(tiny_store.readings(city="elsewhere")) == 0
    latest = tiny_store.latest_readings("tiny")
    assert latest["fill_pct"].tolist() == [2.0, 4.0]
    assert tiny_store.count_readings() == 4


def test_quarantine_is_not_duplicated(tiny_store: Store) -> None:
    """The same bad row (source, line, field, reason, value, raw text) is quarantined once however often it is seen."""
    row = {
        "source": "f.csv",
        "row": 3,
        "field": "ts",
        "reason": "bad_timestamp",
        "value": "x",
        "detail": "not an ISO 8601 time",
        "raw": "B1,x,3",
        "ingested_unix_s": 1,
    }
    assert tiny_store.insert_quarantine(pd.DataFrame([row])) == 1
    assert tiny_store.insert_quarantine(pd.DataFrame([row, {**row, "row": 4}])) == 1
    assert tiny_store.quarantine(reason="bad_timestamp")["row"].tolist() == [3, 4]
    # The same line of a later export of the same name holding another bad row is a new row, and so is a second
    # field of one row with the same reason.
    later = {**row, "value": "y", "raw": "B1,y,3"}
    other_field = {**row, "field": "seq"}
    assert tiny_store.insert_quarantine(pd.DataFrame([later, other_field])) == 2
    assert len(tiny_store.quarantine()) == 4


def test_collections_round_trip(tiny_store: Store) -> None:
    """Emptyings are stored once and come back with UTC times."""
    events = pd.DataFrame(
        {
            "bin_id": ["B1", "B2"],
            "ts": pd.to_datetime(["2026-11-01T08:00:00Z", "2026-11-01T09:30:00Z"], utc=True),
            "fill_before_pct": [90.0, 60.0],
            "fill_after_pct": [2.0, 30.0],
            "kind": ["full", "partial"],
        }
    )
    assert tiny_store.save_collections(events) == 2
    assert tiny_store.save_collections(events) == 0
    back = tiny_store.collections()
    assert back["kind"].tolist() == ["full", "partial"]
    assert back["ts"].iloc[1] == pd.Timestamp("2026-11-01T09:30:00Z")


def test_plans_round_trip(tiny_store: Store) -> None:
    """A plan is stored with its summary and listed newest first."""
    first = tiny_store.save_plan("tiny", "2026-11-02", "ortools", 123.4, {"routes": []})
    second = tiny_store.save_plan("tiny", "2026-11-03", "ortools", 99.0, {"routes": [[1, 2]]})
    assert tiny_store.plans("tiny")["plan_id"].tolist() == [second, first]


def test_bad_database_url_is_a_clear_error() -> None:
    """A malformed URL names itself in the error."""
    with pytest.raises(ConfigError, match="not a database URL"):
        open_store("no-such-scheme")


def test_unreachable_postgres_is_a_clear_error() -> None:
    """A server that does not answer gives a ConfigError, not a traceback."""
    pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")
    with pytest.raises(ConfigError, match="cannot open the store"):
        open_store("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")


def test_city_info_round_trip(store: Store, tiny_city_files) -> None:
    """A city's time zone and currency are kept; a city loaded without them is on UTC."""
    from waste.load import load_city_files
    from waste.reference import CityFiles

    load_city_files(store, "tiny", tiny_city_files)
    assert store.city_info("tiny")["timezone"] == "UTC"
    info = tiny_city_files.sites.parent / "city.toml"
    assert not info.exists()
    store.replace_city(
        "tiny",
        store.sites("tiny").drop(columns="city"),
        store.bins("tiny").drop(columns="city"),
        store.fleet("tiny").drop(columns="city"),
        name="Tiny",
        timezone="America/La_Paz",
        currency="BOB",
    )
    assert store.city_info("tiny") == {"city": "tiny", "name": "Tiny", "timezone": "America/La_Paz", "currency": "BOB"}
    assert isinstance(CityFiles.in_folder(info.parent).info, type(info))


def test_bad_time_zone_is_named(tmp_path, tiny_city_files) -> None:
    """A city.toml with an unknown time zone is an error naming the file and field."""
    from waste.errors import InputError
    from waste.reference import read_city_info

    bad = tmp_path / "city.toml"
    bad.write_text('name = "X"\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(InputError, match="unknown time zone"):
        read_city_info(bad, "x")


def _make_version_1(store: Store) -> None:
    """Turn a fresh store's quarantine and ingest_runs back into their version-1 shape, holding two bad rows."""
    import sqlalchemy as sa

    old = sa.MetaData()
    quarantine = sa.Table(
        "quarantine",
        old,
        sa.Column("quarantine_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("row", sa.BigInteger, nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("value", sa.Text),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("raw", sa.Text),
        sa.Column("ingested_unix_s", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("source", "row", "reason", name="uq_quarantine_source_row_reason"),
    )
    sa.Index("ix_quarantine_reason", quarantine.c.reason)
    runs = sa.Table(
        "ingest_runs",
        old,
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("started_unix_s", sa.BigInteger, nullable=False),
        sa.Column("rows_read", sa.BigInteger, nullable=False),
        sa.Column("stored", sa.BigInteger, nullable=False),
        sa.Column("already_stored", sa.BigInteger, nullable=False),
        sa.Column("quarantined", sa.BigInteger, nullable=False),
    )
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE quarantine"))
        conn.execute(sa.text("DROP TABLE ingest_runs"))
        old.create_all(conn)
        conn.execute(sa.text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
        row = {"source": "f.csv", "field": "ts", "reason": "bad_timestamp", "detail": "d", "ingested_unix_s": 1}
        conn.execute(
            quarantine.insert(),
            [{**row, "row": 3, "value": "x", "raw": "B1,x"}, {**row, "row": 4, "value": None, "raw": None}],
        )
        conn.execute(
            runs.insert().values(
                source="f.csv", started_unix_s=1, rows_read=4, stored=2, already_stored=0, quarantined=2
            )
        )


def test_a_version_1_store_is_upgraded_in_place(store: Store) -> None:
    """The quarantine is re-keyed by content and ingest runs gain a note; every old row is kept."""
    from waste import schema

    _make_version_1(store)
    store.create_schema()
    kept = store.quarantine()
    assert kept["row"].tolist() == [3, 4]
    assert kept["digest"].str.len().tolist() == [32, 32]
    again = kept.drop(columns=["quarantine_id", "digest"])
    assert store.insert_quarantine(again) == 0  # the old rows are recognised
    assert store.insert_quarantine(again.assign(value="y")) == 2  # new content at the same lines is kept
    store.record_ingest_run("g.csv", 1, 0, 0, 1, note="truncated")
    notes = store.ingest_runs()["note"]
    assert notes.isna().tolist() == [True, False]
    assert notes.iloc[1] == "truncated"
    with store.engine.connect() as conn:
        version = conn.execute(schema.meta.select()).mappings().first()
    assert version["value"] == str(schema.SCHEMA_VERSION)
