"""Benchmark instances: VRPLIB families mapped onto the :class:`~routing.problem.Problem`, with best-known costs.

Each family keeps the rounding convention its best-known solutions (BKS) were computed with, so that gaps compare like
with like:

=========  ==========================================  ================================================
family     rounding                                    mapping
=========  ==========================================  ================================================
CVRP       distances rounded to the nearest integer    one capacity, unlimited fleet: a trip is a route
VRPTW      DIMACS: truncated to one decimal (x10)      depot hours as shifts, windows on service start
MTVRPTWR   DIMACS                                      reloads at the depot, release times
PCVRPTW    DIMACS                                      every client optional, its prize as penalty
HFVRP      exact distances (kept to 1/1000, rounded)   vehicle types by capacity, fixed and unit cost
=========  ==========================================  ================================================

The DIMACS families are scaled by ten so that every time and distance is a whole number and costs stay exact; HFVRP's
best-known costs use unrounded distances (checked against its ``.sol`` files), kept here in thousandths, and its
files store costs times 100. A problem's cost is divided by :attr:`Instance.cost_scale` to get the family's cost.

Clients deliver in the files; here they are stops that pick up the same amount, which gives the same loads between
two depot visits. Every route ends with an instant unloading at a disposal site placed at the depot (the problem's
trucks return empty). In CVRP, with an unlimited fleet and no fixed cost, a truck's trips are routes of their own,
so reloading at the depot is allowed and costs the same (:func:`routing.solvers.features.reloads_matter`). The other
single-trip families give each truck a daily limit of one truckload, so a reload can never help, and
:func:`family_violations` refuses a route that reloads all the same. Durations are zero in the families without time
windows.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from routing.bench.errors import BenchInputError
from routing.check import Violation
from routing.problem import HORIZON_S, Depot, DisposalSite, Problem, Stop, VehicleType
from routing.solution import Solution

#: Families read from the standard collections, with their rounding: ``round`` or ``dimacs``.
ROUNDING: dict[str, str] = {
    "CVRP": "round",
    "VRPTW": "dimacs",
    "MTVRPTWR": "dimacs",
    "PCVRPTW": "dimacs",
    "HFVRP": "exact",
}
#: Distance units per unit of the family's distances, by rounding.
_DIST_SCALE: dict[str, float] = {"round": 1.0, "dimacs": 10.0, "exact": 1000.0}
#: Units of the file's costs per unit of the family's reported cost (HFVRP files scale costs by 100).
_FILE_COST_SCALE: dict[str, float] = {"HFVRP": 100.0}
#: Families whose trucks make one trip a day.
SINGLE_TRIP = frozenset({"VRPTW", "PCVRPTW", "HFVRP"})
#: Family of the instances ``routing.vrplib.export_vrplib`` writes (one collection day of a city).
CITY = "CITY"
#: Family of the real waste-collection instances of Kim et al. (2006), read by :mod:`routing.bench.kim`.
WCVRPTW = "WCVRPTW"
#: Units of a ``.sol`` file's cost per unit of the family's cost: the multi-trip and prize-collecting best-known
#: solutions are stored in tenths (as PyVRP reads them), the others in the family's units.
_SOL_SCALE: dict[str, float] = {"MTVRPTWR": 10.0, "PCVRPTW": 10.0}


@dataclass(frozen=True, slots=True, eq=False)
class Instance:
    """A benchmark instance.

    Attributes
    ----------
    name, family
        Instance name and family (a key of :data:`ROUNDING`, or :data:`CITY`).
    problem
        The instance as a problem.
    cost_scale
        Problem cost units per unit of the family's cost (10 for DIMACS families, 100 for HFVRP, else 1).
    best_known
        Best-known cost in the family's units, or ``None``.
    path
        The VRPLIB file, handed to external solvers.
    distance_scale, distance_unit
        Matrix distance units per unit of the distance reported (``None`` when the family reports no distance of
        its own) and that unit's name (``mi`` for WCVRPTW).
    objective
        The objective the problem's costs express (:mod:`routing.objectives`), or ``""`` for the family's own.
    """

    name: str
    family: str
    problem: Problem
    cost_scale: float = 1.0
    best_known: float | None = None
    path: Path | None = None
    distance_scale: float | None = None
    distance_unit: str = ""
    objective: str = ""

    def family_cost(self, problem_cost: float) -> float:
        """A problem cost in the family's units."""
        return problem_cost / self.cost_scale

    def gap_pct(self, problem_cost: float) -> float | None:
        """Gap (%) of a problem cost above the best-known cost, or ``None`` without one."""
        if self.best_known is None or self.best_known <= 0:
            return None
        return 100 * (self.family_cost(problem_cost) - self.best_known) / self.best_known


def _rounded(values: np.ndarray, rounding: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if rounding == "dimacs":
        return (10 * arr).astype(np.int64)  # truncation after scaling, as DIMACS (and PyVRP's reader) do
    return np.round(_DIST_SCALE[rounding] * arr).astype(np.int64)


def problem_from_vrplib(data: dict, family: str, name: str) -> tuple[Problem, float]:
    """The problem of a standard-family VRPLIB instance (as ``vrplib.read_instance`` returns it) and its cost scale."""
    rounding = ROUNDING[family]
    dist_scale = _DIST_SCALE[rounding]
    scale = dist_scale * _FILE_COST_SCALE.get(family, 1.0)
    depots_idx = np.atleast_1d(data.get("depot", np.array([0])))
    if len(depots_idx) != 1 or int(depots_idx[0]) != 0:
        msg = f"{name}: only single-depot instances with the depot first are read"
        raise BenchInputError(msg)
    n = int(data["dimension"])
    dist = _rounded(data["edge_weight"], rounding)
    timed = "time_window" in data
    dur = dist if timed else np.zeros_like(dist)
    demand = np.atleast_1d(data.get("demand", np.zeros(n)))
    service = data.get("service_time", 0)
    service = np.full(n, service) if np.isscalar(service) else np.asarray(service)
    service = _rounded(service, rounding) if timed else np.zeros(n, dtype=np.int64)
    service[0] = 0
    tw = _rounded(data["time_window"], rounding) if timed else np.tile([0, HORIZON_S], (n, 1))
    release = _rounded(np.broadcast_to(data.get("release_time", 0), n), rounding)
    prize = _rounded(np.broadcast_to(data.get("prize", 0), n), rounding)
    if tw.max() > HORIZON_S or release.max() > HORIZON_S:
        msg = f"{name}: times beyond the horizon of {HORIZON_S} units once scaled"
        raise BenchInputError(msg)
    opens, closes = int(tw[0, 0]), int(tw[0, 1])
    stops = tuple(
        Stop(
            id=str(i),
            location=i,
            weight_kg=float(demand[i]),
            volume_m3=0.0,
            service_s=int(service[i]),
            tw_start_s=int(tw[i, 0]),
            tw_end_s=int(tw[i, 1]),
            mandatory=bool(prize[i] == 0),
            penalty=float(prize[i]),
            release_s=int(release[i]),
        )
        for i in range(1, n)
    )
    vehicles = int(data.get("vehicles", n - 1))
    capacity = np.broadcast_to(np.asarray(data.get("capacity", demand.sum() + 1), dtype=float), vehicles)
    fixed = np.broadcast_to(data.get("vehicles_fixed_cost", 0), vehicles)
    unit = np.broadcast_to(data.get("vehicles_unit_distance_cost", 1), vehicles)
    single = family in SINGLE_TRIP
    groups: dict[tuple[float, float, float], int] = {}
    for key in zip(capacity.tolist(), np.asarray(fixed).tolist(), np.asarray(unit).tolist(), strict=True):
        groups[key] = groups.get(key, 0) + 1
    types = tuple(
        VehicleType(
            name=f"type{t + 1}" if len(groups) > 1 else "vehicle",
            count=count,
            capacity_kg=cap,
            capacity_m3=math.inf,
            shift_start_s=opens,
            shift_end_s=closes,
            start_depot="depot",
            fixed_cost=float(fix) * dist_scale,  # in the units of distance x unit cost
            cost_per_km=1000.0 * float(per_unit),  # one cost unit per distance unit
            max_collected_kg=cap if single else None,
        )
        for t, ((cap, fix, per_unit), count) in enumerate(groups.items())
    )
    problem = Problem(
        depots=(Depot("depot", 0, opens, closes),),
        disposal_sites=(DisposalSite("unload", 0, opens, closes, 0),),
        stops=stops,
        vehicle_types=types,
        distance_m=dist,
        duration_s=dur,
        coords_deg=None,
        name=name,
    )
    return problem, scale


def read_instance(path: str | Path, family: str | None = None, objective: str | None = None) -> Instance:
    """Read a VRPLIB instance of a standard family or a city day, with its best-known cost if one is beside it.

    Parameters
    ----------
    path
        The ``.vrp`` file, or a ``.txt`` file of the WCVRPTW family (:mod:`routing.bench.kim`).
    family
        The family; by default the file's ``TYPE`` (an exported city day is recognised by its distance section).
    objective
        ``vehicles`` or ``distance`` (:mod:`routing.objectives`) instead of the family's own costs; the best-known
        cost is then dropped, since it was found for the family's objective (WCVRPTW reads its own).

    Raises
    ------
    BenchInputError
        When the file cannot be read or its family is not supported.
    """
    import vrplib

    from routing.bench.city import problem_from_city

    path = Path(path)
    if family == WCVRPTW or (family is None and path.suffix.lower() == ".txt"):
        return read_wcvrptw(path, objective)
    try:
        data = vrplib.read_instance(path)
    except (OSError, ValueError, KeyError, IndexError) as exc:
        msg = f"{path}: not a readable VRPLIB instance ({exc})"
        raise BenchInputError(msg) from exc
    name = str(data.get("name", path.stem)).strip()
    if family is None:
        family = CITY if "distance" in data else str(data.get("type", "")).strip().upper()
    if family == CITY:
        return _with_objective(
            Instance(name, CITY, problem_from_city(data, name), 1.0, _bks_csv(path, name), path), objective
        )
    if family not in ROUNDING:
        msg = f"{path}: family {family!r} not supported; supported: {', '.join([*ROUNDING, CITY, WCVRPTW])}"
        raise BenchInputError(msg)
    problem, scale = problem_from_vrplib(data, family, name)
    best = _bks_csv(path, name)
    sol = path.with_suffix(".sol")
    if best is None and sol.exists():
        cost = vrplib.read_solution(sol).get("cost")
        if cost is not None:
            best = float(cost) / _SOL_SCALE.get(family, 1.0)
    return _with_objective(Instance(name, family, problem, scale, best, path), objective)


def _with_objective(instance: Instance, objective: str | None) -> Instance:
    """``instance`` with its costs set for ``objective`` (and no best-known cost), or unchanged for ``None``."""
    if objective is None:
        return instance
    from routing.objectives import apply_objective

    try:
        problem = apply_objective(instance.problem, objective)
    except ValueError as exc:
        raise BenchInputError(str(exc)) from exc
    return replace(instance, problem=problem, best_known=None, objective=objective)


def read_wcvrptw(path: str | Path, objective: str | None = None) -> Instance:
    """A WCVRPTW instance (Kim et al. 2006) for ``objective`` (fewest vehicles, then miles, by default).

    Its costs are in miles (plus a large fixed cost per truck in the ``vehicles`` objective); the best-known cost is
    the lowest published distance in the ``distance`` objective, and none in the ``vehicles`` objective, whose
    comparison takes two numbers (see :func:`routing.bench.kim.published_best`).
    """
    from routing.bench.kim import DEFAULT_OBJECTIVE, UNITS_PER_MILE, published_best, read_kim

    path = Path(path)
    objective = objective or DEFAULT_OBJECTIVE
    try:
        problem = read_kim(path, objective=objective)
    except ValueError as exc:
        raise BenchInputError(str(exc)) from exc
    published = published_best(path)
    best = published.lowest_miles if published is not None and objective == "distance" else None
    return Instance(path.stem, WCVRPTW, problem, 1.0, best, path, UNITS_PER_MILE, "mi", objective)


def _bks_csv(path: Path, name: str) -> float | None:
    """The best-known cost of ``name`` from a ``bks.csv`` beside the file or one folder up, if any."""
    for folder in (path.parent, path.parent.parent):
        table = folder / "bks.csv"
        if not table.exists():
            continue
        with table.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row.get("instance", "").strip() != name:
                    continue
                for column in ("bks_cost", "bks", "best_known", "cost"):
                    if row.get(column, "").strip():
                        return float(row[column])
    return None


def family_violations(instance: Instance, solution: Solution) -> list[Violation]:
    """Rules of the family that the problem does not state: single-trip families allow one unloading per route."""
    if instance.family not in SINGLE_TRIP:
        return []
    return [
        Violation("single_trip", f"{route.disposal_trips()} unloadings; the family allows one trip per vehicle", r)
        for r, route in enumerate(solution.routes)
        if route.disposal_trips() > 1
    ]


def _leading_number(stem: str) -> float:
    digits = re.match(r"\d+", stem)
    return float(digits.group()) if digits else math.inf


def find_instances(data_dir: str | Path, family: str, names: list[str] | None = None) -> list[Path]:
    """The ``.vrp`` files (WCVRPTW: ``.txt``) of ``family`` under ``data_dir`` (or ``data_dir/family`` if it exists).

    Raises
    ------
    BenchInputError
        When the folder or a named instance is missing.
    """
    root = Path(data_dir)
    folder = root / family if (root / family).is_dir() else root
    if not folder.is_dir():
        msg = f"no instance folder {folder}"
        raise BenchInputError(msg)
    suffix = ".txt" if family == WCVRPTW else ".vrp"
    if not names:
        # Sorted by size where names carry it (102_stop before 1051_stop), else by name.
        return sorted(folder.glob(f"*{suffix}"), key=lambda p: (_leading_number(p.stem), p.stem))
    paths = [folder / f"{n.removesuffix(suffix)}{suffix}" for n in names]
    absent = [str(p.name) for p in paths if not p.exists()]
    if absent:
        msg = f"{folder}: no instance {', '.join(absent)}"
        raise BenchInputError(msg)
    return paths
