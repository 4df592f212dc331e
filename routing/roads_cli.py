"""``waste roads``: prepare OpenStreetMap road networks for the OSRM engine (``waste roads build``)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from routing.roads import REUSED, STEPS, build_roads, read_manifest
from waste.commands._options import console, step_progress


@click.group()
def roads() -> None:
    """Road networks for real travel times (OSRM)."""


@roads.command()
@click.option(
    "--pbf",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="OpenStreetMap extract (.osm.pbf) of the city, e.g. from download.geofabrik.de.",
)
@click.option(
    "--profile",
    type=click.Choice(["car", "truck"]),
    default="car",
    show_default=True,
    help="Vehicle profile; truck keeps to ways a refuse truck may use (height, weight, hgv tags).",
)
@click.option(
    "--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder of the routable dataset."
)
def build(pbf: Path, profile: str, out: Path) -> None:
    """Prepare an OSM extract for routing (extract, partition, customize); reuse it if already prepared."""
    start = time.perf_counter()
    with step_progress() as bar:
        task = bar.add_task("Preparing roads", total=len(STEPS))
        steps: list[str] = []

        def progress(step: str, done: int, total: int) -> None:
            steps.append(step)
            bar.update(task, description=step, completed=done, total=total)

        dataset = build_roads(pbf, out, profile, progress)  # type: ignore[arg-type]
    manifest = read_manifest(out) or {}
    con = console()
    state = "reused" if steps == [REUSED] else "ready"
    con.print(f"Roads {state}: {dataset} ({profile} profile, OSRM {manifest.get('osrm_version', '?')}, MLD)")
    con.print(f"Prepared in {time.perf_counter() - start:.1f} s. Map data © OpenStreetMap contributors (ODbL).")
