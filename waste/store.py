"""The store: sites, bins, fleet, readings, quarantine, collections and plans, in SQLite or PostgreSQL.

SQLite is the embedded default (one file, write-ahead log so readers do not block the ingest); PostgreSQL is used
when the database URL says so. Every method takes and returns pandas DataFrames with the columns documented in
:mod:`waste.model`; times come back as timezone-aware UTC timestamps. Bulk writes skip rows whose key is already
stored, so ingesting the same data twice stores nothing twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, create_engine, delete, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from waste import schema
from waste._bulk import insert_ignoring_duplicates
from waste.errors import ConfigError
from waste.matching import tables as _matching_tables  # noqa: F401  (registers the matching tables)
from waste.migrate import upgrade
from waste.model import BIN_COLUMNS, FLEET_COLUMNS, SITE_COLUMNS, column_names
from waste.quarantine_text import storable, storable_quarantine
from waste.recycling import tables as _recycling_tables  # noqa: F401  (registers the recycling record table)

#: Columns of the readings frame the store returns (``ts`` is a UTC timestamp).
READING_FRAME_COLUMNS = ["bin_id", "ts", "fill_pct", "distance_mm", "battery_v", "temperature_c"]
#: Columns of the collections frame, the emptyings detected in (or recorded for) each bin.
COLLECTION_FRAME_COLUMNS = ["bin_id", "ts", "fill_before_pct", "fill_after_pct", "kind"]


def open_store(url: str | None = None) -> Store:
    """Open (and create if needed) the store at ``url``; the embedded SQLite default when ``None``.

    Raises
    ------
    ConfigError
        When the URL is malformed, its driver is not installed, or the server does not answer.
    """
    from waste.settings import DEFAULT_DATABASE_URL

    url = url or DEFAULT_DATABASE_URL
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        msg = f"not a database URL: {url!r} (expected e.g. sqlite:///waste.sqlite)"
        raise ConfigError(msg) from exc
    if parsed.drivername == "postgresql":
        # psycopg 3 is what the ``postgres`` extra installs; SQLAlchemy's bare default is psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed)
    except ModuleNotFoundError as exc:
        msg = (
            f"the driver for {parsed.drivername} is not installed ({exc.name}); pip install 'waste-optimiser[postgres]'"
        )
        raise ConfigError(msg) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(engine)
    try:
        store.create_schema()
    except OperationalError as exc:
        msg = f"cannot open the store at {parsed.render_as_string(hide_password=True)}: {exc.orig}"
        raise ConfigError(msg) from exc
    return store


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web app read while an ingest writes; NORMAL sync is durable across application crashes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Store:
    """A connection to the store; cheap to create, safe to share within a process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        """The store's URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def create_schema(self) -> None:
        """Create missing tables and check the schema version.

        A database written by an older version of the schema is upgraded in place (:mod:`waste.migrate`).

        Raises
        ------
        ConfigError
            When the database was written by a newer version of the schema.
        """
        schema.metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            found = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version"))
            version = found.scalar_one_or_none()
            if version is None:
                conn.execute(schema.meta.insert().values(key="schema_version", value=str(schema.SCHEMA_VERSION)))
            elif int(version) > schema.SCHEMA_VERSION:
                msg = (
                    f"the store at {self.url} has schema version {version}; this program knows {schema.SCHEMA_VERSION}"
                )
                raise ConfigError(msg)
            elif int(version) < schema.SCHEMA_VERSION:
                upgrade(conn, int(version))
                conn.execute(
                    schema.meta.update()
                    .where(schema.meta.c.key == "schema_version")
                    .values(value=str(schema.SCHEMA_VERSION))
                )

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    # -- reference data -------------------------------------------------------------------------------------

    def replace_city(
        self,
        city: str,
        sites: pd.DataFrame,
        bins: pd.DataFrame,
        fleet: pd.DataFrame,
        *,
        name: str | None = None,
        timezone: str = "UTC",
        currency: str = "USD",
    ) -> None:
        """Replace a city's sites, bins and fleet in one transaction (readings are kept).

        ``timezone`` is the IANA zone the city's clock times (opening hours, shifts, windows) are in.
        """
        with self.engine.begin() as conn:
            conn.execute(delete(schema.cities).where(schema.cities.c.city == city))
            conn.execute(
                schema.cities.insert().values(city=city, name=name or city, timezone=timezone, currency=currency)
            )
            for table, frame in ((schema.sites, sites), (schema.bins, bins), (schema.fleet, fleet)):
                conn.execute(delete(table).where(table.c.city == city))
                ids = _ids_of(table, frame)
                if ids is not None and len(ids):
                    # A bin moved from another city keeps its id: replace it wherever it was.
                    key = table.primary_key.columns.values()[0]
                    for chunk in _chunks(ids, 500):
                        conn.execute(delete(table).where(key.in_(chunk)))
                records = frame.assign(city=city).astype(object).where(frame.assign(city=city).notna(), None)
                if len(records):
                    conn.execute(table.insert(), records.to_dict("records"))

    def cities(self) -> list[str]:
        """Cities with bins in the store, sorted."""
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(schema.bins.c.city).distinct()).scalars())

    def city_info(self, city: str) -> dict[str, str]:
        """Name, time zone and currency of a city (UTC and USD for a city loaded without them)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.cities).where(schema.cities.c.city == city)).mappings().first()
        if row is None:
            return {"city": city, "name": city, "timezone": "UTC", "currency": "USD"}
        return dict(row)

    def sites(self, city: str | None = None) -> pd.DataFrame:
        """Sites (depots and disposal facilities), columns of :data:`waste.model.SITE_COLUMNS` plus ``city``."""
        return self._frame(schema.sites, column_names(SITE_COLUMNS), city)

    def bins(self, city: str | None = None) -> pd.DataFrame:
        """Bins, columns of :data:`waste.model.BIN_COLUMNS` plus ``city``, sorted by ``bin_id``."""
        return self._frame(schema.bins, column_names(BIN_COLUMNS), city)

    def fleet(self, city: str | None = None) -> pd.DataFrame:
        """Vehicle types, columns of :data:`waste.model.FLEET_COLUMNS` plus ``city``."""
        return self._frame(schema.fleet, column_names(FLEET_COLUMNS), city)

    def _frame(self, table: schema.Table, columns: list[str], city: str | None) -> pd.DataFrame:
        query = select(table)
        if city is not None:
            query = query.where(table.c.city == city)
        query = query.order_by(*table.primary_key.columns)
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in table.columns])
        return frame[[*columns, "city"]]

    # -- readings ---------------------------------------------------------------------------------------------

    def insert_readings(self, frame: pd.DataFrame) -> int:
        """Store readings, skipping any whose (bin, time) is already stored; return how many were new.

        ``frame`` has ``bin_id``, ``ts_unix_s`` (int64 Unix seconds, UTC), ``fill_pct`` and optionally
        ``distance_mm``, ``battery_v``, ``temperature_c`` (NaN where absent).
        """
        columns = [c.name for c in schema.readings.columns]
        data = frame.reindex(columns=columns)
        return insert_ignoring_duplicates(self.engine, schema.readings, data)

    def readings(
        self,
        bin_ids: Sequence[str] | None = None,
        since: pd.Timestamp | str | None = None,
        until: pd.Timestamp | str | None = None,
        *,
        city: str | None = None,
    ) -> pd.DataFrame:
        """Readings sorted by bin and time, with ``ts`` as UTC timestamps; bounds are inclusive."""
        table = schema.readings
        query = select(table)
        if bin_ids is not None:
            query = query.where(table.c.bin_id.in_(list(bin_ids)))
        if city is not None:
            query = query.where(table.c.bin_id.in_(select(schema.bins.c.bin_id).where(schema.bins.c.city == city)))
        if since is not None:
            query = query.where(table.c.ts_unix_s >= _unix_s(since))
        if until is not None:
            query = query.where(table.c.ts_unix_s <= _unix_s(until))
        query = query.order_by(table.c.bin_id, table.c.ts_unix_s)
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        return _with_timestamps(frame)[READING_FRAME_COLUMNS]

    def latest_readings(self, city: str | None = None) -> pd.DataFrame:
        """The newest reading of every bin that has one, with ``ts`` as UTC timestamps."""
        table = schema.readings
        newest = select(table.c.bin_id, func.max(table.c.ts_unix_s).label("ts_unix_s")).group_by(table.c.bin_id)
        if city is not None:
            newest = newest.where(table.c.bin_id.in_(select(schema.bins.c.bin_id).where(schema.bins.c.city == city)))
        newest_sq = newest.subquery()
        query = select(table).join(
            newest_sq,
            (table.c.bin_id == newest_sq.c.bin_id) & (table.c.ts_unix_s == newest_sq.c.ts_unix_s),
        )
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        return _with_timestamps(frame)[READING_FRAME_COLUMNS].sort_values("bin_id", ignore_index=True)

    def count_readings(self) -> int:
        """Number of readings stored."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.readings)).scalar_one())

    # -- quarantine and ingest runs ---------------------------------------------------------------------------

    def insert_quarantine(self, frame: pd.DataFrame) -> int:
        """Store rejected rows (columns of the ``quarantine`` table but its id and digest); return how many were new.

        A row already quarantined (same source, row, field, reason, value and raw text) is not stored twice. NUL and
        surrogate characters, which the databases refuse, are stored as escapes (:mod:`waste.quarantine_text`).
        """
        columns = [c.name for c in schema.quarantine.columns if c.name != "quarantine_id"]
        data = storable_quarantine(frame.reindex(columns=[c for c in columns if c != "digest"]))
        return insert_ignoring_duplicates(self.engine, schema.quarantine, data.reindex(columns=columns))

    def quarantine(
        self, source: str | None = None, reason: str | None = None, limit: int | None = None
    ) -> pd.DataFrame:
        """Rejected rows, oldest first, optionally for one source or reason."""
        table = schema.quarantine
        query = select(table).order_by(table.c.quarantine_id)
        if source is not None:
            query = query.where(table.c.source == source)
        if reason is not None:
            query = query.where(table.c.reason == reason)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)

    def record_ingest_run(
        self, source: str, rows_read: int, stored: int, already: int, quarantined: int, note: str | None = None
    ) -> None:
        """Log one ingest of one source, for audit; ``note`` says why it stopped early (a truncated archive)."""
        with self.engine.begin() as conn:
            conn.execute(
                schema.ingest_runs.insert().values(
                    source=storable(source),
                    started_unix_s=int(time.time()),
                    rows_read=rows_read,
                    stored=stored,
                    already_stored=already,
                    quarantined=quarantined,
                    note=storable(note),
                )
            )

    def ingest_runs(self) -> pd.DataFrame:
        """Every logged ingest, oldest first."""
        with self.engine.connect() as conn:
            return pd.read_sql(select(schema.ingest_runs).order_by(schema.ingest_runs.c.run_id), conn)

    # -- collections and plans --------------------------------------------------------------------------------

    def save_collections(self, frame: pd.DataFrame) -> int:
        """Store emptyings (columns of :data:`COLLECTION_FRAME_COLUMNS`); return how many were new."""
        data = frame.assign(ts_unix_s=_unix_s_array(frame["ts"])).drop(columns=["ts"])
        columns = [c.name for c in schema.collections.columns]
        return insert_ignoring_duplicates(self.engine, schema.collections, data.reindex(columns=columns))

    def collections(self, bin_ids: Sequence[str] | None = None) -> pd.DataFrame:
        """Stored emptyings sorted by bin and time, ``ts`` as UTC timestamps."""
        table = schema.collections
        query = select(table).order_by(table.c.bin_id, table.c.ts_unix_s)
        if bin_ids is not None:
            query = query.where(table.c.bin_id.in_(list(bin_ids)))
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        return _with_timestamps(frame)[COLLECTION_FRAME_COLUMNS]

    def save_plan(self, city: str, plan_date: str, solver: str, cost: float | None, payload: dict[str, Any]) -> int:
        """Store a collection plan as JSON; return its id."""
        with self.engine.begin() as conn:
            result = conn.execute(
                schema.plans.insert().values(
                    city=city,
                    plan_date=plan_date,
                    created_unix_s=int(time.time()),
                    solver=solver,
                    cost=cost,
                    payload=json.dumps(payload),
                )
            )
            return int(result.inserted_primary_key[0])

    def plan(self, plan_id: int) -> dict[str, Any] | None:
        """One stored plan: its row (``plan_id``, ``city``, ``plan_date``, ...) with ``payload`` parsed from JSON.

        ``None`` when there is none, including for an id no 64-bit key can hold.
        """
        if not 0 < int(plan_id) < 2**63:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.plans).where(schema.plans.c.plan_id == int(plan_id))).mappings().first()
        if row is None:
            return None
        return {**dict(row), "payload": json.loads(row["payload"])}

    def plans(self, city: str | None = None) -> pd.DataFrame:
        """Stored plans, newest first, without their payload."""
        table = schema.plans
        query = select(*(c for c in table.columns if c.name != "payload")).order_by(table.c.plan_id.desc())
        if city is not None:
            query = query.where(table.c.city == city)
        with self.engine.connect() as conn:
            return pd.read_sql(query, conn)


def _ids_of(table: schema.Table, frame: pd.DataFrame) -> list[str] | None:
    key = table.primary_key.columns.values()
    if len(key) != 1 or key[0].name not in frame:
        return None
    return frame[key[0].name].astype(str).tolist()


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unix_s(value: pd.Timestamp | str) -> int:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return int(stamp.timestamp())


def _unix_s_array(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values, utc=True)
    return (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)


def _with_timestamps(frame: pd.DataFrame) -> pd.DataFrame:
    ts = pd.to_datetime(frame["ts_unix_s"].astype("int64"), unit="s", utc=True).astype("datetime64[ns, UTC]")
    return frame.drop(columns=["ts_unix_s"]).assign(ts=ts)
