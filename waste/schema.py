"""The store's tables, defined once with SQLAlchemy Core for SQLite and PostgreSQL alike.

Times are stored as integer Unix seconds (UTC) rather than SQL timestamps: the representation is identical on both
back ends, exact, compact, and lets bulk ingest skip per-row datetime conversion (the difference between about
30,000 and well over 100,000 readings a second into SQLite). The library converts them to timezone-aware UTC
pandas timestamps on the way out.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

#: Bump when the tables change shape; the store refuses a database written by a newer schema and upgrades an older
#: one (:mod:`waste.migrate`). Version 2: the quarantine keys a row by its content, ingest runs carry a note.
#: Version 3: the matching platform and recycling record tables (added only; nothing else changed).
SCHEMA_VERSION = 3

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

cities = Table(
    "cities",
    metadata,
    Column("city", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("currency", String(8), nullable=False),
)

sites = Table(
    "sites",
    metadata,
    Column("site_id", String(64), primary_key=True),
    Column("city", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("opens", String(5), nullable=False),
    Column("closes", String(5), nullable=False),
    Column("streams", Text, nullable=False),
    Column("unload_s", Float, nullable=False),
    Column("source", Text),
)

bins = Table(
    "bins",
    metadata,
    Column("bin_id", String(64), primary_key=True),
    Column("city", String(64), nullable=False, index=True),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("stream", String(16), nullable=False),
    Column("capacity_l", Float, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("compaction_ratio", Float, nullable=False),
    Column("depth_mm", Float, nullable=False),
    Column("service_s", Float, nullable=False),
    Column("tw_start", String(5)),
    Column("tw_end", String(5)),
    Column("area", String(16), nullable=False),
    Column("density_kg_m3", Float, nullable=False),
    Column("device_id", String(128), index=True),
    Column("dev_eui", String(16), index=True),
)

fleet = Table(
    "fleet",
    metadata,
    Column("city", String(64), primary_key=True),
    Column("vehicle_type", String(64), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("capacity_kg", Float, nullable=False),
    Column("capacity_m3", Float, nullable=False),
    Column("compaction_ratio", Float, nullable=False),
    Column("shift_start", String(5), nullable=False),
    Column("shift_end", String(5), nullable=False),
    Column("depot_id", String(64), nullable=False),
    Column("fixed_cost", Float, nullable=False),
    Column("cost_per_km", Float, nullable=False),
    Column("cost_per_h", Float, nullable=False),
    Column("streams", Text, nullable=False),
)

readings = Table(
    "readings",
    metadata,
    Column("bin_id", String(64), primary_key=True),
    Column("ts_unix_s", BigInteger, primary_key=True, autoincrement=False),
    Column("fill_pct", Float, nullable=False),
    Column("distance_mm", Float),
    Column("battery_v", Float),
    Column("temperature_c", Float),
    # The primary key is the only index: (bin_id, ts) answers every query the forecast makes, and a
    # clustered table without rowid keeps one bin's history together on disk.
    sqlite_with_rowid=False,
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("quarantine_id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("row", BigInteger, nullable=False),
    Column("field", String(64), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("value", Text),
    Column("detail", Text, nullable=False),
    Column("raw", Text),
    Column("ingested_unix_s", BigInteger, nullable=False),
    # Hash of the row's value and raw text (:func:`waste.quarantine_text.row_digest`).
    Column("digest", String(32), nullable=False),
    # The same bad row seen again (a file ingested twice, a batch posted twice) is not quarantined twice; a
    # different row at the same line of a later file of the same name, or a second bad field of one row, is kept.
    UniqueConstraint("source", "row", "field", "reason", "digest", name="uq_quarantine_row_content"),
)
Index("ix_quarantine_reason", quarantine.c.reason)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("started_unix_s", BigInteger, nullable=False),
    Column("rows_read", BigInteger, nullable=False),
    Column("stored", BigInteger, nullable=False),
    Column("already_stored", BigInteger, nullable=False),
    Column("quarantined", BigInteger, nullable=False),
    # Why the source was not read to its end (a truncated archive), or NULL.
    Column("note", Text),
)

collections = Table(
    "collections",
    metadata,
    Column("bin_id", String(64), primary_key=True),
    Column("ts_unix_s", BigInteger, primary_key=True, autoincrement=False),
    Column("fill_before_pct", Float, nullable=False),
    Column("fill_after_pct", Float, nullable=False),
    Column("kind", String(16), nullable=False),
)

plans = Table(
    "plans",
    metadata,
    Column("plan_id", Integer, primary_key=True, autoincrement=True),
    Column("city", String(64), nullable=False, index=True),
    Column("plan_date", String(10), nullable=False),
    Column("created_unix_s", BigInteger, nullable=False),
    Column("solver", String(64), nullable=False),
    Column("cost", Float),
    Column("payload", Text, nullable=False),
)
