"""``waste haulers`` and ``waste accounts``: load a city's haulers, list them, create accounts with tokens."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from waste.commands._options import console, db_option, store_from
from waste.errors import InputError
from waste.matching.accounts import create_account
from waste.matching.haulers import haulers_frame, read_haulers, replace_haulers
from waste.matching.model import ACCOUNT_KINDS
from waste.paths import city_dir


@click.group()
def haulers() -> None:
    """Haulers of the matching platform: service areas, streams, trucks, price lists."""


@haulers.command("load")
@click.option("--city", metavar="NAME", required=True, help="City key (a sample city, or one loaded).")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Haulers GeoJSON [default: the sample city's haulers.geojson].",
)
@db_option
def load(city: str, path: Path | None, db_url: str | None) -> None:
    """Replace a city's haulers with those of a GeoJSON file (one Feature per hauler, its service area)."""
    frame = read_haulers(path or city_dir(city) / "haulers.geojson")
    count = replace_haulers(store_from(db_url), city, frame)
    console().print(f"{count} haulers loaded for {city}: {', '.join(frame['hauler_id'])}")


@haulers.command("list")
@click.option("--city", metavar="NAME", required=True, help="City key.")
@db_option
def list_haulers(city: str, db_url: str | None) -> None:
    """Print a city's haulers with their streams, capacity and prices."""
    frame = haulers_frame(store_from(db_url), city)
    if frame.empty:
        raise InputError(f"no haulers in {city}; run: waste haulers load --city {city}", field="city")
    table = Table(title=f"{city}: haulers", title_justify="left")
    for name in ("hauler", "kind", "streams", "trucks", "pickups/day", "days", "per pickup", "per m3", "per t"):
        table.add_column(name)
    for row in frame.itertuples(index=False):
        table.add_row(
            f"{row.hauler_id}\n{row.name}",
            row.kind,
            row.streams.replace(";", " "),
            str(row.trucks),
            str(row.max_pickups_per_day),
            row.working_days.replace(";", " "),
            f"{row.price_per_pickup:,.0f} {row.currency}",
            f"{row.price_per_m3:,.0f}",
            f"{row.price_per_tonne:,.0f}",
        )
    console().print(table)


@click.group()
def accounts() -> None:
    """Accounts of requesters, haulers and the city, each with its bearer token for the API."""


@accounts.command("create")
@click.option("--city", metavar="NAME", required=True, help="City key.")
@click.option("--id", "account_id", required=True, help="Account id (at most 64 characters).")
@click.option("--kind", type=click.Choice(ACCOUNT_KINDS), required=True, help="Who the account is.")
@click.option("--name", default="", help="Display name.")
@click.option("--hauler-id", help="For a hauler's account: its hauler.")
@click.option("--webhook-url", help="URL told of every status change of the account's requests.")
@db_option
def create(
    city: str, account_id: str, kind: str, name: str, hauler_id: str | None, webhook_url: str | None, db_url: str | None
) -> None:
    """Create an account and print its token (shown once: only its hash is stored)."""
    token = create_account(
        store_from(db_url), account_id, city, kind, name, hauler_id=hauler_id, webhook_url=webhook_url
    )
    console().print(f"account {account_id} ({kind}, {city}) created; token (shown once): {token}")
