"""The real waste-collection benchmark of Kim et al. (2006): solve every instance, check it, compare with the papers.

Every run goes through ``waste bench``'s runner (a fresh process per run, one thread, the budget including model
building), so the figures are those ``waste bench --family wcvrptw`` gives. Each solution is checked twice: by the
worker as it is solved, and again here from the route file it wrote (``routes/<objective>/*.csv``), read back with
the instance alone, so that anyone can check the routes we publish. The comparison takes its published figures from
the instance folder: ``bks.csv`` (best published result per instance: fewest vehicles then distance, and lowest
distance) and ``published_results.csv`` (Kim et al.'s algorithm 2).

Outputs under ``--out``: ``runs.csv`` (the runner's rows), ``comparison.csv`` and ``comparison.md``.

Usage::

    python benchmarks/wcvrptw_kim.py [--data ../shared/benchmarks/wcvrptw-kim2006] [--time-limit 60]
        [--objective vehicles] [--solvers ortools,pyvrp] [--instances 102_stop,277_stop] [--jobs 1]
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from pathlib import Path

from routing.bench.instances import WCVRPTW, find_instances, read_instance
from routing.bench.kim import published_best
from routing.bench.route_files import read_solution_csv
from routing.bench.runner import COLUMNS, execute, tasks
from routing.check import check, totals

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results" / "wcvrptw"
DATA = ROOT.parent / "shared" / "benchmarks" / "wcvrptw-kim2006"


def kim_algorithm_2(folder: Path) -> dict[str, tuple[int, float]]:
    """Kim et al.'s algorithm 2 (vehicles, miles) per instance, from ``published_results.csv``."""
    table = folder / "published_results.csv"
    out: dict[str, tuple[int, float]] = {}
    if not table.exists():
        return out
    with table.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["source"].startswith("Kim2006") and row["algorithm"].startswith("A2"):
                out[row["instance"]] = (int(row["vehicles"]), float(row["distance_miles"]))
    return out


def _gap(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None or not math.isfinite(ours):
        return ""
    return f"{100 * (ours - theirs) / theirs:+.1f}"


def _diff(ours: int | None, theirs: int | None) -> str:
    return "" if ours is None or theirs is None else f"{ours - theirs:+d}"


def recheck(path: Path, objective: str, routes_file: Path) -> tuple[str, int | None, float | None]:
    """Verdict, vehicles and miles of a route file, from the instance and the file alone."""
    if not routes_file.exists():
        return "no routes", None, None
    instance = read_instance(path, WCVRPTW, objective)
    solution = read_solution_csv(instance.problem, routes_file)
    violations = check(instance.problem, solution)
    unserved = len(solution.unserved)
    used, distance = totals(instance.problem, solution)
    verdict = "feasible" if not violations and not unserved else f"{len(violations)} violations, {unserved} unserved"
    return verdict, used, distance / instance.distance_scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--objective", choices=["vehicles", "distance"], default="vehicles")
    parser.add_argument("--solvers", default="ortools,pyvrp")
    parser.add_argument("--instances", default="")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    names = [n for n in args.instances.split(",") if n]
    paths = find_instances(args.data, WCVRPTW, names)
    routes_dir = (args.out / "routes" / args.objective).resolve()
    work = tasks(
        paths,
        WCVRPTW,
        args.solvers.split(","),
        1,
        args.time_limit,
        objective=args.objective,
        routes_dir=str(routes_dir),
    )
    t0 = time.perf_counter()
    rows = []
    for row in execute(work, jobs=args.jobs):
        print(
            f"{row['instance']:>10} {row['solver']:<8} {row.get('status')} veh={row.get('vehicles')} "
            f"mi={row.get('distance')} t={row.get('runtime_s')}",
            flush=True,
        )
        rows.append(row)
    wall = time.perf_counter() - t0
    args.out.mkdir(parents=True, exist_ok=True)
    runs = args.out / "runs.csv"
    new = not runs.exists()
    with runs.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
        if new:
            writer.writeheader()
        writer.writerows(rows)
    write_comparison(args, paths, rows, routes_dir, wall)


def write_comparison(
    args: argparse.Namespace, paths: list[Path], rows: list[dict], routes_dir: Path, wall: float
) -> None:
    """Write ``comparison.csv`` (appended) and ``comparison.md`` (this run) and print the table."""
    a2 = kim_algorithm_2(args.data)
    order = {p.stem: p for p in paths}
    table = []
    for row in sorted(rows, key=lambda r: (list(order).index(r["instance"]), r["solver"])):
        path = order[row["instance"]]
        best = published_best(path)
        if row.get("status") in ("not_applicable", "unavailable"):
            verdict, veh, miles = f"not applicable: {row.get('violations')}", None, None
        else:
            safe = row["solver"].replace(":", "_").replace("/", "_")
            verdict, veh, miles = recheck(path, args.objective, routes_dir / f"{path.stem}_{safe}_seed0.csv")
        kim = a2.get(path.stem)
        feasible = verdict == "feasible"
        table.append(
            {
                "instance": path.stem,
                "solver": row["solver"],
                "objective": args.objective,
                "budget_s": args.time_limit,
                "runtime_s": row.get("runtime_s"),
                "verdict": verdict,
                "vehicles": veh if feasible else "",
                "miles": f"{miles:.1f}" if feasible and miles is not None else "",
                "best_fewest_vehicles": best.fewest_vehicles if best else "",
                "best_miles_at_fewest": best.miles_at_fewest if best else "",
                "gap_vehicles_to_fewest": _diff(veh, best.fewest_vehicles) if feasible and best else "",
                "gap_miles_pct_to_fewest": _gap(miles, best.miles_at_fewest) if feasible and best else "",
                "best_lowest_miles": best.lowest_miles if best else "",
                "vehicles_at_lowest": (best.vehicles_at_lowest or "") if best else "",
                "gap_miles_pct_to_lowest": _gap(miles, best.lowest_miles) if feasible and best else "",
                "kim_a2_vehicles": kim[0] if kim else "",
                "kim_a2_miles": kim[1] if kim else "",
                "gap_vehicles_to_kim_a2": _diff(veh, kim[0]) if feasible and kim else "",
                "gap_miles_pct_to_kim_a2": _gap(miles, kim[1]) if feasible and kim else "",
            }
        )
    out_csv = args.out / "comparison.csv"
    new = not out_csv.exists()
    with out_csv.open("a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(table[0]))
        if new:
            writer.writeheader()
        writer.writerows(table)
    headers = [
        "instance",
        "solver",
        "verdict",
        "vehicles",
        "miles",
        "best (veh / mi)",
        "gap veh",
        "gap mi %",
        "lowest mi (veh)",
        "gap mi %",
        "Kim A2 (veh / mi)",
        "gap veh",
        "gap mi %",
        "time s",
    ]
    lines = [
        f"# WCVRPTW (Kim et al. 2006): objective {args.objective}, {args.time_limit:g} s per run",
        "",
        f"Command: `python benchmarks/wcvrptw_kim.py --time-limit {args.time_limit:g} --objective {args.objective} "
        f"--solvers {args.solvers}`; one core per run on a shared 2-core machine; wall time {wall / 60:.1f} min. "
        "Every solution is re-read from its route file and checked; gaps are ours minus the published figure "
        "(vehicles) and relative to it (miles, %).",
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "|".join(" --- " for _ in headers) + "|",
    ]
    for r in table:
        cells = [
            r["instance"],
            r["solver"],
            r["verdict"],
            str(r["vehicles"]),
            r["miles"],
            f"{r['best_fewest_vehicles']} / {r['best_miles_at_fewest']}",
            r["gap_vehicles_to_fewest"],
            r["gap_miles_pct_to_fewest"],
            f"{r['best_lowest_miles']} ({r['vehicles_at_lowest']})",
            r["gap_miles_pct_to_lowest"],
            f"{r['kim_a2_vehicles']} / {r['kim_a2_miles']}",
            r["gap_vehicles_to_kim_a2"],
            r["gap_miles_pct_to_kim_a2"],
            str(r["runtime_s"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    md = args.out / f"comparison_{args.objective}_{args.time_limit:g}s.md"
    md.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"wrote {out_csv}, {md}")


if __name__ == "__main__":
    main()
