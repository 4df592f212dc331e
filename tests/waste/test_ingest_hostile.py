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


def _quarantined(store: Store, source: str) -> int:
    return len(store.quarantine(source=source))


def test_a_later_export_of_the_same_name_keeps_its_own_bad_rows(tiny_store: Store, tmp_path: Path) -> None:
    """Same file name, same line, another bad row: kept; the same file again: nothing twice."""
    path = tmp_path / "export.csv"
    path.write_text(f"bin_id,ts,fill_pct\n{GOOD_CSV_ROW}\nB1,yesterday,5\n")
    first = ingest_file(tiny_store, path, now=NOW)
    again = ingest_file(tiny_store, path, now=NOW)
    path.write_text(f"bin_id,ts,fill_pct\n{GOOD_CSV_ROW}\nB1,tomorrow,5\n")
    later = ingest_file(tiny_store, path, now=NOW)
    assert first.quarantined == again.quarantined == later.quarantined == 1
    assert (first.already_quarantined, again.already_quarantined, later.already_quarantined) == (0, 1, 0)
    assert tiny_store.quarantine()["value"].tolist() == ["yesterday", "tomorrow"]


def test_both_bad_auxiliary_fields_of_a_row_are_noted(tiny_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "aux.csv"
    path.write_text("bin_id,ts,fill_pct,battery_v,temperature_c\nB1,2026-11-01T10:00:00Z,10,x,y\n")
    report = ingest_file(tiny_store, path, now=NOW)
    assert (report.stored, report.fields_dropped, dict(report.dropped_reasons)) == (1, 2, {"bad_number": 2})
    assert sorted(tiny_store.quarantine()["field"]) == ["battery_v", "temperature_c"]


def test_messages_numbered_again_from_one_keep_their_bad_rows(tiny_store: Store) -> None:
    """A listener run numbers its messages from 1: the next run's bad uplinks are kept beside the first run's."""
    source = "mqtt:v3/app@ttn/devices/ghost/up"
    for run in range(3):
        bad = {"bin_id": "ghost", "ts": f"2026-11-01T1{run}:00:00Z", "fill_pct": 5}
        report = ingest_records(tiny_store, [bad], source, first_line=1, now=NOW)
        assert report.quarantined == 1
    assert _quarantined(tiny_store, source) == 3


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "B1\x00"])
def test_characters_no_database_stores_are_quarantined_escaped(tiny_store: Store, tmp_path: Path, bad: str) -> None:
    """NUL (which PostgreSQL refuses in text) and lone surrogates, in every field: rows kept, run recorded."""
    records = [
        GOOD_JSON_ROW,
        {"bin_id": bad, "ts": "2026-11-01T10:00:00Z", "fill_pct": 5},
        {"bin_id": "B1", "ts": bad, "fill_pct": 5},
        {"bin_id": "B1", "ts": "2026-11-01T11:00:00Z", "fill_pct": bad},
        {"bin_id": "B1", "ts": "2026-11-01T12:00:00Z", "fill_pct": 5, "battery_v": bad},
    ]
    path = tmp_path / "nul.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    report = ingest_file(tiny_store, path, now=NOW)
    assert (report.stored, report.quarantined, report.fields_dropped) == (2, 3, 1)
    kept = tiny_store.quarantine()
    assert len(kept) == 4
    assert not kept["raw"].str.contains("\x00", regex=False).any()
    assert kept["raw"].str.contains(r"\u0000" if bad != "\ud800" else r"\ud800", regex=False).all()
    csv_path = tmp_path / "nul.csv"  # a surrogate written as bytes is not UTF-8: a bad_encoding row
    csv_path.write_text(f"bin_id,ts,fill_pct\n{GOOD_CSV_ROW}\nB1{bad},2026-11-01T10:00:00Z,5\n", errors="surrogatepass")
    csv_report = ingest_file(tiny_store, csv_path, now=NOW)
    assert csv_report.quarantined == _quarantined(tiny_store, str(csv_path)) == 1
    assert len(tiny_store.ingest_runs()) == 2


def _ten_rows(bad_line: int | None = None) -> list[bytes]:
    """Ten good CSV rows (B1..B4 at distinct times) as bytes, one of them with a Latin-1 byte in place."""
    rows = []
    for i in range(10):
        row = f"B{i % 4 + 1},2026-11-01T{i:02d}:00:00Z,{10 + i}".encode()
        rows.append(row.replace(b",", b"\xe9,", 1) if i + 2 == bad_line else row)
    return rows


@pytest.mark.parametrize("chunk_rows", [3, 250_000])
def test_undecodable_bytes_cost_only_their_row(tiny_store: Store, tmp_path: Path, chunk_rows: int) -> None:
    """One Latin-1 byte in a UTF-8 file: that row is quarantined (bad_encoding), the 9 others stored."""
    path = tmp_path / "latin.csv"
    path.write_bytes(b"bin_id,ts,fill_pct\n" + b"\n".join(_ten_rows(bad_line=6)) + b"\n")
    report = ingest_file(tiny_store, path, now=NOW, chunk_rows=chunk_rows)
    assert (report.stored, report.quarantined, dict(report.reasons)) == (9, 1, {"bad_encoding": 1})
    kept = tiny_store.quarantine().iloc[0]
    assert (kept["row"], kept["raw"]) == (6, "B1\\xe9,2026-11-01T04:00:00Z,14")
    assert report.note is None
    assert len(tiny_store.ingest_runs()) == 1


@pytest.mark.parametrize("shape", ["lines", "array"])
def test_undecodable_bytes_in_json_cost_only_their_record(tiny_store: Store, tmp_path: Path, shape: str) -> None:
    records = [
        json.dumps({"bin_id": f"B{i % 4 + 1}", "ts": f"2026-11-01T{i:02d}:00:00Z", "fill_pct": i}).encode()
        for i in range(10)
    ]
    records[4] = records[4].replace(b'"B1"', b'"B1\xe9"')
    text = b"\n".join(records) if shape == "lines" else b"[" + b",\n".join(records) + b"]"
    path = tmp_path / f"latin.{'jsonl' if shape == 'lines' else 'json'}"
    path.write_bytes(text)
    report = ingest_file(tiny_store, path, now=NOW)
    assert (report.stored, report.quarantined, dict(report.reasons)) == (9, 1, {"bad_encoding": 1})
    assert tiny_store.quarantine()["row"].tolist() == [5]


def _gzip_rows(n: int) -> bytes:
    import gzip

    rows = "".join(f"B{i % 4 + 1},{1_700_000_000 + 60 * i},{i % 100}\n" for i in range(n))
    return gzip.compress(("bin_id,ts,fill_pct\n" + rows).encode(), mtime=0)


def test_a_truncated_archive_keeps_what_it_read_and_says_so(tiny_store: Store, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from waste.cli import cli

    whole = _gzip_rows(20_000)
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(whole[: len(whole) // 2])
    report = ingest_file(tiny_store, path, now=NOW, chunk_rows=1_000)
    assert 9_000 < report.stored < 20_000  # all but the last few kilobytes before the cut
    assert report.stored == report.rows_read == tiny_store.count_readings()
    assert "could not be read after line" in report.note
    runs = tiny_store.ingest_runs()
    assert runs["stored"].tolist() == [report.stored]
    assert runs["note"].tolist() == [report.note]
    if tiny_store.dialect == "sqlite":
        result = CliRunner().invoke(cli, ["ingest", str(path), "--db", tiny_store.url, "--now", "2026-11-20"])
        assert result.exit_code == 0, result.output
        assert "Stopped early" in result.output
        assert "nothing could be read" not in result.output


def test_a_corrupt_archive_keeps_what_it_read(tiny_store: Store, tmp_path: Path) -> None:
    whole = bytearray(_gzip_rows(20_000))
    whole[len(whole) // 2 : len(whole) // 2 + 64] = b"\x00" * 64
    path = tmp_path / "corrupt.csv.gz"
    path.write_bytes(bytes(whole))
    report = ingest_file(tiny_store, path, now=NOW, chunk_rows=1_000)
    assert report.note is not None
    assert report.stored > 0
    assert len(tiny_store.ingest_runs()) == 1


LONG = 3 * (1 << 20)  # characters: beyond the line cap


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("long.csv", f"bin_id,ts,fill_pct\n{GOOD_CSV_ROW}\nB1,{'9' * LONG},5\nB3,2026-11-01T11:00:00Z,40\n"),
        (
            "long.jsonl",
            json.dumps(GOOD_JSON_ROW)
            + "\n"
            + json.dumps({"bin_id": "B1", "ts": "9" * LONG})
            + "\n"
            + json.dumps({**GOOD_JSON_ROW, "bin_id": "B3"})
            + "\n",
        ),
        (
            "long.json",
            "["
            + json.dumps(GOOD_JSON_ROW)
            + ","
            + json.dumps({"bin_id": "B1", "ts": "9" * LONG})
            + ","
            + json.dumps({**GOOD_JSON_ROW, "bin_id": "B3"})
            + "]",
        ),
    ],
)
def test_an_overlong_line_is_quarantined_and_the_next_read(
    tiny_store: Store, tmp_path: Path, name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    report = ingest_file(tiny_store, path, now=NOW)
    assert report.stored == 2
    assert report.reasons["line_too_long"] == 1
    assert report.quarantined == len(tiny_store.quarantine())


def test_memory_follows_the_line_cap_not_the_line(sqlite_store: Store, tmp_path: Path) -> None:
    """A small archive inflating to one 64 MB field: read in blocks, the peak far below the field's size."""
    import gzip
    import tracemalloc

    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b"bin_id,ts,fill_pct\nB1,")
        block = b"9" * (1 << 20)
        for _ in range(64):
            out.write(block)
        out.write(b",5\n")
    tracemalloc.start()
    try:
        report = ingest_file(sqlite_store, path, now=NOW)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert dict(report.reasons) == {"line_too_long": 1}
    assert peak < 24 * (1 << 20)


def test_an_overlong_quoted_field_is_quarantined_and_counted(tiny_store: Store, tmp_path: Path) -> None:
    """A quoted field of 3,000 short lines, beyond the cap: its row is line_too_long, and every line is accounted for.

    After the reader gives up on the field, its closing quote opens a new one: which rows after it survive depends on
    the quotes, as in any CSV reader, but none is silently dropped.
    """
    path = tmp_path / "quoted.csv"
    path.write_text(f'bin_id,ts,fill_pct\n{GOOD_CSV_ROW}\nB1,"' + ("9" * 1000 + "\n") * 3000 + '",5\n')
    report = ingest_file(tiny_store, path, now=NOW)
    assert report.stored == 1
    assert report.reasons["line_too_long"] == 1
    assert report.quarantined == len(tiny_store.quarantine()) == report.rows_read - 1


@pytest.mark.parametrize("line_end", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_every_line_end_is_read_across_blocks(sqlite_store: Store, tmp_path: Path, line_end: str) -> None:
    """Lines are read in blocks of a few kilobytes: a line end falling on a block's edge splits nothing."""
    from waste.load import load_city_files
    from waste.reference import CityFiles

    load_city_files(sqlite_store, "tiny", CityFiles.in_folder(Path(__file__).parent.parent / "data" / "tiny_city"))
    rows = [f"B{i % 4 + 1},{1_700_000_000 + 60 * i},{i % 100}" for i in range(3000)]  # about 80 kB
    path = tmp_path / "ends.csv"
    path.write_bytes(line_end.join(["bin_id,ts,fill_pct", *rows, ""]).encode())
    report = ingest_file(sqlite_store, path, now=NOW)
    assert (report.stored, report.quarantined) == (3000, 0)
