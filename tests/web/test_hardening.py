"""The web app as an attacker meets it: through the real waitress server, with the headers a proxy adds.

Flask's test client skips what waitress does to a request (it drops forwarding headers it does not trust, caps
bodies), so everything here goes over a socket to ``waitress`` on a free loopback port.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import waitress
from flask import Flask

from tests.web.conftest import TOKEN


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Server:
    """A running waitress server in this process, and a small HTTP client for it."""

    host: str
    port: int

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return Answer(response.status, response.headers, response.read())
        finally:
            conn.close()

    def post_json(self, path: str, payload: Any, token: str | None = TOKEN) -> Answer:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.request("POST", path, body, headers)


def serve_in_thread(app: Flask, **options: Any) -> Iterator[Server]:
    """Serve ``app`` with waitress as ``waste serve`` does, on a free port, until the generator is closed."""
    from web.serve import waitress_options

    server = waitress.create_server(app, host="127.0.0.1", port=0, **{**waitress_options(), **options})
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield Server("127.0.0.1", server.effective_port)
    finally:
        server.close()
        thread.join(5)


@pytest.fixture
def server(app: Flask) -> Iterator[Server]:
    yield from serve_in_thread(app)


def test_a_batch_with_hostile_rows_stores_its_valid_ones(server: Server, app: Flask) -> None:
    """Wrong types, 400-digit numbers, a year-3000 time: a 400 naming each, and the good row stored."""
    store = app.extensions["waste"].store
    bin_id = store.bins("baltimore")["bin_id"].iloc[0]
    before = store.count_readings()
    good = {"bin_id": bin_id, "ts": "2026-11-19T10:00:00Z", "fill_pct": 40}
    batch = [
        good,
        {"bin_id": {"a": 1}, "ts": "2026-11-19T10:00:00Z", "fill_pct": 5},
        {"bin_id": bin_id, "ts": "3000-01-01T00:00:00Z", "fill_pct": 5},
        {"bin_id": bin_id, "ts": [1, 2], "fill_pct": 5},
    ]
    text = json.dumps(batch).replace('"fill_pct": 5}]', '"fill_pct": ' + "9" * 400 + "}]")
    answer = server.post_json("/api/readings", text.encode())
    assert answer.status == 400
    assert [r["row"] for r in answer.json()["rejected"]] == [1, 2, 3]
    assert store.count_readings() == before + 1


def test_a_deeply_nested_body_is_a_bad_request(server: Server) -> None:
    answer = server.post_json("/api/readings", b"[" * 100_000 + b"]" * 100_000)
    assert answer.status == 400
    assert answer.json()["error"] == "bad_request"
