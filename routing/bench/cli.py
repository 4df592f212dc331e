"""``waste bench``: run solvers on benchmark instances with equal budgets, check every result, write the reports."""

from __future__ import annotations

import os
from pathlib import Path

import click

from routing.bench.errors import BenchInputError

#: Where the shared benchmark instances sit, relative to the project root.
SHARED_DATA = Path("..") / "shared" / "benchmarks" / "pyvrp-instances"
#: Folder of the WCVRPTW family (Kim et al. 2006) under the shared ``benchmarks`` folder.
WCVRPTW_FOLDER = "wcvrptw-kim2006"


def default_data_dir(family: str = "") -> Path | None:
    """The instance folder: ``$WASTE_SHARED_DATA/benchmarks/pyvrp-instances``, else ``../shared/...`` by the project.

    The WCVRPTW family has a folder of its own (``benchmarks/wcvrptw-kim2006``). Read here, at the command-line
    boundary, so the library takes the folder as an argument.
    """
    env = os.environ.get("WASTE_SHARED_DATA")
    root = Path(__file__).resolve().parents[2]
    leaf = WCVRPTW_FOLDER if family.upper() == "WCVRPTW" else SHARED_DATA.name
    candidates = [Path(env) / "benchmarks" / leaf] if env else []
    candidates.append((root / SHARED_DATA.parent / leaf).resolve())
    return next((c for c in candidates if c.is_dir()), None)


def _solver_names(text: str) -> list[str]:
    """Split ``--solvers`` on commas outside quotes and command templates, resolving ``default``; keep order.

    ``default`` is the portfolio: the benchmark families are not city days, and the city-day engine's variants
    (one PyVRP model per stream, repaired) add nothing to them.
    """
    names: list[str] = []
    for part in _split(text):
        name = "portfolio" if part == "default" else part
        if name and name not in names:
            names.append(name)
    return names


def _split(text: str) -> list[str]:
    """Comma-separated names; a ``cmd:`` entry runs to the end of the text unless it is quoted."""
    out: list[str] = []
    rest = text.strip()
    while rest:
        if rest.startswith("cmd:"):
            body = rest[4:].strip()
            if body[:1] in "\"'" and body:
                end = body.index(body[0], 1)
                out.append("cmd:" + body[1:end])
                rest = body[end + 1 :].lstrip(", ")
            else:
                out.append("cmd:" + body)
                rest = ""
            continue
        head, _, rest = rest.partition(",")
        out.append(head.strip())
        rest = rest.strip()
    return out


@click.command(name="bench")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Instance folder (one subfolder per family). Default: the shared PyVRP instances beside the project.",
)
@click.option(
    "--family",
    default="CVRP",
    show_default=True,
    help="Family: CVRP, VRPTW, MTVRPTWR, PCVRPTW, HFVRP, CITY for exported city days, or WCVRPTW (Kim et al.).",
)
@click.option("--instances", default="", help="Comma-separated instance names (default: every instance of the family).")
@click.option(
    "--solvers",
    "solver_text",
    default="default",
    show_default=True,
    help='Comma-separated: ortools, pyvrp, vroom, default, plugins, or cmd:"prog {instance} {solution} {time_limit}".',
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Wall-clock budget of every run (s).",
)
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True, help="Seeds 0..N-1 per solver.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("benchmarks/results/bench"),
    show_default=True,
    help="Output folder: results.csv and progress.csv (appended), leaderboard.md and PNG plots.",
)
@click.option(
    "--objective",
    type=click.Choice(["vehicles", "distance"]),
    default=None,
    help="Minimise trucks then distance, or distance only, instead of the family's own cost (WCVRPTW: vehicles).",
)
@click.option(
    "--save-routes",
    "routes_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder where each run's timed routes are written as CSV, for anyone to check.",
)
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Runs at once, one core each.")
@click.option("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786) to run on a cluster.")
def bench(
    data_dir: Path | None,
    family: str,
    instances: str,
    solver_text: str,
    time_limit: float,
    seeds: int,
    out_dir: Path,
    objective: str | None,
    routes_dir: Path | None,
    jobs: int,
    scheduler: str | None,
) -> None:
    """Benchmark solvers on VRPLIB instances: equal budgets, independent checks, CSV, leaderboard and plots."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from routing.bench.instances import WCVRPTW, find_instances
    from routing.bench.report import leaderboard, load, write_reports
    from routing.bench.runner import append_rows, execute, tasks

    data = data_dir or default_data_dir(family)
    if data is None:
        msg = "no instance folder: pass --data or set WASTE_SHARED_DATA"
        raise click.ClickException(msg)
    names = [n.strip() for n in instances.split(",") if n.strip()]
    solvers = _solver_names(solver_text)
    try:
        family = family.upper()
        paths = find_instances(data, family, names)
        if not paths:
            raise BenchInputError(f"no instances of {family} under {data}")
        routes = None if routes_dir is None else str(routes_dir.resolve())
        known = family if family == WCVRPTW else None
        work = tasks(paths, known, solvers, seeds, time_limit, objective=objective, routes_dir=routes)
    except BenchInputError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=False) as bar:
        job = bar.add_task(f"{len(paths)} instances x {len(solvers)} solvers x {seeds} seeds", total=len(work))

        def show(row: dict) -> None:
            gap = row.get("gap_pct")
            text = f"{row['instance']} {row['solver']}: {row['status']}" + (f" {gap:.2f} %" if gap is not None else "")
            bar.console.print(text)
            bar.advance(job)

        rows = list(execute(work, jobs=jobs, scheduler=scheduler, on_result=show))
    results = append_rows(out_dir, rows)
    written = write_reports(out_dir)
    board = leaderboard(load(results))
    click.echo(board.to_string(index=False))
    click.echo("wrote " + ", ".join(str(p) for p in [results, *written]))
