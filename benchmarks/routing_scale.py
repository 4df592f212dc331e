"""Scale check of the routing core: a city-sized random day solved with OR-Tools and judged by the checker.

The day: 1,500 bins spread over a 20 km x 20 km city (a denser centre), 30 trucks of three types from two depots,
two disposal sites (a landfill taking every stream, a transfer station taking general waste and recycling), bins
of 240 L to 3 m3 at 50-100 % full, 15 % of them with a morning window, 70 % must-go. Prints and writes the time,
objective, cost, bins served, disposal trips and the checker's verdict to ``benchmarks/results/routing_scale.md``
and ``.csv``.

Usage::

    python benchmarks/routing_scale.py [--stops 1500] [--trucks 30] [--time-limit 60] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

from routing.check import check
from routing.matrix import haversine_matrices
from routing.problem import Depot, DisposalSite, Problem, Stop, VehicleType
from routing.solvers import solve

RESULTS = Path(__file__).parent / "results"
#: Centre of the synthetic city (degrees): Baltimore.
LAT0, LON0 = 39.29, -76.61


def city(stops: int, trucks: int, seed: int) -> Problem:
    """A random city-sized problem."""
    rng = np.random.default_rng(seed)
    km_lat, km_lon = 1 / 111.2, 1 / (111.2 * np.cos(np.radians(LAT0)))
    centre = rng.normal(0, 3.5, (stops, 2))
    spread = rng.uniform(-10, 10, (stops, 2))
    xy = np.where(rng.random((stops, 1)) < 0.5, centre, spread).clip(-10, 10)
    fixed_xy = np.array([[-6.0, 2.0], [5.0, -4.0], [-12.0, -11.0], [11.0, 9.0]])  # 2 depots, landfill, transfer
    all_xy = np.vstack([fixed_xy, xy])
    coords = np.column_stack([LAT0 + all_xy[:, 1] * km_lat, LON0 + all_xy[:, 0] * km_lon])
    m = haversine_matrices(coords)
    depots = (Depot("D1", 0, 5 * 3600, 20 * 3600), Depot("D2", 1, 5 * 3600, 20 * 3600))
    sites = (
        DisposalSite("landfill", 2, 6 * 3600, 18 * 3600, 900, frozenset({"general", "recycling", "organic"})),
        DisposalSite("transfer", 3, 5 * 3600, 19 * 3600, 600, frozenset({"general", "recycling"})),
    )
    streams = rng.choice(["general", "recycling", "organic"], stops, p=[0.65, 0.25, 0.10])
    size_l = rng.choice([240, 660, 1100, 3000], stops, p=[0.3, 0.3, 0.3, 0.1])
    fill = rng.uniform(0.5, 1.0, stops)
    density = np.select([streams == "general", streams == "recycling"], [110.0, 45.0], 300.0)
    windowed = rng.random(stops) < 0.15
    stop_list = []
    for i in range(stops):
        m3 = fill[i] * size_l[i] / 1000
        start = int(rng.integers(6, 9)) * 3600
        stop_list.append(
            Stop(
                f"B{i}",
                4 + i,
                weight_kg=float(m3 * density[i]),
                volume_m3=float(m3),
                service_s=int(60 + size_l[i] / 20),
                tw_start_s=start if windowed[i] else 0,
                tw_end_s=start + 3 * 3600 if windowed[i] else 2 * 86_400,
                stream=str(streams[i]),
                mandatory=bool(rng.random() < 0.7),
                penalty=float(20 + 60 * fill[i]),
            )
        )
    share = [0.6, 0.25, 0.15]
    counts = [max(1, round(trucks * s)) for s in share]
    types = []
    for d in ("D1", "D2"):
        half = [c // 2 + (c % 2 if d == "D1" else 0) for c in counts]
        types += [
            VehicleType("rear-loader", half[0], 9000, 19.1, 6 * 3600, 14 * 3600 + 1800, d, None, 3.0, 220, 1.45,
                        115, frozenset({"general"})),
            VehicleType("side-loader", half[1], 10000, 21.4, 6 * 3600, 14 * 3600 + 1800, d, None, 3.0, 240, 1.45,
                        40, frozenset({"recycling"})),
            VehicleType("food-scraps", half[2], 4500, 7.6, 6 * 3600, 14 * 3600 + 1800, d, None, 2.0, 150, 0.95,
                        78, frozenset({"organic", "general"})),
        ]  # fmt: skip
    return Problem(depots, sites, tuple(stop_list), tuple(types), m.distance_m, m.duration_s, coords, "scale")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stops", type=int, default=1500)
    parser.add_argument("--trucks", type=int, default=30)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    problem = city(args.stops, args.trucks, args.seed)
    build_s = time.perf_counter() - t0
    trace: list[tuple[float, float]] = []
    result = solve(problem, time_limit_s=args.time_limit, seed=args.seed, progress=lambda t, o: trace.append((t, o)))
    t1 = time.perf_counter()
    violations = check(problem, result.solution)
    check_s = time.perf_counter() - t1
    sol = result.solution
    first = trace[0] if trace else (float("nan"), float("nan"))
    row = {
        "stops": problem.num_stops,
        "must_go": sum(s.mandatory for s in problem.stops),
        "trucks": problem.num_vehicles,
        "time_limit_s": args.time_limit,
        "build_s": round(build_s, 2),
        "solve_s": round(result.runtime_s, 2),
        "first_solution_s": round(first[0], 2),
        "first_objective": round(first[1], 2),
        "objective": round(result.objective, 2),
        "cost": round(sol.cost(), 2),
        "served": len(sol.served()),
        "must_go_unserved": len(sol.unserved),
        "trucks_used": len(sol.routes),
        "km": round(sol.distance_m() / 1000, 1),
        "truck_hours": round(sol.duration_s() / 3600, 1),
        "disposal_trips": sol.disposal_trips(),
        "violations": len(violations),
        "check_s": round(check_s, 3),
    }
    print(result.summary())
    print("checker:", "feasible" if not violations else "\n".join(map(str, violations[:20])))
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / "routing_scale.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    table = "\n".join(f"| {k} | {v} |" for k, v in row.items())
    options = f"--stops {args.stops} --trucks {args.trucks} --time-limit {args.time_limit}"
    command = f"python benchmarks/routing_scale.py {options}"
    text = f"# Routing scale check\n\n`{command}` (seed {args.seed})\n\n| figure | value |\n| --- | --- |\n{table}\n"
    (RESULTS / "routing_scale.md").write_text(text)
    print(table)


if __name__ == "__main__":
    main()
