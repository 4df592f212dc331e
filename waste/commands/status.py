"""``waste status``: the fleet and bin status table of a city, from the store."""

from __future__ import annotations

import click
import pandas as pd
from rich.console import Console
from rich.table import Table

from waste.commands._options import console, db_option, parse_utc_time, store_from
from waste.status import CityStatus, city_status


@click.command()
@click.option("--city", metavar="NAME", required=True, help="City in the store (e.g. baltimore).")
@click.option("--at", "at_text", metavar="TIME", help="Status at this UTC time (default: the newest reading).")
@db_option
def status(city: str, at_text: str | None, db_url: str | None) -> None:
    """Print the fleet and bin status of a city: fill by stream, waste waiting, stale sensors, trucks."""
    at = parse_utc_time(at_text, "--at")
    print_status(city_status(store_from(db_url), city, at), console())


def print_status(state: CityStatus, out: Console) -> None:
    """Print the two status tables of a city."""
    local = state.as_of_local
    when = f"{local:%a %Y-%m-%d %H:%M} {state.timezone}"
    if state.timezone != "UTC":
        when += f" ({state.as_of:%H:%M} UTC)"
    bins = Table(title=f"{state.city}: bins at {when}", title_justify="left")
    for name in ("stream", "bins", "reporting", "mean fill %", ">= 80 %", "full", "waste t", "stale", "low battery"):
        bins.add_column(name, justify="left" if name == "stream" else "right")
    for row in state.streams.itertuples(index=False):
        bins.add_row(
            row.stream,
            f"{row.bins:,}",
            f"{row.reporting:,}",
            "-" if pd.isna(row.mean_fill_pct) else f"{row.mean_fill_pct:.0f}",
            f"{row.nearly_full:,}",
            f"{row.full:,}",
            f"{row.waste_t:,.1f}",
            f"{row.stale:,}",
            f"{row.low_battery:,}",
        )
    fleet = Table(title=f"{state.city}: fleet", title_justify="left")
    # The last column is the type's whole fleet loaded once (trucks x payload), not one truck's load.
    numeric = ("trucks", "payload kg", "body m3", "t, one load per truck")
    for name in ("vehicle type", "trucks", "payload kg", "body m3", "depot", "shift", "streams", numeric[-1]):
        fleet.add_column(name, justify="right" if name in numeric else "left")
    for row in state.fleet.itertuples(index=False):
        fleet.add_row(
            row.vehicle_type,
            str(row.count),
            f"{row.capacity_kg:,.0f}",
            f"{row.capacity_m3:,.1f}",
            row.depot,
            row.shift,
            row.streams,
            f"{row.day_capacity_t:,.1f}",
        )
    out.print(bins)
    out.print(fleet)
