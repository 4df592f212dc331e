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
from pathlib import Path
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
    stop = threading.Event()

    def run() -> None:
        # The loop runs in short turns and the server is closed by this same thread: closing its sockets from
        # another thread while it waits on them fails in the loop.
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)
        server.task_dispatcher.shutdown()
        for channel in list(server._map.values()):  # the listening socket and any connection left open
            channel.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield Server("127.0.0.1", server.effective_port)
    finally:
        stop.set()
        thread.join(10)


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


PAGES = ["/", "/?city=baltimore", "/planner", "/bench"]
PROXY_HEADERS = [
    {},
    {"X-Forwarded-For": "203.0.113.9"},
    {"Forwarded": "for=203.0.113.9"},
    {"X-Real-Ip": "203.0.113.9"},
]


@pytest.mark.parametrize("generated", [True, False], ids=["made-up token", "chosen token"])
def test_no_page_carries_the_token_whoever_asks(app: Flask, generated: bool) -> None:
    """Behind a proxy waitress drops the forwarding headers, so every visitor looks local: no page carries a token."""
    app.config["WASTE_TOKEN_GENERATED"] = generated
    for server in serve_in_thread(app):
        for path in PAGES:
            for headers in PROXY_HEADERS:
                answer = server.request("GET", path, headers=headers)
                assert answer.status == 200, (path, headers)
                assert TOKEN.encode() not in answer.body, (path, headers)


def test_the_sign_in_link_keeps_the_token_out_of_requests(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """`waste serve` prints a link with the made-up token after '#': a browser never sends that part."""
    from click.testing import CliRunner

    from web import serve as serve_module

    monkeypatch.setattr(serve_module, "ensure_assets", lambda install: None)
    monkeypatch.setattr("waitress.serve", lambda *args, **kwargs: None)
    monkeypatch.delenv("WASTE_API_TOKEN", raising=False)
    db = app.extensions["waste"].settings.database_url
    result = CliRunner().invoke(serve_module.serve, ["--db", db, "--no-install-assets"])
    assert result.exit_code == 0, result.output
    link = next(line for line in result.output.splitlines() if "Sign in" in line).split()[-1]
    assert link.startswith("http://localhost:8000/#token=")
    token = link.split("#token=")[1]
    assert f"API token for this run (set WASTE_API_TOKEN to choose one): {token}" in result.output


def test_writes_take_the_bearer_scheme_in_any_case(server: Server, app: Flask) -> None:
    bin_id = app.extensions["waste"].store.bins("baltimore")["bin_id"].iloc[0]
    body = json.dumps([{"bin_id": bin_id, "ts": "2026-11-19T11:00:00Z", "fill_pct": 41}]).encode()
    for scheme in ("bearer", "BEARER", "Bearer"):
        headers = {"Content-Type": "application/json", "Authorization": f"{scheme} {TOKEN}"}
        assert server.request("POST", "/api/readings", body, headers).status == 200
    wrong = {"Content-Type": "application/json", "Authorization": f"Basic {TOKEN}"}
    assert server.request("POST", "/api/readings", body, wrong).status == 401


def test_other_host_names_are_refused_when_trusted_hosts_are_set(app: Flask) -> None:
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example, and gets 400."""
    from web.serve import trusted_hosts

    app.config["TRUSTED_HOSTS"] = trusted_hosts("127.0.0.1", None)
    for server in serve_in_thread(app):
        assert server.request("GET", "/api/cities", headers={"Host": "evil.example"}).status == 400
        assert server.request("GET", "/api/cities", headers={"Host": f"evil.example:{server.port}"}).status == 400
        assert server.request("GET", "/api/cities", headers={"Host": f"localhost:{server.port}"}).status == 200
        assert server.request("GET", "/api/cities", headers={"Host": f"127.0.0.1:{server.port}"}).status == 200
    assert trusted_hosts("0.0.0.0", None) is None  # a public bind answers every name unless told otherwise
    assert trusted_hosts("0.0.0.0", "waste.example.org, Other.example") == ["waste.example.org", "other.example"]


def test_every_answer_carries_the_security_headers(server: Server) -> None:
    for path in [*PAGES, "/api/cities", "/api/plans", "/api/nowhere", "/static/style.css"]:
        answer = server.request("GET", path)
        assert answer.headers["X-Content-Type-Options"] == "nosniff", path
        assert answer.headers["X-Frame-Options"] == "DENY", path
        assert answer.headers["Referrer-Policy"] == "same-origin", path
        csp = answer.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert "img-src 'self' data: blob:;" in csp, path  # no tile server unless the settings name one
    page = server.request("GET", "/planner").body.decode()
    assert " onchange=" not in page  # no inline handler the policy would block


def test_an_oversized_body_is_refused_before_it_is_read(server: Server) -> None:
    from web.limits import MAX_BODY_BYTES

    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        conn.putrequest("POST", "/api/readings")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Authorization", f"Bearer {TOKEN}")
        conn.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
        conn.endheaders()
        conn.send(b"[" * 1024)  # the rest never comes: the answer must not wait for it
        response = conn.getresponse()
        assert response.status == 413
    finally:
        conn.close()


def test_a_date_that_is_no_date_is_refused_up_front(server: Server) -> None:
    for date in ("9999-99-99", "2026-02-30", "2026-13-01"):
        answer = server.post_json("/api/plans", {"city": "baltimore", "date": date})
        assert answer.status == 400, date
        assert answer.json()["errors"][0]["field"] == "date"


def test_a_failed_job_shows_no_trace_or_path(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in a plan job is logged on the server; visitors (no token needed to read) see only that it failed."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom in /srv/secret/waste/routing/plan.py")

    monkeypatch.setattr("web.jobs.plan_day", broken)
    for server in serve_in_thread(app):
        job = server.post_json("/api/plans", {"city": "baltimore", "time_limit_s": 1}).json()
        app.extensions["waste"].jobs.wait(job["job_id"], timeout_s=60)
        for path in ("/api/plans", f"/api/plans/{job['job_id']}"):
            body = server.request("GET", path).body.decode()
            assert "failed" in body
            assert "Traceback" not in body
            assert "/srv/secret" not in body
            assert ".py" not in body


@pytest.mark.parametrize("city", ["/etc", "../sample_data/baltimore", "..", "baltimore/../santa_cruz", "%2e%2e"])
def test_energy_reads_only_known_cities(server: Server, city: str) -> None:
    from urllib.parse import quote

    from waste.paths import sample_data_root

    answer = server.request("GET", f"/api/energy?city={quote(city, safe='%')}")
    assert answer.status == 400
    assert str(sample_data_root().resolve()).encode() not in answer.body
    assert b"/etc" not in answer.body or city == "/etc"  # the name given is echoed, no other path
    assert answer.json()["detail"].startswith("no scenario for city")


def test_plan_ids_beyond_64_bits_are_not_found(server: Server) -> None:
    huge = "9" * 30
    assert server.request("GET", f"/api/plans/{huge}").status == 404
    assert server.request("GET", f"/plans/{huge}/routes.zip").status == 404
    assert server.request("GET", f"/plans/{huge}/sheets").status == 404
    assert server.request("GET", "/api/plans/%C2%B2").status == 404  # a superscript two is a digit to str.isdigit
    assert server.request("GET", f"/api/cities/baltimore/map?plan_id={huge}").status == 200


def test_a_bin_id_with_a_slash_has_its_page(server: Server, app: Flask) -> None:
    from waste import schema

    store = app.extensions["waste"].store
    row = store.bins("baltimore").iloc[0].to_dict()
    row.update(bin_id="ZONE/7", device_id=None, dev_eui=None)
    with store.engine.begin() as conn:
        conn.execute(schema.bins.insert().values(**row))
    assert server.request("GET", "/bins/ZONE/7").status == 200
    assert server.request("GET", "/api/bins/ZONE/7").json()["bin"]["bin_id"] == "ZONE/7"
    assert server.request("GET", "/api/bins/ZONE%2F7").status == 200


def test_planner_charts_are_bounded(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every distinct planner query draws charts: only the most recently used sets stay."""
    monkeypatch.setattr("web.energy_view.KEPT_CHART_SETS", 2)
    client = app.test_client()
    for growth in ("0.01", "0.02", "0.03", "0.04"):
        assert client.get(f"/planner?city=baltimore&population_growth={growth}").status_code == 200
    assert len(list((app.extensions["waste"].cache_dir / "planner").iterdir())) == 2
    page = client.get("/planner?city=baltimore&population_growth=0.04").get_data(as_text=True)
    charts = [part.split('"')[0] for part in page.split('src="')[1:] if part.startswith("/planner/charts/")]
    assert charts
    for chart in charts:
        with client.get(chart) as answer:
            assert answer.status_code == 200


def test_the_scratch_folder_goes_with_the_app(tmp_path: Path) -> None:
    import gc

    from waste.settings import Settings
    from web.app import create_app

    made = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'w.sqlite'}", api_token="t"), warm_cache=False)
    scratch = made.extensions["waste"].cache_dir
    assert scratch.is_dir()
    made.extensions["waste"].jobs.shutdown()
    made.extensions["waste"].store.dispose()
    del made
    gc.collect()
    assert not scratch.exists()
