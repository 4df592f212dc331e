"""The JSON API through Flask's test client: auth, bad input named by row and field, idempotent re-posts, plans."""

from __future__ import annotations

import io
import zipfile

import gpxpy
import pandas as pd
import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from web.openapi import openapi_document


def _some_bins(client: FlaskClient, n: int = 3) -> list[str]:
    return [b["bin_id"] for b in client.get("/api/bins?city=baltimore").json[:n]]


def _count(client: FlaskClient) -> int:
    return client.application.extensions["waste"].store.count_readings()


def test_writes_need_the_token(client: FlaskClient) -> None:
    body = [{"bin_id": "x", "ts": "2026-11-19T10:00Z", "fill_pct": 10}]
    assert client.post("/api/readings", json=body).status_code == 401
    wrong = client.post("/api/readings", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert "Bearer" in wrong.headers["WWW-Authenticate"]
    assert client.post("/api/plans", json={"city": "baltimore"}).status_code == 401
    assert client.post("/api/uplinks", json={}).status_code == 401


def test_batch_stores_the_valid_rows_and_names_each_bad_one(client: FlaskClient, auth: dict) -> None:
    a, b, c = _some_bins(client)
    before = _count(client)
    batch = [
        {"bin_id": a, "ts": "2026-11-19T23:30:00Z", "fill_pct": 40},
        {"bin_id": b, "ts": "2026-11-19T23:31:00Z", "fill_pct": 140},  # out of range
        {"bin_id": "NO-SUCH-BIN", "ts": "2026-11-19T23:32:00Z", "fill_pct": 20},
        {"bin_id": c, "ts": "yesterday", "fill_pct": 20},
        {"bin_id": c, "ts": "2026-11-19T23:33:00Z", "fill_pct": 55, "battery_v": 3.6},
        {"bin_id": c, "ts": "2026-11-19T23:34:00Z", "fill_pct": 56, "battery_v": 3600},  # millivolts: field dropped
    ]
    answer = client.post("/api/readings", json=batch, headers=auth)
    assert answer.status_code == 400
    body = answer.json
    assert body["stored"] == 3
    assert body["accepted"] == 3
    assert [(r["row"], r["field"], r["reason"]) for r in body["dropped_fields"]] == [
        (5, "battery_v", "battery_out_of_range")
    ]
    named = {(r["row"], r["field"], r["reason"]) for r in body["rejected"]}
    assert named == {
        (1, "fill_pct", "fill_out_of_range"),
        (2, "bin_id", "unknown_bin"),
        (3, "ts", "bad_timestamp"),
    }
    assert _count(client) == before + 3
    quarantined = client.application.extensions["waste"].store.quarantine()
    assert len(quarantined) == 4


def test_reposting_a_batch_stores_nothing_twice(client: FlaskClient, auth: dict) -> None:
    (a,) = _some_bins(client, 1)
    batch = {"readings": [{"bin_id": a, "ts": f"2026-11-19T23:{m:02d}:00Z", "fill_pct": 30 + m} for m in range(40, 50)]}
    batch["readings"].append({"bin_id": a, "ts": "2026-11-19T23:59:00Z", "fill_pct": -3})
    first = client.post("/api/readings", json=batch, headers=auth).json
    count = _count(client)
    quarantined = len(client.application.extensions["waste"].store.quarantine())
    second = client.post("/api/readings", json=batch, headers=auth).json
    assert (first["stored"], first["already_stored"]) == (10, 0)
    assert (second["stored"], second["already_stored"]) == (0, 10)
    assert _count(client) == count
    assert len(client.application.extensions["waste"].store.quarantine()) == quarantined


def test_malformed_bodies_get_400(client: FlaskClient, auth: dict) -> None:
    answer = client.post("/api/readings", data="not json", headers={**auth, "Content-Type": "application/json"})
    assert answer.status_code == 400
    assert "JSON list" in answer.json["detail"]
    answer = client.post("/api/readings", json=[42], headers=auth)
    assert answer.status_code == 400
    assert answer.json["rejected"][0]["reason"] == "malformed_row"


def test_lorawan_webhook(client: FlaskClient, auth: dict) -> None:
    a = client.application.extensions["waste"].store.bins("baltimore")["device_id"].iloc[0]
    uplink = {
        "end_device_ids": {"device_id": a},
        "received_at": "2026-11-19T23:55:00Z",
        "uplink_message": {"f_cnt": 7, "decoded_payload": {"fill_pct": 61, "battery_v": 3.5}},
    }
    first = client.post("/api/uplinks", json=uplink, headers=auth)
    assert first.status_code == 200, first.json
    assert first.json["stored"] == 1
    no_payload = {"end_device_ids": {"device_id": a}, "uplink_message": {"f_cnt": 8}}
    bad = client.post("/api/uplinks", json=no_payload, headers=auth)
    assert bad.status_code == 400
    assert bad.json["rejected"][0]["reason"] == "no_decoded_payload"


def test_bins_and_a_bin_history(client: FlaskClient) -> None:
    bins = client.get("/api/bins?city=baltimore").json
    assert len(bins) == 36
    assert all(0 <= b["fill_pct"] <= 100 for b in bins if b["fill_pct"] is not None)
    history = client.get(f"/api/bins/{bins[0]['bin_id']}?days=7").json
    assert history["readings"]
    assert all(f["p10"] <= f["p50"] <= f["p90"] for f in history["forecast"])
    assert history["forecast"][0]["ts"] > history["readings"][-1]["ts"]
    assert client.get("/api/bins/NOPE").status_code == 404
    assert client.get("/api/bins?city=atlantis").status_code == 404
    bad = client.get(f"/api/bins/{bins[0]['bin_id']}?days=x")
    assert bad.status_code == 400
    assert bad.json["errors"][0]["field"] == "days"


def test_plan_start_is_validated(client: FlaskClient, auth: dict) -> None:
    answer = client.post("/api/plans", json={"city": "atlantis", "time_limit_s": -1, "date": "20/11"}, headers=auth)
    assert answer.status_code == 400
    assert {e["field"] for e in answer.json["errors"]} == {"city", "time_limit_s", "date"}
    assert client.get("/api/plans/deadbeef").status_code == 404


@pytest.mark.slow
def test_a_plan_job_runs_in_the_background_and_is_stored(client: FlaskClient, auth: dict) -> None:
    started = client.post("/api/plans", json={"city": "baltimore", "time_limit_s": 2}, headers=auth)
    assert started.status_code == 202
    job = client.application.extensions["waste"].jobs.wait(started.json["job_id"], timeout_s=120)
    assert job.status == "done", job.error
    status = client.get(started.json["status_url"]).json
    assert status["progress"] == 1.0
    record = status["plan"]["record"]
    assert record["routes"]
    assert client.get(f"/api/plans/{job.plan_id}").json["plan_id"] == job.plan_id
    assert job.plan_id in [p["plan_id"] for p in client.get("/api/plans?city=baltimore").json["plans"]]


def test_map_data_has_one_line_per_truck(client: FlaskClient) -> None:
    data = client.get("/api/cities/baltimore/map").json
    plan = data["plan"]
    assert plan["trucks"]
    assert len(plan["trucks"]) == plan["figures"]["trucks_used"]
    for truck in plan["trucks"]:
        assert len(truck["line"]) >= 2
        assert truck["distance_km"] > 0
        assert truck["bins"] == sum(s["kind"] == "stop" for s in truck["stops"])
    assert sum(t["bins"] for t in plan["trucks"]) == plan["figures"]["bins_collected"]


def test_downloads(client: FlaskClient) -> None:
    plan = client.get("/api/cities/baltimore/map").json["plan"]
    pid, trucks = plan["plan_id"], plan["trucks"]
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/plans/{pid}/routes.zip").data))
    assert len(archive.namelist()) == len(trucks)
    sheet = pd.read_csv(io.BytesIO(archive.read(archive.namelist()[0])))
    assert {"order", "kind", "id", "arrival", "load_after_kg"} <= set(sheet.columns)
    gpx = gpxpy.parse(client.get(f"/plans/{pid}/plan.gpx").data.decode())
    assert len(gpx.tracks) == len(trucks)
    assert len(gpx.waypoints) == sum(len(t["stops"]) + 2 for t in trucks)  # stops, disposal, depot out and back
    geo = client.get(f"/plans/{pid}/plan.geojson").json
    kinds = pd.Series([f["properties"]["kind"] for f in geo["features"]]).value_counts()
    assert kinds["route"] == len(trucks)
    assert kinds["bin"] == 36
    html = client.get(f"/plans/{pid}/sheets").data.decode()
    assert html.count('class="sheet"') == len(trucks)
    assert client.get(f"/plans/{pid}/routes/NOPE.csv").status_code == 404
    assert client.get("/plans/999/plan.gpx").status_code == 404


def test_energy_and_bench_endpoints(client: FlaskClient) -> None:
    base = client.get("/api/energy?city=santa_cruz").json
    more = client.get("/api/energy?city=santa_cruz&gross_efficiency=0.3").json

    def mw(body: dict) -> float:
        rows = [r for r in body["summary"] if r["technology"] == "incineration" and r["output"] == "mwh_net_per_yr"]
        return rows[0]["base"]

    assert mw(more) > mw(base)
    bad = client.get("/api/energy?city=santa_cruz&organic_share=7")
    assert bad.status_code == 400
    assert bad.json["errors"][0]["field"] == "organic_share"
    assert client.get("/api/energy?city=atlantis").status_code == 400
    assert client.get("/api/bench").json["leaderboard"] == []


def test_openapi_document_is_valid(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").json
    validate(document)
    assert document == openapi_document()
    rules = {r.rule.replace("<", "{").replace(">", "}") for r in client.application.url_map.iter_rules()}
    for path in document["paths"]:
        assert path.replace("{city}", "{city}") in {r.replace("int:", "").replace("path:", "") for r in rules}, path
