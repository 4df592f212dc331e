"""The matching and recycling API through Flask's test client: accounts and access, lifecycle, webhooks, report."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from tests.web.conftest import TOKEN
from waste.matching.accounts import account_for_token
from waste.matching.haulers import read_haulers, replace_haulers
from waste.matching.requests import submit_request
from waste.matching.webhooks import deliver_pending, deliveries
from waste.paths import city_dir
from web.openapi import openapi_document

CITY = "baltimore"
BODY = {
    "lat": 39.30,
    "lon": -76.60,
    "stream": "general",
    "container": "bin_240l",
    "count": 2,
    "earliest": "2030-11-25",  # a Monday
    "latest": "2030-11-26",
}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _account(client: FlaskClient, account_id: str, kind: str, **extra: Any) -> str:
    body = {"city": CITY, "account_id": account_id, "kind": kind, "name": account_id, **extra}
    answer = client.post("/api/accounts", json=body, headers=_bearer(TOKEN))
    assert answer.status_code == 201, answer.json
    return answer.json["token"]


@pytest.fixture
def tokens(app: Flask, client: FlaskClient) -> dict[str, str]:
    """Haulers loaded; a city account, two requesters and two haulers' accounts, by name."""
    replace_haulers(app.extensions["waste"].store, CITY, read_haulers(city_dir(CITY) / "haulers.geojson"))
    return {
        "city": _account(client, "planners", "city"),
        "alice": _account(client, "alice", "resident"),
        "bob": _account(client, "bob", "business"),
        "harb": _account(client, "harb-ops", "hauler", hauler_id="BAL-HARB"),
        "dpw": _account(client, "dpw-ops", "hauler", hauler_id="BAL-DPW"),
    }


def test_requests_need_an_account_token(client: FlaskClient, tokens: dict[str, str]) -> None:
    assert client.post("/api/requests", json=BODY).status_code == 401
    assert client.post("/api/requests", json=BODY, headers=_bearer("wrong")).status_code == 401
    assert client.get("/api/requests").status_code == 401
    only_city = client.post(
        "/api/accounts", json={"account_id": "x", "kind": "resident"}, headers=_bearer(tokens["alice"])
    )
    assert only_city.status_code == 403


def test_a_bad_request_names_the_field(client: FlaskClient, tokens: dict[str, str]) -> None:
    answer = client.post("/api/requests", json={**BODY, "stream": "lava"}, headers=_bearer(tokens["alice"]))
    assert answer.status_code == 400
    assert answer.json["errors"][0]["field"] == "stream"
    answer = client.post("/api/requests", json={**BODY, "lat": None}, headers=_bearer(tokens["alice"]))
    assert answer.json["errors"][0]["field"] == "lat"


def test_requester_hauler_and_city_see_what_they_may(client: FlaskClient, tokens: dict[str, str]) -> None:
    made = client.post("/api/requests", json=BODY, headers=_bearer(tokens["alice"]))
    assert made.status_code == 201
    view = made.json
    rid = view["request"]["request_id"]
    assert view["request"]["status"] == "accepted"
    assert view["request"]["price"] == min(o["price"] for o in view["offers"])
    winner = view["request"]["hauler_id"]
    offered = {o["hauler_id"] for o in view["offers"]}
    assert len(offered) >= 2

    # Bob, another requester, neither sees nor changes Alice's request.
    assert client.get(f"/api/requests/{rid}", headers=_bearer(tokens["bob"])).status_code == 404
    assert client.get("/api/requests", headers=_bearer(tokens["bob"])).json == []
    cancel = {"status": "cancelled"}
    assert client.post(f"/api/requests/{rid}/status", json=cancel, headers=_bearer(tokens["bob"])).status_code == 404
    assert (
        client.post(f"/api/requests/{rid}/accept", json={"offer_id": 1}, headers=_bearer(tokens["bob"])).status_code
        == 404
    )
    # A hauler that made an offer sees the request, and only its own offer.
    other = "harb" if winner != "BAL-HARB" else "dpw"
    seen = client.get(f"/api/requests/{rid}", headers=_bearer(tokens[other]))
    assert seen.status_code == 200
    assert {o["hauler_id"] for o in seen.json["offers"]} <= {"BAL-HARB" if other == "harb" else "BAL-DPW"}
    # ... but cannot report on a pickup it did not win, nor cancel it.
    collect = {"status": "collected"}
    assert client.post(f"/api/requests/{rid}/status", json=collect, headers=_bearer(tokens[other])).status_code == 403
    day = view["request"]["service_date"]
    own = "harb" if winner == "BAL-HARB" else "dpw" if winner == "BAL-DPW" else "city"
    listed = client.get(f"/api/haulers/{winner}/day?date={day}", headers=_bearer(tokens[own]))
    assert [r["request_id"] for r in listed.json] == [rid]
    assert client.get(f"/api/haulers/{winner}/day?date={day}", headers=_bearer(tokens["alice"])).status_code == 403
    assert client.get(f"/api/haulers?city={CITY}").json[0]["currency"] == "USD"
    assert "cost_per_km" not in client.get(f"/api/haulers?city={CITY}").json[0]  # a hauler's costs stay private
    # The city sees everything.
    assert [r["request_id"] for r in client.get("/api/requests", headers=_bearer(tokens["city"])).json] == [rid]
    assert client.get(f"/api/requests/{rid}", headers=_bearer(TOKEN)).status_code == 200


def test_lifecycle_through_the_api(client: FlaskClient, tokens: dict[str, str]) -> None:
    alice, city = _bearer(tokens["alice"]), _bearer(tokens["city"])
    view = client.post("/api/requests", json={**BODY, "rule": "none", "accept": False}, headers=alice)
    assert view.status_code == 400  # an unknown rule is named
    assert view.json["errors"][0]["field"] == "rule"
    view = client.post("/api/requests", json={**BODY, "accept": False}, headers=alice).json
    rid = view["request"]["request_id"]
    assert view["request"]["status"] == "offered"
    dearest = max(view["offers"], key=lambda o: o["price"])
    accepted = client.post(f"/api/requests/{rid}/accept", json={"offer_id": dearest["offer_id"]}, headers=alice).json
    assert accepted["request"]["hauler_id"] == dearest["hauler_id"]
    assert accepted["request"]["price"] == dearest["price"]
    plan = client.post("/api/match/schedule", json={"date": accepted["request"]["service_date"]}, headers=city)
    assert plan.status_code == 200
    assert plan.json[0]["stops"] == 1
    hauler = _bearer(tokens["harb" if dearest["hauler_id"] == "BAL-HARB" else "dpw"])
    if dearest["hauler_id"] in ("BAL-HARB", "BAL-DPW"):
        done = client.post(f"/api/requests/{rid}/status", json={"status": "collected"}, headers=hauler)
    else:
        done = client.post(f"/api/requests/{rid}/status", json={"status": "collected"}, headers=city)
    assert done.status_code == 200
    steps = [(e["status_to"], e["actor"]) for e in done.json["history"]]
    assert [s for s, _ in steps] == ["requested", "offered", "accepted", "scheduled", "collected"]
    assert steps[2][1] == "alice"
    again = client.post(f"/api/requests/{rid}/status", json={"status": "cancelled"}, headers=alice)
    assert again.status_code == 400
    assert "cannot become" in again.json["detail"]


def test_only_the_city_runs_a_batch(app: Flask, client: FlaskClient, tokens: dict[str, str]) -> None:
    store = app.extensions["waste"].store
    alice = account_for_token(store, tokens["alice"])
    assert alice is not None
    waiting = [submit_request(store, alice, {**BODY, "lat": 39.30 + n / 500}) for n in range(3)]  # e.g. a CSV import
    assert client.post("/api/match/batch", json={}, headers=_bearer(tokens["alice"])).status_code == 403
    assert client.post("/api/match/batch", json={}, headers=_bearer(tokens["harb"])).status_code == 403
    answer = client.post("/api/match/batch", json={}, headers=_bearer(tokens["city"]))
    assert answer.status_code == 200
    assert answer.json["status"] == "optimal"
    assert sorted(map(int, answer.json["chosen"])) == waiting
    mine = client.get("/api/requests", headers=_bearer(tokens["alice"])).json
    assert {r["status"] for r in mine} == {"accepted"}


def test_a_missed_pickup_reported_by_its_hauler_gets_a_recovery(client: FlaskClient, tokens: dict[str, str]) -> None:
    body = {**BODY, "stream": "recycling", "lat": 39.28, "lon": -76.57}  # Harbor's area, cheapest there
    view = client.post("/api/requests", json=body, headers=_bearer(tokens["alice"])).json
    rid, hauler = view["request"]["request_id"], view["request"]["hauler_id"]
    token = tokens["harb"] if hauler == "BAL-HARB" else tokens["dpw"] if hauler == "BAL-DPW" else tokens["city"]
    answer = client.post(f"/api/requests/{rid}/status", json={"status": "missed"}, headers=_bearer(token))
    assert answer.status_code == 200
    recovery = client.get(f"/api/requests/{answer.json['recovery_request_id']}", headers=_bearer(tokens["alice"]))
    assert recovery.json["request"]["price"] == 0
    assert recovery.json["request"]["recovery_of"] == rid


class _Hook(http.server.BaseHTTPRequestHandler):
    """Fails the first ``fail_first`` posts with 503, then answers 204; keeps the bodies."""

    fail_first = 0
    seen: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        type(self).seen.append(self.rfile.read(int(self.headers["Content-Length"])))
        status = 503 if len(type(self).seen) <= type(self).fail_first else 204
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def hook_server() -> Iterator[tuple[str, type[_Hook]]]:
    handler = type("Hook", (_Hook,), {"seen": [], "fail_first": 2})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler
    server.shutdown()
    server.server_close()


def test_webhooks_retry_with_backoff_and_record_failures(
    app: Flask, client: FlaskClient, tokens: dict[str, str], hook_server: tuple[str, type[_Hook]]
) -> None:
    url, handler = hook_server
    carol = _account(client, "carol", "resident", webhook_url=url)
    dead = _account(client, "dave", "resident", webhook_url="http://127.0.0.1:9/nobody-listens")
    store = app.extensions["waste"].store
    app.extensions["waste"].cache["webhook_pump"] = threading.Lock()
    app.extensions["waste"].cache["webhook_pump"].acquire()  # the test delivers by itself, with no real waits
    client.post("/api/requests", json=BODY, headers=_bearer(carol))
    client.post("/api/requests", json=BODY, headers=_bearer(dead))
    waits: list[float] = []
    counts = deliver_pending(store, base_delay_s=0.5, max_attempts=4, sleep=waits.append, timeout_s=2)
    rows = deliveries(store).sort_values("delivery_id")
    carol_rows = rows[rows["url"] == url]
    assert list(carol_rows["status"]) == ["delivered"] * 3  # requested, offered, accepted
    assert carol_rows["attempts"].tolist()[0] == 3  # two 503s, then 204
    assert b'"status": "requested"' in handler.seen[0]
    assert b'"status": "accepted"' in handler.seen[-1]
    failed = rows[rows["url"] != url]
    assert set(failed["status"]) == {"failed"}
    assert set(failed["attempts"]) == {4}
    assert failed["last_error"].str.contains("no answer").all()
    assert waits[:2] == [0.5, 1.0]  # doubling backoff
    assert (counts.delivered, counts.failed) == (3, 3)


def test_recycling_records_and_report(client: FlaskClient, tokens: dict[str, str]) -> None:
    records = [
        {"collected_on": "2030-11-25", "stream": "recycling", "weight_kg": 400, "district": "centre"},
        {"collected_on": "2030-11-25", "stream": "recycling", "volume_m3": 2, "fill_pct": 50, "contaminated": True,
         "district": "centre"},
        {"collected_on": "2030-11-26", "stream": "general", "weight_kg": 500, "district": "centre"},
        {"collected_on": "2030-11-26", "stream": "bulky", "weight_kg": 60, "reuse_items": 2,
         "lat": 39.35, "lon": -76.70},
    ]  # fmt: skip
    assert client.post("/api/recycling", json={"records": records}, headers=_bearer(tokens["alice"])).status_code == 403
    bad = client.post(
        "/api/recycling", json={"records": [{**records[0], "stream": "x"}]}, headers=_bearer(tokens["harb"])
    )
    assert bad.status_code == 400
    assert bad.json["errors"][0] == {"row": 0, "field": "stream", "reason": bad.json["errors"][0]["reason"]}
    stored = client.post("/api/recycling", json={"records": records}, headers=_bearer(tokens["harb"]))
    assert stored.json == {"stored": 4}
    report = {(r["district"], r["month"]): r for r in client.get(f"/api/recycling/report?city={CITY}").json}
    centre = report["centre", "2030-11"]
    assert centre["t_recycling"] == pytest.approx(0.46)  # 400 kg weighed + 2 m3 x 50 % x 60 kg/m3 estimated
    assert centre["contamination_rate"] == pytest.approx(60 / 460, abs=1e-4)
    assert centre["diversion_rate"] == pytest.approx(0.4 / 0.96, abs=1e-4)
    assert report["north-west", "2030-11"]["reuse_items"] == 2
    csv = client.get(f"/api/recycling/report?city={CITY}&format=csv")
    assert csv.mimetype == "text/csv"
    assert csv.data.decode().startswith("district,month,t_general")
    page = client.get(f"/recycling?city={CITY}")
    assert page.status_code == 200
    assert b"recycling-chart" in page.data
    chart = client.get(page.data.decode().split('id="recycling-chart" src="')[1].split('"')[0])
    assert chart.status_code == 200
    assert chart.mimetype == "image/png"
    chart.close()


def test_the_openapi_document_names_the_matching_endpoints() -> None:
    document = openapi_document()
    validate(document)
    for path in ("/api/requests", "/api/requests/{request_id}", "/api/requests/{request_id}/accept",
                 "/api/requests/{request_id}/status", "/api/accounts", "/api/haulers", "/api/match/batch",
                 "/api/match/schedule", "/api/recycling", "/api/recycling/report"):  # fmt: skip
        assert path in document["paths"], path
