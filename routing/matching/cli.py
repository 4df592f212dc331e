"""``waste requests`` and ``waste match``: file and follow requests, match them, plan their days, simulate a month.

The command line acts as the city's operator: it may file a request for any requester account and move any
request; the API is where accounts act for themselves.
"""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
from rich.table import Table

from routing.matching.engine import Matcher
from routing.matching.missed import resolve_missed
from routing.matching.rules import BASELINE, RULES
from routing.matching.simulate import MonthConfig, simulate_month
from waste.commands._options import console, db_option, step_progress, store_from
from waste.errors import InputError
from waste.matching.accounts import Account, get_account
from waste.matching.imports import import_requests_csv
from waste.matching.model import CONTAINERS, STATUSES, STREAMS
from waste.matching.requests import change_status, get_request, history, list_requests, offers_of, submit_request
from waste.matching.webhooks import deliver_pending, deliveries
from waste.paths import SAMPLE_CITIES
from waste.recycling.records import records
from waste.recycling.report import monthly_report, write_report_chart
from waste.store import Store, open_store

rule_option = click.option(
    "--rule", type=click.Choice([*RULES, BASELINE]), default="cheapest", show_default=True, help="How to choose."
)


def _operator(city: str) -> Account:
    """The command line's identity: the city's operator."""
    return Account("operator", city, "city", "command line operator")


def _print_offers(store: Store, request_id: int) -> None:
    offers = offers_of(store, request_id)
    table = Table(title=f"request {request_id}: offers", title_justify="left")
    for name in ("offer", "hauler", "day", "window", "price", "marginal cost", "road km", "status"):
        table.add_column(name)
    for o in offers.itertuples(index=False):
        table.add_row(
            str(o.offer_id),
            o.hauler_id,
            o.service_date,
            f"{o.window_start}-{o.window_end}",
            f"{o.price:,.2f}",
            f"{o.marginal_cost:,.2f}",
            f"{o.road_km_from_depot:,.1f}",
            o.status,
        )
    console().print(table)


@click.group()
def requests() -> None:
    """Collection requests: file, import, list, show with offers and history, change status, webhooks."""


@requests.command("add")
@click.option("--city", metavar="NAME", required=True, help="City key.")
@click.option("--account", "account_id", required=True, help="The requester's account id.")
@click.option("--lat", type=float, required=True, help="Latitude (degrees).")
@click.option("--lon", type=float, required=True, help="Longitude (degrees).")
@click.option("--address", default="", help="Address text (kept as given).")
@click.option("--stream", type=click.Choice(STREAMS), required=True)
@click.option("--container", type=click.Choice(list(CONTAINERS)), required=True)
@click.option("--count", type=int, default=1, show_default=True, help="Containers or items.")
@click.option("--earliest", required=True, metavar="DATE", help="First local date (YYYY-MM-DD).")
@click.option("--latest", metavar="DATE", help="Last local date [default: earliest].")
@rule_option
@click.option("--offers-only", is_flag=True, help="Make the offers but accept none.")
@db_option
def add(city: str, account_id: str, rule: str, offers_only: bool, db_url: str | None, **body: object) -> None:
    """File a request for a requester, make its offers and accept the one the rule picks."""
    store = store_from(db_url)
    owner = get_account(store, account_id)
    if owner is None or owner.city != city:
        raise InputError(f"no account {account_id!r} in {city}", field="account")
    rid = submit_request(store, owner, {k: v for k, v in body.items() if v is not None}, actor="operator")
    matcher = Matcher(store, city)
    row = (
        matcher.match(rid, rule, _operator(city))
        if not offers_only
        else (matcher.offers(rid), get_request(store, rid))[1]
    )
    _print_offers(store, rid)
    if row["status"] == "accepted":
        console().print(
            f"request {rid} accepted: {row['hauler_id']} on {row['service_date']} "
            f"{row['window_start']}-{row['window_end']} for {row['price']:,.2f}"
        )
    else:
        console().print(f"request {rid}: {row['status']}")


@requests.command("import")
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--city", metavar="NAME", required=True, help="City key.")
@rule_option
@click.option("--no-match", is_flag=True, help="Store the requests without matching them.")
@db_option
def import_(path: Path, city: str, rule: str, no_match: bool, db_url: str | None) -> None:
    """Import requests from CSV (account_id and the request's fields); bad rows are named and skipped."""
    store = store_from(db_url)
    result = import_requests_csv(store, path, _operator(city))
    for problem in result.rejected:
        console().print(f"skipped: {problem}")
    matched = 0
    if not no_match and result.stored:
        matcher = Matcher(store, city)
        matched = sum(matcher.match(rid, rule)["status"] == "accepted" for rid in result.stored)
    console().print(f"{len(result.stored)} requests stored, {matched} matched, {len(result.rejected)} rows skipped")


@requests.command("list")
@click.option("--city", metavar="NAME", required=True, help="City key.")
@click.option("--account", "account_id", help="Only this requester's.")
@click.option("--status", type=click.Choice(STATUSES), help="Only this status.")
@click.option("--hauler", "hauler_id", help="Only this hauler's.")
@click.option("--date", "service_date", metavar="DATE", help="Only this service date.")
@db_option
def list_(
    city: str,
    account_id: str | None,
    status: str | None,
    hauler_id: str | None,
    service_date: str | None,
    db_url: str | None,
) -> None:
    """List requests, newest first."""
    store = store_from(db_url)
    account = get_account(store, account_id) if account_id else None
    if account_id and account is None:
        raise InputError(f"no account {account_id!r}", field="account")
    rows = list_requests(store, account, city=city, status=status, hauler_id=hauler_id, service_date=service_date)
    table = Table(title=f"{city}: {len(rows)} requests", title_justify="left")
    for name in ("id", "account", "stream", "m3", "days", "source", "status", "hauler", "day", "window", "price"):
        table.add_column(name)
    for r in rows.head(200).itertuples(index=False):
        table.add_row(
            str(r.request_id),
            r.account_id,
            f"{r.stream} ({r.container})",
            f"{r.volume_m3:g}",
            f"{r.earliest}..{r.latest}",
            r.source,
            r.status,
            r.hauler_id or "",
            r.service_date or "",
            f"{r.window_start}-{r.window_end}" if r.window_start else "",
            "" if pd.isna(r.price) else f"{r.price:,.2f}",
        )
    console().print(table)


@requests.command("show")
@click.argument("request_id", type=int)
@db_option
def show(request_id: int, db_url: str | None) -> None:
    """A request with its offers and every status change (time, actor, note)."""
    store = store_from(db_url)
    row = get_request(store, request_id)
    if row is None:
        raise InputError(f"no request {request_id}", field="request_id")
    console().print({k: v for k, v in row.items() if v is not None})
    _print_offers(store, request_id)
    table = Table(title=f"request {request_id}: history", title_justify="left")
    for name in ("time (UTC)", "from", "to", "by", "note"):
        table.add_column(name)
    for e in history(store, request_id).itertuples(index=False):
        table.add_row(f"{e.ts:%Y-%m-%d %H:%M:%S}", e.status_from or "", e.status_to, e.actor, e.note or "")
    console().print(table)


@requests.command("status")
@click.argument("request_id", type=int)
@click.argument("status", type=click.Choice(STATUSES))
@click.option("--note", help="Why.")
@db_option
def status(request_id: int, status: str, note: str | None, db_url: str | None) -> None:
    """Move a request to a status; a missed pickup gets a recovery pickup or a credit (docs/guide/matching.md)."""
    store = store_from(db_url)
    row = get_request(store, request_id)
    if row is None:
        raise InputError(f"no request {request_id}", field="request_id")
    change_status(store, request_id, status, _operator(row["city"]), note=note)
    console().print(f"request {request_id}: {row['status']} -> {status}")
    if status == "missed":
        outcome = resolve_missed(Matcher(store, row["city"]), request_id)
        if outcome.recovery_request_id is not None:
            recovery = get_request(store, outcome.recovery_request_id)
            console().print(f"recovery pickup: request {recovery['request_id']} on {recovery['service_date']}, free")
        else:
            console().print(f"no recovery pickup possible: credited {outcome.credit:,.2f}")


@requests.command("webhooks")
@click.option("--deliver", is_flag=True, help="Deliver the pending notifications now (with retries).")
@db_option
def webhooks(deliver: bool, db_url: str | None) -> None:
    """List webhook deliveries (newest first), after delivering the pending ones when asked."""
    store = store_from(db_url)
    if deliver:
        counts = deliver_pending(store)
        console().print(f"{counts.delivered} delivered, {counts.failed} failed")
    frame = deliveries(store).head(50)
    console().print(frame.to_string(index=False) if len(frame) else "no webhook deliveries")


@click.group()
def match() -> None:
    """Match requests to haulers, plan the haulers' days, simulate a month in a sample city."""


@match.command("run")
@click.option("--city", metavar="NAME", required=True, help="City key.")
@click.option("--mode", type=click.Choice(["single", "batch"]), default="single", show_default=True)
@rule_option
@db_option
def run(city: str, mode: str, rule: str, db_url: str | None) -> None:
    """Match every request of the city still waiting (status requested), one by one or as one batch."""
    store = store_from(db_url)
    waiting = list_requests(store, city=city, status="requested").sort_values("request_id")["request_id"].tolist()
    matcher = Matcher(store, city)
    if mode == "batch":
        result = matcher.match_batch(waiting, _operator(city))
        console().print(f"batch assignment: {result.status}, total price {result.objective:,.2f}")
    else:
        for rid in waiting:
            matcher.match(rid, rule, _operator(city))
    rows = list_requests(store, city=city)
    done = rows[rows["request_id"].isin(waiting)]
    console().print(f"{len(waiting)} waiting, {int((done['status'] == 'accepted').sum())} accepted")


@match.command("schedule")
@click.option("--city", metavar="NAME", required=True, help="City key.")
@click.option("--date", "day", required=True, metavar="DATE", help="Local date (YYYY-MM-DD).")
@click.option("--time-limit", type=float, default=2.0, show_default=True, help="Solver budget per hauler (s).")
@db_option
def schedule(city: str, day: str, time_limit: float, db_url: str | None) -> None:
    """Solve each hauler's day of accepted pickups; they become scheduled (or missed, when no route reaches them)."""
    store = store_from(db_url)
    for solved in Matcher(store, city).schedule(day, time_limit_s=time_limit):
        console().print(
            f"{solved.hauler_id} {day}: {len(solved.arrival_s)} stops on {solved.trucks_used} truck(s), "
            f"{solved.distance_km:,.1f} km, cost {solved.cost:,.2f}; unserved {len(solved.unserved)}"
        )


@match.command("simulate")
@click.option(
    "--city",
    "cities",
    multiple=True,
    type=click.Choice([*SAMPLE_CITIES, "all"]),
    default=["all"],
    show_default=True,
    help="Sample city (repeatable).",
)
@click.option("--days", type=click.IntRange(3, 60), default=30, show_default=True)
@click.option("--requesters", type=click.IntRange(10, 5000), default=300, show_default=True)
@click.option("--mode", type=click.Choice(["single", "batch"]), default="single", show_default=True)
@rule_option
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("match_month"),
    show_default=True,
    help="Folder for each city's store, summary and recycling report.",
)
def simulate(cities: tuple[str, ...], days: int, requesters: int, mode: str, rule: str, seed: int, out: Path) -> None:
    """Simulate a month of requests, matching, plans, collections and recycling records in each sample city."""
    chosen = list(SAMPLE_CITIES) if "all" in cities else list(dict.fromkeys(cities))
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for city in chosen:
        db = out / f"{city}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        store = open_store(f"sqlite:///{db}")
        config = MonthConfig(city, days=days, requesters=requesters, mode=mode, rule=rule, seed=seed)
        with step_progress() as bar:
            task = bar.add_task(f"{city}: simulated days", total=days)
            result = simulate_month(
                store, config, progress=lambda _s, done, _t, task=task: bar.update(task, completed=done)
            )
        rows.append(result.row())
        report = monthly_report(records(store, city))
        report.to_csv(out / f"{city}_recycling.csv", index=False)
        write_report_chart(report, out / f"{city}_recycling.png", title=f"{city}: simulated month")
        r = result
        console().print(
            f"{city}: {r.requests} requests ({r.sensor_requests} from sensors); {r.matched_in_days} of {r.servable} "
            f"servable matched within their days; {r.collected} collected, {r.missed} missed ({r.recovered} "
            f"recovered, {r.credited:,.2f} {r.currency} credited); price {r.price_total:,.2f} {r.currency}, "
            f"hauler route cost {r.route_cost_total:,.2f} {r.currency}, {r.route_km_total:,.0f} km; "
            f"{r.runtime_s:.0f} s. Store: {db}"
        )
        store.dispose()
    pd.DataFrame(rows).to_csv(out / "summary.csv", index=False)
    console().print(f"summary: {out / 'summary.csv'}")
