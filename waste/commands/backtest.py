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
@click.option(
    "--folds",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="Leave-bins-out validation over this many groups of bins, reported beside the in-sample run (0: off).",
)
def backtest(
    city: str | None,
    data_path: Path | None,
    fmt: str,
    out_dir: Path | None,
    eval_days: float,
    no_ets: bool,
    folds: int,
) -> None:
    """Backtest fill forecasts (MAE, RMSE at 6/24/48/72 h, 80 % coverage, overflow precision/recall/Brier).

    Our models (the fill-rate model, and the global gradient-boosted model with the 'forecast' extra) are compared
    with last value, linear extrapolation of the fill cycle, seasonal naive (same hour last week) and AutoETS
    (with the 'forecast' extra). With --folds K (default 5) every model is also fitted without the bins it is
    scored on (leave-bins-out): those out-of-sample figures are printed first. A collection log
    (--format edinburgh) is scored on the fill reached by the next collection instead.
    """
    from waste.backtest import BacktestConfig, default_models, run_backtest
    from waste.forecasting.gbm import lightgbm_available
    from waste.forecasting.next_collection import next_collection_models, run_next_collection_backtest
    from waste.forecasting.report import all_ratios, markdown_table, write_results

    if lightgbm_available():
        from waste.forecasting.ensemble import with_average

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
    out = console()
    _note_missing_extra(out)

    def progress(done: int, total: int) -> None:
        out.print(f"  origin {done}/{total}", end="\r", highlight=False)

    results = []
    for k in ([folds] if folds >= 2 else []) + [0]:
        out.print(f"{name}: {'leave-bins-out, ' + str(k) + ' folds' if k else 'in sample'}")
        if fmt == "edinburgh":
            models = next_collection_models(include_global=True)
            results.append(run_next_collection_backtest(source.readings, bins, models=models, folds=k))
        else:
            groups = ("stream", "material") if fmt == "prague" else ("stream", "area")
            config = BacktestConfig(eval_days=eval_days, group_columns=groups, folds=k)
            models = default_models(not no_ets)
            results.append(run_backtest(source.readings, bins, models=models, config=config, progress=progress))
    if lightgbm_available():
        results = [with_average(r) for r in results]  # the ensemble's rows, from its members' predictions
    ratio_tables = [all_ratios(r) for r in results]
    for result, ratio in zip(results, ratio_tables, strict=True):
        out.print(f"[bold]{name}, {result.validation}[/]: fill error by model and horizon")
        out.print(markdown_table(result.metrics))
        if not ratio.empty:
            out.print(
                "each model of ours against the best naive baseline (MAE ratio; ratio_lo-ratio_hi: 90 % over bins)"
            )
            out.print(markdown_table(ratio))
        out.print("overflow before the next visit")
        out.print(markdown_table(result.overflow))
    if out_dir is not None:
        oos = results[0] if len(results) == 2 else None
        written = write_results(
            results[-1],
            out_dir,
            name,
            ratio=ratio_tables[-1],
            out_of_sample=oos,
            ratio_out=ratio_tables[0] if oos is not None else None,
        )
        for path in written:
            out.print(f"wrote {path}")


def _note_missing_extra(out: object) -> None:
    """Say once that the global model is left out, and why, when LightGBM is not installed."""
    from waste.forecasting.gbm import lightgbm_available

    if not lightgbm_available():
        out.print(  # type: ignore[attr-defined]
            "note: the global gradient-boosted model needs LightGBM (pip install 'waste-optimiser[forecast]'); "
            "backtesting the fill-rate model and the baselines only"
        )
