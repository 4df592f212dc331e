"""Live ingest of LoRaWAN uplinks from an MQTT broker, as network servers publish them.

The Things Stack publishes each uplink on ``v3/{application id}@{tenant}/devices/{device id}/up`` (the default
topic filter :data:`DEFAULT_TOPIC` takes them all); ChirpStack and others can forward the same JSON. Each message
goes through the same validation and quarantine as a file (:func:`waste.ingest.ingest_records`), with the topic as
its source and a running message number as its line, and the frame counters seen are remembered so a sensor whose
clock goes back is caught across messages.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt
import pandas as pd

from waste.errors import ConfigError
from waste.ingest import IngestReport, ingest_records
from waste.readers import Rejected
from waste.store import Store
from waste.validate import BinLookup, SourceState

#: Every device of every application on a The Things Stack (v3) server.
DEFAULT_TOPIC = "v3/+/devices/+/up"


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where the broker is: host, port, TLS, credentials, parsed from ``mqtt://user:pass@host:port``."""

    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """Parse ``mqtt://`` (port 1883) or ``mqtts://`` (TLS, port 8883) URLs.

        Raises
        ------
        ConfigError
            When the scheme is not mqtt or mqtts, or no host is given.
        """
        parts = urlparse(url if "://" in url else f"mqtt://{url}")
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            msg = f"not an MQTT URL: {url!r} (expected mqtt://host:1883 or mqtts://user:key@host:8883)"
            raise ConfigError(msg)
        tls = parts.scheme == "mqtts"
        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            tls=tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def listen(
    store: Store,
    url: str,
    topic: str = DEFAULT_TOPIC,
    *,
    max_messages: int | None = None,
    timeout_s: float | None = None,
    on_report: Callable[[IngestReport], None] | None = None,
    ready: threading.Event | None = None,
) -> IngestReport:
    """Subscribe to ``topic`` and ingest every message until stopped; return the running totals.

    Parameters
    ----------
    store
        Where readings go.
    url
        Broker URL, ``mqtt://host:port`` or ``mqtts://user:password@host:port``.
    topic
        Topic filter to subscribe to.
    max_messages
        Stop after this many messages (``None``: run until interrupted).
    timeout_s
        Stop after this many seconds (``None``: no limit).
    on_report
        Called after each message with that message's report (to print progress).
    ready
        Set once the subscription is confirmed, so a caller can start publishing.

    Raises
    ------
    ConfigError
        When the broker cannot be reached or refuses the connection.
    """
    address = BrokerAddress.parse(url)
    inbox: queue.Queue[tuple[str, bytes]] = queue.Queue()
    subscribed = threading.Event()
    failure: list[str] = []

    def on_connect(client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any = None) -> None:
        if reason.is_failure:
            failure.append(f"the broker refused the connection: {reason}")
            subscribed.set()
            return
        client.subscribe(topic, qos=1)

    def on_subscribe(_client: mqtt.Client, _userdata: Any, _mid: int, reasons: Any, _props: Any = None) -> None:
        if any(r.is_failure for r in reasons):
            failure.append(f"the broker refused the subscription to {topic!r}")
        subscribed.set()

    def on_message(_client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        inbox.put((message.topic, message.payload))

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"waste-listen-{time.time_ns()}")
    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    if address.username:
        client.username_pw_set(address.username, address.password)
    if address.tls:
        client.tls_set()
    try:
        client.connect(address.host, address.port, keepalive=60)
    except OSError as exc:
        msg = f"cannot reach the MQTT broker at {address.host}:{address.port}: {exc}"
        raise ConfigError(msg) from exc
    client.loop_start()
    try:
        if not subscribed.wait(timeout=15) or failure:
            raise ConfigError(failure[0] if failure else f"no answer from the MQTT broker at {address.host}")
        if ready is not None:
            ready.set()
        return _drain(store, inbox, url, topic, max_messages, timeout_s, on_report)
    finally:
        client.loop_stop()
        client.disconnect()


def _drain(
    store: Store,
    inbox: queue.Queue[tuple[str, bytes]],
    url: str,
    topic: str,
    max_messages: int | None,
    timeout_s: float | None,
    on_report: Callable[[IngestReport], None] | None,
) -> IngestReport:
    """Ingest messages from the inbox, one at a time, until a limit is reached."""
    bins = BinLookup.from_bins(store.bins())
    state = SourceState()
    total = IngestReport(source=f"{url} {topic}")
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    number = 0
    line = 1  # a message holding a list of uplinks takes one line number per uplink
    try:
        while max_messages is None or number < max_messages:
            wait = 1.0 if deadline is None else deadline - time.monotonic()
            if wait <= 0:
                break
            try:
                message_topic, payload = inbox.get(timeout=min(wait, 1.0))
            except queue.Empty:
                continue
            number += 1
            report = _ingest_message(store, message_topic, payload, line, state, bins)
            line += max(report.rows_read, 1)
            total.add(report)
            if on_report is not None:
                on_report(report)
    except KeyboardInterrupt:
        pass  # Ctrl-C ends listening; the totals so far are still reported.
    store.record_ingest_run(total.source, total.rows_read, total.stored, total.already_stored, total.quarantined)
    return total


def _ingest_message(
    store: Store, topic: str, payload: bytes, number: int, state: SourceState, bins: BinLookup
) -> IngestReport:
    try:
        item = json.loads(payload)
    except (ValueError, RecursionError) as exc:  # bad JSON or UTF-8, 4,300-digit integers, deep nesting
        return _quarantine_unparsable(store, topic, payload, number, str(exc) or type(exc).__name__)
    items = item if isinstance(item, list) else [item]
    return ingest_records(store, items, f"mqtt:{topic}", first_line=number, state=state, bins=bins)


def _quarantine_unparsable(store: Store, topic: str, payload: bytes, number: int, why: str) -> IngestReport:
    rejected = Rejected(
        number, "(message)", "malformed_row", f"invalid JSON: {why}", raw=payload[:2000].decode("utf-8", "replace")
    )
    store.insert_quarantine(
        pd.DataFrame(
            [
                {
                    "source": f"mqtt:{topic}",
                    "row": rejected.line,
                    "field": rejected.field,
                    "reason": rejected.reason,
                    "value": None,
                    "detail": rejected.detail,
                    "raw": rejected.raw,
                    "ingested_unix_s": int(time.time()),
                }
            ]
        )
    )
    report = IngestReport(source=f"mqtt:{topic}", rows_read=1, quarantined=1)
    report.reasons[rejected.reason] += 1
    return report
