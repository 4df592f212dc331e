"""``waste load``: put a city's sites, bins and fleet into the store."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from waste.commands._options import city_option, console, db_option, store_from
from waste.errors import ConfigError
from waste.load import load_city_files, load_sample_city
from waste.reference import CityFiles, CityInfo

_file = click.Path(exists=False, dir_okay=False, path_type=Path)


@click.command()
@city_option
@click.option("--sites", type=_file, help="sites.csv of a city of your own (with --bins, --fleet and --name).")
@click.option("--bins", type=_file, help="bins.csv of a city of your own.")
@click.option("--fleet", type=_file, help="fleet.csv of a city of your own.")
@click.option("--name", help="Name of your city in the store (with --sites/--bins/--fleet).")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone of your city's clock times.")
@click.option("--currency", default="USD", show_default=True, help="Currency of your fleet's costs.")
@db_option
def load(
    city: str | None,
    sites: Path | None,
    bins: Path | None,
    fleet: Path | None,
    name: str | None,
    timezone: str,
    currency: str,
    db_url: str | None,
) -> None:
    """Load a city's sites, bins and fleet into the store, replacing what the store held for that city.

    Either a bundled sample city (--city baltimore) or your own three files (--sites, --bins, --fleet, --name).
    All three files are checked first; nothing is loaded when any has a problem, and every problem is listed.
    """
    own = (sites, bins, fleet)
    if city is None and not any(own):
        raise click.UsageError("give --city NAME, or --sites, --bins, --fleet and --name")
    if city is not None and any(own):
        raise click.UsageError("give either --city or --sites/--bins/--fleet, not both")
    store = store_from(db_url)
    if city is not None:
        report = load_sample_city(store, city)
    else:
        if sites is None or bins is None or fleet is None or not name:
            raise ConfigError("loading your own city needs all of --sites, --bins, --fleet and --name")
        try:
            pd.Timestamp("2026-01-01", tz=timezone)
        except (KeyError, ValueError) as exc:
            raise click.BadParameter(f"unknown time zone {timezone!r}", param_hint="--timezone") from exc
        info = CityInfo(name=name, timezone=timezone, currency=currency)
        report = load_city_files(store, name, CityFiles(sites=sites, bins=bins, fleet=fleet), info)
    console().print(
        f"Loaded {report.city}: {report.sites} sites, {report.bins} bins, "
        f"{report.vehicles} trucks of {report.vehicle_types} types into {store.url}"
    )
