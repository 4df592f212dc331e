"""Ingest stores every valid reading once and quarantines every invalid one with file, line, field and reason."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from waste.errors import InputError
from waste.ingest import ingest_file, ingest_records
from waste.store import Store
from waste.validate import REASONS, SourceState

NOW = pd.Timestamp("2026-11-20T00:00:00Z")

#: One good row and one bad row of every kind a CSV file can have; the comment is the expected reason.
BAD_CSV = """bin_id,ts,fill_pct,distance_mm,battery_v,temperature_c,seq
B1,2026-11-01T10:00:00Z,10,,3.61,12.5,1
B9,2026-11-01T11:00:00Z,12,,3.6,12,2
B1,yesterday,12,,3.6,12,3
B1,2027-11-01T11:00:00Z,12,,3.6,12,4
B1,1970-01-01T00:00:05Z,12,,3.6,12,5
B2,2026-11-01T11:00:00Z,abc,,3.6,12,1
B2,2026-11-01T12:00:00Z,140,,3.6,12,2
B2,2026-11-01T13:00:00Z,40,,3.6,12,3,extra
B1,2026-11-01T10:00:00Z,10,,3.61,12.5,1
B3,2026-11-01T11:00:00Z,,,3.6,12,1
B3,2026-11-01T12:00:00Z,50,,55,12,2
B3,2026-11-01T13:00:00Z,50,,3.6,-127,3
B3,2026-11-01T14:00:00Z,,1500,3.6,12,4
,2026-11-01T14:00:00Z,50,,3.6,12,1
B4,2026-11-01T14:00:00Z,50,,3.6,12,10
B4,2026-11-01T12:00:00Z,52,,3.6,12,11
B2,2026-11-01T14:00:00+02:00,35,,3.5,11,4
B3,2026-11-01T15:00:00,,550,3.6,12,5
B4,2026-11-01T13:00:00Z,55,,3.6,12,3
"""
EXPECTED_BAD = {
    3: ("bin_id", "unknown_bin"),
    4: ("ts", "bad_timestamp"),
    5: ("ts", "future_timestamp"),
    6: ("ts", "clock_backwards"),
    7: ("fill_pct", "bad_number"),
    8: ("fill_pct", "fill_out_of_range"),
    9: ("(row)", "malformed_row"),
    10: ("ts", "duplicate"),
    11: ("fill_pct", "missing_field"),
    14: ("distance_mm", "distance_out_of_range"),
    15: ("bin_id", "missing_field"),
    17: ("ts", "clock_backwards"),
}
#: Rows stored without a bad auxiliary field, the field noted in the quarantine.
EXPECTED_DROPPED = {
    12: ("battery_v", "battery_out_of_range"),
    13: ("temperature_c", "temperature_out_of_range"),
}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    if name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_every_kind_of_bad_row_is_quarantined_and_every_good_row_stored(tiny_store: Store, tmp_path: Path) -> None:
    """Each bad row gets its own reason, line and field; the good rows are all stored, with units converted."""
    path = _write(tmp_path, "readings.csv", BAD_CSV)
    report = ingest_file(tiny_store, path, now=NOW)
    assert report.rows_read == 19
    assert report.quarantined == len(EXPECTED_BAD)
    assert report.fields_dropped == len(EXPECTED_DROPPED)
    assert report.stored == 19 - len(EXPECTED_BAD)
    quarantined = tiny_store.quarantine(source=str(path))
    found = {int(r.row): (r.field, r.reason) for r in quarantined.itertuples()}
    assert found == EXPECTED_BAD | EXPECTED_DROPPED
    assert quarantined.set_index("row").loc[12, "detail"].endswith("the reading was stored without it")
    assert set(quarantined["reason"]) <= set(REASONS)
    assert quarantined.set_index("row").loc[10, "detail"] == "same bin and time as line 2"
    assert quarantined.set_index("row").loc[3, "raw"].startswith("B9,2026-11-01T11:00:00Z")

    stored = tiny_store.readings().set_index(["bin_id", "ts"])
    assert len(stored) == 7
    # A bad battery or temperature costs only that field.
    b3_noon = stored.loc[("B3", pd.Timestamp("2026-11-01T12:00:00Z"))]
    assert b3_noon["fill_pct"] == 50
    assert pd.isna(b3_noon["battery_v"])
    assert b3_noon["temperature_c"] == 12
    assert pd.isna(stored.loc[("B3", pd.Timestamp("2026-11-01T13:00:00Z")), "temperature_c"])
    assert stored.loc[("B1", pd.Timestamp("2026-11-01T10:00:00Z")), "fill_pct"] == 10
    # An offset is honoured: 14:00+02:00 is 12:00 UTC.
    assert stored.loc[("B2", pd.Timestamp("2026-11-01T12:00:00Z")), "fill_pct"] == 35
    # Distance to the surface becomes fill with the bin's depth (B3: 1100 mm): (1100 - 550) / 1100 = 50 %.
    b3 = stored.loc[("B3", pd.Timestamp("2026-11-01T15:00:00Z"))]
    assert b3["fill_pct"] == pytest.approx(50.0)
    assert b3["distance_mm"] == 550


def test_ingesting_a_file_twice_stores_nothing_twice(tiny_store: Store, tmp_path: Path) -> None:
    """The second ingest finds every valid row already stored and quarantines nothing new."""
    path = _write(tmp_path, "readings.csv.gz", BAD_CSV)
    first = ingest_file(tiny_store, path, now=NOW)
    second = ingest_file(tiny_store, path, now=NOW)
    assert second.stored == 0
    assert second.already_stored == first.stored
    assert first.already_quarantined == 0
    assert second.already_quarantined == second.quarantined == first.quarantined
    assert tiny_store.count_readings() == first.stored
    assert len(tiny_store.quarantine()) == len(EXPECTED_BAD) + len(EXPECTED_DROPPED)


def test_small_batches_give_the_same_result(tiny_sqlite_store: Store, tmp_path: Path) -> None:
    """Duplicates and clock checks work across batch boundaries too."""
    path = _write(tmp_path, "readings.csv", BAD_CSV)
    report = ingest_file(tiny_sqlite_store, path, now=NOW, chunk_rows=2)
    found = {int(r.row): r.reason for r in tiny_sqlite_store.quarantine().itertuples()}
    assert found == {line: reason for line, (_, reason) in (EXPECTED_BAD | EXPECTED_DROPPED).items()}
    assert report.stored == 7


def test_header_without_needed_fields_is_an_error(tiny_sqlite_store: Store, tmp_path: Path) -> None:
    """A file that cannot be read at all raises InputError naming the file, line 1 and the field."""
    path = _write(tmp_path, "r.csv", "sensor,when,level\nB1,2026-11-01T10:00:00Z,4\n")
    with pytest.raises(InputError) as info:
        ingest_file(tiny_sqlite_store, path, now=NOW)
    assert info.value.row == 1
    assert "r.csv" in str(info.value)
    assert "bin_id" in str(info.value)


def test_missing_file_is_an_error(tiny_sqlite_store: Store, tmp_path: Path) -> None:
    """A missing file is named in the error."""
    with pytest.raises(InputError, match="file not found"):
        ingest_file(tiny_sqlite_store, tmp_path / "nope.csv", now=NOW)


def test_alternative_column_names_are_understood(tiny_sqlite_store: Store, tmp_path: Path) -> None:
    """Exports that say timestamp/container_id/distance_cm/battery_mv are read with their units converted."""
    path = _write(
        tmp_path,
        "export.csv",
        "container_id,timestamp,distance_cm,battery_mv\nB1,2026-11-01 10:00:00,25,3600\nB1,1793500000,50,3500\n",
    )
    report = ingest_file(tiny_sqlite_store, path, now=NOW)
    assert report.stored == 2
    stored = tiny_sqlite_store.readings()
    # Unix seconds are understood: 1793500000 is 2026-11-01T02:26:40Z, before the other row.
    assert stored["ts"].iloc[0] == pd.Timestamp(1793500000, unit="s", tz="UTC")
    assert stored["fill_pct"].tolist() == [50.0, 75.0]
    assert stored["battery_v"].tolist() == [3.5, 3.6]


def _uplink(device_id: str, received_at: str, payload: dict | None, f_cnt: int, dev_eui: str = "") -> dict:
    """A The Things Stack v3 uplink message as its webhooks post and its MQTT server publishes."""
    message: dict = {
        "end_device_ids": {
            "device_id": device_id,
            "application_ids": {"application_id": "city-bins"},
            "dev_eui": dev_eui,
            "join_eui": "0000000000000000",
        },
        "correlation_ids": ["as:up:01"],
        "received_at": received_at,
        "uplink_message": {
            "f_port": 1,
            "f_cnt": f_cnt,
            "frm_payload": "AyACWA==",
            "rx_metadata": [{"gateway_ids": {"gateway_id": "gw-1"}, "rssi": -97, "snr": 7.5}],
            "settings": {"data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7}}},
            "received_at": received_at,
        },
    }
    if payload is not None:
        message["uplink_message"]["decoded_payload"] = payload
    return message


def test_lorawan_uplinks_are_ingested(tiny_sqlite_store: Store, tmp_path: Path) -> None:
    """Uplinks map to bins by device id or DevEUI, raw distance becomes fill, and bad ones are quarantined."""
    messages = [
        _uplink("sensor-b1", "2026-11-01T10:00:00.123456789Z", {"distance_mm": 250, "battery_v": 3.6}, 10),
        _uplink("other", "2026-11-01T10:05:00Z", {"fill_pct": 40}, 3, dev_eui="70b3d57ed0000002"),
        _uplink("sensor-b1", "2026-11-01T11:00:00Z", None, 11),
        _uplink("ghost", "2026-11-01T11:00:00Z", {"fill_pct": 4}, 1, dev_eui="FFFFFFFFFFFFFFFF"),
        _uplink(
            "sensor-b1",
            "2026-11-01T12:00:00Z",
            {"distance_mm": 200, "temperature": 9.5, "ts": "2026-11-01T09:00:00Z"},
            12,
        ),
        _uplink("sensor-b4", "2026-11-01T12:00:00Z", {"distance": 10, "battery_mv": 3550}, 4),
        {"end_device_ids": {"device_id": "sensor-b1"}, "join_accept": {}},
    ]
    path = _write(tmp_path, "uplinks.jsonl", "\n".join(json.dumps(m) for m in messages) + "\nnot json\n")
    report = ingest_file(tiny_sqlite_store, path, now=NOW)
    stored = tiny_sqlite_store.readings().set_index("bin_id")
    assert report.stored == 2, tiny_sqlite_store.quarantine()[["row", "reason", "detail"]]
    assert stored.loc["B1", "fill_pct"] == pytest.approx(75.0)  # (1000 - 250) / 1000
    assert stored.loc["B1", "ts"] == pd.Timestamp("2026-11-01T10:00:00Z")
    assert stored.loc["B2", "fill_pct"] == 40
    reasons = {int(r.row): (r.field, r.reason) for r in tiny_sqlite_store.quarantine().itertuples()}
    assert reasons == {
        3: ("uplink_message.decoded_payload", "no_decoded_payload"),
        4: ("device_id", "unknown_bin"),
        5: ("ts", "clock_backwards"),
        6: ("fill_pct", "missing_field"),
        7: ("uplink_message", "malformed_row"),
        8: ("(row)", "malformed_row"),
    }


def test_webhook_array_and_records(tiny_sqlite_store: Store, tmp_path: Path) -> None:
    """A JSON array of uplinks is read record by record; records passed directly are ingested the same way."""
    messages = [_uplink("sensor-b2", f"2026-11-01T1{i}:00:00Z", {"fill_pct": 10 * i}, i) for i in range(3)]
    path = _write(tmp_path, "webhook.json", json.dumps(messages))
    assert ingest_file(tiny_sqlite_store, path, now=NOW).stored == 3
    state = SourceState()
    more = [_uplink("sensor-b3", "2026-11-02T10:00:00Z", {"fill_pct": 5}, 7)]
    assert ingest_records(tiny_sqlite_store, more, "webhook", now=NOW, state=state).stored == 1
    back = [_uplink("sensor-b3", "2026-11-02T09:00:00Z", {"fill_pct": 6, "time": "2026-11-02T09:00:00Z"}, 8)]
    report = ingest_records(tiny_sqlite_store, back, "webhook", now=NOW, state=state)
    assert report.reasons == {"clock_backwards": 1}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["B1", "B2", "B3", "B4", "B7"]),
            st.integers(min_value=1_600_000_000, max_value=1_790_000_000),
            st.one_of(st.floats(min_value=-20, max_value=130, allow_nan=False), st.just(float("nan"))),
        ),
        max_size=40,
    )
)
def test_no_valid_row_is_lost(tiny_sqlite_store: Store, tmp_path_factory: pytest.TempPathFactory, rows) -> None:
    """Whatever the mix, every row is either stored, already stored or quarantined, and each valid one is kept."""
    folder = tmp_path_factory.mktemp("prop")
    lines = ["bin_id,ts,fill_pct"]
    for bin_id, ts, fill in rows:
        stamp = pd.Timestamp(ts, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(f"{bin_id},{stamp},{'' if fill != fill else round(fill, 1)}")
    path = _write(folder, "p.csv", "\n".join(lines) + "\n")
    before = tiny_sqlite_store.count_readings()
    report = ingest_file(tiny_sqlite_store, path, now=NOW)
    assert report.stored + report.already_stored + report.quarantined == report.rows_read == len(rows)
    assert tiny_sqlite_store.count_readings() == before + report.stored
    seen: set[tuple[str, int]] = set()
    stored = tiny_sqlite_store.readings()
    keys = set(zip(stored["bin_id"], [int(t.timestamp()) for t in stored["ts"]], strict=True))
    for bin_id, ts, fill in rows:
        valid = bin_id != "B7" and fill == fill and 0 <= round(fill, 1) <= 100 and ts <= NOW.timestamp() + 600
        if valid and (bin_id, ts) not in seen:
            assert (bin_id, ts) in keys
        seen.add((bin_id, ts))


def test_line_numbers_survive_blank_lines_and_quoted_newlines(tiny_sqlite_store: Store, tmp_path: Path) -> None:
    """A field spanning two lines and a blank line do not shift the line numbers of later rows."""
    text = (
        "bin_id,ts,fill_pct,note\n"
        'B1,2026-11-01T10:00:00Z,10,"two\nlines"\n'
        "\n"
        "B1,2026-11-01T11:00:00Z,x,ok\n"
        "B1,2026-11-01T12:00:00Z,12\n"
    )
    path = _write(tmp_path, "r.csv", text)
    report = ingest_file(tiny_sqlite_store, path, now=NOW, chunk_rows=2)
    assert report.stored == 1
    found = {int(r.row): r.reason for r in tiny_sqlite_store.quarantine().itertuples()}
    assert found == {5: "bad_number", 6: "malformed_row"}


#: What ``sample_data/<city>/readings_with_faults.csv`` demonstrates, line by line (the README shows it).
SAMPLE_FAULTS = {
    5: ("battery_v", "battery_out_of_range"),
    6: ("temperature_c", "temperature_out_of_range"),
    8: ("bin_id", "unknown_bin"),
    9: ("ts", "bad_timestamp"),
    10: ("ts", "future_timestamp"),
    11: ("ts", "clock_backwards"),
    12: ("fill_pct", "bad_number"),
    13: ("fill_pct", "fill_out_of_range"),
    14: ("distance_mm", "distance_out_of_range"),
    15: ("fill_pct", "missing_field"),
    16: ("(row)", "malformed_row"),
    17: ("ts", "duplicate"),
    19: ("ts", "clock_backwards"),
}


@pytest.mark.parametrize("city", ["baltimore", "santa_cruz"])
def test_sample_file_with_faults(sqlite_store: Store, city: str) -> None:
    """The sample city's faulty export: every good reading stored, every fault quarantined on its own line."""
    from waste.load import load_sample_city
    from waste.paths import sample_data_root

    load_sample_city(sqlite_store, city)
    now = pd.Timestamp("2026-11-21T00:00:00Z")  # the day after the file's readings
    report = ingest_file(sqlite_store, sample_data_root() / city / "readings_with_faults.csv", now=now)
    assert report.stored == 7
    assert report.quarantined == 11
    found = {int(r.row): (r.field, r.reason) for r in sqlite_store.quarantine().itertuples()}
    assert found == SAMPLE_FAULTS
    stored = sqlite_store.readings()
    assert stored["battery_v"].isna().sum() == 1
    assert stored["temperature_c"].isna().sum() == 1


def test_absurd_unix_times_are_quarantined_not_fatal(tiny_sqlite_store: Store, tmp_path: Path) -> None:
    """Times no timestamp holds (inf, 1e300, -1e20 s) are bad timestamps; the batch's good rows are stored."""
    text = "bin_id,ts,fill_pct\nB1,1793500000,10\nB1,inf,11\nB1,1e300,12\nB1,-1e20,13\nB1,1793503600000,14\n"
    report = ingest_file(tiny_sqlite_store, _write(tmp_path, "unix.csv", text), now=NOW)
    assert report.stored == 2  # seconds and milliseconds
    assert report.reasons == {"bad_timestamp": 3}


def test_a_number_does_not_depend_on_its_batch() -> None:
    """What a text value becomes is the same whether or not its batch holds a bad value."""
    from waste.text_values import to_float

    for text in ["1_000", " 12 ", "1e3", "inf", "nan", "0x10", "1,5", "\u0661\u0662", ".5"]:
        alone = to_float(np.array([text, "1"], dtype=object))[0]
        with_bad = to_float(np.array([text, "not a number"], dtype=object))[0]
        assert alone == with_bad or (np.isnan(alone) and np.isnan(with_bad)), text
