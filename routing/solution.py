"""A solution of a :class:`~routing.problem.Problem`: one route per truck used, each a timed sequence of visits.

Solutions answer questions (:meth:`Solution.cost`, :meth:`Solution.distance_m`, :meth:`Solution.disposal_trips`)
rather than expose raw arrays. They are plain data: any solver can build one, and :func:`routing.check.check`
judges it against its problem without trusting anything the solver computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

import pandas as pd

from routing.problem import Problem

#: What a visit is: the start or end at a depot, a bin, or an unloading at a disposal site.
VisitKind = Literal["depot", "stop", "disposal"]

#: Why a mandatory stop was not served.
REASONS: dict[str, str] = {
    "no_vehicle": "no truck in the fleet collects its stream",
    "no_disposal": "no disposal site accepts its stream, and trucks must end the day empty",
    "capacity": "its waste alone exceeds the capacity of every truck that may collect it",
    "time_window": "its collection window cannot be reached within any compatible truck's shift",
    "shift_length": "a round trip to it (depot, bin, disposal site, depot) is longer than any compatible shift",
    "fleet": "the search left it out (not yet compared with a bound of the fleet's hours)",
    "hours": "the trucks that collect its stream cannot do every must-go bin: a lower bound of the work exceeds "
    "their hours",
    "search": "the search did not place it, although by a lower bound the trucks had the hours for every must-go bin",
    "time_limit": "the solver's time ran out before it could place it: give it more time (--time-limit)",
}


@dataclass(frozen=True, slots=True)
class Visit:
    """One visit of a route.

    Attributes
    ----------
    kind
        ``"depot"`` (first and last visit), ``"stop"`` or ``"disposal"``.
    index
        Position in ``problem.depots``, ``problem.stops`` or ``problem.disposal_sites`` by ``kind``.
    arrival_s
        When the truck gets there (s from midnight); for the first visit, its departure.
    start_s
        Start of service or unloading (s), after any wait for the window.
    departure_s
        When the truck leaves (s): ``start_s`` plus the service or unloading time.
    load_kg, load_m3
        Load on board after the visit (kg, body m3 after packing); zero after an unloading.
    """

    kind: VisitKind
    index: int
    arrival_s: int
    start_s: int
    departure_s: int
    load_kg: float = 0.0
    load_m3: float = 0.0


@dataclass(frozen=True, slots=True)
class Route:
    """The day of one truck: ``visits`` from its start depot to its end depot.

    Attributes
    ----------
    vehicle_type
        Index in ``problem.vehicle_types``.
    vehicle
        Which truck of that type (0 to ``count - 1``).
    visits
        First and last are depot visits; in between, stops and disposal visits in order.
    break_start_s
        Start of the driver's break (s), or ``None`` when the type has none.
    """

    vehicle_type: int
    vehicle: int
    visits: tuple[Visit, ...]
    break_start_s: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "visits", tuple(self.visits))

    def stops(self) -> list[int]:
        """Stop indices in visiting order."""
        return [v.index for v in self.visits if v.kind == "stop"]

    def disposal_trips(self) -> int:
        """Number of unloadings."""
        return sum(v.kind == "disposal" for v in self.visits)

    def locations(self, problem: Problem) -> list[int]:
        """Matrix rows of the visits in order."""
        places = {"depot": problem.depots, "stop": problem.stops, "disposal": problem.disposal_sites}
        return [places[v.kind][v.index].location for v in self.visits]

    def distance_m(self, problem: Problem) -> int:
        """Distance driven (m)."""
        locs = self.locations(problem)
        return int(sum(problem.distance_m[a, b] for a, b in pairwise(locs)))

    def duration_s(self) -> int:
        """Departure from the depot to return to it (s)."""
        return self.visits[-1].arrival_s - self.visits[0].departure_s

    def cost(self, problem: Problem) -> float:
        """Fixed, distance and time cost of the route (currency)."""
        vt = problem.vehicle_types[self.vehicle_type]
        km, hours = self.distance_m(problem) / 1000, self.duration_s() / 3600
        return vt.fixed_cost + vt.cost_per_km * km + vt.cost_per_h * hours


@dataclass(frozen=True, slots=True)
class Unserved:
    """A mandatory stop that could not be served, with the reason (a key of :data:`REASONS`) and details."""

    stop: int
    reason: str
    detail: str = ""

    def describe(self, problem: Problem) -> str:
        """One line for a report: bin id, reason in words, details."""
        text = f"{problem.stops[self.stop].id}: {REASONS.get(self.reason, self.reason)}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass(frozen=True, slots=True, eq=False)
class Solution:
    """Routes for a problem, and the mandatory stops that could not be served.

    Attributes
    ----------
    problem
        The problem solved.
    routes
        One route per truck used; trucks not listed stay at the depot.
    unserved
        Mandatory stops left out, each with its reason.
    """

    problem: Problem
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "routes", tuple(self.routes))
        object.__setattr__(self, "unserved", tuple(self.unserved))

    def __iter__(self) -> Iterator[Route]:
        return iter(self.routes)

    def served(self) -> set[int]:
        """Indices of the stops visited."""
        return {s for r in self.routes for s in r.stops()}

    def skipped_optional(self) -> list[int]:
        """Optional stops left for another day."""
        served = self.served()
        return [i for i, s in enumerate(self.problem.stops) if not s.mandatory and i not in served]

    def distance_m(self) -> int:
        """Total distance driven (m)."""
        return sum(r.distance_m(self.problem) for r in self.routes)

    def duration_s(self) -> int:
        """Total route duration over all trucks (s)."""
        return sum(r.duration_s() for r in self.routes)

    def disposal_trips(self) -> int:
        """Total unloadings at disposal sites."""
        return sum(r.disposal_trips() for r in self.routes)

    def collected_kg(self) -> float:
        """Waste collected (kg)."""
        return sum(self.problem.stops[s].weight_kg for s in self.served())

    def penalty(self) -> float:
        """Penalties of the optional stops left out (currency)."""
        return sum(self.problem.stops[i].penalty for i in self.skipped_optional())

    def cost(self) -> float:
        """Route costs plus penalties of optional stops left out (currency)."""
        return sum(r.cost(self.problem) for r in self.routes) + self.penalty()

    def summary(self) -> str:
        """A few lines for people: trucks, bins, km, hours, unloadings, cost, unserved must-go bins."""
        p = self.problem
        mandatory = sum(s.mandatory for s in p.stops)
        lines = [
            f"trucks used      {len(self.routes)} of {p.num_vehicles}",
            f"bins collected   {len(self.served())} of {p.num_stops} ({mandatory} must-go)",
            f"distance         {self.distance_m() / 1000:.1f} km",
            f"driving day      {self.duration_s() / 3600:.1f} truck-hours",
            f"disposal trips   {self.disposal_trips()}",
            f"waste collected  {self.collected_kg() / 1000:.2f} t",
            f"cost             {self.cost():.2f} (of which penalties {self.penalty():.2f})",
        ]
        if self.unserved:
            lines.append(f"must-go bins not served: {len(self.unserved)}")
            lines += [f"  {u.describe(p)}" for u in self.unserved]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Every visit as a row: the data of route sheets.

        Columns: ``route``, ``vehicle_type`` (name), ``vehicle``, ``seq``, ``kind``, ``id`` (depot, bin or site id),
        ``location``, ``arrival_s``, ``start_s``, ``departure_s``, ``load_kg``, ``load_m3``.
        """
        p = self.problem
        places = {"depot": p.depots, "stop": p.stops, "disposal": p.disposal_sites}
        rows = [
            {
                "route": r_i,
                "vehicle_type": p.vehicle_types[r.vehicle_type].name,
                "vehicle": r.vehicle,
                "seq": seq,
                "kind": v.kind,
                "id": places[v.kind][v.index].id,
                "location": places[v.kind][v.index].location,
                "arrival_s": v.arrival_s,
                "start_s": v.start_s,
                "departure_s": v.departure_s,
                "load_kg": v.load_kg,
                "load_m3": v.load_m3,
            }
            for r_i, r in enumerate(self.routes)
            for seq, v in enumerate(r.visits)
        ]
        columns = ["route", "vehicle_type", "vehicle", "seq", "kind", "id", "location"]
        columns += ["arrival_s", "start_s", "departure_s", "load_kg", "load_m3"]
        return pd.DataFrame(rows, columns=columns)
