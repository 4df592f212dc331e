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


@click.command()
@db_option
@click.option("--at", "at_text", metavar="TIME", help="Forecast time, UTC: ISO 8601 or now (default: newest reading).")
@click.option("--horizon", default="72h", show_default=True, help="How far ahead: 72h, 3d, 90min.")
@click.option("--city", metavar="NAME", help="Only the bins of this city in the store.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="Write .csv or .parquet.")
@click.option("--limit", type=int, default=25, show_default=True, help="Rows shown in the table.")
def forecast(
    db_url: str | None, at_text: str | None, horizon: str, city: str | None, out_path: Path | None, limit: int
) -> None:
    """Forecast every bin's fill: level at the horizon with 80 % interval, time to full, overflow risk."""
    from waste.forecast import ForecastConfig, forecast_bins

    horizon_h = parse_duration_h(horizon)
    if out_path is not None and out_path.suffix.lower() not in (".csv", ".parquet"):
        raise InputError("--out must end in .csv or .parquet", file=str(out_path))
    at = _at(at_text)
    store = store_from(db_url)
    bins = store.bins(city) if city else store.bins()
    readings = store.readings(until=at, city=city) if city else store.readings(until=at)
    table = forecast_bins(readings, bins, at=at, config=ForecastConfig(horizon_h=horizon_h))
    if out_path is not None:
        if out_path.suffix.lower() == ".csv":
            table.to_csv(out_path, index=False)
        else:
            table.to_parquet(out_path, index=False)
        console().print(f"wrote {len(table)} forecasts to {out_path}")
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
