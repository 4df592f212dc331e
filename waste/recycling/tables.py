"""The ``recycling_records`` table, declared on the store's one :data:`waste.schema.metadata`."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, String, Table, Text

from waste.schema import metadata

recycling_records = Table(
    "recycling_records",
    metadata,
    Column("record_id", Integer, primary_key=True, autoincrement=True),
    Column("city", String(64), nullable=False, index=True),
    Column("district", String(64), nullable=False),
    Column("collected_on", String(10), nullable=False, index=True),
    Column("stream", String(16), nullable=False),
    Column("weight_kg", Float, nullable=False),
    # "scale" (a truck scale reading) or "estimate" (fill times volume times density): which one the weight is.
    Column("weight_source", String(16), nullable=False),
    Column("volume_m3", Float),
    Column("fill_pct", Float),
    Column("density_kg_m3", Float),
    Column("contaminated", Boolean, nullable=False),
    Column("reuse_items", Integer, nullable=False),
    Column("reuse_kg", Float, nullable=False),
    Column("reuse_kind", Text),
    Column("request_id", Integer, index=True),
    Column("bin_id", String(64)),
    Column("hauler_id", String(64)),
    Column("recorded_by", String(64), nullable=False),
    Column("created_unix_s", BigInteger, nullable=False),
)
