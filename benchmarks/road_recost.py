"""How wrong is a straight-line plan on real roads? Downtown Baltimore's bins, planned three ways.

The Baltimore sample bins inside the downtown OpenStreetMap extract (with the city's depots, disposal sites and fleet)
are planned for one day:

1. on the straight-line estimate (circuity 1.3 at 25 km/h, the default without road data), then
2. the *same* routes re-costed on OSRM's road matrices (:func:`routing.recost.recost`: same order of visits, real
   driving times, the checker counting what breaks), and
3. planned afresh on the roads (``--roads``), with the same time limit.

The gap between 1 and 2 is the error of trusting the straight line; 3 against 2 shows what planning on the roads
itself gains. Depots and disposal sites outside the extract are costed by the calibrated straight line (reported).

Usage::

    python benchmarks/road_recost.py [--time-limit 30] [--date YYYY-MM-DD] [--roads DIR]

Writes ``benchmarks/results/road_recost.csv`` and ``.md``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd
from road_matrices import LAT_RANGE, LON_RANGE, extract_path  # sibling script

from routing.matrix import build_matrices
from routing.plan import DailyPlan, PlanOptions, plan_day
from routing.recost import recost
from routing.roads import build_roads
from waste.ingest import ingest_file
from waste.load import load_city_files
from waste.paths import city_dir
from waste.reference import CityFiles
from waste.store import open_store

RESULTS = Path(__file__).parent / "results"
CITY = "downtown"


def downtown_city(folder: Path) -> CityFiles:
    """Baltimore's sample files with only the bins inside the extract, and their readings (written to ``folder``)."""
    source = city_dir("baltimore")
    bins = pd.read_csv(source / "bins.csv")
    inside = bins["lat"].between(*LAT_RANGE) & bins["lon"].between(*LON_RANGE)
    bins[inside].to_csv(folder / "bins.csv", index=False)
    readings = pd.read_csv(source / "readings.csv.gz")
    readings[readings["bin_id"].isin(bins.loc[inside, "bin_id"])].to_csv(folder / "readings.csv", index=False)
    return CityFiles(source / "sites.csv", folder / "bins.csv", source / "fleet.csv", source / "city.toml")


def figures(label: str, plan: DailyPlan, seconds: float) -> dict[str, object]:
    """Key figures of a plan as its own matrices cost it."""
    s = plan.result.solution
    return {
        "plan": label,
        "bins": len(s.served()),
        "trucks": len(s.routes),
        "km": s.distance_m() / 1000,
        "truck_h": s.duration_s() / 3600,
        "violations": 0,
        "seconds": seconds,
    }


def main() -> None:
    """Plan, re-cost and re-plan; write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=30.0, help="solver time per plan (s)")
    parser.add_argument("--date", help="day to plan (default: the day after the newest reading)")
    parser.add_argument("--roads", type=Path, help="prepared roads (default: build the extract in a temp folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        roads = args.roads or folder / "roads"
        if args.roads is None:
            build_roads(extract_path(), roads, "truck")
        store = open_store(f"sqlite:///{folder / 'bench.sqlite'}")
        files = downtown_city(folder)
        load_city_files(store, CITY, files)
        ingest_file(store, folder / "readings.csv")
        common = {"date": args.date, "time_limit_s": args.time_limit, "cache_dir": folder / "cache"}

        started = time.perf_counter()
        straight = plan_day(store, CITY, PlanOptions(**common))
        straight_s = time.perf_counter() - started
        road = build_matrices(straight.problem.coords_deg, osrm_data=roads, cache_dir=folder / "cache")
        replayed = recost(straight.result.solution, road.distance_m, road.duration_s)
        started = time.perf_counter()
        on_roads = plan_day(store, CITY, PlanOptions(**common, osrm_data=roads))
        roads_s = time.perf_counter() - started

    totals = replayed.totals()
    rows = [
        figures("1. planned on the straight line", straight, straight_s),
        {
            "plan": "2. the same routes re-costed on the roads",
            "bins": len(replayed.solution.served()),
            "trucks": len(replayed.solution.routes),
            "km": totals["km_after"],
            "truck_h": replayed.solution.duration_s() / 3600,
            "violations": sum(replayed.violations.values()),
            "seconds": float("nan"),
        },
        figures("3. planned on the roads", on_roads, roads_s),
    ]
    table = pd.DataFrame(rows)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.to_csv(RESULTS / "road_recost.csv", index=False)
    broken = ", ".join(f"{k} {v}" for k, v in replayed.violations.items()) or "none"
    notes = [
        f"Downtown Baltimore: {straight.problem.num_stops} bins selected of those inside the extract, "
        f"{args.time_limit:g} s per plan, day {straight.date}.",
        f"Re-costed on roads: km x {totals['km_ratio']:.3f}, driving hours x {totals['drive_h_ratio']:.3f}, "
        f"truck-hours x {totals['day_h_ratio']:.3f}; rules broken: {broken}.",
        f"Road data: {road.fallback_points} places off the extract costed by the straight line x "
        f"{road.circuity:.2f} (calibrated).",
    ]
    markdown = _markdown(table) + "\n\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    (RESULTS / "road_recost.md").write_text(markdown)
    print(markdown)


def _markdown(table: pd.DataFrame) -> str:
    lines = [
        "| plan | bins | trucks | km | truck-hours | rules broken | solve + matrix (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        seconds = "" if pd.isna(r.seconds) else f"{r.seconds:.0f}"
        lines.append(
            f"| {r.plan} | {r.bins:,} | {r.trucks} | {r.km:,.1f} | {r.truck_h:,.1f} | {r.violations} | {seconds} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
