"""Turning reading files and LoRaWAN uplinks into raw rows, before any validation.

Three formats are read, chosen by file name (``.csv``, ``.json``, ``.jsonl``, ``.ndjson``, each optionally
``.gz``) or, failing that, by the first character:

- CSV with a header: ``bin_id, ts, fill_pct`` or ``distance_mm``, optional ``battery_v, temperature_c, seq``
  (common alternative names such as ``timestamp`` or ``container_id`` are accepted, see :data:`CSV_ALIASES`);
- JSON lines (or one JSON array) of objects with the same keys;
- uplink messages as The Things Stack (v3) posts them to a webhook or publishes them over MQTT, one per line or in
  an array: the bin is found from ``end_device_ids.device_id`` (or ``dev_eui``), the time is the network's
  ``received_at`` unless the decoded payload carries the sensor's own time, and the frame counter ``f_cnt`` lets
  validation catch a sensor clock that goes backwards.

Every row keeps its line number (record number in a JSON array) and raw text, so a rejected row can be traced.
Rows that cannot even be split into fields come out as :class:`Rejected` here; everything else is checked later
by :mod:`waste.validate`.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from waste.errors import InputError

#: Columns of a raw batch, all as read (strings or JSON values), plus the line number and raw text.
RAW_COLUMNS = [
    "line",
    "bin_id",
    "device_id",
    "dev_eui",
    "ts",
    "fill_pct",
    "distance_mm",
    "battery_v",
    "temperature_c",
    "seq",
    "raw",
]

#: Accepted names of each field in a CSV header or a JSON object (matched case-insensitively).
CSV_ALIASES: dict[str, tuple[str, ...]] = {
    "bin_id": ("bin_id", "bin", "container_id"),
    "device_id": ("device_id",),
    "dev_eui": ("dev_eui", "deveui"),
    "ts": ("ts", "timestamp", "time", "measured_at", "measured_at_utc", "datetime"),
    "fill_pct": ("fill_pct", "fill", "fill_level", "fill_level_pct", "level_pct"),
    "distance_mm": ("distance_mm",),
    "distance_cm": ("distance_cm",),
    "battery_v": ("battery_v", "battery", "bat_v", "batv", "battery_voltage"),
    "battery_mv": ("battery_mv", "bat_mv"),
    "temperature_c": ("temperature_c", "temperature", "temp_c", "temp"),
    "seq": ("seq", "f_cnt", "fcnt", "frame_counter"),
}
_ALIAS_TO_FIELD = {alias: name for name, aliases in CSV_ALIASES.items() for alias in aliases}
#: Largest raw text kept with a rejected row, in characters.
_RAW_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class Rejected:
    """A row rejected with its location and reason; the quarantine keeps it."""

    line: int
    field: str
    reason: str
    detail: str
    value: str | None = None
    raw: str | None = None


@dataclass(slots=True)
class RawBatch:
    """Rows read from one part of a source: a frame of :data:`RAW_COLUMNS` and rows already rejected.

    For CSV the raw text of a row is rebuilt from its fields (``csv_rows``) only when the row is rejected, which
    spares joining a million strings for a clean file.
    """

    frame: pd.DataFrame
    rejected: list[Rejected] = field(default_factory=list)
    csv_rows: list[list[str]] | None = None

    def raw_text(self, index: int) -> str | None:
        """The raw text of row ``index`` of :attr:`frame`, at most a couple of thousand characters."""
        if self.csv_rows is not None:
            return ",".join(self.csv_rows[index])[:_RAW_LIMIT]
        raw = self.frame["raw"].iat[index]
        return None if raw is None else str(raw)[:_RAW_LIMIT]


ProgressCallback = Callable[[int, int], None]


def read_batches(
    path: Path, *, chunk_rows: int = 250_000, progress: ProgressCallback | None = None
) -> Iterator[RawBatch]:
    """Read a file of readings in batches of at most ``chunk_rows`` rows.

    Parameters
    ----------
    path
        A CSV, JSON lines or JSON file, optionally gzip-compressed.
    chunk_rows
        Rows per batch: bounds memory on large files.
    progress
        Called with (bytes read so far, file size in bytes) after each batch.

    Raises
    ------
    InputError
        When the file is missing or unreadable, or a CSV header lacks the fields needed.
    """
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    size = path.stat().st_size
    with path.open("rb") as binary, gzip.open(binary) if path.suffix == ".gz" else nullcontext(binary) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            kind = _format_of(path, text)
            batches = _csv_batches(text, path, chunk_rows) if kind == "csv" else _json_batches(text, chunk_rows)
            for batch in batches:
                yield batch
                if progress is not None:
                    progress(binary.tell(), size)
        except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, OSError) as exc:
            raise InputError(f"cannot read: {exc}", file=str(path)) from exc


def _format_of(path: Path, text: io.TextIOWrapper) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last == ".csv":
        return "csv"
    if last in (".json", ".jsonl", ".ndjson"):
        return "json"
    head = text.buffer.peek(64) if hasattr(text.buffer, "peek") else b""  # type: ignore[attr-defined]
    return "json" if head.lstrip()[:1] in (b"{", b"[") else "csv"


@contextmanager
def _no_field_size_limit() -> Iterator[None]:
    """Lift the csv module's 128 kB field limit while reading: an oversized field is a bad row, not a bad file."""
    previous = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _csv_batches(text: io.TextIOWrapper, path: Path, chunk_rows: int) -> Iterator[RawBatch]:
    with _no_field_size_limit():
        yield from _csv_batches_unlimited(text, path, chunk_rows)


def _csv_batches_unlimited(text: io.TextIOWrapper, path: Path, chunk_rows: int) -> Iterator[RawBatch]:
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("empty file: no header line", file=str(path), row=1) from None
    except csv.Error as exc:
        raise InputError(f"cannot parse the header: {exc}", file=str(path), row=1) from exc
    names = [_ALIAS_TO_FIELD.get(h.strip().lower(), h.strip().lower()) for h in header]
    _check_header(names, path)
    width = len(names)
    positions = {name: i for i, name in enumerate(names) if name in CSV_ALIASES}
    rejected: list[Rejected] = []
    while True:
        first_line = reader.line_num
        try:
            chunk = list(itertools.islice(reader, chunk_rows))
        except csv.Error as exc:
            # With the field size limit lifted, the standard dialect only fails on a broken file (an
            # unterminated quote at the end): say where, rather than lose the rows around it.
            raise InputError(f"cannot parse as CSV: {exc}", file=str(path), row=reader.line_num) from exc
        if not chunk:
            return
        line_numbers = _line_numbers(chunk, first_line, reader.line_num)
        widths = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
        wrong = np.flatnonzero(widths != width)
        if len(wrong):
            for i in wrong.tolist():
                fields = chunk[i]
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue  # a blank line
                detail = f"expected {width} fields, found {len(fields)}"
                rejected.append(Rejected(int(line_numbers[i]), "(row)", "malformed_row", detail, raw=",".join(fields)))
            keep = widths == width
            chunk = [row for row, ok in zip(chunk, keep.tolist(), strict=True) if ok]
            line_numbers = line_numbers[keep]
        yield RawBatch(_csv_frame(chunk, line_numbers, positions), rejected, chunk)
        rejected = []


def _line_numbers(chunk: list[list[str]], first_line: int, last_line: int) -> np.ndarray:
    """Line number of each row: consecutive, unless quoted fields span lines (then counted from their newlines)."""
    if last_line - first_line == len(chunk):
        return np.arange(first_line + 1, last_line + 1, dtype=np.int64)
    spans = np.fromiter((1 + sum(f.count("\n") for f in row) for row in chunk), dtype=np.int64, count=len(chunk))
    return first_line + np.cumsum(spans)


def _check_header(names: list[str], path: Path) -> None:
    problems = []
    if not {"bin_id", "device_id", "dev_eui"} & set(names):
        problems.append("bin_id (or device_id / dev_eui)")
    if "ts" not in names:
        problems.append("ts (or timestamp)")
    if not {"fill_pct", "distance_mm", "distance_cm"} & set(names):
        problems.append("fill_pct (or distance_mm)")
    if problems:
        msg = f"the header lacks {', '.join(problems)}; found: {', '.join(names)}"
        raise InputError(msg, file=str(path), row=1, field=problems[0].split()[0])


def _csv_frame(rows: list[list[str]], lines: np.ndarray, positions: dict[str, int]) -> pd.DataFrame:
    columns = list(zip(*rows, strict=True)) if rows else []
    data: dict[str, Any] = {"line": lines}
    for name in RAW_COLUMNS[1:-1]:
        if name in positions:
            data[name] = pd.Series(columns[positions[name]] if rows else [], dtype=object)
        else:
            data[name] = pd.Series([None] * len(rows), dtype=object)
    frame = pd.DataFrame(data)
    _apply_unit_columns(frame, columns, positions, rows)
    frame["raw"] = None
    return frame


def _apply_unit_columns(
    frame: pd.DataFrame, columns: list[tuple[str, ...]], positions: dict[str, int], rows: list[list[str]]
) -> None:
    """Convert columns given in other units (centimetres, millivolts) into the canonical ones."""
    if not rows:
        return
    if "distance_cm" in positions and "distance_mm" not in positions:
        cm = pd.to_numeric(pd.Series(columns[positions["distance_cm"]]), errors="coerce")
        frame["distance_mm"] = (cm * 10).astype(object).where(cm.notna(), pd.Series(columns[positions["distance_cm"]]))
    if "battery_mv" in positions and "battery_v" not in positions:
        mv = pd.to_numeric(pd.Series(columns[positions["battery_mv"]]), errors="coerce")
        frame["battery_v"] = (mv / 1000).astype(object).where(mv.notna(), pd.Series(columns[positions["battery_mv"]]))


def _json_batches(text: io.TextIOWrapper, chunk_rows: int) -> Iterator[RawBatch]:
    first = text.buffer.peek(64).lstrip()[:1] if hasattr(text.buffer, "peek") else b""  # type: ignore[attr-defined]
    if first == b"[":
        try:
            items = json.load(text)
        except json.JSONDecodeError as exc:
            yield RawBatch(
                _records_frame([]),
                [Rejected(exc.lineno, "(row)", "malformed_row", f"invalid JSON: {exc.msg}")],
            )
            return
        numbered = ((i + 1, item, None) for i, item in enumerate(items))
    else:
        numbered = _json_lines(text)
    records: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    for number, item, raw in numbered:
        if isinstance(item, Rejected):
            rejected.append(item)
            continue
        raw_json = raw if raw is not None else compact_json(item)
        try:
            records.append({"line": number, **record_from_json(item), "raw": raw_json[:_RAW_LIMIT]})
        except _RecordError as exc:
            rejected.append(Rejected(number, exc.field, exc.reason, exc.detail, raw=raw_json[:_RAW_LIMIT]))
        if len(records) >= chunk_rows:
            yield RawBatch(_records_frame(records), rejected)
            records, rejected = [], []
    if records or rejected:
        yield RawBatch(_records_frame(records), rejected)


def _json_lines(text: io.TextIOWrapper) -> Iterator[tuple[int, Any, str | None]]:
    for number, line in enumerate(text, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            yield number, json.loads(stripped), stripped
        except (ValueError, RecursionError) as exc:
            yield number, Rejected(number, "(row)", "malformed_row", _json_error(exc), raw=stripped[:_RAW_LIMIT]), None


def _json_error(exc: ValueError | RecursionError) -> str:
    """Why a JSON text was refused: its syntax error, an integer of thousands of digits, or nesting too deep."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg}"
    if isinstance(exc, RecursionError):
        return "invalid JSON: nested too deeply"
    return f"invalid JSON: {exc}"


def compact_json(item: Any) -> str:
    """An item's JSON text, at most :data:`_RAW_LIMIT` characters, for the quarantine's raw column."""
    try:
        return json.dumps(item, separators=(",", ":"), default=str)[:_RAW_LIMIT]
    except (ValueError, RecursionError):
        return repr(item)[:_RAW_LIMIT]


def records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """A raw batch frame from records made by :func:`record_from_json` (plus ``line`` and ``raw``)."""
    return _records_frame(records)


def _records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Columns kept as the JSON values they are (``object``): no type inference that a 400-digit number upsets."""
    data: dict[str, Any] = {"line": np.fromiter((r["line"] for r in records), dtype=np.int64, count=len(records))}
    for name in RAW_COLUMNS[1:]:
        data[name] = pd.Series([r.get(name) for r in records], dtype=object)
    return pd.DataFrame(data)


class _RecordError(Exception):
    def __init__(self, field: str, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.field, self.reason, self.detail = field, reason, detail


def record_from_json(item: Any) -> dict[str, Any]:
    """One reading from a JSON object: a plain reading or a The Things Stack uplink message.

    Raises
    ------
    _RecordError
        When the object is not a reading at all (not an object, an uplink without a decoded payload).
    """
    if not isinstance(item, Mapping):
        raise _RecordError("(row)", "malformed_row", f"expected a JSON object, found {type(item).__name__}")
    record = _record_from_uplink(item) if "end_device_ids" in item or "uplink_message" in item else _canonical(item)
    return {name: _scalar(value) for name, value in record.items()}


def _scalar(value: Any) -> Any:
    """A field's JSON value as validation takes it: text, a number or ``None``; a list or an object as its JSON text.

    A nested value is never a bin, a time or a number, so it fails validation with the reason its field gives
    (unknown_bin, bad_timestamp, bad_number) and is shown as written, instead of upsetting the vectorised checks.
    """
    if isinstance(value, bool):  # JSON true/false: a Python int, but never a reading's number
        return "true" if value else "false"
    if value is None or isinstance(value, str | int | float):
        return value
    try:
        return json.dumps(value, separators=(",", ":"), default=str)[:_RAW_LIMIT]
    except (ValueError, RecursionError):
        return repr(value)[:_RAW_LIMIT]


def _canonical(values: Mapping[str, Any]) -> dict[str, Any]:
    """Map a flat object's keys onto the canonical fields, converting centimetres and millivolts."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = _ALIAS_TO_FIELD.get(str(key).lower())
        if name is not None and name not in out:
            out[name] = value
    if "distance_mm" not in out and "distance_cm" in out:
        out["distance_mm"] = _scaled(out["distance_cm"], 10.0)
    if "battery_v" not in out and "battery_mv" in out:
        out["battery_v"] = _scaled(out["battery_mv"], 0.001)
    out.pop("distance_cm", None)
    out.pop("battery_mv", None)
    return out


def _scaled(value: Any, factor: float) -> Any:
    return value * factor if isinstance(value, int | float) and not isinstance(value, bool) else value


def _record_from_uplink(message: Mapping[str, Any]) -> dict[str, Any]:
    ids = message.get("end_device_ids")
    uplink = message.get("uplink_message")
    if not isinstance(ids, Mapping):
        raise _RecordError("end_device_ids", "malformed_row", "uplink without end_device_ids")
    if not isinstance(uplink, Mapping):
        raise _RecordError("uplink_message", "malformed_row", "not an uplink message (no uplink_message)")
    payload = uplink.get("decoded_payload")
    if not isinstance(payload, Mapping) or not payload:
        detail = "the uplink has no decoded_payload: set up a payload formatter for this device in the network server"
        raise _RecordError("uplink_message.decoded_payload", "no_decoded_payload", detail)
    record = {k: v for k, v in _canonical(payload).items() if k not in ("bin_id", "device_id", "dev_eui")}
    record["device_id"] = ids.get("device_id")
    record["dev_eui"] = ids.get("dev_eui")
    if "ts" not in record:
        record["ts"] = message.get("received_at") or uplink.get("received_at")
    if "seq" not in record:
        record["seq"] = uplink.get("f_cnt")
    return record
