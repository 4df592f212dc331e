"""Options and helpers shared by the subcommands: the store option, the city option, progress display."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from waste.paths import SAMPLE_CITIES
from waste.settings import load_settings
from waste.store import Store, open_store

db_option = click.option(
    "--db",
    "db_url",
    metavar="URL",
    default=None,
    help="Database URL (default: WASTE_DATABASE_URL, then sqlite:///waste.sqlite).",
)

city_option = click.option(
    "--city",
    metavar="NAME",
    default=None,
    help=f"A bundled sample city: {', '.join(SAMPLE_CITIES)} (or a folder name under WASTE_SAMPLE_DATA).",
)


def store_from(db_url: str | None) -> Store:
    """Open the store named on the command line, in the environment or the settings file."""
    return open_store(load_settings({"database_url": db_url}).database_url)


def console() -> Console:
    """Console for tables and messages; plain text, wide and unwrapped when the output is a file or pipe."""
    plain = Console(highlight=False)
    if plain.is_terminal:
        return plain
    return Console(highlight=False, soft_wrap=True, width=160)


def step_progress(*, quiet: bool = False) -> Progress:
    """A progress bar on stderr counting steps done (N/M) with the time taken; hidden when quiet or not a terminal."""
    err = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    )


@contextmanager
def file_progress(description: str, enabled: bool = True) -> Iterator[Callable[[int, int], Any]]:
    """A progress bar fed with (bytes done, bytes total); a no-op when disabled or output is not a terminal."""
    out = Console(stderr=True)
    if not enabled or not out.is_terminal:
        yield lambda done, total: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=out,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def parse_utc_time(text: str | None, option: str) -> pd.Timestamp | None:
    """A time option (``--now``, ``--at``) as a UTC time (naive means UTC), ``None`` when not given.

    Raises
    ------
    click.BadParameter
        When it is not an ISO 8601 time.
    """
    if not text:
        return None
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, OverflowError) as exc:
        msg = f"not an ISO 8601 time: {text!r} (e.g. 2026-11-20T00:00:00Z)"
        raise click.BadParameter(msg, param_hint=option) from exc
    if pd.isna(stamp):
        msg = f"not a time: {text!r}"
        raise click.BadParameter(msg, param_hint=option)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
