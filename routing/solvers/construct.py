"""A first solution by nearest-feasible-stop construction, for problems with per-route limits and breaks.

Insertion heuristics add one node at a time, and a truck with a reload formulation cannot take its first bin of a
new trip without an unloading after it in the same move; on large days with daily limits they spend their whole
budget without a complete solution (Kim et al.'s 804- and 2,100-stop instances: none within 100 s). This builder
needs no search: it sends one truck out at a time and, at each step, goes to the stop it can start soonest that
keeps every rule (window, capacity, daily limits, stop count, lunch, and a way to unload and be home in time). When
only the truck's capacity stops it, it unloads at the site where the unloading ends soonest and goes on; when
nothing fits any more, it unloads and goes home, and the next truck starts.

The break is placed as the checker reads it (:mod:`routing.check`): taken at the first departure at or after its
earliest start, or earlier if the next visit would otherwise end after its latest start, by waiting for the window
to open; a route that would end before the window takes it on the way home (or after its return, if the depot closes
first). Every route is timed by
:func:`routing.schedule.build_route` and the whole solution must pass :func:`routing.check.check`, else ``None`` is
returned and the caller falls back to its own first solution. Problems with release times, optional-only days or
streams no single site accepts for a truck are left to the caller (``None``).
"""

from __future__ import annotations

import math

import numpy as np

from routing.check import check
from routing.problem import Problem, VehicleType
from routing.schedule import build_route
from routing.solution import Route, Solution, Unserved, VisitKind

#: Tolerance on loads (same units as the problem).
_EPS = 1e-9


def construct(
    problem: Problem,
    unloading_cap: dict[int, int | None] | None = None,
    units: tuple[int, int] | None = None,
) -> Solution | None:
    """A feasible solution serving as many must-go stops as the builder can place, or ``None`` (see the module doc).

    Parameters
    ----------
    problem
        The day.
    unloading_cap
        Most unloadings per route by vehicle type index (``None``: no cap), to match a model that caps them.
    units
        Integer units per kg and per m3 of a model that rounds loads up and capacities down (OR-Tools); the builder
        then counts loads the same way, so that the model accepts every trip it builds. ``None``: exact loads.
    """
    p = problem
    if any(s.release_s > 0 for s in p.stops):
        return None
    unloading_cap = unloading_cap or {}
    left = np.array([s.mandatory for s in p.stops])
    routes: list[Route] = []
    for t, vt in enumerate(p.vehicle_types):
        sites = [k for k, d in enumerate(p.disposal_sites) if vt.streams <= d.streams]
        if not sites:
            continue
        allowed = np.array([s.stream in vt.streams for s in p.stops]) if p.stops else np.zeros(0, dtype=bool)
        for k in range(vt.count):
            if not (left & allowed).any():
                break
            route = _Truck(p, t, k, sites, unloading_cap.get(t), units).run(left & allowed)
            if route is None:
                break
            routes.append(route)
            left[route.stops()] = False
    served = {s for r in routes for s in r.stops()}
    unserved = tuple(Unserved(i, "fleet") for i, s in enumerate(p.stops) if s.mandatory and i not in served)
    solution = Solution(p, tuple(routes), unserved)
    return solution if not check(p, solution) else None


class _Truck:
    """One truck's day, built stop by stop."""

    def __init__(
        self, problem: Problem, t: int, k: int, sites: list[int], cap_unloads: int | None, units: tuple[int, int] | None
    ) -> None:
        p = self.p = problem
        self.t, self.k, self.vt = t, k, p.vehicle_types[t]
        vt: VehicleType = self.vt
        self.start = p.depots[p.depot_index(vt.start_depot)]
        self.end = p.depots[p.depot_index(vt.return_depot)]
        self.leave = max(vt.shift_start_s, self.start.opens_s)
        self.latest_return = min(vt.latest_return_s, self.end.closes_s)
        self.sites = sites
        self.site_loc = np.array([p.disposal_sites[s].location for s in sites])
        self.site_open = np.array([p.disposal_sites[s].opens_s for s in sites])
        self.site_unload = np.array([p.disposal_sites[s].unload_s for s in sites])
        self.site_close = np.array([p.disposal_sites[s].closes_s for s in sites])
        self.cap_unloads = math.inf if cap_unloads is None else cap_unloads
        self.loc = np.array([s.location for s in p.stops], dtype=np.int64)
        self.units = units
        self.kg = self._up(np.array([s.weight_kg for s in p.stops]), 0)
        self.m3 = self._up(np.array([vt.truck_volume_m3(s) for s in p.stops]), 1)
        self.service = np.array([s.service_s for s in p.stops], dtype=np.int64)
        self.tw0 = np.array([s.tw_start_s for s in p.stops], dtype=np.int64)
        self.tw1 = np.array([s.tw_end_s for s in p.stops], dtype=np.int64)
        brk = vt.driver_break
        self.brk = brk
        self.b0, self.b1, self.bd = (brk.earliest_start_s, brk.latest_start_s, brk.duration_s) if brk else (0, 0, 0)

    def _up(self, loads: np.ndarray, dim: int) -> np.ndarray:
        """Loads in the model's units, rounded up (exact loads without units)."""
        return loads if self.units is None else np.ceil(loads * self.units[dim])

    def _down(self, limit: float, dim: int) -> float:
        """A capacity in the model's units, rounded down."""
        return limit if self.units is None or not math.isfinite(limit) else math.floor(limit * self.units[dim])

    # -- the break ---------------------------------------------------------------------------------------------

    def _depart(self, now: np.ndarray | int, end: np.ndarray | int, taken: bool) -> tuple[np.ndarray, np.ndarray]:
        """Departure time(s) and break start(s) (-1: none now) before a visit ending at ``end`` (no break case)."""
        now = np.asarray(now, dtype=np.int64)
        end = np.broadcast_to(np.asarray(end, dtype=np.int64), now.shape if now.ndim else np.shape(end))
        if self.brk is None or taken:
            return np.broadcast_to(now, end.shape).copy(), np.full(end.shape, -1)
        need = (now >= self.b0) | (end > self.b1)
        b = np.maximum(now, self.b0)
        depart = np.where(need, b + self.bd, now)
        return depart, np.where(need, b, -1)

    def _visit(self, now: int, taken: bool, dest: np.ndarray, service: np.ndarray, tw0: np.ndarray) -> tuple:
        """Start and end of visits to locations ``dest`` from the current place at ``now``, the break included."""
        travel = self.p.duration_s[self.here, dest]
        start = np.maximum(now + travel, tw0)
        depart, b = self._depart(np.full(len(dest), now), start + service, taken)
        start = np.where(b >= 0, np.maximum(depart + travel, tw0), start)
        bad = (b >= 0) & (b > self.b1)
        return start, start + service, b, bad

    # -- the day -----------------------------------------------------------------------------------------------

    def _home_by(self, ends: np.ndarray, from_loc: np.ndarray, taken: np.ndarray) -> np.ndarray:
        """Earliest return home after leaving ``from_loc`` at ``ends`` via the best site, counting a break owed."""
        owed = np.zeros(len(ends), dtype=np.int64) if self.brk is None else np.where(taken, 0, self.bd)
        dur = self.p.duration_s
        arrive = ends[:, None] + dur[from_loc[:, None], self.site_loc[None, :]] + owed[:, None]
        begin = np.maximum(arrive, self.site_open[None, :])
        done = begin + self.site_unload[None, :]
        home = done + dur[self.site_loc, self.end.location][None, :]
        home = np.where(done <= self.site_close[None, :], home, np.iinfo(np.int64).max // 4)
        return home.min(axis=1)

    def run(self, todo: np.ndarray) -> Route | None:
        p, vt = self.p, self.vt
        seq: list[tuple[VisitKind, int]] = [("depot", p.depot_index(vt.start_depot))]
        starts = [self.leave]
        self.here = self.start.location
        now, taken, brk_at = self.leave, self.brk is None, None
        load_kg = load_m3 = coll_kg = coll_m3 = 0.0
        stops = unloads = since = 0
        todo = todo.copy()
        kg_cap, m3_cap = self._down(vt.capacity_kg, 0), self._down(vt.capacity_m3, 1)
        day_kg = self._down(vt.max_collected_kg if vt.max_collected_kg is not None else math.inf, 0)
        day_m3 = self._down(vt.max_collected_m3 if vt.max_collected_m3 is not None else math.inf, 1)
        max_stops = vt.max_stops if vt.max_stops is not None else math.inf
        while True:
            cand = np.flatnonzero(todo)
            ok = np.zeros(0, dtype=bool)
            if len(cand) and stops < max_stops:
                start, end, b, bad = self._visit(now, taken, self.loc[cand], self.service[cand], self.tw0[cand])
                home = self._home_by(end, self.loc[cand], np.asarray(taken) | (b >= 0))
                timely = (start <= self.tw1[cand]) & ~bad & (home <= self.latest_return)
                if vt.max_duration_s is not None:
                    timely &= home - self.leave <= vt.max_duration_s
                daily = (coll_kg + self.kg[cand] <= day_kg + _EPS) & (coll_m3 + self.m3[cand] <= day_m3 + _EPS)
                room = (load_kg + self.kg[cand] <= kg_cap + _EPS) & (load_m3 + self.m3[cand] <= m3_cap + _EPS)
                ok = timely & daily & room
                if ok.any():
                    j = int(np.argmin(np.where(ok, start - now, np.iinfo(np.int64).max)))
                    i = int(cand[j])
                    if b[j] >= 0:
                        taken, brk_at = True, int(b[j])
                    seq.append(("stop", i))
                    starts.append(int(start[j]))
                    now, self.here = int(end[j]), int(self.loc[i])
                    load_kg, load_m3 = load_kg + self.kg[i], load_m3 + self.m3[i]
                    coll_kg, coll_m3 = coll_kg + self.kg[i], coll_m3 + self.m3[i]
                    stops, since = stops + 1, since + 1
                    todo[i] = False
                    continue
                blocked_by_room = (timely & daily & ~room).any()
            else:
                blocked_by_room = False
            if since == 0:
                break
            now, taken, brk_at = self._unload(seq, starts, now, taken, brk_at)
            load_kg = load_m3 = 0.0
            unloads, since = unloads + 1, 0
            if not blocked_by_room or unloads >= self.cap_unloads:  # another trip needs one more unloading
                break
        if stops == 0:
            return None
        travel = int(p.duration_s[self.here, self.end.location])
        depart, b = self._depart(now, now + travel, taken)
        back = int(depart) + travel if int(b) >= 0 else now + travel
        if int(b) >= 0:
            taken, brk_at = True, int(b)
        if not taken and max(now, self.b0) + self.bd + travel <= self.latest_return:
            # Lunch on the way home rather than after the return: OR-Tools does not restore a start whose break
            # lies after the route's end (measured: no local search at all on Kim et al.'s 1,051-stop instance).
            brk_at, taken = max(now, self.b0), True
            back = brk_at + self.bd + travel
        if not taken:
            brk_at, taken = max(back, self.b0), True
        seq.append(("depot", p.depot_index(vt.return_depot)))
        starts.append(back)
        return build_route(p, self.t, self.k, seq, starts, brk_at if self.brk is not None else None)

    def _unload(
        self, seq: list[tuple[VisitKind, int]], starts: list[int], now: int, taken: bool, brk_at: int | None
    ) -> tuple[int, bool, int | None]:
        """Unload at the site where the unloading ends soonest (with a way home); return the new state."""
        start, end, b, bad = self._visit(now, taken, self.site_loc, self.site_unload, self.site_open)
        home = end + self.p.duration_s[self.site_loc, self.end.location]
        fine = (end <= self.site_close) & ~bad
        key = np.where(fine, home, np.iinfo(np.int64).max)
        j = int(np.argmin(key))
        if b[j] >= 0:
            taken, brk_at = True, int(b[j])
        seq.append(("disposal", self.sites[j]))
        starts.append(int(start[j]))
        self.here = int(self.site_loc[j])
        return int(end[j]), taken, brk_at
