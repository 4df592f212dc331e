"""Requests raised by sensors: a registered commercial container whose forecast crosses its owner's threshold.

A business registers a container (a bin of the bins table, with its fill sensor) with a threshold
(``containers`` table). :func:`raise_sensor_requests` forecasts every registered container at a time ``at``
(:func:`waste.forecast.forecast_bins`); a container whose median fill reaches its threshold within ``horizon_h``
and that has no open request gets one, for the day after ``at`` up to the day the threshold is expected (at
least two days, so haulers have room to offer).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

from waste.errors import InputError
from waste.forecast import ForecastConfig, forecast_bins
from waste.matching import tables
from waste.matching.accounts import get_account
from waste.matching.model import CONTAINERS, STREAMS
from waste.matching.requests import submit_request
from waste.store import Store

#: Statuses of a request that still stands: a container with one of these gets no second request.
OPEN_STATUSES = ("requested", "offered", "accepted", "scheduled")


@dataclass(frozen=True, slots=True)
class SensorRun:
    """What one sensor pass did: containers forecast, requests raised (their ids)."""

    containers: int
    raised: tuple[int, ...]


def register_container(
    store: Store, bin_id: str, account_id: str, *, threshold_pct: float = 80.0, container: str = "container_1100l"
) -> None:
    """Register a bin as a requester's commercial container that raises requests at ``threshold_pct``.

    Raises
    ------
    InputError
        When the bin or account is unknown or a value is out of range.
    """
    bins = store.bins()
    row = bins[bins["bin_id"] == bin_id]
    if row.empty:
        raise InputError(f"no bin {bin_id!r}", field="bin_id")
    account = get_account(store, account_id)
    if account is None or not account.is_requester:
        raise InputError(f"no requester account {account_id!r}", field="account_id")
    if not 10 <= threshold_pct <= 100:
        raise InputError(f"{threshold_pct} is outside [10, 100]", field="threshold_pct")
    if container not in CONTAINERS:
        raise InputError(f"{container!r} is not one of {', '.join(CONTAINERS)}", field="container")
    stream = str(row["stream"].iloc[0])
    with store.engine.begin() as conn:
        conn.execute(tables.containers.delete().where(tables.containers.c.bin_id == bin_id))
        conn.execute(
            tables.containers.insert().values(
                bin_id=bin_id,
                account_id=account_id,
                threshold_pct=float(threshold_pct),
                container=container,
                stream=stream if stream in STREAMS else "general",
                active=True,
            )
        )


def raise_sensor_requests(
    store: Store, city: str, at: pd.Timestamp, *, horizon_h: float = 48.0, timezone: str = "UTC"
) -> SensorRun:
    """Forecast the city's registered containers at ``at`` and raise a request for each that will be full soon."""
    with store.engine.connect() as conn:
        registered = pd.DataFrame(
            conn.execute(select(tables.containers).where(tables.containers.c.active.is_(True))).mappings().all(),
            columns=[c.name for c in tables.containers.columns],
        )
        open_bins = set(
            conn.execute(
                select(tables.requests.c.bin_id).where(
                    tables.requests.c.bin_id.is_not(None), tables.requests.c.status.in_(OPEN_STATUSES)
                )
            ).scalars()
        )
    bins = store.bins(city)
    registered = registered[registered["bin_id"].isin(bins["bin_id"])]
    if registered.empty:
        return SensorRun(0, ())
    chosen = bins[bins["bin_id"].isin(registered["bin_id"])].drop(columns="city")
    readings = store.readings(registered["bin_id"].tolist(), since=at - pd.Timedelta(days=28), until=at)
    thresholds = dict(zip(registered["bin_id"], registered["threshold_pct"], strict=True))
    config = ForecastConfig(horizon_h=horizon_h, history_days=28, thresholds=thresholds)
    table = forecast_bins(readings, chosen, at=at, config=config)
    due = table[(table["status"] == "ok") & (table["fill_pct"] >= table["threshold_pct"])]
    by_bin = registered.set_index("bin_id")
    located = bins.set_index("bin_id")
    local = at.tz_convert(timezone)
    raised = []
    for row in due.itertuples(index=False):
        if row.bin_id in open_bins:
            continue
        owner = get_account(store, str(by_bin.at[row.bin_id, "account_id"]))
        if owner is None:
            continue
        earliest = (local + pd.Timedelta(days=1)).date()
        full_at = pd.Timestamp(row.threshold_ts) if pd.notna(row.threshold_ts) else at
        latest = max(full_at.tz_convert(timezone).date(), earliest) + pd.Timedelta(days=1)
        body = {
            "lat": located.at[row.bin_id, "lat"],
            "lon": located.at[row.bin_id, "lon"],
            "address": f"container {row.bin_id}",
            "stream": by_bin.at[row.bin_id, "stream"],
            "container": by_bin.at[row.bin_id, "container"],
            "earliest": earliest.isoformat(),
            "latest": latest.isoformat(),
        }
        raised.append(submit_request(store, owner, body, source="sensor", bin_id=str(row.bin_id), actor="sensor"))
    return SensorRun(len(registered), tuple(raised))
