"""``waste ingest``: read reading files into the store, quarantining bad rows, and print a summary."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from waste.commands._options import console, db_option, file_progress, parse_utc_time, store_from
from waste.ingest import IngestReport, ingest_files
from waste.validate import REASONS


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@click.option("--now", "now_text", metavar="TIME", help="Judge future timestamps against this UTC time (default: now).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar on a terminal.")
def ingest(files: tuple[Path, ...], db_url: str | None, now_text: str | None, progress: bool) -> None:
    """Ingest sensor readings: CSV, JSON lines or LoRaWAN uplink messages (The Things Stack v3), .gz allowed.

    Every valid row is stored once (ingesting a file again stores nothing twice); every invalid row is kept in
    the quarantine with its file, line, field and reason (see `waste quarantine`). Fails only when nothing at all
    could be read.
    """
    now = parse_utc_time(now_text, "--now")
    store = store_from(db_url)
    with file_progress("ingesting", enabled=progress) as update:
        reports = ingest_files(store, files, now=now, progress=update)
    print_reports(reports)
    if all(r.rows_read == 0 for r in reports):
        raise click.ClickException("nothing could be read")


def print_reports(reports: list[IngestReport]) -> None:
    """Print one line per source and the quarantine reasons seen."""
    out = console()
    table = Table(title="Ingest", title_justify="left")
    for name in ("source", "rows read", "stored", "already stored", "quarantined", "rows/s"):
        table.add_column(name, justify="left" if name == "source" else "right")
    for r in reports:
        if r.error is not None:
            table.add_row(escape(r.source), "-", "-", "-", "-", "-")
        else:
            table.add_row(
                escape(r.source),
                f"{r.rows_read:,}",
                f"{r.stored:,}",
                f"{r.already_stored:,}",
                f"{r.quarantined:,}",
                f"{r.rows_per_s:,.0f}",
            )
    out.print(table)
    for r in reports:
        if r.error is not None:
            out.print(f"[red]Error:[/red] {escape(r.error)}")
        if r.note is not None:
            out.print(f"[yellow]Stopped early:[/yellow] {escape(r.source)}: {escape(r.note)}")
    before = sum(r.already_quarantined for r in reports)
    if before:
        out.print(f"{before:,} of the quarantined rows were quarantined before (the same rows ingested again).")
    reasons = sum((r.reasons for r in reports), start=type(reports[0].reasons)()) if reports else {}
    if reasons:
        why = Table(title="Quarantined rows by reason", title_justify="left")
        why.add_column("reason")
        why.add_column("rows", justify="right")
        why.add_column("meaning")
        for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
            why.add_row(reason, f"{count:,}", REASONS.get(reason, ""))
        out.print(why)
    dropped = sum((r.dropped_reasons for r in reports), start=type(reports[0].reasons)()) if reports else {}
    if dropped:
        parts = ", ".join(f"{reason} {count:,}" for reason, count in sorted(dropped.items()))
        out.print(f"Readings stored without a bad battery or temperature value: {parts}")
    if reasons or dropped:
        out.print("See them with: waste quarantine")
