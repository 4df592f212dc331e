"""Live ingest from MQTT against the local broker, the way a LoRaWAN network server publishes uplinks."""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.conftest import tcp_answers
from tests.waste.test_ingest import _uplink
from waste.errors import ConfigError
from waste.listen import BrokerAddress, listen
from waste.store import Store

BROKER = ("127.0.0.1", 1883)


def test_broker_urls_are_parsed() -> None:
    """Scheme, default port, TLS and credentials come from the URL."""
    plain = BrokerAddress.parse("mqtt://localhost")
    assert (plain.host, plain.port, plain.tls) == ("localhost", 1883, False)
    secure = BrokerAddress.parse("mqtts://app%40ttn:NNSXS.KEY@eu1.cloud.thethings.network")
    assert (secure.port, secure.tls, secure.username, secure.password) == (8883, True, "app@ttn", "NNSXS.KEY")
    with pytest.raises(ConfigError, match="not an MQTT URL"):
        BrokerAddress.parse("http://example.org")


def test_unreachable_broker_is_a_clear_error(tiny_sqlite_store: Store) -> None:
    """Nothing listening on the port gives a ConfigError naming the address."""
    with pytest.raises(ConfigError, match="cannot reach the MQTT broker"):
        listen(tiny_sqlite_store, "mqtt://127.0.0.1:9", max_messages=1, timeout_s=2)


@pytest.mark.mqtt
def test_uplinks_published_on_the_broker_are_ingested(tiny_sqlite_store: Store) -> None:
    """Messages on v3/{app}/devices/{device}/up are validated, stored or quarantined as they arrive."""
    if not tcp_answers(*BROKER):
        pytest.skip("no MQTT broker answers at 127.0.0.1:1883")
    import paho.mqtt.client as mqtt
    import paho.mqtt.publish as publish

    application = f"test-{time.time_ns()}"
    topic = f"v3/{application}@ttn/devices/+/up"
    ready = threading.Event()
    result: dict = {}

    def run() -> None:
        result["report"] = listen(
            tiny_sqlite_store, "mqtt://127.0.0.1:1883", topic, max_messages=4, timeout_s=20, ready=ready
        )

    listener = threading.Thread(target=run)
    listener.start()
    assert ready.wait(15)
    messages = [
        ("sensor-b1", _uplink("sensor-b1", "2026-11-01T10:00:00Z", {"distance_mm": 500}, 1)),
        ("sensor-b2", _uplink("sensor-b2", "2026-11-01T10:01:00Z", {"fill_pct": 33}, 1)),
        ("ghost", _uplink("ghost", "2026-11-01T10:02:00Z", {"fill_pct": 3}, 1)),
    ]
    for device, message in messages:
        publish.single(
            f"v3/{application}@ttn/devices/{device}/up",
            json.dumps(message),
            qos=1,
            hostname=BROKER[0],
            port=BROKER[1],
            protocol=mqtt.MQTTv311,
        )
    publish.single(
        f"v3/{application}@ttn/devices/sensor-b3/up", b"{not json", qos=1, hostname=BROKER[0], port=BROKER[1]
    )
    listener.join(30)
    report = result["report"]
    assert (report.rows_read, report.stored, report.quarantined) == (4, 2, 2)
    assert report.reasons == {"unknown_bin": 1, "malformed_row": 1}
    stored = tiny_sqlite_store.readings().set_index("bin_id")["fill_pct"]
    assert stored.to_dict() == {"B1": 50.0, "B2": 33.0}
    sources = set(tiny_sqlite_store.quarantine()["source"])
    assert sources == {f"mqtt:v3/{application}@ttn/devices/ghost/up", f"mqtt:v3/{application}@ttn/devices/sensor-b3/up"}


def _listen_to(store: Store, messages: list[tuple[str, bytes]], application: str) -> object:
    """Run the listener on ``application``'s topic, publish ``messages`` (device, payload), return its report."""
    import paho.mqtt.client as mqtt
    import paho.mqtt.publish as publish

    ready = threading.Event()
    result: dict = {}

    def run() -> None:
        result["report"] = listen(
            store,
            "mqtt://127.0.0.1:1883",
            f"v3/{application}@ttn/devices/+/up",
            max_messages=len(messages),
            timeout_s=20,
            ready=ready,
        )

    listener = threading.Thread(target=run)
    listener.start()
    assert ready.wait(15)
    for device, payload in messages:
        topic = f"v3/{application}@ttn/devices/{device}/up"
        publish.single(topic, payload, qos=1, hostname=BROKER[0], port=BROKER[1], protocol=mqtt.MQTTv311)
    listener.join(30)
    assert not listener.is_alive()
    return result["report"]


@pytest.mark.mqtt
def test_a_hostile_uplink_does_not_end_the_listener(tiny_sqlite_store: Store) -> None:
    """A time in year 3000, a 400-digit counter, deep nesting: each quarantined, and the listener goes on."""
    if not tcp_answers(*BROKER):
        pytest.skip("no MQTT broker answers at 127.0.0.1:1883")
    application = f"test-{time.time_ns()}"
    far = _uplink("sensor-b1", "3000-01-01T00:00:00Z", {"fill_pct": 10}, 1)
    huge = _uplink("sensor-b2", "2026-11-01T10:00:00Z", {"fill_pct": 10}, 1)
    huge["uplink_message"]["f_cnt"] = int("9" * 400)
    messages = [
        ("sensor-b1", json.dumps(far).encode()),
        ("sensor-b2", json.dumps(huge).encode()),
        ("sensor-b3", b"[" * 100_000 + b"]" * 100_000),
        ("sensor-b4", json.dumps(_uplink("sensor-b4", "2026-11-01T10:05:00Z", {"fill_pct": 44}, 7)).encode()),
    ]
    report = _listen_to(tiny_sqlite_store, messages, application)
    assert (report.rows_read, report.stored, report.quarantined) == (4, 1, 3)
    assert report.reasons == {"bad_timestamp": 1, "bad_number": 1, "malformed_row": 1}
    assert tiny_sqlite_store.readings()["bin_id"].tolist() == ["B4"]
