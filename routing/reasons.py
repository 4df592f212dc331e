"""Why a stop cannot be served: tests of one stop against the fleet, the disposal sites and the shifts.

A stop is *servable on its own* when some truck could leave its depot, empty the bin in its window, unload at a site
that accepts the stream and is open, and be back within its shift and maximum route duration, with the bin's waste
within its capacity. Solvers leave out stops that fail this test (they cannot be served however the others are
routed) and report the first reason found; a must-go stop that passes it but is still left out is reported by the
solver with the reason ``fleet``, which :func:`explain_left_out` then makes true with a bound: ``hours`` when the
trucks of its streams provably cannot do all their must-go work, else ``search`` (the search did not place it).
"""

from __future__ import annotations

import math

import numpy as np

from routing.problem import Problem
from routing.solution import Unserved


def unservable_reason(problem: Problem, stop: int) -> tuple[str, str] | None:
    """The reason (a key of :data:`routing.solution.REASONS`) and details why ``stop`` cannot be served, or ``None``.

    Reasons are tried in order: ``no_vehicle``, ``no_disposal``, ``capacity``, ``time_window``, ``shift_length``.
    """
    s = problem.stops[stop]
    types = problem.compatible_types(stop)
    if not types:
        return "no_vehicle", f"stream {s.stream}"
    sites = [k for k, d in enumerate(problem.disposal_sites) if s.stream in d.streams]
    if not sites:
        return "no_disposal", f"stream {s.stream}"
    fits = [t for t in types if fits_vehicle(problem, stop, t)]
    if not fits:
        return "capacity", f"{s.weight_kg:.0f} kg, {s.volume_m3:.2f} m3 loose"
    window_ok = False
    for t in fits:
        verdict = _trip(problem, stop, t, sites)
        if verdict is None:
            return None
        window_ok = window_ok or verdict == "shift_length"
    if window_ok:
        return "shift_length", f"window {_hhmm(s.tw_start_s)}-{_hhmm(s.tw_end_s)}"
    return "time_window", f"window {_hhmm(s.tw_start_s)}-{_hhmm(s.tw_end_s)}"


def fits_vehicle(problem: Problem, stop: int, vehicle_type: int) -> bool:
    """Whether the waste of ``stop`` alone fits an empty truck of ``vehicle_type`` (and its daily limits)."""
    s = problem.stops[stop]
    vt = problem.vehicle_types[vehicle_type]
    volume = vt.truck_volume_m3(s)
    max_kg = min(vt.capacity_kg, vt.max_collected_kg if vt.max_collected_kg is not None else vt.capacity_kg)
    max_m3 = min(vt.capacity_m3, vt.max_collected_m3 if vt.max_collected_m3 is not None else vt.capacity_m3)
    return s.weight_kg <= max_kg * (1 + 1e-9) and volume <= max_m3 * (1 + 1e-9) and vt.max_stops != 0


def _trip(problem: Problem, stop: int, vehicle_type: int, sites: list[int]) -> str | None:
    """``None`` if a truck of this type can do depot -> stop -> site -> depot in time, else the failing reason."""
    s = problem.stops[stop]
    vt = problem.vehicle_types[vehicle_type]
    start = problem.depots[problem.depot_index(vt.start_depot)]
    end = problem.depots[problem.depot_index(vt.return_depot)]
    dur = problem.duration_s
    leave = max(vt.shift_start_s, start.opens_s)
    latest_return = min(vt.latest_return_s, end.closes_s)
    begin = max(leave + int(dur[start.location, s.location]), s.tw_start_s)
    if begin > s.tw_end_s or begin + s.service_s > latest_return:
        return "time_window"
    depart = max(leave, begin - int(dur[start.location, s.location]))  # leave just in time for the window
    for k in sites:
        d = problem.disposal_sites[k]
        unload = max(begin + s.service_s + int(dur[s.location, d.location]), d.opens_s)
        back = unload + d.unload_s + int(dur[d.location, end.location])
        if unload + d.unload_s > d.closes_s or back > latest_return:
            continue
        if vt.max_duration_s is not None and back - depart > vt.max_duration_s:
            continue
        return None
    return "shift_length"


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def work_bound_s(problem: Problem, stops: list[int]) -> float:
    """A lower bound on the truck time (s) serving ``stops`` takes, however they are routed.

    Every bin is reached from some other place (at least the shortest drive into it from any location) and emptied
    (its service time); the waste needs at least ``ceil(total / largest payload)`` truckloads, each ending with a
    drive from a bin to a site (at least the shortest such drive) and an unloading (at least the shortest), and the
    last truck home drives from a site to a depot. Those legs end at sites and depots, never at bins, so they are
    not counted twice.
    """
    if not stops:
        return 0.0
    locs = np.array([problem.stops[i].location for i in stops])
    into = problem.duration_s[:, locs].astype(float)
    into[locs, np.arange(len(locs))] = np.inf  # not from its own place
    into = into.min(axis=0)
    # A bin sharing its place with another may be reached in no time after it.
    _, inverse, counts = np.unique(locs, return_inverse=True, return_counts=True)
    into[counts[inverse] > 1] = 0.0
    into[~np.isfinite(into)] = 0.0
    work = float(into.sum()) + sum(problem.stops[i].service_s for i in stops)
    streams = {problem.stops[i].stream for i in stops}
    payload = max(
        (vt.capacity_kg for vt in problem.vehicle_types if vt.count > 0 and vt.streams & streams), default=math.inf
    )
    sites = [d for d in problem.disposal_sites if d.streams & streams]
    if not sites:
        return work
    trips = 1
    if math.isfinite(payload) and payload > 0:
        trips = max(1, math.ceil(sum(problem.stops[i].weight_kg for i in stops) / payload))
    # Each truckload ends with a drive from a bin to a site and an unloading; the last truck drives home from one.
    site_locs = np.array([d.location for d in sites])
    to_site = float(problem.duration_s[np.ix_(locs, site_locs)].min())
    homes = np.array([d.location for d in problem.depots])
    home = float(problem.duration_s[np.ix_(site_locs, homes)].min())
    work += trips * (to_site + min(d.unload_s for d in sites)) + home
    return work


def fleet_hours_s(problem: Problem, streams: set[str]) -> float:
    """Truck time (s) of every truck that collects one of ``streams``: its whole shift, depot hours allowed."""
    total = 0.0
    for vt in problem.vehicle_types:
        if vt.count == 0 or not vt.streams & streams:
            continue
        start = problem.depots[problem.depot_index(vt.start_depot)]
        end = problem.depots[problem.depot_index(vt.return_depot)]
        span = min(vt.latest_return_s, end.closes_s) - max(vt.shift_start_s, start.opens_s)
        total += vt.count * max(0, span)
    return total


def explain_left_out(problem: Problem, unserved: tuple[Unserved, ...]) -> tuple[Unserved, ...]:
    """The reasons of must-go bins a search left out (reason ``fleet``), made true by a bound.

    For each stream, and for every group of streams that shares trucks, the work of its must-go bins that a truck
    could serve on their own (:func:`work_bound_s`) is compared with the hours of the trucks that collect them
    (:func:`fleet_hours_s`). Where the work exceeds the hours, the fleet cannot take them all: reason ``hours``.
    Otherwise the fleet had hours for every one of them and the search did not place this one: reason ``search``.
    """
    if not any(u.reason == "fleet" for u in unserved):
        return unserved
    p = problem
    must = [i for i, s in enumerate(p.stops) if s.mandatory and unservable_reason(p, i) is None]
    verdict: dict[str, str | None] = {}
    for stream in {p.stops[u.stop].stream for u in unserved}:
        # The stream alone, then the streams its trucks also collect (they share those trucks' hours).
        group = {stream}
        for vt in p.vehicle_types:
            if vt.count > 0 and stream in vt.streams:
                group |= vt.streams
        verdict[stream] = None
        for streams in ({stream}, group):
            stops = [i for i in must if p.stops[i].stream in streams]
            need, have = work_bound_s(p, stops), fleet_hours_s(p, streams)
            if need > have:
                names = "+".join(sorted(streams))
                verdict[stream] = (
                    f"{names}: at least {need / 3600:.1f} truck-hours of work, {have / 3600:.1f} available"
                )
                break
    out = []
    for u in unserved:
        if u.reason != "fleet":
            out.append(u)
            continue
        detail = verdict[p.stops[u.stop].stream]
        out.append(Unserved(u.stop, "hours", detail) if detail else Unserved(u.stop, "search", u.detail))
    return tuple(out)
