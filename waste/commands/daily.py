"""``waste daily``: the dispatcher's morning job on a city, end to end."""

from __future__ import annotations

import click

from waste.commands._options import console, db_option, file_progress, store_from
from waste.commands.ingest import print_reports
from waste.commands.status import print_status
from waste.ingest import ingest_files
from waste.load import load_sample_city, sample_readings
from waste.paths import SAMPLE_CITIES
from waste.status import city_status


@click.command()
@click.option(
    "--city",
    metavar="NAME",
    default="baltimore",
    show_default=True,
    help=f"Bundled sample city: {', '.join(SAMPLE_CITIES)}.",
)
@db_option
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on a terminal.")
def daily(city: str, db_url: str | None, progress: bool) -> None:
    """Run the daily job on a sample city: load its sites, bins and fleet, ingest its readings, print status.

    Safe to run again: the city is reloaded and readings already stored are skipped.
    """
    store = store_from(db_url)
    out = console()
    loaded = load_sample_city(store, city)
    out.print(f"Loaded {city}: {loaded.sites} sites, {loaded.bins} bins, {loaded.vehicles} trucks ({store.url})")
    with file_progress(f"ingesting {city} readings", enabled=progress) as update:
        reports = ingest_files(store, [sample_readings(city)], progress=update)
    print_reports(reports)
    print_status(city_status(store, city), out)
