"""``waste simulate``: generate a sample city (sites, bins, fleet, sensor readings, true emptyings)."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from waste.errors import InputError
from waste.paths import SAMPLE_CITIES, sample_data_root
from waste.simulate import DEFAULT_DAYS, DEFAULT_END, DEFAULT_SEED, simulate_city, write_city


def _end(value: str | None) -> pd.Timestamp:
    if value is None:
        return DEFAULT_END
    try:
        ts = pd.Timestamp(value)
    except ValueError as exc:
        raise InputError(f"not a date or time: {value!r} ({exc})", field="--end") from None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


@click.command()
@click.option(
    "--city",
    type=click.Choice(SAMPLE_CITIES),
    default="baltimore",
    show_default=True,
    help="Reference city to generate.",
)
@click.option(
    "--bins", "n_bins", type=int, default=None, help="Number of bins [default: 3000 Baltimore, 5000 Santa Cruz]."
)
@click.option("--days", type=int, default=DEFAULT_DAYS, show_default=True, help="Days of sensor readings.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Random seed (same seed, same files).")
@click.option("--end", "end", default=None, metavar="DATE", help="End of the readings, UTC [default: 2026-11-20].")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write into [default: the city's sample_data folder].",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def simulate(
    city: str, n_bins: int | None, days: int, seed: int, end: str | None, out: Path | None, quiet: bool
) -> None:
    """Generate a sample city: sites, bins, fleet, sensor readings and true emptyings.

    The same options give byte-identical files. Without --out this rewrites the bundled sample of the city
    (its scenario.toml is left alone).
    """
    folder = out if out is not None else sample_data_root() / city
    err = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    ) as bar:
        task = bar.add_task(f"Simulating {city}", total=None)
        sim = simulate_city(
            city,
            bins=n_bins,
            days=days,
            seed=seed,
            end=_end(end),
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
        bar.update(task, description=f"Writing {folder}")
        sizes = write_city(sim, folder)

    table = Table(title=f"{sim.spec.name}: {folder}", show_edge=False)
    table.add_column("file")
    table.add_column("rows", justify="right")
    table.add_column("size", justify="right")
    rows = {
        "sites.csv": len(sim.sites),
        "bins.csv": len(sim.bins),
        "fleet.csv": len(sim.fleet),
        "readings.csv.gz": len(sim.readings),
        "collections_truth.csv.gz": len(sim.collections),
    }
    for name, size in sizes.items():
        table.add_row(name, f"{rows[name]:,}" if name in rows else "", f"{size / 1e6:.2f} MB")
    table.add_row("total", "", f"{sum(sizes.values()) / 1e6:.2f} MB")
    console = Console(highlight=False)
    console.print(table)
    console.print(
        f"{len(sim.bins):,} bins, {sim.fleet['count'].sum()} trucks, {len(sim.readings):,} readings "
        f"over {days} days to {sim.end:%Y-%m-%d} (seed {seed}); {len(sim.collections):,} emptyings."
    )
