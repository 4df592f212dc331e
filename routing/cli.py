"""``waste plan``: the day's collection plan for a city, from readings to checked routes and route sheets."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from routing.plan import DailyPlan, PlanOptions, plan_day
from routing.plan_outputs import plan_record, write_plan
from routing.selection import SelectionRule
from routing.solvers import DEFAULT_SOLVER
from routing.vrplib import export_vrplib
from waste.commands._options import console, db_option, file_progress, store_from
from waste.commands.ingest import print_reports
from waste.commands.status import print_status
from waste.ingest import ingest_files
from waste.load import load_sample_city, sample_readings
from waste.paths import SAMPLE_CITIES
from waste.settings import Settings, load_settings
from waste.status import city_status
from waste.store import Store

time_limit_option = click.option(
    "--time-limit",
    "time_limit_s",
    type=click.FloatRange(min=1),
    default=60,
    show_default=True,
    help="Solver budget (s).",
)
out_option = click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Plan folder [default: plans/<city>/<date>]."
)


@click.command()
@click.option("--city", metavar="NAME", required=True, help="City in the store; a sample city is loaded if missing.")
@click.option("--date", "plan_date", metavar="YYYY-MM-DD", help="Local date to plan (default: the next shift).")
@time_limit_option
@out_option
@click.option(
    "--must-go-probability",
    type=click.FloatRange(0.001, 1),
    default=0.10,
    show_default=True,
    help="P(overflow before the next possible visit) from which a bin must go.",
)
@click.option(
    "--may-go-fill",
    "may_go_fill_pct",
    type=click.FloatRange(0, 100),
    default=50,
    show_default=True,
    help="Expected fill % at the visit from which a bin may go.",
)
@click.option("--solver", default=DEFAULT_SOLVER, show_default=True, help="Solver backend.")
@click.option("--osrm", "osrm_url", metavar="URL", help="OSRM server for road distances (default: WASTE_OSRM_URL).")
@click.option(
    "--roads",
    "roads_dir",
    metavar="DIR",
    help="Roads prepared by `waste roads build`, for real road distances (default: WASTE_OSRM_DATA).",
)
@click.option(
    "--export-instance",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the day as a VRPLIB instance file.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Dask scheduler (tcp://host:8786): solve the sectors of a large day on its workers (needs the dask extra).",
)
@click.option("--progress/--no-progress", default=True, help="Show progress on a terminal.")
@db_option
def plan(
    city: str,
    plan_date: str | None,
    time_limit_s: float,
    out: Path | None,
    must_go_probability: float,
    may_go_fill_pct: float,
    solver: str,
    osrm_url: str | None,
    roads_dir: str | None,
    export_instance: Path | None,
    scheduler: str | None,
    progress: bool,
    db_url: str | None,
) -> None:
    """Plan the day's collection: forecast every bin, choose must-go and may-go bins, route them, check the routes.

    Writes plan.json, plan.geojson, plan.gpx, selection.csv and a CSV route sheet per truck, stores the plan, prints
    its key figures. Must-go bins that cannot be served are listed with the reason.
    """
    store = store_from(db_url)
    out_console = console()
    ensure_city(store, city, out_console)
    settings = load_settings({"database_url": db_url, "osrm_url": osrm_url, "osrm_data": roads_dir})
    rule = SelectionRule(must_go_probability=must_go_probability, may_go_min_fill_pct=may_go_fill_pct)
    options = replace(_options(settings, plan_date, time_limit_s, rule, solver), scheduler=scheduler)
    daily = run_plan(store, city, options, out_console, progress=progress)
    _write(daily, store, out, export_instance, out_console)


def ensure_city(store: Store, city: str, out: Console) -> None:
    """Load a bundled sample city and its readings into a store that lacks it (first use)."""
    if city in store.cities():
        return
    if city not in SAMPLE_CITIES:
        return  # plan_day says clearly that the city is missing
    out.print(f"First use of {city} in {store.url}: loading the sample city and its readings")
    load_sample_city(store, city)
    ingest_files(store, [sample_readings(city)])


def _options(
    settings: Settings, plan_date: str | None, time_limit_s: float, rule: SelectionRule, solver: str
) -> PlanOptions:
    return PlanOptions(
        date=plan_date,
        time_limit_s=time_limit_s,
        rule=rule,
        solver=solver,
        osrm_url=settings.osrm_url,
        osrm_data=Path(settings.osrm_data) if settings.osrm_data else None,
    )


def run_plan(store: Store, city: str, options: PlanOptions, out: Console, *, progress: bool = True) -> DailyPlan:
    """Plan the day with a live status line (step, elapsed time, best objective)."""
    started = time.perf_counter()
    live = out.status("planning", spinner="dots") if progress and out.is_terminal else None

    def report(step: str, elapsed: float, best: float | None) -> None:
        if live is None:
            return
        text = {"forecast": "forecasting fill levels", "matrix": "building distance matrices"}.get(step, "solving")
        if best is not None:
            text += f": {elapsed:.0f} of {options.time_limit_s:.0f} s, best objective {best:,.0f}"
        live.update(f"{text} ({time.perf_counter() - started:.0f} s)")

    if live is None:
        return plan_day(store, city, options, progress=report)
    with live:
        return plan_day(store, city, options, progress=report)


def _write(
    daily: DailyPlan, store: Store, out: Path | None, export_instance: Path | None, out_console: Console
) -> None:
    folder = out or Path("plans") / daily.city / daily.date
    record = plan_record(daily)
    write_plan(daily, folder, record)
    figures = record["figures"]
    plan_id = store.save_plan(daily.city, daily.date, daily.result.solver, figures["cost"], record)
    print_figures(daily, figures, out_console)
    files = "plan.json, plan.geojson, plan.gpx, routes/"
    out_console.print(f"Plan {plan_id} stored in {store.url}; written to {folder}/ ({files})")
    if export_instance is not None:
        export_vrplib(daily.problem, export_instance)
        out_console.print(f"VRPLIB instance written to {export_instance}")


def _travel_times(daily: DailyPlan) -> str:
    """Where the travel times came from, and how many places had to be costed by the straight line."""
    if daily.matrix_provider == "haversine":
        return "straight line x 1.3 at 25 km/h"
    text = f"roads ({daily.matrix_provider})"
    if daily.off_road_points:
        factor = f" x {daily.circuity:.2f}" if daily.circuity else ""
        text += f"; {daily.off_road_points} places off the road data, by straight line{factor}"
    return text


def print_figures(daily: DailyPlan, figures: dict, out: Console) -> None:
    """Print the plan's key figures, the trucks, and the must-go bins left out with the reason."""
    table = Table(title=f"{daily.city}: collection plan for {daily.date} ({daily.timezone})", title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        (
            "bins must-go / may-go / in city",
            f"{figures['bins_must_go']:,} / {figures['bins_may_go']:,} / {figures['bins_in_city']:,}",
        ),
        ("bins collected", f"{figures['bins_collected']:,}"),
        ("must-go bins left at risk", f"{figures['bins_left_at_risk']:,}"),
        ("bins without a forecast (sensor silent or stuck)", f"{figures['bins_without_forecast']:,}"),
        ("trucks used", f"{figures['trucks_used']} of {figures['trucks_available']}"),
        ("distance", f"{figures['distance_km']:,.1f} km"),
        ("driving hours", f"{figures['driving_hours']:,.1f} h"),
        ("disposal trips", f"{figures['disposal_trips']}"),
        ("waste collected", f"{figures['waste_collected_t']:,.1f} t"),
        ("fuel (estimate)", f"{figures['fuel_l']:,.0f} L"),
        ("CO2 (estimate)", f"{figures['co2_kg'] / 1000:,.2f} t"),
        ("cost", f"{figures['cost']:,.0f} {figures['currency']}"),
        ("travel times", _travel_times(daily)),
        ("solver", f"{daily.result.solver}, {daily.result.runtime_s:.0f} s"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    out.print(table)
    if daily.result.unserved:
        out.print(f"Must-go bins not served ({len(daily.result.unserved)}):")
        for item in daily.result.unserved[:20]:
            out.print(f"  {item.describe(daily.problem)}")
        if len(daily.result.unserved) > 20:
            out.print(f"  ... and {len(daily.result.unserved) - 20} more (see plan.json)")


@click.command()
@click.option(
    "--city",
    metavar="NAME",
    default="baltimore",
    show_default=True,
    help=f"Bundled sample city: {', '.join(SAMPLE_CITIES)}.",
)
@time_limit_option
@out_option
@click.option("--progress/--no-progress", default=True, help="Show progress on a terminal.")
@db_option
def daily(city: str, time_limit_s: float, out: Path | None, progress: bool, db_url: str | None) -> None:
    """Run the daily job on a sample city: load it, ingest its readings, print the status, plan the day.

    Safe to run again: the city is reloaded, readings already stored are skipped, and a new plan is made.
    """
    store = store_from(db_url)
    out_console = console()
    loaded = load_sample_city(store, city)
    out_console.print(
        f"Loaded {city}: {loaded.sites} sites, {loaded.bins} bins, {loaded.vehicles} trucks ({store.url})"
    )
    with file_progress(f"ingesting {city} readings", enabled=progress) as update:
        reports = ingest_files(store, [sample_readings(city)], progress=update)
    print_reports(reports)
    print_status(city_status(store, city), out_console)
    options = _options(load_settings({"database_url": db_url}), None, time_limit_s, SelectionRule(), DEFAULT_SOLVER)
    plan_of_day = run_plan(store, city, options, out_console, progress=progress)
    _write(plan_of_day, store, out, None, out_console)
