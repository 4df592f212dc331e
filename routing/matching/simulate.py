"""A simulated month of the matching platform in a sample city, end to end, seeded and reproducible.

The city's bins, sites and fleet are loaded with its sample haulers; a few hundred requesters (residents and
businesses, placed where the city's bins are) ask for pickups through the month; businesses' registered containers
raise requests from their sensors' forecasts. Each day: the sensor pass, matching of the day's new requests (one by
one under a rule, or jointly in a batch), the plan of the day's accepted pickups (solved and checked per hauler),
the day's collections (with a small rate of crew misses, handled by the missed-pickup rule) and their recycling
records. Everything goes through the same functions the API and the CLI call.

Request mix (synthetic, documented so it can be judged): a resident asks for a bulky item pickup most often, then
extra general waste, recyclables, garden waste, or a small skip of renovation debris; a business asks for general
waste, recyclables, organics (restaurants) and construction skips. Each asks on a random day for a pickup one or
two days later, with 0 to 5 days of slack.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from routing.matching.engine import Matcher
from routing.matching.missed import resolve_missed
from routing.matching.offers import can_serve
from routing.matching.schedule import ScheduledDay
from waste.districts import city_districts
from waste.load import load_sample_city, sample_readings
from waste.matching.accounts import Account, create_account, get_account
from waste.matching.haulers import read_haulers, replace_haulers
from waste.matching.model import DENSITY_KG_M3, days_between
from waste.matching.requests import change_status, list_requests, submit_request
from waste.matching.sensor import raise_sensor_requests, register_container
from waste.paths import city_dir
from waste.recycling.records import add_records, validate_record
from waste.store import Store

#: Stream mix of each kind of requester: (stream, share, containers to pick from, most containers).
MIX: dict[str, list[tuple[str, float, tuple[str, ...], int]]] = {
    "resident": [
        ("bulky", 0.35, ("item",), 3),
        ("general", 0.25, ("bag", "bin_240l"), 4),
        ("recycling", 0.18, ("bag", "bin_240l"), 3),
        ("organic", 0.14, ("bag", "bin_240l"), 3),
        ("construction", 0.08, ("skip_6m3",), 1),
    ],
    "business": [
        ("general", 0.40, ("bin_240l", "container_1100l"), 3),
        ("recycling", 0.25, ("bin_240l", "container_1100l"), 3),
        ("organic", 0.15, ("bin_240l", "container_1100l"), 2),
        ("construction", 0.15, ("skip_6m3", "roll_off_15m3"), 1),
        ("bulky", 0.05, ("item",), 4),
    ],
}
#: Share of each stream's loads the crew flags as contaminated, and share of bulky loads with items for reuse.
CONTAMINATION = {"recycling": 0.15, "organic": 0.08}
REUSE_SHARE = 0.3
#: Share of loads weighed on a truck scale (the rest estimated from volume and density).
WEIGHED_SHARE = 0.4


@dataclass(frozen=True, slots=True)
class MonthConfig:
    """What to simulate.

    Attributes
    ----------
    city
        A sample city.
    days
        Days simulated, ending the day the sample readings end (sensors need readings).
    requesters
        Accounts making requests (about 70 % residents, 30 % businesses).
    requests_per_requester
        Mean requests per requester over the simulation.
    sensor_containers
        Businesses' containers registered to raise requests from their sensors.
    mode
        ``single`` (one request at a time, by ``rule``) or ``batch`` (a day's new requests jointly).
    rule
        ``cheapest``, ``fastest``, ``share``, or the ``nearest`` baseline.
    crew_miss_rate
        Probability a scheduled pickup is missed by the crew.
    time_limit_s
        Solver budget per hauler day (s).
    seed
        Seed of every random draw.
    """

    city: str
    days: int = 30
    requesters: int = 300
    requests_per_requester: float = 1.5
    sensor_containers: int = 30
    mode: str = "single"
    rule: str = "cheapest"
    crew_miss_rate: float = 0.02
    time_limit_s: float = 0.5
    seed: int = 0


@dataclass(slots=True)
class MonthResult:
    """Totals of a simulated month (money in the city's currency)."""

    city: str
    currency: str
    mode: str
    rule: str
    requests: int = 0
    sensor_requests: int = 0
    servable: int = 0
    matched: int = 0
    matched_in_days: int = 0
    unmatched_servable: int = 0
    collected: int = 0
    missed: int = 0
    recovered: int = 0
    credited: float = 0.0
    price_total: float = 0.0
    route_cost_total: float = 0.0
    insertion_cost_total: float = 0.0
    route_km_total: float = 0.0
    runtime_s: float = 0.0
    by_hauler: dict[str, int] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """The totals as one flat record."""
        out = {k: getattr(self, k) for k in self.__slots__ if k != "by_hauler"}  # type: ignore[attr-defined]
        out["by_hauler"] = ";".join(f"{h}={n}" for h, n in sorted(self.by_hauler.items()))
        return out


def setup_city(store: Store, config: MonthConfig, rng: np.random.Generator) -> tuple[Account, list[Account]]:
    """Load the city, its haulers, its accounts and sensor containers; the city account and the requesters."""
    city = config.city
    load_sample_city(store, city)
    replace_haulers(store, city, read_haulers(city_dir(city) / "haulers.geojson"))
    create_account(store, f"{city}-city", city, "city", f"{city} city planners", token=f"{city}-city-demo")
    for hid in read_haulers(city_dir(city) / "haulers.geojson")["hauler_id"]:
        create_account(store, f"{hid.lower()}-ops", city, "hauler", hid, hauler_id=hid)
    bins = store.bins(city)
    requesters = []
    for n in range(config.requesters):
        kind = "business" if rng.random() < 0.3 else "resident"
        account_id = f"{city[:3]}-{kind[:3]}-{n:04d}"
        create_account(store, account_id, city, kind, f"{kind} {n}")
        requesters.append(get_account(store, account_id))
    businesses = [a for a in requesters if a is not None and a.kind == "business"]
    commercial = bins[(bins["kind"] == "container") & bins["stream"].isin(["general", "recycling"])]
    chosen = commercial.sample(min(config.sensor_containers, len(commercial)), random_state=config.seed)
    for n, bin_id in enumerate(chosen["bin_id"]):
        register_container(store, bin_id, businesses[n % len(businesses)].account_id, threshold_pct=80.0)
    readings = pd.read_csv(sample_readings(city), usecols=["bin_id", "ts", "fill_pct"])
    readings = readings[readings["bin_id"].isin(set(chosen["bin_id"]))]
    stamps = pd.to_datetime(readings["ts"], utc=True)
    store.insert_readings(readings.assign(ts_unix_s=(stamps.astype("int64") // 10**9)).drop(columns="ts"))
    city_account = get_account(store, f"{city}-city")
    assert city_account is not None
    return city_account, [a for a in requesters if a is not None]


def request_plan(
    requesters: list[Account], bins: pd.DataFrame, first_day: date, config: MonthConfig, rng: np.random.Generator
) -> dict[str, list[tuple[Account, dict[str, Any]]]]:
    """Each day's new requests: (requester, request body) by local date of arrival."""
    plan: dict[str, list[tuple[Account, dict[str, Any]]]] = {}
    places = bins[["lat", "lon"]].to_numpy(float)
    homes = {a.account_id: places[rng.integers(len(places))] for a in requesters}
    for account in requesters:
        for _ in range(rng.poisson(config.requests_per_requester)):
            day = first_day + timedelta(days=int(rng.integers(config.days - 2)))
            mix = MIX[account.kind]
            stream, _, containers, most = mix[rng.choice(len(mix), p=[m[1] for m in mix])]
            lat, lon = homes[account.account_id] + rng.normal(0, 0.0005, 2)  # a few tens of metres from a bin
            earliest = day + timedelta(days=int(rng.integers(1, 3)))
            body = {
                "lat": round(float(lat), 6),
                "lon": round(float(lon), 6),
                "address": f"simulated address of {account.account_id}",
                "stream": stream,
                "container": str(rng.choice(containers)),
                "count": int(rng.integers(1, most + 1)),
                "earliest": earliest.isoformat(),
                "latest": (earliest + timedelta(days=int(rng.integers(0, 6)))).isoformat(),
            }
            plan.setdefault(day.isoformat(), []).append((account, body))
    return plan


def simulate_month(
    store: Store, config: MonthConfig, *, progress: Callable[[str, int, int], None] | None = None
) -> MonthResult:
    """Run the month; the store ends holding every request, offer, event and recycling record."""
    clock = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    report = progress or (lambda step, done, total: None)
    city_account, requesters = setup_city(store, config, rng)
    info = store.city_info(config.city)
    tz = info["timezone"]
    last_reading = store.latest_readings(config.city)["ts"].max().tz_convert(tz)
    first_day = last_reading.date() - timedelta(days=config.days)
    plan = request_plan(requesters, store.bins(config.city), first_day, config, rng)
    matcher = Matcher(store, config.city)
    result = MonthResult(config.city, info["currency"], config.mode, config.rule)
    hauler_ops = {h: get_account(store, f"{h.lower()}-ops") for h in matcher.haulers}
    districts = city_districts(config.city)
    for n in range(config.days):
        today = first_day + timedelta(days=n)
        report("days", n, config.days)
        new = [submit_request(store, account, body, source="api") for account, body in plan.get(today.isoformat(), [])]
        evening = pd.Timestamp(today.isoformat()).tz_localize(tz) + pd.Timedelta(hours=18)
        sensed = raise_sensor_requests(store, config.city, evening.tz_convert("UTC"), timezone=tz)
        result.sensor_requests += len(sensed.raised)
        new += list(sensed.raised)
        if config.mode == "batch":
            matcher.match_batch(new, city_account)
        else:
            for rid in new:
                matcher.match(rid, config.rule, None)
        solved = matcher.schedule(today.isoformat(), time_limit_s=config.time_limit_s)
        _run_day(store, matcher, today.isoformat(), solved, hauler_ops, districts, config, rng, result)
    report("days", config.days, config.days)
    _totals(store, matcher, config, first_day, result)
    result.runtime_s = time.perf_counter() - clock
    return result


def _run_day(
    store: Store,
    matcher: Matcher,
    today: str,
    solved: list[ScheduledDay],
    hauler_ops: dict[str, Account | None],
    districts: Any,
    config: MonthConfig,
    rng: np.random.Generator,
    result: MonthResult,
) -> None:
    """The crews' day: collect (with records) or miss each scheduled pickup; the missed-pickup rule."""
    for day in solved:
        result.route_cost_total += day.cost
        result.insertion_cost_total += day.insertion_cost
        result.route_km_total += day.distance_km
    scheduled = list_requests(store, city=config.city, status="scheduled", service_date=today)
    missed = list(list_requests(store, city=config.city, status="missed", service_date=today)["request_id"])
    records = []
    for row in scheduled.to_dict("records"):
        crew = hauler_ops[row["hauler_id"]]
        if rng.random() < config.crew_miss_rate:
            change_status(store, row["request_id"], "missed", crew, note="crew could not reach it")
            missed.append(row["request_id"])
            continue
        change_status(store, row["request_id"], "collected", crew)
        records.append(_record(row, config.city, rng))
    add_records(store, records, recorded_by="crews")
    for rid in missed:
        outcome = resolve_missed(matcher, int(rid))
        result.recovered += outcome.recovery_request_id is not None
        result.credited += outcome.credit


def _record(row: dict[str, Any], city: str, rng: np.random.Generator) -> dict[str, Any]:
    """What a collection brought in: weighed or estimated, contamination and reuse drawn from the stated shares."""
    stream = str(row["stream"])
    fill = float(rng.uniform(60, 100))
    body: dict[str, Any] = {
        "collected_on": row["service_date"],
        "stream": stream,
        "district": row["district"],
        "request_id": row["request_id"],
        "bin_id": row["bin_id"],
        "hauler_id": row["hauler_id"],
        "volume_m3": row["volume_m3"],
        "fill_pct": round(fill, 1),
        "contaminated": bool(rng.random() < CONTAMINATION.get(stream, 0.0)),
    }
    if rng.random() < WEIGHED_SHARE:
        density = DENSITY_KG_M3[stream] * float(rng.lognormal(0, 0.25))
        body["weight_kg"] = round(float(row["volume_m3"]) * fill / 100 * density, 1)
    if stream == "bulky" and rng.random() < REUSE_SHARE:
        body["reuse_items"] = int(rng.integers(1, 3))
        body["reuse_kind"] = str(rng.choice(["sofa", "wardrobe", "table", "fridge", "washing machine"]))
    return validate_record(body, city)


def _totals(store: Store, matcher: Matcher, config: MonthConfig, first_day: date, result: MonthResult) -> None:
    """Count what happened: requests, servable ones, matched within their days, collected, price paid."""
    rows = list_requests(store, city=config.city)
    first = rows[rows["source"] != "recovery"]
    result.requests = len(first)
    last_day = (first_day + timedelta(days=config.days - 1)).isoformat()
    # Only requests whose whole span lies in the simulated month can be judged on being matched within their days.
    judged = first[first["latest"] <= last_day]
    servable = judged.apply(lambda r: _servable(matcher, r), axis=1) if len(judged) else pd.Series(dtype=bool)
    result.servable = int(servable.sum())
    matched = judged["hauler_id"].notna()
    result.matched = int(matched.sum())
    in_days = matched & (judged["service_date"] >= judged["earliest"]) & (judged["service_date"] <= judged["latest"])
    result.matched_in_days = int(in_days.sum())
    result.unmatched_servable = int((servable & ~matched).sum())
    result.collected = int((rows["status"] == "collected").sum())
    result.missed = int((rows["status"] == "missed").sum())
    result.price_total = float(rows.loc[rows["hauler_id"].notna(), "price"].fillna(0).sum() - rows["credit"].sum())
    result.by_hauler = dict(Counter(rows.loc[rows["hauler_id"].notna(), "hauler_id"]))


def _servable(matcher: Matcher, row: pd.Series) -> bool:
    """Whether some hauler covers the place, takes the stream and container, and works one of the requested days."""
    request = row.to_dict()
    days = days_between(str(request["earliest"]), str(request["latest"]))
    return any(can_serve(h, request) and any(h.works_on(d) for d in days) for h in matcher.haulers.values())
