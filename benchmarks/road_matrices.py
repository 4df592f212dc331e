"""Road matrix speed: straight line, in-process OSRM and the OSRM HTTP server on the downtown Baltimore extract.

For each size, random points (uniform over the extract's bounding box, seeded) get distance and time matrices from
three providers, all timed in the same process:

* the straight-line estimate (:func:`routing.matrix.haversine_matrices`, circuity 1.3), the baseline;
* the OSRM engine in this process (:func:`routing.osrm_local.osrm_local_matrices`; the dataset is loaded once before
  the timing, and no matrix cache is used);
* ``osrm-routed`` started by this script on a free loopback port (``--max-table-size``) and queried with
  :func:`routing.matrix.osrm_matrices` in blocks; the server is always stopped at the end.

A run predicted (from the previous size, time growing with the square of the points) to take longer than
``--cap`` seconds is not started and is reported as capped. The in-process run also gives the calibrated circuity,
the points too far from any road (left to the straight-line estimate) and the median ratio of road distance to the
straight-line estimate over all pairs.

Usage::

    python benchmarks/road_matrices.py [--sizes 500,2000,5000] [--roads DIR] [--cap 120] [--seed 0]

Writes ``benchmarks/results/road_matrices.csv`` and ``.md``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from routing.matrix import DEFAULT_CIRCUITY, Matrices, haversine_matrices, osrm_matrices
from routing.osrm_local import DEFAULT_MAX_SNAP_M, osrm_local_matrices
from routing.roads import build_roads
from routing.roads_server import serve_roads

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
#: Bounding box of the downtown extract (degrees).
LAT_RANGE = (39.2586, 39.3065)
LON_RANGE = (-76.6081, -76.5288)


def extract_path() -> Path:
    """The shared downtown Baltimore extract (``../shared`` beside the project, or ``WASTE_SHARED_DATA``)."""
    shared = Path(os.environ.get("WASTE_SHARED_DATA") or ROOT.parent / "shared")
    return shared / "city_data" / "baltimore" / "downtown.osm.pbf"


def random_points(n: int, seed: int) -> np.ndarray:
    """``n`` points (latitude, longitude) uniform over the extract's bounding box."""
    rng = np.random.default_rng(seed)
    return np.c_[rng.uniform(*LAT_RANGE, n), rng.uniform(*LON_RANGE, n)]


def timed(run: Callable[[], Matrices]) -> tuple[float, Matrices]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def predicted_s(previous: dict[str, tuple[int, float]], provider: str, n: int) -> float:
    """Time of ``provider`` on ``n`` points from its last measured size, growing with the square of the points."""
    if provider not in previous:
        return 0.0
    n0, s0 = previous[provider]
    return s0 * (n / n0) ** 2


def main() -> None:
    """Run the benchmark and write its tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,2000,5000", help="comma-separated numbers of points")
    parser.add_argument("--roads", type=Path, help="folder of the car dataset (built there if missing)")
    parser.add_argument("--cap", type=float, default=120.0, help="skip a run predicted to take longer (s)")
    parser.add_argument("--server-table-size", type=int, default=10_000, help="osrm-routed --max-table-size")
    parser.add_argument("--http-table-size", type=int, default=2_000, help="coordinates per HTTP request")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pbf = extract_path()
    rows: list[dict[str, object]] = []
    quality: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        roads = args.roads or Path(tmp) / "car"
        started = time.perf_counter()
        build_roads(pbf, roads, "car")
        print(f"car dataset ready in {time.perf_counter() - started:.1f} s: {roads}")
        started = time.perf_counter()
        osrm_local_matrices(random_points(2, args.seed), roads)  # load once, as a planning process would
        print(f"in-process engine loaded in {time.perf_counter() - started:.2f} s")
        previous: dict[str, tuple[int, float]] = {}
        with serve_roads(roads, log=Path(tmp) / "osrm-routed.log", max_table_size=args.server_table_size) as url:
            for n in sizes:
                coords = random_points(n, args.seed)
                base_s, straight = timed(lambda c=coords: haversine_matrices(c))
                rows.append(_row(n, "straight line (haversine x 1.3)", base_s, base_s, ""))
                runs: dict[str, Callable[[], Matrices]] = {
                    "OSRM in-process": lambda c=coords: osrm_local_matrices(c, roads),
                    "OSRM HTTP server": lambda c=coords: osrm_matrices(
                        c, url, max_table_size=args.http_table_size, timeout_s=args.cap
                    ),
                }
                results: dict[str, Matrices] = {}
                for provider, run in runs.items():
                    guess = predicted_s(previous, provider, n)
                    if guess > args.cap:
                        note = f"capped: not run, predicted {guess:.0f} s > {args.cap:.0f} s"
                        rows.append(_row(n, provider, None, base_s, note))
                        print(f"{n:>6,} {provider}: {note}")
                        continue
                    seconds, results[provider] = timed(run)
                    previous[provider] = (n, seconds)
                    note = f"over the {args.cap:.0f} s cap" if seconds > args.cap else ""
                    rows.append(_row(n, provider, seconds, base_s, note))
                    print(f"{n:>6,} {provider}: {seconds:.2f} s")
                quality.append(_quality(n, straight, results))
    table = pd.DataFrame(rows)
    checks = pd.DataFrame(quality).astype(object)  # keeps counts as integers in the Markdown table
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.to_csv(RESULTS / "road_matrices.csv", index=False)
    command = f"python benchmarks/road_matrices.py --sizes {args.sizes} --cap {args.cap:g} --seed {args.seed}"
    (RESULTS / "road_matrices.md").write_text(
        "# Road matrices: straight line vs OSRM in-process vs OSRM HTTP server\n\n"
        f"`{command}` on `{pbf.name}` (downtown Baltimore), points uniform over lat {LAT_RANGE[0]}..{LAT_RANGE[1]}, "
        f"lon {LON_RANGE[0]}..{LON_RANGE[1]}; HTTP in blocks of {args.http_table_size // 2} x "
        f"{args.http_table_size // 2} (`osrm-routed --max-table-size {args.server_table_size}`), in-process in "
        "blocks of 1000 x 1000, no matrix cache.\n\n"
        + table.to_markdown(index=False, floatfmt=("", "", ",.3f", ",.1f", ""))
        + "\n\nvs_straight_line is the time over the straight-line time at the same size (the baseline, run in the"
        " same process).\n\n## Road distances from the in-process run\n\n"
        + checks.to_markdown(index=False, floatfmt=",.3f")
        + "\n\ncircuity: road over straight-line distance calibrated on the routed pairs (median). fallback_points:"
        " points more than 250 m from any road, costed by the straight line. road_over_estimate: median over all"
        f" pairs of road km over straight-line km x {DEFAULT_CIRCUITY} (_routed: only pairs between points within 250 m"
        " of a road). http_max_diff_m: largest difference between"
        " the HTTP and in-process distance matrices outside the fallback points.\n"
    )
    print(table.to_string(index=False))
    print(checks.to_string(index=False))


def _row(n: int, provider: str, seconds: float | None, base_s: float, note: str) -> dict[str, object]:
    return {
        "points": n,
        "provider": provider,
        "seconds": None if seconds is None else round(seconds, 3),
        "vs_straight_line": None if seconds is None else round(seconds / base_s, 1),
        "note": note,
    }


def _quality(n: int, straight: Matrices, results: dict[str, Matrices]) -> dict[str, object]:
    """Circuity, fallback points and road vs straight-line distances of the in-process run at ``n`` points."""
    local = results.get("OSRM in-process")
    if local is None:
        return {"points": n}
    off = ~np.eye(n, dtype=bool)
    ratio = local.distance_m[off] / np.maximum(straight.distance_m[off], 1)
    assert local.snap_m is not None
    ok = local.snap_m <= DEFAULT_MAX_SNAP_M
    routed = ok[:, None] & ok[None, :]
    row: dict[str, object] = {
        "points": n,
        "circuity": round(float(local.circuity or 0), 3),
        "fallback_points": local.fallback_points,
        "estimated_pairs": local.unreachable,
        "road_over_estimate": round(float(np.median(ratio)), 3),
        "road_over_estimate_routed": round(float(np.median(ratio[routed[off]])), 3),
        "road_km_total": round(int(local.distance_m.sum()) / 1000),
        "straight_x1.3_km_total": round(int(straight.distance_m.sum()) / 1000),
    }
    http = results.get("OSRM HTTP server")
    if http is not None:
        row["http_max_diff_m"] = int(np.abs(http.distance_m - local.distance_m)[routed].max())
    return row


if __name__ == "__main__":
    main()
