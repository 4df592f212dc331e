"""``waste backtest``: rolling-origin evaluation of the fill forecasts against the baselines."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from waste.commands._options import console
from waste.errors import InputError
from waste.paths import city_dir
from waste.sources import FORMATS, SourceData, load_source, read_readings


def _city(name: str) -> tuple[SourceData, pd.DataFrame | None]:
    folder = city_dir(name)
    data = read_readings(folder / "readings.csv.gz")
    bins = pd.read_csv(folder / "bins.csv", dtype={"bin_id": str}) if (folder / "bins.csv").is_file() else None
    return data, bins


@click.command()
@click.option("--city", metavar="NAME", help="A bundled sample city (its readings.csv.gz and bins.csv).")
@click.option("--data", "data_path", type=click.Path(dir_okay=False, path_type=Path), help="A readings file.")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="readings", show_default=True, help="Format of --data."
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder for tables and plots.")
@click.option("--eval-days", type=float, default=60.0, show_default=True, help="Days of each bin's history scored.")
@click.option("--no-ets", is_flag=True, help="Leave out the AutoETS baseline even when statsforecast is installed.")
def backtest(
    city: str | None, data_path: Path | None, fmt: str, out_dir: Path | None, eval_days: float, no_ets: bool
) -> None:
    """Backtest fill forecasts (MAE, RMSE at 6/24/48/72 h, 80 % coverage, overflow precision/recall).

    Our model is compared with last value, linear extrapolation of the fill cycle, seasonal naive (same hour last
    week) and AutoETS (with the 'forecast' extra). A collection log (--format edinburgh) is scored on the fill
    reached by the next collection instead.
    """
    from waste.backtest import BacktestConfig, default_models, run_backtest
    from waste.forecasting.next_collection import run_next_collection_backtest
    from waste.forecasting.report import markdown_table, ratios, write_results

    if (city is None) == (data_path is None):
        raise click.UsageError("give exactly one of --city NAME or --data FILE")
    if city is not None:
        source, bins = _city(city)
        name = city
    else:
        source = load_source(data_path, fmt)
        bins, name = source.bins, data_path.stem if fmt == "readings" else fmt
    if source.readings.empty:
        raise InputError("no readings to backtest", file=str(data_path or city))
    if fmt == "edinburgh":
        result = run_next_collection_backtest(source.readings, bins)
    else:
        groups = ("stream", "material") if fmt == "prague" else ("stream", "area")
        config = BacktestConfig(eval_days=eval_days, group_columns=groups)
        result = run_backtest(source.readings, bins, models=default_models(not no_ets), config=config)
    out = console()
    out.print(f"[bold]{name}[/]: fill error by model and horizon")
    out.print(markdown_table(result.metrics))
    ratio = ratios(result.metrics, result.predictions)
    if not ratio.empty:
        out.print("our model against the best naive baseline (MAE ratio; ratio_lo-ratio_hi: 90 % interval over bins)")
        out.print(markdown_table(ratio))
    out.print("overflow before the next visit")
    out.print(markdown_table(result.overflow))
    if out_dir is not None:
        for path in write_results(result, out_dir, name, ratio=ratio):
            out.print(f"wrote {path}")
