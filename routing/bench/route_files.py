"""Timed routes as a CSV file that anyone can check: one row per visit, read back into a Solution for the checker.

Columns: ``route`` (0, 1, ...), ``vehicle`` (truck number within its type), ``vehicle_type`` (name), ``seq``,
``kind`` (``depot``, ``stop``, ``disposal``), ``id`` (of the depot, stop or site, as in the instance), ``arrival_s``,
``start_s``, ``departure_s`` (s from midnight), ``load_m3`` and ``load_kg`` (on board after the visit),
``break_start_s`` (the route's break, repeated on each row; empty when none). Visits name places by id, so the file
stays valid for anyone who reads the instance with the same reader; :func:`read_solution_csv` rebuilds the solution
and :func:`routing.check.check` judges it.
"""

from __future__ import annotations

import csv
from pathlib import Path

from routing.bench.errors import BenchInputError
from routing.problem import Problem
from routing.solution import Route, Solution, Unserved, Visit

COLUMNS = [
    "route",
    "vehicle",
    "vehicle_type",
    "seq",
    "kind",
    "id",
    "arrival_s",
    "start_s",
    "departure_s",
    "load_m3",
    "load_kg",
    "break_start_s",
]


def write_solution_csv(solution: Solution, path: str | Path) -> Path:
    """Write every visit of ``solution`` to ``path`` (see the module docstring) and return the path."""
    p = solution.problem
    places = {"depot": p.depots, "stop": p.stops, "disposal": p.disposal_sites}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for r, route in enumerate(solution.routes):
            brk = "" if route.break_start_s is None else route.break_start_s
            name = p.vehicle_types[route.vehicle_type].name
            for seq, v in enumerate(route.visits):
                place = places[v.kind][v.index].id
                times = (v.arrival_s, v.start_s, v.departure_s)
                writer.writerow(
                    [r, route.vehicle, name, seq, v.kind, place, *times, repr(v.load_m3), repr(v.load_kg), brk]
                )
    return path


def read_solution_csv(problem: Problem, path: str | Path) -> Solution:
    """The solution of ``problem`` that a file written by :func:`write_solution_csv` holds.

    Must-go stops that no route visits are listed as unserved, so that the checker and the tables count them.

    Raises
    ------
    BenchInputError
        When a row names an unknown vehicle type, kind or id, or a number cannot be read (with file and line).
    """
    path = Path(path)
    index = {
        "depot": {d.id: i for i, d in enumerate(problem.depots)},
        "stop": {s.id: i for i, s in enumerate(problem.stops)},
        "disposal": {d.id: i for i, d in enumerate(problem.disposal_sites)},
    }
    types = {vt.name: t for t, vt in enumerate(problem.vehicle_types)}
    routes: dict[int, dict] = {}
    try:
        fh = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        msg = f"{path}: cannot read ({exc})"
        raise BenchInputError(msg) from exc
    with fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            try:
                kind, place = row["kind"], row["id"]
                if kind not in index or place not in index[kind]:
                    raise KeyError(f"no {kind} {place!r} in the instance")
                if row["vehicle_type"] not in types:
                    raise KeyError(f"no vehicle type {row['vehicle_type']!r}")
                r = int(row["route"])
                entry = routes.setdefault(r, {"type": types[row["vehicle_type"]], "vehicle": int(row["vehicle"])})
                entry["break"] = int(row["break_start_s"]) if row.get("break_start_s") else None
                visit = Visit(
                    kind,  # type: ignore[arg-type]
                    index[kind][place],
                    int(row["arrival_s"]),
                    int(row["start_s"]),
                    int(row["departure_s"]),
                    float(row.get("load_kg") or 0.0),
                    float(row.get("load_m3") or 0.0),
                )
            except (KeyError, ValueError, TypeError) as exc:
                msg = f"{path}, line {n}: {exc}"
                raise BenchInputError(msg) from exc
            entry.setdefault("visits", []).append(visit)
    built = tuple(Route(e["type"], e["vehicle"], tuple(e["visits"]), e.get("break")) for _, e in sorted(routes.items()))
    served = {s for route in built for s in route.stops()}
    unserved = tuple(Unserved(i, "fleet") for i, s in enumerate(problem.stops) if s.mandatory and i not in served)
    return Solution(problem, built, unserved)
