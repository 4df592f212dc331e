"""Read the real waste-collection instances of Kim, Kim & Sahoo (2006), the WCVRPTW family, as a Problem.

Format (plain text, whitespace separated, see the folder's README): five header lines, each a number followed by a
``//`` comment (vehicle capacity in cubic yards, yards a vehicle may collect per day, regular stops per vehicle per
day, lunch duration in s, speed in mph); a header row of column names (skipped: the names contain spaces); then one
row per location: ``id x_ft y_ft earliest_HHMM latest_HHMM service_s load_yd type`` with type 0 for the depot, 1 for
a customer and 2 for a disposal facility. Ids may be any token (some files keep the original customer ids), lines
may end in CRLF, columns may be separated by tabs, with empty tab-separated columns, and HHMM may lack its leading
zeros (``600`` is 06:00). A few windows in the published files carry minutes past 59 (``0775``, ``1675``); the
minutes are carried into the hours (``0775`` is 08:15), and ``2400`` is midnight at the end of the day.

Mapping onto the :class:`~routing.problem.Problem`:

* travel as the authors prescribe: the Manhattan distance in feet, in miles (/5280), driven at the file's speed.
  Distances are kept in hundredths of a foot (exact for coordinates with two decimals); driving times are rounded
  *up* to whole seconds, so that a route the checker accepts is feasible under the unrounded times too;
* loads stay in cubic yards, in the problem's volume fields (``volume_m3``, ``capacity_m3``,
  ``max_collected_m3``: for this family their unit is the yard, as the standard families put unit-free demands in
  ``weight_kg``). Converting to m3 would make every load a non-round number, and the solver's integer units would
  then refuse routes that fill a truck exactly (two 6-yd bins in a 12-yd day); weight is not limited;
* one homogeneous fleet: the vehicle capacity resets at each unloading, the daily yardage limit
  (``max_collected_m3``) and the stop limit (``max_stops``) do not; the shift is the depot's operating window; a lunch
  break of the file's duration starting between 11:00 and 12:00; every route ends with an unloading, then the depot;
* disposal facilities: their window bounds the start of the unloading, their service time is the unloading time;
* the fleet is large enough never to bind (:func:`fleet_size`); the objective decides how many trucks are used.

The distance cost is one unit per mile, so a problem cost in the ``distance`` objective is the miles driven.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routing.bench.errors import BenchInputError
from routing.objectives import apply_objective
from routing.problem import Break, Depot, DisposalSite, Problem, Stop, VehicleType

#: Family name of these instances in ``waste bench``.
FAMILY = "WCVRPTW"
#: Feet in a mile.
FEET_PER_MILE = 5280
#: Distance units of the matrix per foot.
UNITS_PER_FOOT = 100
#: Distance units of the matrix per mile.
UNITS_PER_MILE = FEET_PER_MILE * UNITS_PER_FOOT
#: The lunch break starts between these times (s from midnight).
LUNCH_WINDOW_S = (11 * 3600, 12 * 3600)
#: Objective of the family unless told otherwise: fewest vehicles, then distance (Kim et al.'s ranking).
DEFAULT_OBJECTIVE = "vehicles"

_HEADER_FIELDS = (
    "vehicle capacity (yd3)",
    "daily yardage per vehicle (yd3)",
    "stops per vehicle per day",
    "lunch duration (s)",
    "speed (mph)",
)
_ROW_FIELDS = ("stop id", "x (ft)", "y (ft)", "earliest start (HHMM)", "latest start (HHMM)", "service (s)", "load")


@dataclass(frozen=True, slots=True)
class KimRow:
    """One location row: id, coordinates (ft), window (s from midnight), service (s), load (yd3), type (0, 1, 2)."""

    id: str
    x_ft: float
    y_ft: float
    earliest_s: int
    latest_s: int
    service_s: int
    load_yd3: float
    kind: int


@dataclass(frozen=True, slots=True)
class KimData:
    """A parsed file: the header's limits and the rows in file order."""

    vehicle_capacity_yd3: float
    route_capacity_yd3: float
    max_stops: int
    lunch_s: int
    speed_mph: float
    rows: tuple[KimRow, ...]

    def distances_ft(self) -> np.ndarray:
        """Manhattan distances between all rows (ft), as the authors prescribe."""
        xy = np.array([(r.x_ft, r.y_ft) for r in self.rows], dtype=float)
        return np.abs(xy[:, None, 0] - xy[None, :, 0]) + np.abs(xy[:, None, 1] - xy[None, :, 1])

    def travel_s(self, distance_ft: np.ndarray | float) -> np.ndarray | float:
        """Driving time (s, unrounded) over ``distance_ft`` feet at the file's speed."""
        return np.asarray(distance_ft) / FEET_PER_MILE / self.speed_mph * 3600


def _fail(source: str, line: int, field: str, reason: str) -> BenchInputError:
    return BenchInputError(f"{source}, line {line}, field {field}: {reason}")


def _number(text: str, source: str, line: int, field: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _fail(source, line, field, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise _fail(source, line, field, f"{text!r} is not finite")
    return value


def hhmm_s(text: str, source: str = "<text>", line: int = 0, field: str = "time") -> int:
    """Seconds from midnight of an ``HHMM`` time with or without leading zeros (``600`` is 06:00, ``2400`` midnight).

    Minutes past 59 are carried into the hours (``0775`` is 08:15), as a few published windows need.
    """
    if not re.fullmatch(r"\d{1,4}", text):
        raise _fail(source, line, field, f"{text!r} is not an HHMM time")
    value = int(text)
    hours, minutes = divmod(value, 100)
    seconds = hours * 3600 + minutes * 60
    if seconds > 24 * 3600 + 3600:
        raise _fail(source, line, field, f"{text!r} is past the end of the day")
    return seconds


def parse_kim(text: str, source: str = "<text>") -> KimData:
    """Parse the text of a WCVRPTW file (see the module docstring).

    Raises
    ------
    BenchInputError
        Naming the source, the line and the field, when a value is missing or wrong, an id repeats, or there is not
        exactly one depot and at least one disposal facility.
    """
    lines = text.splitlines()
    header: list[float] = []
    for k, field in enumerate(_HEADER_FIELDS):
        words = lines[k].split() if k < len(lines) else []
        if not words or words[0].startswith("//"):
            raise _fail(source, k + 1, field, "missing")
        header.append(_number(words[0], source, k + 1, field))
    cap, route_cap, max_stops, lunch, speed = header
    for k, value in ((0, cap), (1, route_cap), (4, speed)):
        if value <= 0:
            raise _fail(source, k + 1, _HEADER_FIELDS[k], f"{value:g} must be > 0")
    for k, value in ((2, max_stops), (3, lunch)):
        if value < 0 or value != int(value):
            raise _fail(source, k + 1, _HEADER_FIELDS[k], f"{value:g} must be a whole number >= 0")
    rows: list[KimRow] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(lines[6:], start=7):
        words = raw.split()
        if not words:
            continue
        if len(words) < 8:
            field = (*_ROW_FIELDS, "type")[len(words)]
            raise _fail(source, n, field, f"missing: {len(words)} of 8 columns")
        rows.append(_row(words, source, n))
        if rows[-1].id in seen:
            raise _fail(source, n, "stop id", f"{rows[-1].id!r} already on line {seen[rows[-1].id]}")
        seen[rows[-1].id] = n
    depots = [r for r in rows if r.kind == 0]
    if len(depots) != 1:
        raise _fail(source, len(lines), "type", f"{len(depots)} depot rows (type 0); exactly one is needed")
    if not any(r.kind == 2 for r in rows):
        raise _fail(source, len(lines), "type", "no disposal facility (type 2)")
    return KimData(cap, route_cap, int(max_stops), int(lunch), speed, tuple(rows))


def _row(words: list[str], source: str, n: int) -> KimRow:
    x = _number(words[1], source, n, "x (ft)")
    y = _number(words[2], source, n, "y (ft)")
    early = hhmm_s(words[3], source, n, "earliest start (HHMM)")
    late = hhmm_s(words[4], source, n, "latest start (HHMM)")
    if late < early:
        raise _fail(source, n, "latest start (HHMM)", f"{words[4]} is before the earliest start {words[3]}")
    service = _number(words[5], source, n, "service (s)")
    if service < 0 or service != int(service):
        raise _fail(source, n, "service (s)", f"{words[5]} must be a whole number of seconds >= 0")
    load = _number(words[6], source, n, "load")
    kind = words[7]
    if kind not in {"0", "1", "2"}:
        raise _fail(source, n, "type", f"{kind!r} is not 0 (depot), 1 (customer) or 2 (disposal facility)")
    if kind == "1" and load < 0:
        raise _fail(source, n, "load", f"{words[6]} must be >= 0")
    return KimRow(words[0], x, y, early, late, int(service), load, int(kind))


def fleet_size(data: KimData) -> int:
    """Trucks offered to the solver: twice a lower bound on the trucks needed, plus two.

    The bound is the largest of three: the yards to collect over the daily yardage limit, the customers over the
    stop limit, and the service plus the shortest drive into every customer over the working day (the depot's
    window less lunch). Twice that leaves the objective, not the fleet, to decide; every published solution uses
    fewer trucks than this offers.
    """
    customers = [i for i, r in enumerate(data.rows) if r.kind == 1]
    depot = next(r for r in data.rows if r.kind == 0)
    load = sum(data.rows[i].load_yd3 for i in customers)
    by_load = math.ceil(load / data.route_capacity_yd3 - 1e-9)
    by_stops = math.ceil(len(customers) / data.max_stops) if data.max_stops > 0 else 0
    dist = data.distances_ft()
    np.fill_diagonal(dist, np.inf)
    nearest = dist[:, customers].min(axis=0) if len(data.rows) > 1 else np.zeros(len(customers))
    work = sum(data.rows[i].service_s for i in customers) + float(np.sum(data.travel_s(nearest)))
    day = max(1, depot.latest_s - depot.earliest_s - data.lunch_s)
    by_time = math.ceil(work / day)
    return 2 * max(by_load, by_stops, by_time, 1) + 2


def problem_from_kim(
    data: KimData, name: str, *, objective: str = DEFAULT_OBJECTIVE, fleet: int | None = None
) -> Problem:
    """The problem of a parsed file (see the module docstring), its costs set for ``objective``.

    Parameters
    ----------
    data
        The parsed file.
    name
        Instance name.
    objective
        ``vehicles`` (fewest trucks, then miles) or ``distance`` (miles only); see :mod:`routing.objectives`.
    fleet
        Trucks offered; :func:`fleet_size` by default.
    """
    rows = data.rows
    feet = data.distances_ft()
    distance = np.rint(feet * UNITS_PER_FOOT).astype(np.int64)
    duration = np.ceil(data.travel_s(feet) - 1e-9).astype(np.int64)
    depot_row = next(r for r in rows if r.kind == 0)
    depot = Depot(depot_row.id, rows.index(depot_row), depot_row.earliest_s, depot_row.latest_s)
    sites = tuple(
        DisposalSite(r.id, n, r.earliest_s, r.latest_s + r.service_s, r.service_s)
        for n, r in enumerate(rows)
        if r.kind == 2
    )
    stops = tuple(
        Stop(
            id=r.id,
            location=n,
            weight_kg=0.0,
            volume_m3=r.load_yd3,  # yards: see the module docstring
            service_s=r.service_s,
            tw_start_s=r.earliest_s,
            tw_end_s=r.latest_s,
        )
        for n, r in enumerate(rows)
        if r.kind == 1
    )
    vehicle = VehicleType(
        name="truck",
        count=fleet if fleet is not None else fleet_size(data),
        capacity_kg=math.inf,
        capacity_m3=data.vehicle_capacity_yd3,
        shift_start_s=depot.opens_s,
        shift_end_s=depot.closes_s,
        start_depot=depot.id,
        cost_per_km=1000 / UNITS_PER_MILE,  # one unit per mile
        driver_break=Break(data.lunch_s, *LUNCH_WINDOW_S) if data.lunch_s > 0 else None,
        max_stops=data.max_stops,
        max_collected_m3=data.route_capacity_yd3,
        ends_at_disposal=True,
    )
    problem = Problem(
        depots=(depot,),
        disposal_sites=sites,
        stops=stops,
        vehicle_types=(vehicle,),
        distance_m=distance,
        duration_s=duration,
        name=name,
    )
    return apply_objective(problem, objective)


def read_kim(path: str | Path, *, objective: str = DEFAULT_OBJECTIVE, fleet: int | None = None) -> Problem:
    """Read a WCVRPTW file as a problem; see :func:`problem_from_kim`.

    Raises
    ------
    BenchInputError
        When the file cannot be read or a line is malformed (naming the file, the line and the field).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{path}: cannot read ({exc})"
        raise BenchInputError(msg) from exc
    return problem_from_kim(parse_kim(text, str(path)), path.stem, objective=objective, fleet=fleet)


@dataclass(frozen=True, slots=True)
class Published:
    """Best published results of one instance (``bks.csv`` beside the files)."""

    fewest_vehicles: int
    miles_at_fewest: float
    lowest_miles: float
    vehicles_at_lowest: int | None


def published_best(path: str | Path) -> Published | None:
    """The row of ``bks.csv`` beside the instance file for its stem, if there is one.

    Raises
    ------
    BenchInputError
        When the row exists but a number in it cannot be read.
    """
    path = Path(path)
    table = path.parent / "bks.csv"
    if not table.exists():
        return None
    with table.open(newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            if row.get("instance", "").strip() != path.stem:
                continue
            try:
                at_lowest = re.match(r"\s*(\d+)", row.get("vehicles_at_lowest", ""))
                return Published(
                    int(row["fewest_vehicles"]),
                    float(row["distance_at_fewest_miles"]),
                    float(row["lowest_distance_miles"]),
                    int(at_lowest.group(1)) if at_lowest else None,
                )
            except (KeyError, ValueError) as exc:
                msg = f"{table}, line {n}: unreadable best published result ({exc})"
                raise BenchInputError(msg) from exc
    return None
