"""What a problem asks of a solver: named features, so each backend can say which ones it models.

A backend that cannot model a feature of a problem must say so rather than solve a simpler problem and return a
solution the checker would refuse or, worse, one that is feasible but optimises the wrong objective (a solver that
ignores penalties serves every optional stop). Each backend declares the features it supports;
:func:`missing` compares them with :func:`features` of the problem and :func:`unsupported_reason` words the gap.

=================  ======================================================================================
feature            present when
=================  ======================================================================================
``time_windows``   a stop's window or a depot's hours are narrower than the horizon
``optional``       some stop is optional, with a penalty when left out (prize collecting)
``release``        some stop has a release time (its trip may not leave before it)
``breaks``         some vehicle type has a driver break
``streams``        some truck does not collect every stream, or some site does not accept every stream
``mixed_fleet``    more than one vehicle type
``multi_depot``    more than one depot
``reloads``        a truck may unload and go out again, and that can pay: see :func:`reloads_matter`
``unload_away``    a truck must drive to a disposal site before it returns: no site at its return depot
                   accepts its streams instantly and for the whole shift
``daily_limits``   bins per truck, or collected waste above one truckload, are limited per day
``compaction``     a stop's body volume depends on the truck (packers of different strength)
=================  ======================================================================================
"""

from __future__ import annotations

import math

from routing.problem import HORIZON_S, Problem, VehicleType

#: Feature names and how a report words them.
FEATURES: dict[str, str] = {
    "time_windows": "time windows",
    "optional": "optional stops with penalties (prize collecting)",
    "release": "release times",
    "breaks": "driver breaks",
    "streams": "waste streams restricted to some trucks or sites",
    "mixed_fleet": "a mixed fleet",
    "multi_depot": "several depots",
    "reloads": "reloads (several trips per truck)",
    "unload_away": "an unloading away from the depot before the return",
    "daily_limits": "daily limits on bins or collected waste",
    "compaction": "truck-dependent compaction",
}

#: What the OR-Tools model (:mod:`routing.solvers.ortools`) handles: everything but release times.
ORTOOLS_FEATURES = frozenset(FEATURES) - {"release"}


def single_trip(vt: VehicleType) -> bool:
    """Whether a truck of this type collects at most one truckload a day, so that reloading cannot help it."""
    kg = vt.max_collected_kg is not None and vt.max_collected_kg <= vt.capacity_kg
    m3 = not math.isfinite(vt.capacity_m3) or (
        vt.max_collected_m3 is not None and vt.max_collected_m3 <= vt.capacity_m3
    )
    return kg and m3


def home_site(problem: Problem, t: int) -> int | None:
    """Index of a disposal site at type ``t``'s return depot that unloads instantly all shift long, or ``None``.

    With such a site a truck's last unloading costs nothing: solvers that know only depots route it as a plain
    return, and the unloading is added when the route is read back.
    """
    vt = problem.vehicle_types[t]
    depot = problem.depots[problem.depot_index(vt.return_depot)]
    for k, site in enumerate(problem.disposal_sites):
        if (
            site.location == depot.location
            and site.unload_s == 0
            and vt.streams <= site.streams
            and site.opens_s <= vt.shift_start_s
            and site.closes_s >= min(vt.latest_return_s, depot.closes_s)
        ):
            return k
    return None


def final_site(problem: Problem, t: int) -> int | None:
    """The disposal site trucks of type ``t`` unload at before going home, or ``None`` when none fits their shift.

    The site at the return depot that unloads instantly when there is one (:func:`home_site`); otherwise the site
    accepting all the type's streams that leaves the most time to collect: the latest arrival there from which the
    truck can still unload before closing and be home by the end of its shift.
    """
    home = home_site(problem, t)
    if home is not None:
        return home
    vt = problem.vehicle_types[t]
    end = problem.depots[problem.depot_index(vt.return_depot)]
    latest = min(vt.latest_return_s, end.closes_s)
    best, best_key = None, (-math.inf, 0)
    for k, site in enumerate(problem.disposal_sites):
        if not vt.streams <= site.streams:
            continue
        tail_s = site.unload_s + int(problem.duration_s[site.location, end.location])
        arrive_by = min(latest - tail_s, site.closes_s - site.unload_s)  # latest arrival that still gets home in time
        if arrive_by < max(site.opens_s, vt.shift_start_s):
            continue
        key = (arrive_by, -tail_s)
        if key > best_key:
            best, best_key = k, key
    return best


def reloads_matter(problem: Problem) -> bool:
    """Whether some truck may make several trips and a solution with one trip per truck could be worse.

    Several trips cannot beat single trips when every truck that may reload could hand each trip to a truck of its
    own at no extra cost: no fixed cost, no break, no daily limit, unloadings only instant ones at its return depot
    (so a trip ends as a return would), and at least as many trucks as stops. Splitting a route at its unloadings
    then gives routes that each stay within the shift, the windows and the maximum duration, for the same distance
    and no more route time. This is the classic CVRP with an unlimited fleet.
    """
    for t, vt in enumerate(problem.vehicle_types):
        if vt.count == 0 or single_trip(vt):
            continue
        limited = vt.max_stops is not None or vt.max_collected_kg is not None or vt.max_collected_m3 is not None
        if vt.fixed_cost > 0 or vt.driver_break is not None or limited or vt.count < problem.num_stops:
            return True
        home = home_site(problem, t)
        usable = [k for k, d in enumerate(problem.disposal_sites) if vt.streams <= d.streams]
        if home is None or any(
            problem.disposal_sites[k].location != problem.disposal_sites[home].location for k in usable
        ):
            return True
        if any(problem.disposal_sites[k].unload_s > 0 for k in usable):
            return True
    return False


def features(problem: Problem) -> set[str]:
    """The features of ``problem`` (see the module docstring)."""
    p = problem
    out: set[str] = set()
    if any(s.tw_start_s > 0 or s.tw_end_s < HORIZON_S for s in p.stops) or any(
        d.opens_s > 0 or d.closes_s < HORIZON_S for d in p.depots
    ):
        out.add("time_windows")
    if any(not s.mandatory for s in p.stops):
        out.add("optional")
    if any(s.release_s > 0 for s in p.stops):
        out.add("release")
    types = [vt for vt in p.vehicle_types if vt.count > 0]
    if any(vt.driver_break is not None for vt in types):
        out.add("breaks")
    streams = {s.stream for s in p.stops}
    if any(not streams <= vt.streams for vt in types) or any(not streams <= d.streams for d in p.disposal_sites):
        out.add("streams")
    if len(types) > 1:
        out.add("mixed_fleet")
    if len(p.depots) > 1:
        out.add("multi_depot")
    if reloads_matter(p):
        out.add("reloads")
    if any(vt.count > 0 and home_site(p, t) is None for t, vt in enumerate(p.vehicle_types)):
        out.add("unload_away")
    if any(
        vt.max_stops is not None
        or (vt.max_collected_kg is not None and vt.max_collected_kg > vt.capacity_kg)
        or (vt.max_collected_m3 is not None and vt.max_collected_m3 > vt.capacity_m3)
        for vt in types
    ):
        out.add("daily_limits")
    ratios = {vt.compaction_ratio for vt in types}
    if len(ratios) > 1 and any(s.volume_m3 > 0 for s in p.stops):
        out.add("compaction")
    return out


def missing(problem: Problem, supported: frozenset[str]) -> list[str]:
    """Features of ``problem`` outside ``supported``, sorted."""
    return sorted(features(problem) - supported)


def unsupported_reason(problem: Problem, supported: frozenset[str], solver: str) -> str | None:
    """Why ``solver`` (supporting ``supported``) cannot model ``problem``, or ``None`` when it can."""
    gaps = missing(problem, supported)
    if not gaps:
        return None
    return f"{solver} cannot model " + ", ".join(FEATURES[g] for g in gaps)


def ortools_supports(problem: Problem) -> str | None:
    """Why the OR-Tools model cannot solve ``problem``, or ``None`` when it can."""
    return unsupported_reason(problem, ORTOOLS_FEATURES, "ortools")
