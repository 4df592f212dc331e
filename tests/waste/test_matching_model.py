"""Request validation, hauler files, districts, accounts and lifecycle rules of the matching platform."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from waste import schema
from waste.districts import city_districts
from waste.errors import InputError
from waste.matching.accounts import account_for_token, create_account
from waste.matching.haulers import load_haulers, read_haulers, replace_haulers
from waste.matching.lifecycle import check_transition, may_change
from waste.matching.model import validate_request
from waste.matching.requests import (
    AccessDeniedError,
    change_status,
    history,
    list_requests,
    submit_request,
    visible_request,
)
from waste.paths import city_dir
from waste.store import Store, open_store

GOOD = {
    "lat": 39.29,
    "lon": -76.61,
    "stream": "bulky",
    "container": "item",
    "count": 2,
    "earliest": "2026-11-23",
    "latest": "2026-11-25",
}


def test_a_good_request_is_cleaned_and_its_volume_follows_the_container() -> None:
    clean = validate_request(GOOD)
    assert clean["volume_m3"] == 2.0
    assert clean["earliest"] == "2026-11-23"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": None}, "lat"),
        ({"lat": 123}, "lat"),
        ({"lon": "west"}, "lon"),
        ({"stream": "nuclear"}, "stream"),
        ({"container": "bucket"}, "container"),
        ({"count": 0}, "count"),
        ({"volume_m3": 500}, "volume_m3"),
        ({"earliest": "23/11/2026"}, "earliest"),
        ({"latest": "2026-11-20"}, "latest"),
        ({"latest": "2027-01-30"}, "latest"),
    ],
)
def test_a_bad_request_names_the_field(change: dict, field: str) -> None:
    with pytest.raises(InputError) as info:
        validate_request({**GOOD, **change})
    assert info.value.field == field


def test_sample_haulers_of_both_cities_read_and_are_synthetic() -> None:
    for city, currency in (("baltimore", "USD"), ("santa_cruz", "BOB")):
        frame = read_haulers(city_dir(city) / "haulers.geojson")
        assert len(frame) >= 3
        assert set(frame["currency"]) == {currency}
        assert frame["source"].str.contains("Synthetic").all()


def test_a_bad_hauler_feature_names_file_feature_and_field(tmp_path: Path) -> None:
    data = json.loads((city_dir("baltimore") / "haulers.geojson").read_text())
    data["features"][1]["properties"]["streams"] = "general;plutonium"
    path = tmp_path / "haulers.geojson"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as info:
        read_haulers(path)
    assert (info.value.row, info.value.field) == (2, "streams")
    assert "plutonium" in str(info.value)
    data["features"][0]["geometry"] = {"type": "Point", "coordinates": [0, 0]}
    data["features"][1]["properties"]["streams"] = "general"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="Polygon") as info:
        read_haulers(path)
    assert info.value.field == "geometry"


def test_districts_name_every_sample_point() -> None:
    districts = city_districts("santa_cruz")
    names = districts.of([-17.7834, -17.70, 10.0], [-63.1821, -63.25, 10.0])
    assert list(names) == ["centre", "north-west", "outside"]


def test_service_areas_and_working_days(store: Store) -> None:
    replace_haulers(store, "baltimore", read_haulers(city_dir("baltimore") / "haulers.geojson"))
    haulers = {h.hauler_id: h for h in load_haulers(store, "baltimore")}
    loop = haulers["BAL-LOOP"]
    assert loop.covers(39.33, -76.60)
    assert not loop.covers(39.22, -76.60)
    assert loop.works_on("2026-11-24")
    assert not loop.works_on("2026-11-23")
    assert loop.can_take("organic", "bin_240l")
    assert not loop.can_take("bulky", "item")


def test_lifecycle_rules() -> None:
    check_transition("accepted", "scheduled")
    with pytest.raises(InputError, match="cannot become"):
        check_transition("collected", "missed")
    with pytest.raises(InputError, match="not a status"):
        check_transition("accepted", "lost")


def test_tokens_identify_accounts_and_requesters_see_only_their_own(store: Store) -> None:
    alice = create_account(store, "alice", "baltimore", "resident", "Alice")
    create_account(store, "bob", "baltimore", "business", "Bob's Diner", token="bob-token")
    create_account(store, "city", "baltimore", "city", "Planners", token="city-token")
    with pytest.raises(InputError) as info:
        create_account(store, "alice", "baltimore", "resident", "Alice again")
    assert info.value.field == "account_id"
    a, b, c = (account_for_token(store, t) for t in (alice, "bob-token", "city-token"))
    assert a is not None
    assert a.account_id == "alice"
    assert account_for_token(store, "nope") is None
    rid = submit_request(store, a, GOOD)
    assert visible_request(store, a, rid)["account_id"] == "alice"
    assert visible_request(store, c, rid)["district"] == "centre"
    with pytest.raises(AccessDeniedError):
        visible_request(store, b, rid)
    hauler = create_account(store, "ops", "baltimore", "hauler", "Ops", hauler_id="BAL-DPW", token="ops-token")
    ops = account_for_token(store, hauler)
    assert ops is not None
    assert not may_change(ops, "cancelled")
    with pytest.raises(AccessDeniedError):
        change_status(store, rid, "cancelled", ops)
    assert list(list_requests(store, b)["request_id"]) == []
    assert list(list_requests(store, a)["request_id"]) == [rid]
    change_status(store, rid, "cancelled", a, note="changed my mind")
    events = history(store, rid)
    assert list(events["status_to"]) == ["requested", "cancelled"]
    assert list(events["actor"]) == ["alice", "alice"]
    assert events["ts"].dt.tz is not None


def test_a_store_of_the_previous_schema_gets_the_new_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    store = open_store(url)
    with store.engine.begin() as conn:
        for table in ("requests", "offers", "recycling_records"):
            conn.execute(sa.text(f"DROP TABLE {table}"))
        # Version 2 is the schema before the matching and recycling tables.
        conn.execute(sa.text("UPDATE meta SET value = '2' WHERE key = 'schema_version'"))
    store.dispose()
    store = open_store(url)
    names = set(sa.inspect(store.engine).get_table_names())
    assert {"requests", "offers", "recycling_records", "accounts", "haulers"} <= names
    with store.engine.connect() as conn:
        version = conn.execute(sa.text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar_one()
        assert version == str(schema.SCHEMA_VERSION) == "3"
    store.dispose()
