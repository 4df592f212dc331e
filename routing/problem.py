"""The solver-neutral collection problem: stops, vehicles, depots, disposal sites and the travel matrices.

A :class:`Problem` describes one plan day completely and immutably, in the spirit of PyVRP's ``ProblemData``: every
solver backend reads it, the checker (:mod:`routing.check`) judges solutions against it, and the VRPLIB export writes
it. It holds plain frozen dataclasses and two integer matrices; it knows nothing about any solver.

Conventions
-----------
Locations
    Every depot, disposal site and stop names a ``location``: a row of the matrices. Several objects may share a
    location (two bins on one pole).
Times
    Integer seconds from midnight, local time, of the plan day. Values up to :data:`HORIZON_S` (two days) are allowed
    so that a night shift may run past midnight. A stop's window bounds the *start* of its service (the VRPTW
    convention); a disposal site's opening hours bound the whole unloading: it starts at or after ``opens_s`` and ends
    by ``closes_s``.
Loads
    A stop's ``weight_kg`` is what the truck picks up there. Its ``volume_m3`` is the *loose* volume of that waste:
    the volume it would fill without any packing. A compactor bin already packs its waste ``compaction_ratio`` times,
    so its loose volume is its fill times its size times that ratio. A truck whose packer compacts ``r`` times holds
    ``volume_m3 / max(r, stop.compaction_ratio)`` of body volume for the stop (:meth:`VehicleType.truck_volume_m3`):
    a packer cannot squeeze waste that is already denser than it can make it. Truck capacities are body volume.
Costs
    In the city's currency: ``fixed_cost`` per truck used per day, ``cost_per_km`` of distance driven and
    ``cost_per_h`` of route duration (depot departure to depot return, waiting and unloading included). An optional
    stop left out costs its ``penalty``: the value of the later visit it would save.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


#: Seconds in a day.
DAY_S = 86_400
#: Latest time any window may reach: two days, so that night shifts can cross midnight.
HORIZON_S = 2 * DAY_S


def _check_window(owner: str, start: int, end: int) -> None:
    if not 0 <= start <= end <= HORIZON_S:
        msg = f"{owner}: window [{start}, {end}] s must satisfy 0 <= start <= end <= {HORIZON_S}"
        raise ValueError(msg)


def _streams(value: Iterable[str] | str) -> frozenset[str]:
    if isinstance(value, str):
        value = value.split(";")
    return frozenset(s.strip() for s in value if s.strip())


@dataclass(frozen=True, slots=True)
class Stop:
    """A bin to empty today.

    Attributes
    ----------
    id
        The bin's id, for route sheets and reports.
    location
        Row of the problem's matrices.
    weight_kg
        Waste picked up at the visit (kg).
    volume_m3
        Loose volume of that waste (m3); see the module docstring.
    service_s
        Time to empty the bin (s).
    tw_start_s, tw_end_s
        Earliest and latest start of service (s from midnight).
    stream
        Waste stream (``general``, ``recycling``, ``organic``, ...).
    mandatory
        A must-go bin: it has to be served today, or reported as unserved with a reason.
    penalty
        Cost of leaving an optional bin for another day (currency); ignored for a mandatory one.
    compaction_ratio
        How many times the bin itself packs its waste (1 for a plain bin, about 5 for a solar compactor).
    release_s
        Earliest departure (s from midnight) of the trip that serves the stop, from the depot or from the disposal
        site of the unloading before it; 0 for none. Collection days never need it; the multi-trip benchmark family
        (goods ready at the depot at a release time) does.
    """

    id: str
    location: int
    weight_kg: float
    volume_m3: float
    service_s: int = 0
    tw_start_s: int = 0
    tw_end_s: int = HORIZON_S
    stream: str = "general"
    mandatory: bool = True
    penalty: float = 0.0
    compaction_ratio: float = 1.0
    release_s: int = 0

    def __post_init__(self) -> None:
        if self.weight_kg < 0 or self.volume_m3 < 0 or not (math.isfinite(self.weight_kg + self.volume_m3)):
            msg = f"stop {self.id}: weight_kg={self.weight_kg} and volume_m3={self.volume_m3} must be finite and >= 0"
            raise ValueError(msg)
        if self.service_s < 0:
            msg = f"stop {self.id}: service_s={self.service_s} must be >= 0"
            raise ValueError(msg)
        if self.penalty < 0 or not math.isfinite(self.penalty):
            msg = f"stop {self.id}: penalty={self.penalty} must be finite and >= 0"
            raise ValueError(msg)
        if self.compaction_ratio < 1:
            msg = f"stop {self.id}: compaction_ratio={self.compaction_ratio} must be >= 1"
            raise ValueError(msg)
        _check_window(f"stop {self.id}", self.tw_start_s, self.tw_end_s)
        if not 0 <= self.release_s <= HORIZON_S:
            msg = f"stop {self.id}: release_s={self.release_s} must be within [0, {HORIZON_S}]"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class Depot:
    """Where trucks start and end the day; ``opens_s``-``closes_s`` bounds departure and return (s)."""

    id: str
    location: int
    opens_s: int = 0
    closes_s: int = HORIZON_S

    def __post_init__(self) -> None:
        _check_window(f"depot {self.id}", self.opens_s, self.closes_s)


@dataclass(frozen=True, slots=True)
class DisposalSite:
    """A landfill, transfer station or waste-to-energy plant where trucks unload.

    Attributes
    ----------
    id, location
        Site id and matrix row.
    opens_s, closes_s
        Opening hours (s from midnight): an unloading starts at or after ``opens_s`` and ends by ``closes_s``.
    unload_s
        Time to weigh in and unload one truck (s).
    streams
        Streams the site accepts; a truck may unload here only if every stream it carries is accepted.
    """

    id: str
    location: int
    opens_s: int = 0
    closes_s: int = HORIZON_S
    unload_s: int = 0
    streams: frozenset[str] = field(default_factory=lambda: frozenset({"general"}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "streams", _streams(self.streams))
        _check_window(f"disposal site {self.id}", self.opens_s, self.closes_s)
        if self.unload_s < 0 or self.opens_s + self.unload_s > self.closes_s:
            msg = f"disposal site {self.id}: unload_s={self.unload_s} must be >= 0 and fit in the opening hours"
            raise ValueError(msg)
        if not self.streams:
            msg = f"disposal site {self.id}: accepts no stream"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class Break:
    """A driver break of ``duration_s`` that starts between ``earliest_start_s`` and ``latest_start_s``.

    The break is taken while the truck waits between two visits, or at the depot before departure or after return;
    it may not interrupt a service or an unloading. A route that runs through the whole window must take it on the
    road.
    """

    duration_s: int
    earliest_start_s: int
    latest_start_s: int

    def __post_init__(self) -> None:
        if self.duration_s <= 0:
            msg = f"break duration_s={self.duration_s} must be > 0"
            raise ValueError(msg)
        _check_window("break", self.earliest_start_s, self.latest_start_s)


@dataclass(frozen=True, slots=True)
class VehicleType:
    """``count`` identical trucks.

    Attributes
    ----------
    name
        Name of the type, for reports.
    count
        Trucks available.
    capacity_kg, capacity_m3
        Legal payload (kg) and body volume (m3); ``math.inf`` when a limit does not apply.
    compaction_ratio
        Volume reduction of the truck's packer (1 for an open tipper).
    shift_start_s, shift_end_s
        Earliest departure and latest return (s from midnight).
    start_depot, end_depot
        Depot ids; ``end_depot`` ``None`` means back to ``start_depot`` (see :attr:`return_depot`).
    fixed_cost, cost_per_km, cost_per_h
        Cost per truck used (currency/day), per km driven, per hour of route duration.
    streams
        Streams the truck may collect.
    max_duration_s
        Longest route, departure to return (s); ``None`` for the shift length only.
    driver_break
        A break every route of this type takes, or ``None``.
    max_stops
        Most bins one truck may empty in a day, or ``None``.
    max_collected_kg, max_collected_m3
        Most waste one truck may collect in a day over all its trips (kg, body m3), or ``None``. Unlike the capacity,
        these do not reset when the truck unloads.
    ends_at_disposal
        Every route of this type ends with an unloading at a disposal site, then the depot (the truck comes home
        empty even when its last bins weigh nothing). ``False`` keeps the weaker rule every truck follows: nothing
        on board at the return.
    """

    name: str
    count: int
    capacity_kg: float
    capacity_m3: float
    shift_start_s: int
    shift_end_s: int
    start_depot: str
    end_depot: str | None = None
    compaction_ratio: float = 1.0
    fixed_cost: float = 0.0
    cost_per_km: float = 0.0
    cost_per_h: float = 0.0
    streams: frozenset[str] = field(default_factory=lambda: frozenset({"general"}))
    max_duration_s: int | None = None
    driver_break: Break | None = None
    max_stops: int | None = None
    max_collected_kg: float | None = None
    max_collected_m3: float | None = None
    ends_at_disposal: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "streams", _streams(self.streams))
        who = f"vehicle type {self.name}"
        if self.count < 0:
            msg = f"{who}: count={self.count} must be >= 0"
            raise ValueError(msg)
        if not (self.capacity_kg > 0 and self.capacity_m3 > 0):
            msg = f"{who}: capacity_kg={self.capacity_kg} and capacity_m3={self.capacity_m3} must be > 0"
            raise ValueError(msg)
        if self.compaction_ratio < 1:
            msg = f"{who}: compaction_ratio={self.compaction_ratio} must be >= 1"
            raise ValueError(msg)
        _check_window(who, self.shift_start_s, self.shift_end_s)
        costs = (self.fixed_cost, self.cost_per_km, self.cost_per_h)
        if any(c < 0 or not math.isfinite(c) for c in costs):
            msg = f"{who}: costs {costs} must be finite and >= 0"
            raise ValueError(msg)
        if self.max_duration_s is not None and self.max_duration_s <= 0:
            msg = f"{who}: max_duration_s={self.max_duration_s} must be > 0"
            raise ValueError(msg)
        for name in ("max_stops", "max_collected_kg", "max_collected_m3"):
            value = getattr(self, name)
            if value is not None and value < 0:
                msg = f"{who}: {name}={value} must be >= 0"
                raise ValueError(msg)
        if not self.streams:
            msg = f"{who}: serves no stream"
            raise ValueError(msg)

    def truck_volume_m3(self, stop: Stop) -> float:
        """Body volume (m3) the waste of ``stop`` takes in this truck once packed."""
        return stop.volume_m3 / max(self.compaction_ratio, stop.compaction_ratio)

    @property
    def return_depot(self) -> str:
        """Id of the depot the truck ends its day at."""
        return self.start_depot if self.end_depot is None else self.end_depot

    @property
    def latest_return_s(self) -> int:
        """Latest return to the depot allowed by the shift and the maximum duration together (s)."""
        if self.max_duration_s is None:
            return self.shift_end_s
        return min(self.shift_end_s, self.shift_start_s + self.max_duration_s)


@dataclass(frozen=True, slots=True, eq=False)
class Problem:
    """One day's collection problem, immutable and solver-neutral.

    Parameters
    ----------
    depots, disposal_sites, stops, vehicle_types
        The parts of the problem; ids must be unique within each kind.
    distance_m
        Road distance (m) from every location to every other, square int64 array.
    duration_s
        Driving time (s) between the same locations.
    coords_deg
        Optional ``(latitude, longitude)`` of each location (degrees), for maps and exports.
    name
        Name of the instance (city and date), for reports and exports.

    Raises
    ------
    ValueError
        When a matrix has the wrong shape or a negative entry, a location is out of range, an id repeats, or a
        vehicle names an unknown depot.
    """

    depots: tuple[Depot, ...]
    disposal_sites: tuple[DisposalSite, ...]
    stops: tuple[Stop, ...]
    vehicle_types: tuple[VehicleType, ...]
    distance_m: np.ndarray
    duration_s: np.ndarray
    coords_deg: np.ndarray | None = None
    name: str = ""

    def __post_init__(self) -> None:
        for name in ("depots", "disposal_sites", "stops", "vehicle_types"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        dist = _frozen_matrix("distance_m", self.distance_m)
        dur = _frozen_matrix("duration_s", self.duration_s)
        if dist.shape != dur.shape:
            msg = f"distance_m {dist.shape} and duration_s {dur.shape} must have the same shape"
            raise ValueError(msg)
        object.__setattr__(self, "distance_m", dist)
        object.__setattr__(self, "duration_s", dur)
        n = dist.shape[0]
        if self.coords_deg is not None:
            coords = np.array(self.coords_deg, dtype=float)
            if coords.shape != (n, 2):
                msg = f"coords_deg must have shape ({n}, 2), got {coords.shape}"
                raise ValueError(msg)
            coords.flags.writeable = False
            object.__setattr__(self, "coords_deg", coords)
        for kind, items in (("depot", self.depots), ("disposal site", self.disposal_sites), ("stop", self.stops)):
            ids = [item.id for item in items]
            if len(set(ids)) != len(ids):
                msg = f"{kind} ids must be unique"
                raise ValueError(msg)
            for item in items:
                if not 0 <= item.location < n:
                    msg = f"{kind} {item.id}: location {item.location} outside the {n} matrix rows"
                    raise ValueError(msg)
        if not self.depots:
            msg = "a problem needs at least one depot"
            raise ValueError(msg)
        known = {d.id for d in self.depots}
        for vt in self.vehicle_types:
            for depot in (vt.start_depot, vt.return_depot):
                if depot not in known:
                    msg = f"vehicle type {vt.name}: unknown depot {depot!r}; known: {', '.join(sorted(known))}"
                    raise ValueError(msg)

    # -- sizes -------------------------------------------------------------------------------------------------

    @property
    def num_locations(self) -> int:
        """Rows of the matrices."""
        return int(self.distance_m.shape[0])

    @property
    def num_stops(self) -> int:
        """Bins to consider today."""
        return len(self.stops)

    @property
    def num_vehicles(self) -> int:
        """Trucks available, over all types."""
        return sum(vt.count for vt in self.vehicle_types)

    # -- look-ups ----------------------------------------------------------------------------------------------

    def depot_index(self, depot_id: str) -> int:
        """Position of the depot called ``depot_id`` in :attr:`depots`."""
        for i, depot in enumerate(self.depots):
            if depot.id == depot_id:
                return i
        msg = f"unknown depot {depot_id!r}"
        raise KeyError(msg)

    def vehicles(self) -> list[tuple[int, int]]:
        """Every truck as ``(vehicle type index, index within the type)``, types in order."""
        return [(t, k) for t, vt in enumerate(self.vehicle_types) for k in range(vt.count)]

    def compatible_types(self, stop: int) -> list[int]:
        """Vehicle types allowed to collect stop ``stop`` (they serve its stream)."""
        stream = self.stops[stop].stream
        return [t for t, vt in enumerate(self.vehicle_types) if stream in vt.streams and vt.count > 0]

    def replace(self, **changes: Any) -> Problem:
        """A copy with some fields replaced (validated again)."""
        return replace(self, **changes)

    @classmethod
    def from_frames(
        cls,
        sites: pd.DataFrame,
        bins: pd.DataFrame,
        fleet: pd.DataFrame,
        visits: pd.DataFrame,
        **kwargs: Any,
    ) -> Problem:
        """Build a problem from the project's tables; see :func:`routing.frames.problem_from_frames`."""
        from routing.frames import problem_from_frames

        return problem_from_frames(sites, bins, fleet, visits, **kwargs)


def _frozen_matrix(name: str, value: np.ndarray) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        msg = f"{name} must be a square matrix, got shape {arr.shape}"
        raise ValueError(msg)
    if not np.issubdtype(arr.dtype, np.integer):
        msg = f"{name} must hold integers, got dtype {arr.dtype}"
        raise ValueError(msg)
    if arr.size and arr.min() < 0:
        msg = f"{name} must not hold negative values"
        raise ValueError(msg)
    arr = np.array(arr, dtype=np.int64)
    arr.flags.writeable = False
    return arr
