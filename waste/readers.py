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
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from waste.errors import InputError
from waste.json_records import RecordError, record_from_json
from waste.quarantine_text import storable
from waste.reading_fields import ALIAS_TO_FIELD, CSV_ALIASES, RAW_COLUMNS, RAW_LIMIT
from waste.text_stream import MAX_LINE_CHARS, CappedLines, JsonArrayError, is_utf8, json_array_items, unreadable


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
            return ",".join(self.csv_rows[index])[:RAW_LIMIT]
        raw = self.frame["raw"].iat[index]
        return None if raw is None else str(raw)[:RAW_LIMIT]


ProgressCallback = Callable[[int, int], None]


def read_batches(
    path: Path, *, chunk_rows: int = 250_000, progress: ProgressCallback | None = None
) -> Iterator[RawBatch]:
    """Read a file of readings in batches of at most ``chunk_rows`` rows.

    A row holding bytes that are not UTF-8 is rejected (``bad_encoding``) and a line longer than
    :data:`waste.text_stream.MAX_LINE_CHARS` too (``line_too_long``); the rows around them are read on.

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
    ReadStoppedError
        When the file cannot be read on part-way (a truncated or corrupt archive), after the batches read before.
    """
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    size = path.stat().st_size
    with path.open("rb") as binary, gzip.open(binary) if path.suffix == ".gz" else nullcontext(binary) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
        try:
            kind = _format_of(path, text)
            batches = _csv_batches(text, path, chunk_rows) if kind == "csv" else _json_batches(text, path, chunk_rows)
            for batch in batches:
                yield batch
                if progress is not None:
                    progress(binary.tell(), size)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"cannot read: {exc}", file=str(path)) from exc


class ReadStoppedError(InputError):
    """The file could not be read on after some rows (a truncated archive); the rows before were given."""


#: Errors of the stream itself, part-way through a file: a truncated or corrupt gzip archive, a failing disk.
_STREAM_ERRORS = (OSError, EOFError, zlib.error)


def _stopped(path: Path, line: int, exc: BaseException) -> ReadStoppedError:
    detail = str(exc) or type(exc).__name__
    return ReadStoppedError(f"the file could not be read after line {line} ({detail}); the rows before it were read")


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
def _field_size_limit(limit: int) -> Iterator[None]:
    """Raise the csv module's 128 kB field limit to the line cap while reading: an oversized field is a bad row."""
    previous = csv.field_size_limit()
    csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _csv_batches(text: io.TextIOWrapper, path: Path, chunk_rows: int) -> Iterator[RawBatch]:
    with _field_size_limit(MAX_LINE_CHARS):
        yield from _csv_batches_capped(CappedLines(text), path, chunk_rows)


def _csv_batches_capped(lines: CappedLines, path: Path, chunk_rows: int) -> Iterator[RawBatch]:
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("empty file: no header line", file=str(path), row=1) from None
    except csv.Error as exc:
        raise InputError(f"cannot parse the header: {exc}", file=str(path), row=1) from exc
    names = [ALIAS_TO_FIELD.get(h.strip().lower(), h.strip().lower()) for h in header]
    _check_header(names, path)
    width = len(names)
    positions = {name: i for i, name in enumerate(names) if name in CSV_ALIASES}
    while True:
        first_line = reader.line_num
        chunk: list[list[str]] = []
        rejected: list[Rejected] = []
        stopped: BaseException | None = None
        try:
            chunk.extend(itertools.islice(reader, chunk_rows))  # rows read before an error are kept
        except csv.Error as exc:
            # A field longer than the cap (quoted across lines) or an unterminated quote at the end: that row is
            # bad, and the reader goes on after it.
            reason = "line_too_long" if "field limit" in str(exc) else "malformed_row"
            rejected.append(Rejected(reader.line_num, "(row)", reason, f"cannot parse as CSV: {exc}"))
        except _STREAM_ERRORS as exc:
            stopped = exc
        rejected.extend(_too_long(lines))
        if not chunk and not rejected and stopped is None:
            return
        exact = not rejected and stopped is None
        line_numbers = _line_numbers(chunk, first_line, reader.line_num if exact else None)
        chunk, line_numbers = _drop_bad_rows(chunk, line_numbers, width, rejected)
        yield RawBatch(_csv_frame(chunk, line_numbers, positions), rejected, chunk)
        if stopped is not None:
            raise _stopped(path, reader.line_num, stopped) from stopped


def _too_long(lines: CappedLines) -> list[Rejected]:
    """Rejections of the lines :class:`CappedLines` skipped since it was last asked."""
    detail = f"a line longer than {MAX_LINE_CHARS:,} characters"
    found = [Rejected(n, "(row)", "line_too_long", detail) for n in lines.too_long]
    lines.too_long.clear()
    return found


def _drop_bad_rows(
    chunk: list[list[str]], line_numbers: np.ndarray, width: int, rejected: list[Rejected]
) -> tuple[list[list[str]], np.ndarray]:
    """Take out blank lines, rows of the wrong width (``malformed_row``) and rows that were not UTF-8."""
    widths = np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk))
    keep = widths == width
    for i in np.flatnonzero(~keep).tolist():
        fields = chunk[i]
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # a blank line
        detail = f"expected {width} fields, found {len(fields)}"
        rejected.append(Rejected(int(line_numbers[i]), "(row)", "malformed_row", detail, raw=",".join(fields)))
    if not is_utf8("\x1f".join(itertools.chain.from_iterable(chunk))):  # one check for a clean chunk
        for i in np.flatnonzero(keep).tolist():
            raw = ",".join(chunk[i])
            if not is_utf8(raw):
                keep[i] = False
                rejected.append(Rejected(int(line_numbers[i]), "(row)", "bad_encoding", _NOT_UTF8, raw=raw))
    if keep.all():
        return chunk, line_numbers
    return [row for row, ok in zip(chunk, keep.tolist(), strict=True) if ok], line_numbers[keep]


_NOT_UTF8 = "bytes that are not UTF-8 (shown as \\xNN); save the file as UTF-8"


def _line_numbers(chunk: list[list[str]], first_line: int, last_line: int | None) -> np.ndarray:
    """Line number of each row: consecutive, unless quoted fields span lines (then counted from their newlines).

    ``last_line`` is ``None`` when the chunk ended at an error: then the rows are counted from their newlines.
    """
    if last_line is not None and last_line - first_line == len(chunk):
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
        msg = f"the header lacks {', '.join(problems)}; found: {storable(', '.join(names))}"
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


def _json_batches(text: io.TextIOWrapper, path: Path, chunk_rows: int) -> Iterator[RawBatch]:
    # A .jsonl file is JSON lines whatever its first line holds (a first line of "[[[..." is a bad row, not an array).
    lines_by_name = any(s.lower() in (".jsonl", ".ndjson") for s in path.suffixes)
    first = text.buffer.peek(64).lstrip()[:1] if hasattr(text.buffer, "peek") else b""  # type: ignore[attr-defined]
    numbered = _json_array(text) if first == b"[" and not lines_by_name else _json_lines(text)
    records: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    number = 0
    try:
        for number, item, raw in numbered:
            if isinstance(item, Rejected):
                rejected.append(item)
                continue
            try:
                records.append({"line": number, **record_from_json(item), "raw": raw[:RAW_LIMIT]})
            except RecordError as exc:
                rejected.append(Rejected(number, exc.field, exc.reason, exc.detail, raw=raw[:RAW_LIMIT]))
            if len(records) >= chunk_rows:
                yield RawBatch(_records_frame(records), rejected)
                records, rejected = [], []
    except JsonArrayError as exc:
        rejected.append(Rejected(number + 1, "(row)", "malformed_row", f"invalid JSON array: {exc}"))
    except _STREAM_ERRORS as exc:
        yield RawBatch(_records_frame(records), rejected)
        raise _stopped(path, number, exc) from exc
    if records or rejected:
        yield RawBatch(_records_frame(records), rejected)


def _json_array(text: io.TextIOWrapper) -> Iterator[tuple[int, Any, str]]:
    """Items of a JSON array, one at a time; skipped ones (too long, not JSON, not UTF-8) as rejections."""
    for number, item, raw in json_array_items(text):
        skipped = unreadable(item)
        if skipped is not None:
            yield number, Rejected(number, "(row)", skipped[0], skipped[1], raw=raw[:RAW_LIMIT]), raw
        elif not is_utf8(raw):
            yield number, Rejected(number, "(row)", "bad_encoding", _NOT_UTF8, raw=raw[:RAW_LIMIT]), raw
        else:
            yield number, item, raw


def _json_lines(text: io.TextIOWrapper) -> Iterator[tuple[int, Any, str]]:
    lines = CappedLines(text)
    for number, line in enumerate(lines, start=1):
        for skipped in _too_long(lines):
            yield skipped.line, skipped, ""
        stripped = line.strip()
        if not stripped:
            continue
        if not is_utf8(stripped):
            yield number, Rejected(number, "(row)", "bad_encoding", _NOT_UTF8, raw=stripped[:RAW_LIMIT]), stripped
            continue
        try:
            yield number, json.loads(stripped), stripped
        except (ValueError, RecursionError) as exc:
            rejected = Rejected(number, "(row)", "malformed_row", _json_error(exc), raw=stripped[:RAW_LIMIT])
            yield number, rejected, stripped


def _json_error(exc: ValueError | RecursionError) -> str:
    """Why a JSON text was refused: its syntax error, an integer of thousands of digits, or nesting too deep."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg}"
    if isinstance(exc, RecursionError):
        return "invalid JSON: nested too deeply"
    return f"invalid JSON: {exc}"


def records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """A raw batch frame from records made by :func:`record_from_json` (plus ``line`` and ``raw``)."""
    return _records_frame(records)


def _records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Columns kept as the JSON values they are (``object``): no type inference that a 400-digit number upsets."""
    data: dict[str, Any] = {"line": np.fromiter((r["line"] for r in records), dtype=np.int64, count=len(records))}
    for name in RAW_COLUMNS[1:]:
        data[name] = pd.Series([r.get(name) for r in records], dtype=object)
    return pd.DataFrame(data)
