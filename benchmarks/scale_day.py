"""The city-scale part of ``route_quality.py``: a large synthetic day in sectors plus border improvement.

The day comes from ``routing_scale.py``'s generator (mixed fleet from two depots, landfill and transfer station,
three streams, 15 % with windows, 70 % must-go). Its matrices are built in blocks of rows straight into integers,
so that no float matrix of the whole city is ever held (the straight-line provider computes the whole float matrix
at once: several GB at 10,000 points).
"""

from __future__ import annotations

import resource
import time
from typing import Any

import numpy as np
import routing_scale

from routing.check import check
from routing.city_scale import solve_city
from routing.matrix import DEFAULT_CIRCUITY, DEFAULT_SPEED_KPH, Matrices, haversine_m
from routing.problem import Problem
from routing.solvers import solve

#: Rows per block of the matrix build.
BLOCK = 500


def blocked_haversine(coords_deg: np.ndarray) -> Matrices:
    """Straight-line distances (m) and times (s) as :func:`routing.matrix.haversine_matrices`, built in row blocks."""
    n = len(coords_deg)
    lat, lon = coords_deg[:, 0], coords_deg[:, 1]
    # 32-bit here (the Problem keeps its own 64-bit copy): the build then peaks at 1.5 times the final matrices.
    dist = np.empty((n, n), dtype=np.int32)
    dur = np.empty((n, n), dtype=np.int32)
    for lo in range(0, n, BLOCK):
        hi = min(n, lo + BLOCK)
        road = haversine_m(lat[lo:hi, None], lon[lo:hi, None], lat[None, :], lon[None, :]) * DEFAULT_CIRCUITY
        dist[lo:hi] = np.rint(road)
        dur[lo:hi] = np.rint(road / (DEFAULT_SPEED_KPH / 3.6))
    return Matrices(dist, dur, "haversine")


def scale_city(stops: int, trucks: int, seed: int = 0) -> Problem:
    """The synthetic day with block-built matrices."""
    original = routing_scale.haversine_matrices
    routing_scale.haversine_matrices = blocked_haversine  # same figures, less memory
    try:
        return routing_scale.city(stops, trucks, seed)
    finally:
        routing_scale.haversine_matrices = original


def _peak_mb() -> float:
    """Peak memory of this process (MB): it holds the whole day; each worker holds one sector or pair model.

    The children's figure is not reported: Linux counts a child's peak from the parent's size when it forked.
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _row(name: str, problem: Problem, result: Any, seconds: float, budget: float) -> dict[str, Any]:
    sol = result.solution
    return {
        "set": "scale",
        "instance": f"{problem.num_stops} bins, {problem.num_vehicles} trucks",
        "solver": name,
        "budget_s": budget,
        "runtime_s": round(seconds, 1),
        "cost": round(sol.cost(), 2),
        "km": round(sol.distance_m() / 1000, 1),
        "served": len(sol.served()),
        "unserved": len(sol.unserved),
        "violations": len(check(problem, sol)),
        "peak_memory_mb": round(_peak_mb(), 0),
    }


def _city_rows(problem: Problem, budget: float, scheduler: str | None) -> list[dict[str, Any]]:
    """Rows of the sector phase and of the border phase of one :func:`solve_city` run."""
    phases: list[tuple[str, float, Any]] = []
    t0 = time.perf_counter()
    solve_city(problem, time_limit_s=budget, scheduler=scheduler, on_phase=lambda n, e, r: phases.append((n, e, r)))
    seconds = time.perf_counter() - t0
    rows = []
    for name, elapsed, res in phases:
        label = "sectors in parallel" if name == "sectors" else "sectors + border improvement"
        rows.append(_row(label, problem, res, elapsed, budget))
    rows[-1]["runtime_s"] = round(seconds, 1)
    return rows


def scale_section(
    stops: int,
    trucks: int,
    budget: float,
    scheduler: str | None,
    whole_stops: int = 0,
    whole_budget: float = 30.0,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows and Markdown lines of the scale section; see ``route_quality.py``.

    With ``whole_stops``, a second day of that size is planned in sectors within ``whole_budget`` and solved whole
    with ten times that budget, for the ratio (a whole OR-Tools model of the full-size day does not fit in memory).
    """
    t0 = time.perf_counter()
    problem = scale_city(stops, trucks)
    build_s = time.perf_counter() - t0
    print(f"scale: {problem.num_stops} bins built in {build_s:.1f} s", flush=True)
    rows = _city_rows(problem, budget, scheduler)
    del problem
    if whole_stops:
        small = scale_city(whole_stops, max(2, round(trucks * whole_stops / stops)))
        rows += _city_rows(small, whole_budget, scheduler)
        t0 = time.perf_counter()
        single = solve(small, time_limit_s=10 * whole_budget)
        rows.append(_row("whole day, one model", small, single, time.perf_counter() - t0, 10 * whole_budget))
    lines = [
        f"Matrices of the {stops:,}-bin day built in {build_s:.1f} s; all cores.",
        "",
        "| run | day | budget s | time s | cost | km | bins served | must-go left out | violations | peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['solver']} | {r['instance']} | {r['budget_s']:g} | {r['runtime_s']} | {r['cost']:,.0f} | "
            f"{r['km']:,.0f} | {r['served']:,} | {r['unserved']} | {r['violations']} | "
            f"{r['peak_memory_mb']:,.0f} |"
        )
    lines += [
        "",
        f"Border improvement on the {stops:,}-bin day: cost x{rows[1]['cost'] / rows[0]['cost']:.4f}, "
        f"must-go left out {rows[0]['unserved']} -> {rows[1]['unserved']}.",
    ]
    if whole_stops:
        sectors, whole = rows[3], rows[4]
        lines.append(
            f"On the {whole_stops:,}-bin day, sectors + borders at {whole_budget:g} s cost "
            f"{sectors['cost'] / whole['cost']:.3f} times the whole model at {10 * whole_budget:g} s, "
            f"with {sectors['unserved']} against {whole['unserved']} must-go bins left out."
        )
    return rows, lines
