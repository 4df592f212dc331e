"""Matching with the routing engine: insertion costs, offers, rules, the batch assignment, schedules, missed pickups."""

from __future__ import annotations

import pytest

from routing.matching.batch import assign
from routing.matching.day import DayStop, HaulerDay, promised_window
from routing.matching.engine import Matcher
from routing.matching.missed import resolve_missed
from routing.matching.offers import make_offers, price
from routing.matching.rules import choose
from waste.errors import InputError
from waste.matching.accounts import account_for_token, create_account
from waste.matching.haulers import load_haulers, read_haulers, replace_haulers
from waste.matching.requests import change_status, get_request, history, offers_of, submit_request
from waste.paths import city_dir
from waste.store import Store

# 2026-11-23 is a Monday.
BODY = {"lat": 39.30, "lon": -76.60, "stream": "general", "container": "bin_240l", "count": 2}


@pytest.fixture
def city(sqlite_store: Store) -> Store:
    replace_haulers(sqlite_store, "baltimore", read_haulers(city_dir("baltimore") / "haulers.geojson"))
    create_account(sqlite_store, "res", "baltimore", "resident", "A resident", token="res")
    create_account(sqlite_store, "city", "baltimore", "city", "Planners", token="city")
    return sqlite_store


def _request(store: Store, **change: object) -> int:
    account = account_for_token(store, "res")
    assert account is not None
    return submit_request(store, account, {**BODY, "earliest": "2026-11-23", "latest": "2026-11-24", **change})


def _hauler(store: Store, hauler_id: str):
    return next(h for h in load_haulers(store, "baltimore") if h.hauler_id == hauler_id)


def test_insertion_cost_is_the_route_change_and_the_first_stop_pays_the_truck(city: Store) -> None:
    day = HaulerDay(_hauler(city, "BAL-HARB"), "2026-11-23")
    start, end = day.shift_s
    first = DayStop(1, 39.28, -76.59, 1.0, 60, start, end)
    where = day.cheapest_insertion(first)
    assert where is not None
    assert where.route == 0
    assert where.marginal_cost > float(day.hauler.truck_day_cost)
    day.insert(first, where)
    # A stop next door costs little more: a few metres and a minute of service.
    second = DayStop(2, 39.2801, -76.5901, 1.0, 60, start, end)
    near = day.cheapest_insertion(second)
    far = day.cheapest_insertion(DayStop(3, 39.37, -76.53, 1.0, 60, start, end))
    assert near is not None
    assert far is not None
    assert near.route == 0
    assert near.marginal_cost < far.marginal_cost < float(day.hauler.truck_day_cost)
    assert near.marginal_cost == pytest.approx(float(day.hauler.cost_per_h) * 60 / 3600, abs=1.0)


def test_windows_truck_volume_and_daily_capacity_bound_insertion(city: Store) -> None:
    hauler = _hauler(city, "BAL-LOOP")  # one truck of 25 m3, 22 pickups a day
    day = HaulerDay(hauler, "2026-11-24")
    start, end = day.shift_s
    assert day.cheapest_insertion(DayStop(1, 39.33, -76.60, 26.0, 60, start, end)) is None  # too big for the truck
    assert day.cheapest_insertion(DayStop(1, 39.33, -76.60, 1.0, 60, end + 60, end + 120)) is None  # after the shift
    for n in range(int(hauler.max_pickups_per_day)):
        stop = DayStop(n, 39.33 + n * 1e-4, -76.60, 0.5, 60, start, end)
        where = day.cheapest_insertion(stop)
        assert where is not None
        day.insert(stop, where)
    assert day.is_full
    assert day.cheapest_insertion(DayStop(99, 39.33, -76.60, 0.5, 60, start, end)) is None


def test_promised_window_holds_the_arrival_within_the_shift() -> None:
    for arrival in (7 * 3600, 9 * 3600 + 17 * 60, 16 * 3600 + 50 * 60):
        start, end = promised_window(arrival, (7 * 3600, 17 * 3600))
        assert 7 * 3600 <= start <= arrival <= end <= 17 * 3600


def test_offers_respect_area_stream_container_and_days(city: Store) -> None:
    rid = _request(city, stream="organic")
    matcher = Matcher(city, "baltimore")
    offers = make_offers(get_request(city, rid), matcher.haulers.values(), matcher.day_of)
    assert {o.hauler_id for o in offers} == {"BAL-DPW", "BAL-HARB", "BAL-LOOP"}
    loop = [o for o in offers if o.hauler_id == "BAL-LOOP"]
    assert all(o.service_date == "2026-11-24" for o in loop)  # Green Loop does not work on Mondays
    south = _request(city, stream="organic", lat=39.22)  # outside Green Loop's northern area
    assert "BAL-LOOP" not in {o.hauler_id for o in matcher.offers(south, save=False)}
    skip = _request(city, stream="construction", container="roll_off_15m3")
    assert {o.hauler_id for o in matcher.offers(skip, save=False)} == {"BAL-ROLL"}


def test_price_follows_the_list_and_charges_road_km_outside_the_base_area(city: Store) -> None:
    roll = _hauler(city, "BAL-ROLL")
    inside = price(roll, "construction", 6.0, 5.0)
    assert inside == pytest.approx(150 + 75 * 6.0 * 0.5)
    assert price(roll, "construction", 6.0, 20.0) == pytest.approx(inside + 3.0 * (20.0 - 12.0))


def test_rules_pick_cheapest_fastest_and_share(city: Store) -> None:
    rid = _request(city, stream="organic", earliest="2026-11-23", latest="2026-11-26")
    matcher = Matcher(city, "baltimore")
    offers = matcher.offers(rid, save=False)
    cheapest = choose(offers, "cheapest")
    fastest = choose(offers, "fastest")
    assert cheapest is not None
    assert cheapest.price == min(o.price for o in offers)
    assert fastest is not None
    assert fastest.service_date == min(o.service_date for o in offers)
    held = {cheapest.hauler_id: 50}
    shared = choose(offers, "share", accepted_by_hauler=held, target_share={cheapest.hauler_id: 0.2})
    assert shared is not None
    assert shared.hauler_id != cheapest.hauler_id
    with pytest.raises(InputError) as info:
        choose(offers, "random")
    assert info.value.field == "rule"


def test_batch_assignment_respects_capacity_where_one_by_one_cannot_look_ahead(city: Store) -> None:
    matcher = Matcher(city, "baltimore")
    a = _request(city, stream="organic", latest="2026-11-23")  # only Monday
    b = _request(city, stream="organic", latest="2026-11-23")
    offers = {rid: matcher.offers(rid, save=False) for rid in (a, b)}
    key = {(o.hauler_id, o.service_date) for os in offers.values() for o in os}
    one_each = dict.fromkeys(key, 1)
    result = assign(offers, one_each, dict.fromkeys(key, 100.0), {a: 0.48, b: 0.48})
    chosen = [result.chosen[a], result.chosen[b]]
    assert all(c is not None for c in chosen)
    assert len({(c.hauler_id, c.service_date) for c in chosen if c is not None}) == 2
    assert result.status == "optimal"


def test_lifecycle_through_the_matcher_schedule_and_collection(city: Store) -> None:
    matcher = Matcher(city, "baltimore")
    resident = account_for_token(city, "res")
    ids = [_request(city, lat=39.30 + n * 0.002) for n in range(5)]
    for rid in ids:
        row = matcher.match(rid)
        assert row["status"] == "accepted"
        assert row["price"] > 0
        assert row["earliest"] <= row["service_date"] <= row["latest"]
        assert (offers_of(city, rid)["status"] == "accepted").sum() == 1
    days = {get_request(city, rid)["service_date"] for rid in ids}
    for day in sorted(days):
        for solved in matcher.schedule(day, time_limit_s=1.0):
            assert not solved.unserved
            assert 0 < solved.cost <= solved.insertion_cost + 1e-6  # warm-started from the insertion routes
    assert {get_request(city, rid)["status"] for rid in ids} == {"scheduled"}
    with pytest.raises(InputError):
        change_status(city, ids[0], "collected", resident)  # a requester cannot say it was collected
    change_status(city, ids[0], "collected", None)
    assert list(history(city, ids[0])["status_to"]) == ["requested", "offered", "accepted", "scheduled", "collected"]


def test_a_missed_pickup_gets_a_free_recovery_or_a_credit(city: Store) -> None:
    matcher = Matcher(city, "baltimore")
    rid = _request(city)
    first = matcher.match(rid)
    change_status(city, rid, "missed", None, note="blocked street")
    outcome = resolve_missed(matcher, rid)
    assert outcome.recovery_request_id is not None
    assert outcome.credit == 0.0
    recovery = get_request(city, outcome.recovery_request_id)
    assert recovery["recovery_of"] == rid
    assert recovery["price"] == 0.0
    assert recovery["hauler_id"] == first["hauler_id"]
    assert recovery["service_date"] > first["service_date"]
    # A hauler with no room in the recovery days: the requester is credited the price instead.
    roll = _request(city, stream="construction", container="roll_off_15m3")
    matcher.match(roll)
    row = get_request(city, roll)
    hauler = matcher.haulers[row["hauler_id"]]
    for day in ("2026-11-24", "2026-11-25", "2026-11-26"):
        matcher.day_of(hauler, day).stops.extend([None] * int(hauler.max_pickups_per_day))  # type: ignore[list-item]
    change_status(city, roll, "missed", None)
    outcome = resolve_missed(matcher, roll)
    assert outcome.recovery_request_id is None
    assert outcome.credit == pytest.approx(row["price"])
    assert get_request(city, roll)["credit"] == pytest.approx(row["price"])


def test_match_batch_accepts_every_request_within_its_days(city: Store) -> None:
    matcher = Matcher(city, "baltimore")
    ids = [_request(city, stream="organic", lat=39.30 + n * 0.003, latest="2026-11-25") for n in range(6)]
    result = matcher.match_batch(ids)
    assert result.status == "optimal"
    rows = [get_request(city, rid) for rid in ids]
    assert {r["status"] for r in rows} == {"accepted"}
    assert all(r["earliest"] <= r["service_date"] <= r["latest"] for r in rows)
    assert {r["hauler_id"] for r in rows} <= {o.hauler_id for o in result.chosen.values() if o is not None}
