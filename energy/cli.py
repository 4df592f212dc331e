"""``waste energy``: compare incineration, digestion and landfill gas for a city, and write a report."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from energy.assessment import assess
from energy.charts import TECH_LABELS
from energy.recycling_source import with_recycling_records
from energy.report import FORMATS, comparison_table, write_report
from energy.scenario import load_city_scenario, load_scenario
from energy.validation import error_summary, run_validation
from waste.commands._options import db_option, store_from


@click.command(name="energy")
@click.option("--city", help="Sample city name (baltimore, santa_cruz).")
@click.option(
    "--scenario",
    "scenario_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Scenario TOML file, instead of --city.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the report and charts [default: ./energy_report/<city>].",
)
@click.option("--runs", default=2000, show_default=True, type=click.IntRange(min=1), help="Monte Carlo draws.")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed, for reproducible runs.")
@click.option("--format", "fmt", default="md", show_default=True, type=click.Choice(FORMATS), help="Report format.")
@click.option(
    "--tonnage-from-records",
    is_flag=True,
    help="Take the tonnage from the store's recycling records of --city (residual tonnes), not the scenario's.",
)
@click.option(
    "--validate",
    is_flag=True,
    help="Instead of a city, estimate the real plants of the shared validation file and print the errors.",
)
@db_option
def energy(
    city: str | None,
    scenario_file: Path | None,
    out: Path | None,
    runs: int,
    seed: int,
    fmt: str,
    tonnage_from_records: bool,
    validate: bool,
    db_url: str | None,
) -> None:
    """Size waste-to-energy plants for a city scenario and compare the technologies.

    Prints incineration, anaerobic digestion and landfill gas side by side (P50 with the P10-P90 range of a
    Monte Carlo over the uncertain inputs) and writes a Markdown or HTML report with charts. With --validate it
    checks the incineration estimate against published figures of real plants instead.
    """
    if validate:
        if city or scenario_file:
            raise click.UsageError("--validate takes no --city or --scenario")
        _print_validation()
        return
    if (city is None) == (scenario_file is None):
        raise click.UsageError("give exactly one of --city or --scenario")
    # A WasteError (bad scenario file) becomes a one-line "Error:" in the waste command group, as for every command.
    scenario = load_city_scenario(city) if city else load_scenario(scenario_file)  # type: ignore[arg-type]
    if tonnage_from_records:
        if city is None:
            raise click.UsageError("--tonnage-from-records needs --city")
        scenario = with_recycling_records(scenario, store_from(db_url), city)
    result = assess(scenario, runs=runs, seed=seed)
    name = city or scenario_file.stem  # type: ignore[union-attr]
    report = write_report(result, out or Path("energy_report") / name, fmt)
    table = Table(title=f"Waste-to-energy options: {scenario.name} (P50, P10-P90 in brackets)", show_lines=True)
    frame = comparison_table(result)
    table.add_column("")
    for tech in TECH_LABELS.values():
        table.add_column(tech)
    for row in frame.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    console = Console(width=150)
    console.print(table)
    console.print(f"Report: {report}")


def _print_validation() -> None:
    """The estimate of every real plant against its published figure, and the error summary."""
    frame = run_validation()
    table = Table(title="Incineration estimate against real plants", show_lines=False)
    for column in ("plant", "country", "compared", "reported", "estimated", "error_pct", "note"):
        table.add_column(column, overflow="fold")
    for row in frame.to_dict("records"):
        cells = []
        for column in ("plant", "country", "compared", "reported", "estimated", "error_pct", "note"):
            value = row[column]
            if isinstance(value, float):
                cells.append("-" if value != value else f"{value:,.1f}")
            else:
                cells.append(escape(str(value)) if value is not None else "-")
        table.add_row(*cells)
    console = Console(width=150)
    console.print(table)
    summary = error_summary(frame)
    console.print(
        f"{summary['plants']} plants scored: median error {summary['median_abs_pct']:.1f} %, "
        f"largest {summary['max_abs_pct']:.1f} %"
    )
