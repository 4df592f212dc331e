"""Property test: whatever a file mixes, ingest never raises, keeps every valid row and accounts for every other.

Hypothesis builds CSV, JSON lines, JSON array and LoRaWAN uplink files (each maybe gzip-compressed) from good
readings and bad rows of every kind a careless or hostile supplier could send: times no timestamp holds, 400-digit
and 4,400-digit numbers, NaN and infinity, nested objects, wrong types, NUL bytes, lone surrogates, bytes that are
not UTF-8, deep nesting, broken rows. For each file, on SQLite and on PostgreSQL:

- ``ingest_file`` returns (no exception);
- every valid row is stored, with its fill, and nothing else is;
- every bad row is quarantined, once, with a known reason;
- the report's counts equal what the tables hold (readings, quarantine rows, the ingest run).

The default of :data:`EXAMPLES` examples per back end keeps CI to seconds; ``WASTE_FUZZ_EXAMPLES=2000 pytest
tests/waste/test_ingest_fuzz.py`` runs it longer.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from waste import schema
from waste.ingest import ingest_file
from waste.store import Store
from waste.validate import REASONS

#: Examples per back end; raise it with WASTE_FUZZ_EXAMPLES for a longer run.
EXAMPLES = int(os.environ.get("WASTE_FUZZ_EXAMPLES", "25"))
NOW = pd.Timestamp("2026-11-20T00:00:00Z")
FIRST_S = int(pd.Timestamp("2026-01-01T00:00:00Z").timestamp())
BINS = ["B1", "B2", "B3", "B4"]  # the tiny city's bins, sensors sensor-b1 .. sensor-b4

#: Times that are never a valid reading time: beyond what a timestamp holds, before 2000, in the future, not times.
BAD_TIMES = st.one_of(
    st.sampled_from(
        [
            "3000-01-01T00:00:00Z",
            "0001-01-01",
            "-1",
            "99999-01-01",
            "1e400",
            "-1e20",
            "inf",
            "NaN",
            "1999-12-31T23:59:59Z",
            "2027-06-01T00:00:00Z",
            "9" * 400,
            "2026-02-30T00:00:00Z",
            "",
        ]
    ),
    st.text(min_size=1, max_size=12).map(lambda t: f"x{t}"),
)
#: Fill values that are never valid.
BAD_FILLS = st.one_of(
    st.sampled_from(["NaN", "inf", "-inf", "101", "-0.5", "1e400", "9" * 400, "", "12%"]),
    st.floats(min_value=100.05, allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.3f}"),
    st.floats(max_value=-0.05, allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.3f}"),
    st.text(min_size=1, max_size=8).map(lambda t: f"x{t}"),
)
#: Bin names that no bin has.
BAD_BINS = st.one_of(
    st.sampled_from(["", "B9", "B1\x00", "\x00", "b1 ", "\ud800", "../B1", "[/]"]),
    st.text(min_size=1, max_size=10).map(lambda t: f"Z{t}"),
)
#: JSON values of the wrong kind for any field (JSON formats only).
WRONG_KINDS = st.one_of(
    st.sampled_from([True, False, None, [1, 2], {"a": 1}, [], {}, float("nan"), float("inf")]),
    st.just(int("9" * 400)),
    st.recursive(st.integers() | st.text(max_size=3), lambda inner: st.lists(inner, max_size=2), max_leaves=4).filter(
        lambda v: isinstance(v, list)
    ),
)


@dataclass(frozen=True)
class Row:
    """One generated row: a valid reading (``valid``), or a bad one with the field it breaks and the bad value."""

    bin_id: str
    ts_s: int
    fill: float
    valid: bool
    broken: str = ""  # ts, fill_pct, bin_id, encoding, structure, deep, digits
    value: Any = None
    battery: Any = 3.6  # an auxiliary field: a bad one is dropped and noted, the reading kept


@st.composite
def rows(draw: st.DrawFn, json_kinds: bool) -> list[Row]:
    """Good and bad rows in random order; good rows have distinct (bin, time) keys."""
    out: list[Row] = []
    count = draw(st.integers(min_value=0, max_value=14))
    for index in range(count):
        bin_id = draw(st.sampled_from(BINS))
        ts_s = FIRST_S + 3600 * index
        fill = draw(st.integers(min_value=0, max_value=1000)) / 10
        battery = draw(st.one_of(st.just(3.6), st.sampled_from(["x", "55", "\x00", "nan", "-1"])))
        kinds = ["good", "good", "ts", "fill_pct", "bin_id", "encoding", "structure"]
        if json_kinds:
            kinds += ["kind", "deep", "digits"]
        kind = draw(st.sampled_from(kinds))
        if kind == "good":
            out.append(Row(bin_id, ts_s, fill, True, battery=battery))
            continue
        strategy = {"ts": BAD_TIMES, "fill_pct": BAD_FILLS, "bin_id": BAD_BINS, "kind": WRONG_KINDS}.get(kind)
        value = draw(strategy) if strategy is not None else None
        if kind == "kind":
            kind = draw(st.sampled_from(["ts", "fill_pct", "bin_id"]))
        out.append(Row(bin_id, ts_s, fill, False, kind, value, battery))
    return out


def _iso(ts_s: int) -> str:
    return pd.Timestamp(ts_s, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _fields(row: Row) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "bin_id": row.bin_id,
        "ts": _iso(row.ts_s),
        "fill_pct": row.fill,
        "battery_v": row.battery,
    }
    if row.broken in ("ts", "fill_pct", "bin_id"):
        fields[row.broken] = row.value
    return fields


def csv_file(generated: list[Row]) -> bytes:
    lines = [b"bin_id,ts,fill_pct,battery_v"]
    for row in generated:
        buffer = io.StringIO()
        values = _fields(row)
        cells = [values["bin_id"], values["ts"], values["fill_pct"], values["battery_v"]]
        if row.broken == "structure":
            cells.append("extra")
        # The writer's own line end makes it quote fields holding CR or LF; the line end itself is dropped.
        csv.writer(buffer, lineterminator="\r\n").writerow(["" if c is None else str(c) for c in cells])
        lines.append(_encoded(buffer.getvalue().removesuffix("\r\n"), row))
    return b"\n".join(lines) + b"\n"


def _encoded(text: str, row: Row) -> bytes:
    data = text.encode("utf-8", "surrogatepass")  # a lone surrogate written out is not UTF-8: a bad_encoding row
    return b"\xff" + data if row.broken == "encoding" else data


def _json_line(row: Row, record: dict[str, Any]) -> bytes:
    if row.broken == "structure":
        return _encoded(json.dumps(record)[:-1] + ",}", row)  # not JSON
    if row.broken == "deep":
        return b"[" * 100_000 + b"]" * 100_000
    if row.broken == "digits":
        return json.dumps(record).replace('"fill_pct": ', '"fill_pct": ' + "9" * 4400 + ', "x": ').encode()
    return _encoded(json.dumps(record), row)


def jsonl_file(generated: list[Row]) -> bytes:
    return b"\n".join(_json_line(row, _fields(row)) for row in generated) + b"\n"


def array_file(generated: list[Row]) -> bytes:
    """One JSON array of readings, each bad item in place: the reader decodes it item by item."""
    return b"[" + b",\n".join(_json_line(row, _fields(row)) for row in generated) + b"]\n"


def uplink_file(generated: list[Row]) -> bytes:
    lines = []
    for number, row in enumerate(generated):
        values = _fields(row)
        device = f"sensor-{values['bin_id'].lower()}" if isinstance(values["bin_id"], str) else values["bin_id"]
        if row.broken == "bin_id" and isinstance(values["bin_id"], str):
            device = values["bin_id"]
        message = {
            "end_device_ids": {"device_id": device, "application_ids": {"application_id": "bins"}},
            "received_at": values["ts"],
            "uplink_message": {
                "f_cnt": number,
                "decoded_payload": {"fill_pct": values["fill_pct"], "battery_v": values["battery_v"]},
            },
        }
        lines.append(_json_line(row, message))
    return b"\n".join(lines) + b"\n"


FORMATS = {
    "csv": (csv_file, ".csv", False),
    "jsonl": (jsonl_file, ".jsonl", True),
    "array": (array_file, ".json", True),
    "uplinks": (uplink_file, ".jsonl", True),
}


def _clear(store: Store) -> None:
    with store.engine.begin() as conn:
        for table in (schema.readings, schema.quarantine, schema.ingest_runs):
            conn.execute(delete(table))


def _bad_battery(value: Any) -> bool:
    return value != 3.6


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_no_file_crashes_an_ingest_or_loses_a_row(
    tiny_store: Store, tmp_path_factory: pytest.TempPathFactory, kind: str
) -> None:
    write, suffix, json_kinds = FORMATS[kind]

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)
    @given(generated=rows(json_kinds), compress=st.booleans())
    def check(generated: list[Row], compress: bool) -> None:
        _clear(tiny_store)
        data = write(generated)
        path = tmp_path_factory.mktemp("fuzz") / f"readings{suffix}{'.gz' if compress else ''}"
        path.write_bytes(gzip.compress(data, mtime=0) if compress else data)

        report = ingest_file(tiny_store, path, now=NOW)

        valid = [r for r in generated if r.valid]
        bad = [r for r in generated if not r.valid]
        stored = tiny_store.readings()
        assert report.error is None
        assert report.note is None
        assert report.rows_read == len(generated)
        assert report.stored == len(valid) == len(stored)
        assert report.already_stored == 0
        expected = sorted((r.bin_id, r.ts_s, r.fill) for r in valid)
        found = sorted(
            zip(stored["bin_id"], (int(t.timestamp()) for t in stored["ts"]), stored["fill_pct"], strict=True)
        )
        assert found == expected
        assert report.quarantined == len(bad)
        quarantine = tiny_store.quarantine()
        assert len(quarantine) == report.quarantined + report.fields_dropped
        assert report.fields_dropped == sum(_bad_battery(r.battery) for r in valid)
        assert set(quarantine["reason"]) <= set(REASONS)
        rejected_lines = sorted(quarantine.loc[~quarantine["detail"].str.endswith("stored without it"), "row"])
        assert len(set(rejected_lines)) == len(bad)  # one rejection per bad row
        runs = tiny_store.ingest_runs()
        assert runs[["rows_read", "stored", "quarantined"]].values.tolist() == [
            [report.rows_read, report.stored, report.quarantined]
        ]

    check()
