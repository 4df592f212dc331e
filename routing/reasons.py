"""Why a stop cannot be served: tests of one stop against the fleet, the disposal sites and the shifts.

A stop is *servable on its own* when some truck could leave its depot, empty the bin in its window, unload at a site
that accepts the stream and is open, and be back within its shift and maximum route duration, with the bin's waste
within its capacity. Solvers leave out stops that fail this test (they cannot be served however the others are
routed) and report the first reason found; a must-go stop that passes it but is still left out is reported with the
reason ``fleet``: the trucks have no time or room left for it today.
"""

from __future__ import annotations

from routing.problem import Problem


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
