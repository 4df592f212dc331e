"""``waste recycling``: import what collections brought in, and the per-district, per-month report."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from waste.commands._options import console, db_option, store_from
from waste.recycling.records import import_records_csv, records
from waste.recycling.report import monthly_report, write_report_chart


@click.group()
def recycling() -> None:
    """Recycling and reuse records: weights by stream, contamination, reuse items; the monthly report."""


@recycling.command("import")
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--city", metavar="NAME", required=True, help="City key.")
@click.option("--by", "recorded_by", default="import", show_default=True, help="Who recorded them.")
@db_option
def import_(path: Path, city: str, recorded_by: str, db_url: str | None) -> None:
    """Store the records of a CSV file (columns as in docs/guide/recycling.md); all or none."""
    count = import_records_csv(store_from(db_url), path, city, recorded_by=recorded_by)
    console().print(f"{count} records stored for {city}")


@recycling.command("report")
@click.option("--city", metavar="NAME", required=True, help="City key.")
@click.option("--since", metavar="DATE", help="First local date (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Last local date (YYYY-MM-DD).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the report as CSV.")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), help="Write the chart as PNG.")
@db_option
def report(
    city: str, since: str | None, until: str | None, csv_path: Path | None, chart: Path | None, db_url: str | None
) -> None:
    """Per district and month: tonnes by stream, diversion rate, contamination rate, reuse items."""
    table_data = monthly_report(records(store_from(db_url), city, since, until))
    if table_data.empty:
        console().print(f"no recycling records for {city}")
        return
    table = Table(title=f"{city}: collected tonnes, diversion and contamination", title_justify="left")
    columns = ["district", "month", "t_general", "t_recycling", "t_organic", "t_bulky", "t_construction"]
    columns += ["diversion_rate", "contamination_rate", "reuse_items", "estimated_share"]
    for name in columns:
        table.add_column(name.replace("t_", "t ").replace("_", " "), justify="left" if name in columns[:2] else "right")
    for row in table_data.to_dict("records"):
        cells = []
        for name in columns:
            value = row[name]
            if name.endswith("rate") or name == "estimated_share":
                cells.append("-" if value != value else f"{100 * value:.0f} %")  # NaN: nothing to rate
            elif name.startswith("t_"):
                cells.append(f"{value:,.2f}")
            else:
                cells.append(str(value))
        table.add_row(*cells)
    console().print(table)
    if csv_path is not None:
        table_data.to_csv(csv_path, index=False)
        console().print(f"CSV: {csv_path}")
    if chart is not None:
        write_report_chart(table_data, chart, title=f"{city}: collected tonnes by district and month")
        console().print(f"chart: {chart}")
