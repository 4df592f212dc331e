"""Tiny hand-made VRPLIB instances for the benchmark tests, one per family, and a writer (data only, no tests)."""

from __future__ import annotations

from pathlib import Path

#: Depot at the origin, clients 3 north, 4 east, 3 south: arcs 3, 4, 3 from the depot, 5, 6, 5 between clients.
CVRP = """NAME : tiny
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 0 3
3 4 0
4 0 -3
DEMAND_SECTION
1 0
2 5
3 5
4 5
DEPOT_SECTION
1
-1
EOF
"""
#: The optimum: depot-1-2-depot (3 + 5 + 4) and depot-3-depot (3 + 3).
CVRP_SOL = "Route #1: 1 2\nRoute #2: 3\nCost 18\n"

#: Two clients at 1.41421 (truncated to 1.4: 14 tenths) and 2 from the depot; service 1.5.
VRPTW = """NAME : tinytw
TYPE : VRPTW
DIMENSION : 3
VEHICLES : 2
CAPACITY : 10
SERVICE_TIME : 1.5
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 1 1
3 2 0
DEMAND_SECTION
1 0
2 4
3 4
TIME_WINDOW_SECTION
1 0 100
2 0 10
3 5 20
DEPOT_SECTION
1
-1
EOF
"""


def multi_trip() -> str:
    """The VRPTW text as MTVRPTWR: one vehicle that reloads at the depot, client 2 released at 3."""
    text = VRPTW.replace("TYPE : VRPTW", "TYPE : MTVRPTWR").replace("VEHICLES : 2", "VEHICLES : 1")
    extra = "RELEASE_TIME_SECTION\n1 0\n2 0\n3 3\nVEHICLES_RELOAD_DEPOT_SECTION\n1 1\nDEPOT_SECTION"
    return text.replace("DEPOT_SECTION", extra)


def prize_collecting() -> str:
    """The VRPTW text as PCVRPTW: prizes 7 and 9."""
    text = VRPTW.replace("TYPE : VRPTW", "TYPE : PCVRPTW")
    return text.replace("DEPOT_SECTION", "PRIZE_SECTION\n1 0\n2 7\n3 9\nDEPOT_SECTION")


def heterogeneous() -> str:
    """The CVRP text as HFVRP: two trucks of 10 (fixed 100, 2 per unit), one of 5 (fixed 50, 1 per unit)."""
    text = CVRP.replace("TYPE : CVRP", "TYPE : HFVRP").replace("CAPACITY : 10\n", "VEHICLES : 3\n")
    extra = (
        "CAPACITY_SECTION\n1 10\n2 10\n3 5\nVEHICLES_FIXED_COST_SECTION\n1 100\n2 100\n3 50\n"
        "VEHICLES_UNIT_DISTANCE_COST_SECTION\n1 2\n2 2\n3 1\nDEPOT_SECTION"
    )
    return text.replace("DEPOT_SECTION", extra)


def write(folder: Path, name: str, text: str, sol: str | None = None) -> Path:
    """Write ``name.vrp`` (and ``name.sol``) into ``folder`` and return the instance path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.vrp"
    path.write_text(text, encoding="utf-8")
    if sol is not None:
        path.with_suffix(".sol").write_text(sol, encoding="utf-8")
    return path
