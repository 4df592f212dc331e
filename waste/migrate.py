"""Upgrading a store written by an older version of the schema, in place, keeping every row.

Version 1 to 2: the quarantine's unique key (source, row, reason) dropped a second bad row at the same line of a
later file of the same name, and a row's second bad field of the same reason. Version 2 keys a quarantined row by
(source, row, field, reason, digest of its value and raw text), and ``ingest_runs`` gains a ``note``. SQLite cannot
drop a table constraint, so there the quarantine table is rebuilt; PostgreSQL alters it.

Version 2 to 3 only adds tables (the matching platform's and the recycling records'), which
:meth:`waste.store.Store.create_schema` creates before it upgrades: nothing to alter.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from waste import schema
from waste.quarantine_text import row_digest, storable

_BATCH_ROWS = 10_000


def upgrade(conn: Connection, version: int) -> None:
    """Bring the tables from ``version`` to :data:`waste.schema.SCHEMA_VERSION` within the caller's transaction."""
    if version < 2:
        _to_version_2(conn)


def _to_version_2(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE ingest_runs ADD COLUMN note TEXT"))
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE quarantine ADD COLUMN digest VARCHAR(32)"))
        conn.execute(text("ALTER TABLE quarantine DROP CONSTRAINT uq_quarantine_source_row_reason"))
        _fill_digests(conn, "quarantine", write_to="quarantine")
        conn.execute(text("ALTER TABLE quarantine ALTER COLUMN digest SET NOT NULL"))
        conn.execute(
            text(
                "ALTER TABLE quarantine ADD CONSTRAINT uq_quarantine_row_content "
                'UNIQUE (source, "row", field, reason, digest)'
            )
        )
        return
    conn.execute(text("DROP INDEX IF EXISTS ix_quarantine_reason"))
    conn.execute(text("ALTER TABLE quarantine RENAME TO quarantine_v1"))
    schema.quarantine.create(conn)
    for index in schema.quarantine.indexes:
        index.create(conn, checkfirst=True)
    _fill_digests(conn, "quarantine_v1", write_to=None)
    conn.execute(text("DROP TABLE quarantine_v1"))


def _fill_digests(conn: Connection, source_table: str, write_to: str | None) -> None:
    """Compute each old row's digest; update it in place (``write_to``) or copy the row into the new table."""
    last_id = 0
    while True:
        rows = (
            conn.execute(
                text(f"SELECT * FROM {source_table} WHERE quarantine_id > :last ORDER BY quarantine_id LIMIT :n"),
                {"last": last_id, "n": _BATCH_ROWS},
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        last_id = rows[-1]["quarantine_id"]
        if write_to is not None:
            conn.execute(
                text(f"UPDATE {write_to} SET digest = :digest WHERE quarantine_id = :quarantine_id"),
                [{"quarantine_id": r["quarantine_id"], "digest": row_digest(r["value"], r["raw"])} for r in rows],
            )
            continue
        conn.execute(
            schema.quarantine.insert(),
            [
                {
                    **{k: storable(v) for k, v in r.items()},
                    "digest": row_digest(storable(r["value"]), storable(r["raw"])),
                }
                for r in rows
            ],
        )
