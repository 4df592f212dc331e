"""A hauler's routes on one day, and the marginal cost of inserting one more stop into them.

Each truck's route leaves the hauler's depot at the shift start, serves its stops in order (waiting for a stop's
window when early), unloads once at the hauler's disposal site and returns to the depot by the shift end; a route
holds at most the truck's loose volume. Travel comes from the project's matrices (:func:`routing.matrix.build_matrices`:
the haversine estimate by default, road distances when OSRM is configured), over the depot, the disposal site and
every stop of the day.

The marginal cost of a stop is the cheapest feasible insertion over every route and position (a new route when a
truck is free, which adds the truck's day cost): the change in ``cost_per_km * km + cost_per_h * hours`` of the
route, in the hauler's currency. Cheapest insertion is the classic constructive step of vehicle routing (Solomon
1987, "I1"); :mod:`routing.matching.schedule` re-solves the whole day with the solver once the day is final.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from routing.frames import hhmm_to_s
from routing.matrix import Matrices, build_matrices
from waste.matching.haulers import Hauler

#: Time to unload at the disposal site at the end of a route (s).
UNLOAD_S = 900
#: Half-width of the time window a hauler promises around its planned arrival (s): two hours in all.
WINDOW_HALF_S = 3600

MatrixFunction = Callable[[np.ndarray], Matrices]


def haversine_only(coords: np.ndarray) -> Matrices:
    """The project's straight-line estimate (circuity and speed defaults), not cached on disk."""
    return build_matrices(coords, cache_dir=None)


@dataclass(slots=True)
class DayStop:
    """A stop held in a hauler's day: its request, place, loose volume, service time and promised window (s)."""

    request_id: int
    lat: float
    lon: float
    volume_m3: float
    service_s: int
    window_start_s: int
    window_end_s: int


@dataclass(frozen=True, slots=True)
class Insertion:
    """Where a stop would go: route (``len(routes)`` for a new truck), position, arrival (s) and marginal cost."""

    route: int
    position: int
    arrival_s: int
    marginal_cost: float


@dataclass(slots=True)
class HaulerDay:
    """A hauler's stops and routes on one local date.

    ``routes`` lists, per truck used, indices into ``stops`` in visiting order.
    """

    hauler: Hauler
    date: str
    matrices: MatrixFunction = haversine_only
    stops: list[DayStop] = field(default_factory=list)
    routes: list[list[int]] = field(default_factory=list)
    _cache: tuple[int, Matrices] | None = None

    @property
    def shift_s(self) -> tuple[int, int]:
        """Shift start and end (s from midnight)."""
        return hhmm_to_s(self.hauler.shift_start) or 0, hhmm_to_s(self.hauler.shift_end) or 0

    @property
    def is_full(self) -> bool:
        """Whether the hauler's daily pickup capacity is used up."""
        return len(self.stops) >= int(self.hauler.max_pickups_per_day)

    def _matrix(self, extra: tuple[float, float] | None) -> Matrices:
        """Matrices over depot, disposal, stops (and ``extra`` last), reused while nothing changed."""
        points = [(self.hauler.depot_lat, self.hauler.depot_lon), (self.hauler.disposal_lat, self.hauler.disposal_lon)]
        points += [(s.lat, s.lon) for s in self.stops]
        if extra is not None:
            points.append(extra)
        key = hash(tuple(points))
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self.matrices(np.asarray(points, dtype=float)))
        return self._cache[1]

    def road_km_from_depot(self, lat: float, lon: float) -> float:
        """Road distance from the depot to a point (km), from the same matrices."""
        m = self._matrix((lat, lon))
        return float(m.distance_m[0, len(self.stops) + 2]) / 1000.0

    def route_cost(self, order: list[int], m: Matrices, extra: DayStop | None = None) -> tuple[float, list[int]] | None:
        """Cost of a route visiting ``order`` (indices into stops; ``-1`` is ``extra``) and arrival at each stop (s).

        ``None`` when it breaks a window, the truck's volume or the shift.
        """
        start, end = self.shift_s
        stops = [extra if i == -1 else self.stops[i] for i in order]
        if sum(s.volume_m3 for s in stops) > float(self.hauler.truck_capacity_m3) + 1e-9:  # type: ignore[union-attr]
            return None
        rows = [len(self.stops) + 2 if i == -1 else i + 2 for i in order]
        t, here, dist, arrivals = start, 0, 0, []
        for stop, row in zip(stops, rows, strict=True):
            t += int(m.duration_s[here, row])
            dist += int(m.distance_m[here, row])
            t = max(t, stop.window_start_s)  # type: ignore[union-attr]
            if t > stop.window_end_s:  # type: ignore[union-attr]
                return None
            arrivals.append(t)
            t += stop.service_s  # type: ignore[union-attr]
            here = row
        t += int(m.duration_s[here, 1]) + UNLOAD_S + int(m.duration_s[1, 0])
        dist += int(m.distance_m[here, 1]) + int(m.distance_m[1, 0])
        if t > end:
            return None
        cost = float(self.hauler.cost_per_km) * dist / 1000 + float(self.hauler.cost_per_h) * (t - start) / 3600
        return cost, arrivals

    def cheapest_insertion(self, stop: DayStop) -> Insertion | None:
        """The cheapest feasible place for ``stop`` in this day (a new truck when one is free), or ``None``."""
        if self.is_full:
            return None
        m = self._matrix((stop.lat, stop.lon))
        best: Insertion | None = None
        for r, order in enumerate(self.routes):
            old = self.route_cost(order, m)
            base = old[0] if old is not None else 0.0
            for pos in range(len(order) + 1):
                found = self.route_cost([*order[:pos], -1, *order[pos:]], m, stop)
                if found is not None and (best is None or found[0] - base < best.marginal_cost):
                    best = Insertion(r, pos, found[1][pos], found[0] - base)
        if len(self.routes) < int(self.hauler.trucks):
            found = self.route_cost([-1], m, stop)
            if found is not None:
                cost = found[0] + float(self.hauler.truck_day_cost)
                if best is None or cost < best.marginal_cost:
                    best = Insertion(len(self.routes), 0, found[1][0], cost)
        return best

    def insert(self, stop: DayStop, where: Insertion) -> None:
        """Hold ``stop`` in the day at ``where`` (from :meth:`cheapest_insertion` on the same state)."""
        self.stops.append(stop)
        index = len(self.stops) - 1
        if where.route == len(self.routes):
            self.routes.append([index])
        else:
            self.routes[where.route].insert(where.position, index)

    def total_cost(self) -> float:
        """Cost of every route of the day, the trucks' day cost included (currency)."""
        m = self._matrix(None)
        total = 0.0
        for order in self.routes:
            found = self.route_cost(order, m)
            total += float(self.hauler.truck_day_cost) + (found[0] if found is not None else float("nan"))
        return total


def promised_window(arrival_s: int, shift: tuple[int, int]) -> tuple[int, int]:
    """The window a hauler promises around a planned arrival: whole half hours, within the shift (s)."""
    half_hour = 1800
    start = max(shift[0], (arrival_s - WINDOW_HALF_S) // half_hour * half_hour)
    end = min(shift[1], start + 2 * WINDOW_HALF_S)
    start = min(start, max(shift[0], end - 2 * WINDOW_HALF_S))
    return start, end


def clock(seconds: int) -> str:
    """``HH:MM`` of seconds from midnight."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
