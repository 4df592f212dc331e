"""Ingest: sensor readings from files or live messages, validated, stored, and the rest quarantined.

``ingest_file`` streams a file in batches (a progress callback sees the bytes read), validates each batch against
the bins in the store (:mod:`waste.validate`), stores every valid row, and quarantines every invalid one with its
source, line, field and reason. Rows already in the store are skipped and counted, so re-ingesting a file is
harmless. ``ingest_records`` does the same for readings that arrive as JSON objects (webhooks, MQTT).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from waste.errors import InputError
from waste.json_records import RecordError, compact_json, record_from_json
from waste.readers import (
    ProgressCallback,
    RawBatch,
    ReadStoppedError,
    Rejected,
    read_batches,
    records_frame,
)
from waste.store import Store
from waste.validate import BinLookup, SourceState, ValidatedBatch, validate_batch


@dataclass(slots=True)
class IngestReport:
    """What one ingest of one source did.

    Attributes
    ----------
    source
        File path or message topic.
    rows_read
        Rows (or messages) read, good and bad.
    stored
        New readings stored.
    already_stored
        Valid readings that were in the store already (the same data ingested before).
    quarantined
        Rows rejected this time, by reason in :attr:`reasons`.
    already_quarantined
        Of those, rows the quarantine held already (the same bad row of the same source seen before), so the
        quarantine gained ``quarantined - already_quarantined`` rejected rows.
    fields_dropped
        Battery or temperature values left out of stored readings (not a number, out of range), by reason in
        :attr:`dropped_reasons`; each is noted in the quarantine with its raw row.
    seconds
        Wall-clock time taken.
    error
        Why nothing could be read from the source at all, or ``None``.
    note
        Why the source was not read to its end (a truncated archive), or ``None``; the rows before were ingested.
    rejected, dropped
        The rejected rows and the dropped fields themselves (``line``, ``field``, ``reason``, ``value``,
        ``detail``), kept by :func:`ingest_records` only, so that an API can answer each bad row.
    """

    source: str
    rows_read: int = 0
    stored: int = 0
    already_stored: int = 0
    quarantined: int = 0
    already_quarantined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    fields_dropped: int = 0
    dropped_reasons: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    error: str | None = None
    note: str | None = None
    rejected: pd.DataFrame | None = None
    dropped: pd.DataFrame | None = None

    @property
    def rows_per_s(self) -> float:
        """Throughput in rows read per second."""
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    def add(self, other: IngestReport) -> None:
        """Accumulate another report of the same source (as the MQTT listener does, message by message)."""
        self.rows_read += other.rows_read
        self.stored += other.stored
        self.already_stored += other.already_stored
        self.quarantined += other.quarantined
        self.already_quarantined += other.already_quarantined
        self.reasons.update(other.reasons)
        self.fields_dropped += other.fields_dropped
        self.dropped_reasons.update(other.dropped_reasons)
        self.seconds += other.seconds


def _now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC")


def ingest_file(
    store: Store,
    path: Path,
    *,
    now: pd.Timestamp | None = None,
    progress: ProgressCallback | None = None,
    chunk_rows: int = 250_000,
    bins: BinLookup | None = None,
) -> IngestReport:
    """Ingest one file of readings (CSV, JSON lines, JSON, LoRaWAN uplinks; optionally gzip-compressed).

    Parameters
    ----------
    store
        Where readings and quarantined rows go; its bins decide which readings are known.
    path
        The file.
    now
        The moment of ingest (UTC) that future timestamps are judged against; the clock by default.
    progress
        Called with (bytes read, file size) as the file is read.
    chunk_rows
        Rows validated and stored at a time; bounds memory on large files.
    bins
        Known bins; read from the store when ``None``.

    Raises
    ------
    InputError
        When nothing can be read from the file (missing, unreadable, no usable header). A file that cannot be read
        on part-way (a truncated archive) is not an error: its rows before that point are ingested, and
        :attr:`IngestReport.note` and the run record say where it stopped.
    """
    started = time.perf_counter()
    now = _now() if now is None else now
    lookup = BinLookup.from_bins(store.bins()) if bins is None else bins
    source = str(path)
    report = IngestReport(source=source)
    state = SourceState()
    try:
        for batch in read_batches(path, chunk_rows=chunk_rows, progress=progress):
            _store_batch(store, source, validate_batch(batch, lookup, now=now, state=state), report, batch, now)
    except ReadStoppedError as exc:
        report.note = exc.reason  # a truncated archive: what was read is stored, and the run says where it stopped
    report.seconds = time.perf_counter() - started
    store.record_ingest_run(
        source, report.rows_read, report.stored, report.already_stored, report.quarantined, note=report.note
    )
    return report


def ingest_files(
    store: Store,
    paths: Iterable[Path],
    *,
    now: pd.Timestamp | None = None,
    progress: ProgressCallback | None = None,
) -> list[IngestReport]:
    """Ingest several files; a file that cannot be read at all is reported, and the others still ingested."""
    lookup = BinLookup.from_bins(store.bins())
    reports = []
    for path in paths:
        try:
            reports.append(ingest_file(store, path, now=now, progress=progress, bins=lookup))
        except InputError as exc:
            reports.append(IngestReport(source=str(path), error=str(exc)))
    return reports


def ingest_records(
    store: Store,
    records: Iterable[Mapping[str, Any]],
    source: str,
    *,
    first_line: int = 1,
    now: pd.Timestamp | None = None,
    state: SourceState | None = None,
    bins: BinLookup | None = None,
) -> IngestReport:
    """Ingest readings given as JSON objects: plain readings or The Things Stack uplink messages.

    Parameters
    ----------
    records
        Parsed JSON objects.
    source
        Name kept with quarantined rows, such as the MQTT topic or ``webhook``.
    first_line
        Number given to the first record, so a long-running listener numbers its messages on.
    state
        Memory of earlier records of the same source (frame counters, keys seen), updated in place.
    """
    started = time.perf_counter()
    now = _now() if now is None else now
    lookup = BinLookup.from_bins(store.bins()) if bins is None else bins
    rows: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    for number, item in enumerate(records, start=first_line):
        raw = compact_json(item)
        try:
            rows.append({"line": number, **record_from_json(item), "raw": raw})
        except RecordError as exc:
            rejected.append(Rejected(number, exc.field, exc.reason, exc.detail, raw=raw))
    batch = RawBatch(records_frame(rows), rejected)
    report = IngestReport(source=source)
    result = validate_batch(batch, lookup, now=now, state=state)
    _store_batch(store, source, result, report, batch, now)
    report.rejected = result.rejected.drop(columns="raw")
    report.dropped = result.dropped.drop(columns="raw")
    report.seconds = time.perf_counter() - started
    return report


def _store_batch(
    store: Store,
    source: str,
    result: ValidatedBatch,
    report: IngestReport,
    batch: RawBatch,
    now: pd.Timestamp,
) -> None:
    stored = store.insert_readings(result.valid)
    report.rows_read += len(batch.frame) + len(batch.rejected)
    report.stored += stored
    report.already_stored += len(result.valid) - stored
    stamp = int(now.timestamp())
    for kind, notes in (("rejected", result.rejected), ("dropped", result.dropped)):
        if not len(notes):
            continue
        quarantine = notes.assign(source=source, ingested_unix_s=stamp)
        quarantine["row"] = quarantine.pop("line")
        new = store.insert_quarantine(quarantine)
        if kind == "rejected":
            report.already_quarantined += len(notes) - new
    report.quarantined += len(result.rejected)
    report.reasons.update(result.rejected["reason"].tolist())
    report.fields_dropped += len(result.dropped)
    report.dropped_reasons.update(result.dropped["reason"].tolist())
