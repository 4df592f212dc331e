"""``waste forecast``: per-bin fill forecast from the store, most at risk first."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pandas as pd
from rich.table import Table

from waste.commands._options import console, db_option, store_from
from waste.errors import InputError

_UNITS_H = {"m": 1 / 60, "min": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}


def parse_duration_h(text: str) -> float:
    """Hours in a duration such as ``72h``, ``3d``, ``90min`` or ``36`` (hours).

    Raises
    ------
    InputError
        When the text is not a positive duration.
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(min|m|h|d|w)?\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise InputError(f"not a duration: {text!r} (e.g. 72h, 3d, 90min)", field="horizon")
    return float(match.group(1)) * _UNITS_H[match.group(2) or "h"]


def _at(text: str | None) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        return pd.Timestamp.now(tz="UTC") if text == "now" else pd.Timestamp(text)
    except ValueError as exc:
        raise InputError(f"not a time: {text!r}", field="at") from exc


def _write(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix.lower() == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)


def _check_out(path: Path | None, option: str) -> None:
    if path is not None and path.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"{option} must end in .csv or .parquet", file=str(path))


@click.command()
@db_option
@click.option("--at", "at_text", metavar="TIME", help="Forecast time, UTC: ISO 8601 or now (default: newest reading).")
@click.option("--horizon", default="72h", show_default=True, help="How far ahead: 72h, 3d, 90min.")
@click.option("--city", metavar="NAME", help="Only the bins of this city in the store.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="Write .csv or .parquet.")
@click.option("--limit", type=int, default=25, show_default=True, help="Rows shown in the table.")
@click.option(
    "--collections",
    "collections_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write each bin's collection history (all stored emptyings) to .csv or .parquet.",
)
@click.option(
    "--store-collections/--no-store-collections",
    default=True,
    show_default=True,
    help="Store the confirmed emptyings found in the readings.",
)
@click.option("--scheduler", metavar="ADDRESS", help="Dask scheduler (tcp://host:8786): split the bins over it.")
@click.option(
    "--model",
    "model_name",
    type=click.Choice(["ensemble", "global", "fillrate"]),
    default=None,
    help="Forecaster (default: ensemble; global and ensemble need the 'forecast' extra, else fillrate is used).",
)
def forecast(
    db_url: str | None,
    at_text: str | None,
    horizon: str,
    city: str | None,
    out_path: Path | None,
    limit: int,
    collections_path: Path | None,
    store_collections: bool,
    scheduler: str | None,
    model_name: str | None,
) -> None:
    """Forecast every bin's fill: level at the horizon with 80 % interval, time to full, overflow risk.

    The emptyings found on the way are stored as collections (once each, however often this runs).
    """
    from waste.collections import collection_history, save_emptyings
    from waste.forecast import ForecastConfig, model_factory, run_forecast

    horizon_h = parse_duration_h(horizon)
    _check_out(out_path, "--out")
    _check_out(collections_path, "--collections")
    at = _at(at_text)
    store = store_from(db_url)
    bins = store.bins(city) if city else store.bins()
    readings = store.readings(until=at, city=city) if city else store.readings(until=at)
    out = console()
    factory, note = model_factory(model_name)
    if note is not None:
        out.print(f"note: {note}")
    if scheduler is not None and model_name is None:
        factory = None  # on a cluster: the fill-rate model, whose partitioned fit equals a local one
    config = ForecastConfig(horizon_h=horizon_h)
    run = run_forecast(readings, bins, at=at, config=config, scheduler=scheduler, model=factory)
    table = run.table
    if store_collections:
        out.print(f"stored {save_emptyings(store, run.emptyings)} new collections")
    if collections_path is not None:
        stored = store.collections()
        history = collection_history(stored[stored["bin_id"].isin(table["bin_id"])])
        _write(history, collections_path)
        out.print(f"wrote the collection history of {len(history)} bins to {collections_path}")
    if out_path is not None:
        _write(table, out_path)
        out.print(f"wrote {len(table)} forecasts to {out_path}")
        return
    print_forecast(table, limit)


def print_forecast(table: pd.DataFrame, limit: int) -> None:
    """Print the forecast table: bins most at risk first, then a count of bins without a forecast."""
    out = console()
    if table.empty:
        out.print("no bins to forecast")
        return
    at = table["at"].iloc[0]
    horizon = table["horizon_h"].iloc[0]
    view = Table(title=f"fill forecast at {at:%Y-%m-%d %H:%M} UTC, horizon {horizon:g} h", title_justify="left")
    for name in ("bin", "status", "fill now %", f"fill +{horizon:g} h %", "80 % interval", "full in h", "P(full)"):
        view.add_column(name, justify="left" if name in ("bin", "status") else "right")

    def num(v: float, fmt: str = "{:.0f}") -> str:
        return "-" if pd.isna(v) else ("never" if v == float("inf") else fmt.format(v))

    for row in table.head(limit).itertuples(index=False):
        view.add_row(
            row.bin_id,
            row.status,
            num(row.fill_now_pct),
            num(row.fill_pct),
            "-" if pd.isna(row.fill_p10_pct) else f"{row.fill_p10_pct:.0f}-{row.fill_p90_pct:.0f}",
            num(row.hours_to_threshold, "{:.1f}"),
            num(row.p_overflow, "{:.2f}"),
        )
    out.print(view)
    counts = table["status"].value_counts()
    others = ", ".join(f"{counts[s]} {s}" for s in ("silent", "stuck", "no_data") if s in counts)
    if others:
        out.print(f"no forecast (nothing recent to forecast from): {others}")
