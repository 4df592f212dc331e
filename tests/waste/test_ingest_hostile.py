"""Hostile and careless input: no value stops an ingest, every valid row is stored, every bad one is kept.

Each test holds one good row beside the bad ones, so a crash, a lost good row and a lost bad row all fail it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from waste.ingest import ingest_file, ingest_files, ingest_records
from waste.store import Store

NOW = pd.Timestamp("2026-11-20T00:00:00Z")
GOOD_CSV_ROW = "B2,2026-11-01T10:00:00Z,30"
GOOD_JSON_ROW = {"bin_id": "B2", "ts": "2026-11-01T10:00:00Z", "fill_pct": 30}
HUGE = int("9" * 400)


@pytest.mark.parametrize(
    ("ts", "reason"),
    [
        ("3000-01-01T00:00:00Z", "bad_timestamp"),
        ("0001-01-01", "bad_timestamp"),
        ("-1", "clock_backwards"),  # Unix second -1, as on every pandas version
        ("99999-01-01", "bad_timestamp"),
        ("1e400", "bad_timestamp"),
    ],
)
def test_times_no_timestamp_holds_are_quarantined(tiny_store: Store, tmp_path: Path, ts: str, reason: str) -> None:
    """Years beyond what a nanosecond time holds are parsed by pandas 3 and refused by pandas 2: quarantined on both."""
    path = tmp_path / "times.csv"
    path.write_text(f"bin_id,ts,fill_pct\n{GOOD_CSV_ROW}\nB1,{ts},5\n")
    later = tmp_path / "later.csv"
    later.write_text("bin_id,ts,fill_pct\nB3,2026-11-01T11:00:00Z,40\n")
    first, second = ingest_files(tiny_store, [path, later], now=NOW)
    assert (first.stored, first.quarantined, dict(first.reasons)) == (1, 1, {reason: 1})
    assert second.stored == 1  # a later file on the command line is still ingested
    assert tiny_store.quarantine()["row"].tolist() == [3]


HOSTILE_JSON = [
    ({"bin_id": {"a": 1}, "ts": "2026-11-01T10:00:00Z", "fill_pct": 5}, "unknown_bin"),
    ({"bin_id": "B1", "ts": "2026-11-01T10:00:00Z", "fill_pct": HUGE}, "bad_number"),
    ({"bin_id": "B1", "ts": HUGE, "fill_pct": 5}, "bad_timestamp"),
    ({"bin_id": "B1", "ts": "2026-11-01T10:00:00Z", "fill_pct": 5, "seq": HUGE}, "bad_number"),
    ({"bin_id": "B1", "ts": [1, 2], "fill_pct": 5}, "bad_timestamp"),
    ({"device_id": [1], "ts": "2026-11-01T10:00:00Z", "fill_pct": 5}, "unknown_bin"),
    ({"bin_id": "B1", "ts": "2026-11-01T10:00:00Z", "fill_pct": True}, "bad_number"),
    ({"bin_id": "B1", "ts": "2026-11-01T10:00:00Z", "fill_pct": {"v": 5}}, "bad_number"),
]


@pytest.mark.parametrize(("record", "reason"), HOSTILE_JSON)
def test_json_values_of_the_wrong_kind_are_quarantined(
    tiny_store: Store, tmp_path: Path, record: dict, reason: str
) -> None:
    path = tmp_path / "hostile.jsonl"
    path.write_text(json.dumps(GOOD_JSON_ROW) + "\n" + json.dumps(record) + "\n")
    report = ingest_file(tiny_store, path, now=NOW)
    assert (report.stored, report.quarantined, dict(report.reasons)) == (1, 1, {reason: 1})
    assert len(tiny_store.quarantine()) == 1


@pytest.mark.parametrize(
    "line",
    [
        '{"bin_id":"B1","ts":"2026-11-01T10:00:00Z","fill_pct":' + "9" * 4400 + "}",  # beyond int() digit limit
        "[" * 100_000 + "]" * 100_000,  # deeper than the parser's recursion
    ],
    ids=["4400-digit integer", "100000-deep nesting"],
)
def test_json_lines_the_parser_refuses_are_malformed_rows(tiny_store: Store, tmp_path: Path, line: str) -> None:
    path = tmp_path / "parser.jsonl"
    path.write_text(json.dumps(GOOD_JSON_ROW) + "\n" + line + "\n" + json.dumps({**GOOD_JSON_ROW, "bin_id": "B3"}))
    report = ingest_file(tiny_store, path, now=NOW)
    assert (report.stored, report.quarantined, dict(report.reasons)) == (2, 1, {"malformed_row": 1})


def test_records_of_the_wrong_kind_do_not_stop_a_batch(tiny_store: Store) -> None:
    """The API's and the listener's path: one call with every hostile record and a good one."""
    records = [GOOD_JSON_ROW, *(record for record, _ in HOSTILE_JSON)]
    report = ingest_records(tiny_store, records, "api:test", now=NOW)
    assert report.stored == 1
    assert report.quarantined == len(HOSTILE_JSON)
    assert len(tiny_store.quarantine(source="api:test")) == len(HOSTILE_JSON)
