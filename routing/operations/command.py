"""``waste simulate-ops``: weeks of collection day by day under fixed rounds, a fill threshold and the smart plan."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from routing.operations.city import read_city_tables
from routing.operations.policies import DEFAULT_POLICIES, POLICIES, policy_factory
from routing.operations.prizes import PrizeRule
from routing.operations.report import TABLE_ROWS, totals, write_report
from routing.operations.routes import RouteSettings
from routing.operations.run import DEFAULT_START, RunSettings, run_policies
from routing.selection import SelectionRule
from waste.commands._options import step_progress

#: The daily plan's selection rule, the smart policy's default.
DEFAULT_RULE = SelectionRule()


@click.command("simulate-ops")
@click.option("--city", default="baltimore", show_default=True, help="Sample city name, or a city folder.")
@click.option("--days", type=int, default=28, show_default=True, help="Days to simulate after the warm-up.")
@click.option(
    "--policy",
    type=click.Choice([*POLICIES, "all"]),
    default="all",
    show_default=True,
    help="Collection policy to simulate, or fixed, threshold and smart on the same waste.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same waste).")
@click.option("--time-limit", type=float, default=10.0, show_default=True, help="Solver budget per day's routes (s).")
@click.option(
    "--threshold", type=float, default=75.0, show_default=True, help="Fill (%) from which the threshold policy goes."
)
@click.option(
    "--overflow-cost-per-h",
    type=float,
    default=None,
    help="Smart policy: value of sparing a bin one hour of overflowing (city currency) "
    "[default: the city's, or 0.003 truck-hours].",
)
@click.option(
    "--must-go-probability",
    type=float,
    default=DEFAULT_RULE.must_go_probability,
    show_default=True,
    help="smart-threshold policy: overflow probability before the next possible visit from which a bin must go.",
)
@click.option(
    "--may-go-fill",
    type=float,
    default=DEFAULT_RULE.may_go_min_fill_pct,
    show_default=True,
    help="smart-threshold policy: expected fill (%) from which a bin is offered as optional.",
)
@click.option("--solver", default="ortools", show_default=True, help="Solver backend of each day's routes.")
@click.option("--warmup", type=int, default=14, show_default=True, help="Days of warm-up on the generator's rounds.")
@click.option("--start", default=DEFAULT_START, show_default=True, help="Local date of the first simulated day.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the table, CSV files and plot [default: simulations/<city>].",
)
@click.option("--quiet", is_flag=True, help="No progress display.")
def simulate_ops(
    city: str,
    days: int,
    policy: str,
    seed: int,
    time_limit: float,
    threshold: float,
    overflow_cost_per_h: float | None,
    must_go_probability: float,
    may_go_fill: float,
    solver: str,
    warmup: int,
    start: str,
    out: Path | None,
    quiet: bool,
) -> None:
    """Simulate weeks of collection on a city and compare collection policies.

    Bins fill as the simulator's ground truth says, sensors report with noise and gaps, and each morning the
    policy chooses the day's bins, which are routed with the city's fleet. Nothing is written to the store.
    """
    tables = read_city_tables(city)
    route_settings = RouteSettings(time_limit_s=time_limit, seed=seed, solver=solver)
    names = list(DEFAULT_POLICIES) if policy == "all" else [policy]
    try:
        rule = SelectionRule(must_go_probability=must_go_probability, may_go_min_fill_pct=may_go_fill)
        prizes = PrizeRule(overflow_cost_per_h=overflow_cost_per_h)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    factories = {
        n: policy_factory(n, route_settings, threshold_pct=threshold, rule=rule, prize_rule=prizes) for n in names
    }
    settings = RunSettings(days=days, warmup_days=warmup, seed=seed, start=start)
    folder = out if out is not None else Path("simulations") / tables.key
    with step_progress(quiet=quiet) as bar:
        tasks = {n: bar.add_task(f"{n}: warming up", total=days) for n in names}

        def progress(name: str, done: int, total: int, row: dict[str, float]) -> None:
            text = f"{name}: day {done}, {row['truck_km']:,.0f} km, {row['overflow_bin_h']:,.0f} bin-h overflowing"
            bar.update(tasks[name], completed=done, description=text)
            if not quiet:
                bar.console.print(text)

        runs = run_policies(tables, factories, settings, progress=progress)
    title = f"{tables.name}, {days} days from {start}, seed {seed}"
    paths = write_report(runs, folder, title, tables.currency)

    table = totals(runs).set_index("policy")
    out_table = Table(title=title, show_edge=False)
    out_table.add_column("figure")
    for name in names:
        out_table.add_column(name, justify="right")
    for col, label, decimals in TABLE_ROWS:
        out_table.add_row(label, *(f"{table.at[n, col]:,.{decimals}f}" for n in names))
    Console().print(out_table)
    for kind, path in paths.items():
        click.echo(f"{kind}: {path}")
