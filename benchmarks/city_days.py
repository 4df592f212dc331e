"""The daily plan's engine against today's planner, on the sample cities' real days, several dates and seeds.

For every city, plan date and seed, the same day (forecast, selection and matrices built once) is routed in this
process by

- **today's planner**: OR-Tools in sectors of 300 bins solved in parallel, or the portfolio on a smaller day, with
  the whole budget and no completion (what ``waste plan`` ran before the city-day engine);
- **the city-day engine** (``city-day``, the default of ``waste plan``): PyVRP variants side by side, repaired and
  completed, the best checked plan kept (:mod:`routing.solvers.city_day`);
- **the city-day engine with streams spread**: the PyVRP prize model alone, its streams over all the cores;

each with the same wall-clock budget, one after the other, so both have the machine's cores. Every plan is checked
(:func:`routing.check.check`); the tables report must-go bins served, those left out with the reason the bound gives
(``hours``: the fleet provably cannot do them all; ``search``: it could), may-go bins, km, truck-hours and cost,
and the engine's km over today's.

The defaults are the full protocol (5 dates x 3 seeds x 2 cities at 60 s: about 70 minutes on an idle 2-core
machine)::

    python benchmarks/city_days.py
    python benchmarks/city_days.py --dates 2026-11-19,2026-11-20 --seeds 1 --tag reduced

Results: ``benchmarks/results/city_days[_TAG].csv`` and ``.md``.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from routing.check import check
from routing.decompose import DEFAULT_MAX_STOPS, solve_in_sectors
from routing.plan import PlanOptions, day_problem, solve_day
from routing.problem import Problem
from routing.reasons import explain_left_out
from routing.solvers import Result, solve
from waste.ingest import ingest_files
from waste.load import load_sample_city, sample_readings
from waste.store import open_store

RESULTS = Path(__file__).parent / "results"
DATES = "2026-11-16,2026-11-17,2026-11-18,2026-11-19,2026-11-20"
#: The planners compared: label and the solver name the daily plan is given.
H = 3600
PLANNERS = (
    ("today (OR-Tools)", "ortools"),
    ("city-day engine", "city-day"),
    ("city-day, streams on all cores", "city-day-spread"),
)


def todays_planner(problem: Problem, options: PlanOptions) -> Result:
    """The daily plan's solve before the city-day engine: OR-Tools sectors for a large day, with the whole budget."""
    if problem.num_stops > options.sector_stops:
        result = solve_in_sectors(
            problem,
            solver="ortools",
            time_limit_s=options.time_limit_s,
            seed=options.seed,
            max_stops=options.sector_stops,
        )
    else:
        result = solve(problem, solver="portfolio", time_limit_s=options.time_limit_s, seed=options.seed)
    return replace(result, solution=replace(result.solution, unserved=explain_left_out(problem, result.unserved)))


def spread_streams(problem: Problem, options: PlanOptions) -> Result:
    """The city-day engine with the prize model's streams spread over the cores (no today's planner beside it)."""
    from routing.solvers.city_day import solve as city_day

    budget, stops = options.time_limit_s, options.sector_stops
    result = city_day(problem, time_limit_s=budget, seed=options.seed, max_stops=stops, spread=True)
    return replace(result, solution=replace(result.solution, unserved=explain_left_out(problem, result.unserved)))


def _row(city: str, date: str, seed: int, planner: str, problem: Problem, result: Result, seconds: float) -> dict:
    solution = result.solution
    served = solution.served()
    must = [i for i, s in enumerate(problem.stops) if s.mandatory]
    reasons = Counter(u.reason for u in solution.unserved)
    return {
        "city": city,
        "date": date,
        "seed": seed,
        "planner": planner,
        "must_go": len(must),
        "must_go_served": sum(i in served for i in must),
        "left_hours_bound": reasons.get("hours", 0),
        "left_search": reasons.get("search", 0),
        "left_other": sum(n for r, n in reasons.items() if r not in {"hours", "search"}),
        "may_go_served": len(served) - sum(i in served for i in must),
        "km": round(solution.distance_m() / 1000, 1),
        "truck_h": round(solution.duration_s() / 3600, 1),
        "fleet_h": round(sum(vt.count * (vt.latest_return_s - vt.shift_start_s) for vt in problem.vehicle_types) / H),
        "cost": round(solution.cost(), 0),
        "violations": len(check(problem, solution)),
        "seconds": round(seconds, 1),
        "solver": result.solver,
    }


def run(cities: list[str], dates: list[str], seeds: list[int], time_limit_s: float, work: Path) -> list[dict]:
    """Every city x date x seed x planner, as rows; progress printed as it goes."""
    rows = []
    for city in cities:
        store = open_store(f"sqlite:///{work / (city + '.sqlite')}")
        if store.bins(city).empty:
            load_sample_city(store, city)
            ingest_files(store, [sample_readings(city)])
        for date in dates:
            options = PlanOptions(date=date, time_limit_s=time_limit_s, cache_dir=work / "matrices")
            day = day_problem(store, city, options)
            problem = day.problem
            for seed in seeds:
                for label, solver in PLANNERS:
                    clock = time.perf_counter()
                    chosen = PlanOptions(
                        date=date, time_limit_s=time_limit_s, solver=solver, seed=seed, sector_stops=DEFAULT_MAX_STOPS
                    )
                    if solver == "ortools":
                        result = todays_planner(problem, chosen)
                    elif solver == "city-day-spread":
                        result = spread_streams(problem, chosen)
                    else:
                        result = solve_day(problem, chosen)
                    row = _row(city, date, seed, label, problem, result, time.perf_counter() - clock)
                    rows.append(row)
                    print(
                        f"{city} {date} seed {seed} {label}: must-go {row['must_go_served']}/{row['must_go']}, "
                        f"{row['km']} km, {row['truck_h']} h, {row['violations']} violations, {row['seconds']} s",
                        flush=True,
                    )
        store.dispose()
    return rows


def write_csv(rows: list[dict], path: Path) -> None:
    """All rows as CSV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def markdown(rows: list[dict], time_limit_s: float, note: str) -> str:
    """Per run and per city: the two planners side by side, and the engine's km over today's."""
    lines = [
        "# City days: the city-day engine against today's planner",
        "",
        f"`python benchmarks/city_days.py` ({note}); {time_limit_s:.0f} s per plan, planners run one after the other",
        f"in one process on a {os.cpu_count()}-core machine. Every plan was checked by `routing.check`.",
        "",
        "| city | date | seed | planner | must-go served | left (bound: no hours) | left (search) | may-go | km | "
        "truck-h | cost | violations |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['city']} | {r['date']} | {r['seed']} | {r['planner']} | {r['must_go_served']} / {r['must_go']} | "
            f"{r['left_hours_bound']} | {r['left_search']} | {r['may_go_served']} | {r['km']:,.0f} | {r['truck_h']} | "
            f"{r['cost']:,.0f} | {r['violations']} |"
        )
    lines += [
        "",
        "| city | planner | runs | must-go left (mean) | runs with every must-go served | km (mean) | "
        "km vs today | truck-h (mean) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for city in dict.fromkeys(r["city"] for r in rows):
        today = [r for r in rows if r["city"] == city and r["planner"] == PLANNERS[0][0]]
        for label, _ in PLANNERS:
            mine = [r for r in rows if r["city"] == city and r["planner"] == label]
            left = [r["must_go"] - r["must_go_served"] for r in mine]
            ratio = _mean([m["km"] / t["km"] for m, t in zip(mine, today, strict=True) if t["km"]])
            lines.append(
                f"| {city} | {label} | {len(mine)} | {_mean(left):.1f} | {sum(v == 0 for v in left)} | "
                f"{_mean([r['km'] for r in mine]):,.0f} | {ratio:.3f} | {_mean([r['truck_h'] for r in mine]):.1f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse options, run, write CSV and Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", default="santa_cruz,baltimore")
    parser.add_argument("--dates", default=DATES)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--tag", default="", help="Suffix of the result files (e.g. 'reduced').")
    parser.add_argument("--note", default="full protocol", help="How the run was made, for the Markdown header.")
    parser.add_argument("--work", type=Path, default=None, help="Folder for the stores and matrices (temporary).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        rows = run(
            args.cities.split(","),
            args.dates.split(","),
            [int(s) for s in args.seeds.split(",")],
            args.time_limit,
            work,
        )
    name = "city_days" + (f"_{args.tag}" if args.tag else "")
    write_csv(rows, RESULTS / f"{name}.csv")
    (RESULTS / f"{name}.md").write_text(markdown(rows, args.time_limit, args.note))
    print(f"wrote {RESULTS / name}.csv and .md")


if __name__ == "__main__":
    main()
