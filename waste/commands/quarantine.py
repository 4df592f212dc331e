"""``waste quarantine``: list the rows rejected at ingest, with file, line, field and reason."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd
from rich.table import Table
from rich.text import Text

from waste.commands._options import console, db_option, store_from


@click.command()
@db_option
@click.option("--source", help="Only rows from this file or topic.")
@click.option("--reason", help="Only rows rejected for this reason (e.g. unknown_bin).")
@click.option("--limit", type=int, default=50, show_default=True, help="Rows to show (0 for all).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Write them all to CSV.")
def quarantine(db_url: str | None, source: str | None, reason: str | None, limit: int, csv_path: Path | None) -> None:
    """List readings rejected at ingest, with file, line, field, value and reason."""
    store = store_from(db_url)
    rows = store.quarantine(source=source, reason=reason, limit=None if csv_path or limit == 0 else limit)
    if csv_path is not None:
        spreadsheet_safe(rows).to_csv(csv_path, index=False)
        console().print(f"Wrote {len(rows):,} quarantined rows to {csv_path}")
        return
    table = Table(title=f"Quarantine ({len(rows):,} shown)", title_justify="left")
    for name in ("source", "row", "field", "reason", "value", "detail"):
        table.add_column(name, overflow="fold")
    for rec in rows.itertuples(index=False):
        # Stored values are the input's own text: "[/]" or "[link=...]" in them is text, not Rich markup.
        cells = (rec.source, str(rec.row), rec.field, rec.reason, rec.value or "", rec.detail)
        table.add_row(*(Text(str(cell)) for cell in cells))
    console().print(table)


#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with every text cell a spreadsheet would run as a formula prefixed with ``'``.

    Quarantined values come from the input, so a row holding ``=cmd|' /C calc'!A0`` would run when the CSV is
    opened in a spreadsheet. A plain number such as ``-127`` is left as it is.
    """
    out = rows.copy()
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = [_defused(v) for v in out[name].tolist()]
    return out


def _defused(value: object) -> object:
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value
