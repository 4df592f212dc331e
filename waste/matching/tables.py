"""Tables of the matching platform, declared on the store's one :data:`waste.schema.metadata`.

Times are integer Unix seconds (UTC) as in every other table; dates of service are local ``YYYY-MM-DD`` text, the
city's own calendar. Money is in the hauler's currency (the city's: USD in Baltimore, BOB in Santa Cruz).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Index, Integer, String, Table, Text

from waste.schema import metadata

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("city", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("name", Text, nullable=False),
    # Set for a hauler's account: the hauler it speaks for.
    Column("hauler_id", String(64)),
    Column("webhook_url", Text),
    # Only a SHA-256 of the token is kept: a stolen database does not hand out working tokens.
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_unix_s", BigInteger, nullable=False),
)

haulers = Table(
    "haulers",
    metadata,
    Column("hauler_id", String(64), primary_key=True),
    Column("city", String(64), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("service_area", Text, nullable=False),
    Column("streams", Text, nullable=False),
    Column("containers", Text, nullable=False),
    Column("depot_lat", Float, nullable=False),
    Column("depot_lon", Float, nullable=False),
    Column("disposal_lat", Float, nullable=False),
    Column("disposal_lon", Float, nullable=False),
    Column("trucks", Integer, nullable=False),
    Column("truck_capacity_m3", Float, nullable=False),
    Column("truck_day_cost", Float, nullable=False),
    Column("cost_per_km", Float, nullable=False),
    Column("cost_per_h", Float, nullable=False),
    Column("shift_start", String(5), nullable=False),
    Column("shift_end", String(5), nullable=False),
    Column("working_days", Text, nullable=False),
    Column("max_pickups_per_day", Integer, nullable=False),
    Column("currency", String(8), nullable=False),
    Column("price_per_pickup", Float, nullable=False),
    Column("price_per_m3", Float, nullable=False),
    Column("price_per_tonne", Float, nullable=False),
    Column("price_per_km_outside", Float, nullable=False),
    Column("base_radius_km", Float, nullable=False),
    Column("target_share", Float),
    Column("source", Text),
)

requests = Table(
    "requests",
    metadata,
    Column("request_id", Integer, primary_key=True, autoincrement=True),
    Column("city", String(64), nullable=False, index=True),
    Column("account_id", String(64), nullable=False, index=True),
    Column("address", Text, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("district", String(64)),
    Column("stream", String(16), nullable=False),
    Column("container", String(32), nullable=False),
    Column("volume_m3", Float, nullable=False),
    Column("earliest", String(10), nullable=False),
    Column("latest", String(10), nullable=False),
    Column("source", String(16), nullable=False),
    Column("bin_id", String(64)),
    Column("status", String(16), nullable=False),
    Column("hauler_id", String(64), index=True),
    Column("offer_id", Integer),
    Column("service_date", String(10)),
    Column("window_start", String(5)),
    Column("window_end", String(5)),
    Column("price", Float),
    Column("credit", Float, nullable=False, default=0.0),
    Column("recovery_of", Integer),
    Column("created_unix_s", BigInteger, nullable=False),
    Column("updated_unix_s", BigInteger, nullable=False),
)
Index("ix_requests_service", requests.c.hauler_id, requests.c.service_date)

offers = Table(
    "offers",
    metadata,
    Column("offer_id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, nullable=False, index=True),
    Column("hauler_id", String(64), nullable=False, index=True),
    Column("service_date", String(10), nullable=False),
    Column("window_start", String(5), nullable=False),
    Column("window_end", String(5), nullable=False),
    Column("price", Float, nullable=False),
    Column("marginal_cost", Float, nullable=False),
    Column("road_km_from_depot", Float, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_unix_s", BigInteger, nullable=False),
)

request_events = Table(
    "request_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, nullable=False, index=True),
    Column("ts_unix_s", BigInteger, nullable=False),
    Column("status_from", String(16)),
    Column("status_to", String(16), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("note", Text),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("delivery_id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Integer, nullable=False, index=True),
    Column("request_id", Integer, nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_http_status", Integer),
    Column("last_error", Text),
    Column("created_unix_s", BigInteger, nullable=False),
    Column("finished_unix_s", BigInteger),
)

containers = Table(
    "containers",
    metadata,
    # A commercial container with a fill sensor (a bin of the bins table) that raises requests for its owner.
    Column("bin_id", String(64), primary_key=True),
    Column("account_id", String(64), nullable=False, index=True),
    Column("threshold_pct", Float, nullable=False),
    Column("container", String(32), nullable=False),
    Column("stream", String(16), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)
