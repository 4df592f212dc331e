"""The daily plan pipeline: readings -> forecast -> selection -> matrix -> solve -> check.

:func:`plan_day` takes a city from the store and returns a :class:`DailyPlan`: the bins chosen and why, the solver's
result, and the checker's verdict (a violation is an error, never a silent result). :mod:`routing.plan_outputs`
turns a plan into route sheets, GeoJSON and the JSON record.

Times: the plan date is a local date of the city; the day starts at the earliest shift start of its fleet, on the
city's clock, and the problem counts seconds from that local midnight.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from routing.check import assert_feasible
from routing.decompose import DEFAULT_MAX_STOPS, solve_in_sectors
from routing.frames import hhmm_to_s
from routing.matrix import DEFAULT_CACHE_DIR, Matrices, build_matrices
from routing.problem import Problem
from routing.reasons import explain_left_out
from routing.selection import SelectionRule, select_bins, visits_from_selection
from routing.solvers import DEFAULT_SOLVER, DEFAULT_TIME_LIMIT_S, Result, solve
from routing.solvers import ProgressCallback as SolveProgress
from waste.errors import ConfigError
from waste.store import Store

#: Days of readings the forecast learns from.
HISTORY_DAYS = 56


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How to plan a day.

    Attributes
    ----------
    date
        Local date to plan (``YYYY-MM-DD``); by default the day of the next shift after the newest reading.
    time_limit_s
        Solver budget (s).
    rule
        Must-go / may-go selection rule.
    solver
        Solver backend name.
    seed
        Seed for backends that randomise.
    osrm_url
        OSRM server for road distances, or ``None`` for straight-line estimates.
    osrm_data
        Roads prepared by ``waste roads build``, queried in-process; wins over ``osrm_url``.
    cache_dir
        Where matrices are cached.
    sector_stops
        A day with more bins than this is solved in sectors of at most this many, in parallel
        (:mod:`routing.decompose`).
    scheduler
        Address of a Dask scheduler: the sectors of a large day are solved on its workers instead of local
        processes (a day small enough for one model is solved here).
    """

    date: str | None = None
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    rule: SelectionRule = field(default_factory=SelectionRule)
    solver: str = DEFAULT_SOLVER
    seed: int = 0
    osrm_url: str | None = None
    osrm_data: Path | None = None
    cache_dir: Path = DEFAULT_CACHE_DIR
    sector_stops: int = DEFAULT_MAX_STOPS
    scheduler: str | None = None


@dataclass(frozen=True, slots=True)
class DailyPlan:
    """One day's plan for one city.

    Attributes
    ----------
    selection
        Every bin with its forecast and decision (:data:`routing.selection.SELECTION_COLUMNS`).
    problem, result
        The routing problem and the solver's checked result.
    timings_s
        Seconds spent per step: ``forecast``, ``matrix``, ``solve``, ``check``.
    matrix_provider
        Where travel times came from: ``haversine``, ``osrm`` (HTTP) or ``osrm-local`` (in-process).
    roads
        The prepared road dataset the times came from, if any; route lines follow its streets.
    osrm_url
        The OSRM server the times came from, if any (and no ``roads``); route lines follow its streets.
    off_road_points
        With road data: places too far from any road, costed by the straight line times :attr:`circuity`.
    """

    city: str
    date: str
    timezone: str
    currency: str
    start: pd.Timestamp
    selection: pd.DataFrame
    bins: pd.DataFrame
    sites: pd.DataFrame
    problem: Problem
    result: Result
    timings_s: dict[str, float]
    matrix_provider: str = "haversine"
    roads: Path | None = None
    osrm_url: str | None = None
    off_road_points: int = 0
    circuity: float | None = None

    @property
    def local_midnight(self) -> pd.Timestamp:
        """Local midnight of the plan date: time zero of the problem's clock."""
        return pd.Timestamp(self.date).tz_localize(self.timezone)


ProgressCallback = Callable[[str, float, float | None], None]


@dataclass(frozen=True, slots=True)
class DayProblem:
    """A day's routing problem with what was decided on the way: the selection and the matrices' provenance."""

    city: str
    date: str
    timezone: str
    currency: str
    start: pd.Timestamp
    selection: pd.DataFrame
    bins: pd.DataFrame
    sites: pd.DataFrame
    problem: Problem
    timings_s: dict[str, float]
    off_road_points: int = 0
    circuity: float | None = None


def day_problem(
    store: Store, city: str, options: PlanOptions | None = None, *, progress: ProgressCallback | None = None
) -> DayProblem:
    """Forecast, select and build the routing problem of one day for ``city`` (the steps before solving).

    Raises
    ------
    ConfigError
        When the city is not in the store, or has no fleet or no readings.
    """
    options = options or PlanOptions()
    report = progress or (lambda step, elapsed, best: None)
    bins, sites, fleet = store.bins(city), store.sites(city), store.fleet(city)
    if bins.empty or fleet.empty:
        msg = f"city {city!r} has no bins or no fleet in {store.url}; load it first (waste load --city {city})"
        raise ConfigError(msg)
    info = store.city_info(city)
    timezone = info["timezone"]
    shift_start_s = min(hhmm_to_s(v) or 0 for v in fleet["shift_start"])
    shift_h = _shift_hours(fleet)
    date = options.date or _next_plan_date(store, city, timezone, shift_start_s)
    start = pd.Timestamp(date).tz_localize(timezone) + pd.Timedelta(seconds=shift_start_s)
    timings: dict[str, float] = {}

    clock = time.perf_counter()
    readings = store.readings(city=city, since=start - pd.Timedelta(days=HISTORY_DAYS), until=start)
    if readings.empty:
        msg = f"no readings for {city!r} in the {HISTORY_DAYS} days before {start:%Y-%m-%d %H:%M %Z}"
        raise ConfigError(msg)
    report("forecast", 0.0, None)
    selection = select_bins(readings, bins, fleet, start=start, shift_h=shift_h, rule=options.rule)
    timings["forecast"] = time.perf_counter() - clock

    clock = time.perf_counter()
    report("matrix", 0.0, None)
    visits = visits_from_selection(selection)
    built: list[Matrices] = []

    def matrices(coords: np.ndarray) -> Matrices:
        m = build_matrices(coords, osrm_url=options.osrm_url, osrm_data=options.osrm_data, cache_dir=options.cache_dir)
        built.append(m)  # kept for the plan's account of points off the road network
        return m

    problem = Problem.from_frames(
        sites.drop(columns="city"),
        bins.drop(columns="city"),
        fleet.drop(columns="city"),
        visits,
        matrices=matrices,
        name=f"{city} {date}",
    )
    timings["matrix"] = time.perf_counter() - clock
    return DayProblem(
        city=city,
        date=date,
        timezone=timezone,
        currency=info["currency"],
        start=start,
        selection=selection,
        bins=bins,
        sites=sites,
        problem=problem,
        timings_s=timings,
        off_road_points=built[-1].fallback_points if built else 0,
        circuity=built[-1].circuity if built else None,
    )


def solve_day(problem: Problem, options: PlanOptions, progress: SolveProgress | None = None) -> Result:
    """Route ``problem`` as the daily plan does: the chosen backend on the whole day, or in sectors when large.

    The ``city-day`` backend takes every day whole: it runs PyVRP variants beside today's sector planner and keeps
    the best checked plan (:mod:`routing.solvers.city_day`). Any other backend solves a day of more than
    ``options.sector_stops`` bins in sectors.
    """
    result = _solve(problem, options, progress)
    # Every must-go bin left out gets a true reason: a bound of the fleet's hours, or the search's own failure.
    unserved = explain_left_out(problem, result.solution.unserved)
    return replace(result, solution=replace(result.solution, unserved=unserved))


def _solve(problem: Problem, options: PlanOptions, progress: SolveProgress | None) -> Result:
    if options.solver == "city-day":
        from routing.solvers.city_day import solve as city_day

        return city_day(
            problem,
            time_limit_s=options.time_limit_s,
            seed=options.seed,
            progress=progress,
            max_stops=options.sector_stops,
            scheduler=options.scheduler,
        )
    if problem.num_stops <= options.sector_stops:
        return solve(
            problem, solver=options.solver, time_limit_s=options.time_limit_s, seed=options.seed, progress=progress
        )
    from routing.solvers.city_day import REPAIR_SHARE, complete

    # Sectors leave must-go bins out while trucks of other sectors have hours: offer them before returning.
    result = solve_in_sectors(
        problem,
        solver=options.solver,
        time_limit_s=options.time_limit_s * (1 - REPAIR_SHARE),
        seed=options.seed,
        progress=progress,
        max_stops=options.sector_stops,
        scheduler=options.scheduler,
    )
    return complete(problem, result, options.time_limit_s * REPAIR_SHARE)


def plan_day(
    store: Store, city: str, options: PlanOptions | None = None, *, progress: ProgressCallback | None = None
) -> DailyPlan:
    """Plan one day of collection for ``city``: select the bins, route them, check the routes.

    Parameters
    ----------
    store
        Holds the city's bins, sites, fleet and readings.
    city
        City name in the store.
    options
        Date, budget, rule, solver.
    progress
        Called with (step, elapsed s, best objective or ``None``): ``"forecast"``, ``"matrix"``, ``"solve"``.

    Raises
    ------
    ConfigError
        When the city is not in the store, or has no fleet or no readings.
    routing.check.InfeasibleSolutionError
        When the solver's routes break a rule: never returned as a plan.
    """
    options = options or PlanOptions()
    report = progress or (lambda step, elapsed, best: None)
    day = day_problem(store, city, options, progress=progress)
    problem = day.problem
    timings = dict(day.timings_s)

    clock = time.perf_counter()
    result = solve_day(problem, options, lambda elapsed, best: report("solve", elapsed, best))
    timings["solve"] = time.perf_counter() - clock

    clock = time.perf_counter()
    assert_feasible(problem, result.solution)
    timings["check"] = time.perf_counter() - clock
    return DailyPlan(
        city=city,
        date=day.date,
        timezone=day.timezone,
        currency=day.currency,
        start=day.start,
        selection=day.selection,
        bins=day.bins,
        sites=day.sites,
        problem=problem,
        result=result,
        timings_s=timings,
        matrix_provider="osrm-local" if options.osrm_data else ("osrm" if options.osrm_url else "haversine"),
        roads=options.osrm_data,
        osrm_url=None if options.osrm_data else options.osrm_url,
        off_road_points=day.off_road_points,
        circuity=day.circuity,
    )


def _shift_hours(fleet: pd.DataFrame) -> float:
    """Longest shift of the fleet (h); a shift that ends before it starts runs past midnight."""
    longest = 0.0
    for start, end in zip(fleet["shift_start"], fleet["shift_end"], strict=True):
        s, e = hhmm_to_s(start) or 0, hhmm_to_s(end) or 0
        longest = max(longest, ((e - s) % 86_400 or 86_400) / 3600.0)
    return longest


def _next_plan_date(store: Store, city: str, timezone: str, shift_start_s: int) -> str:
    """The local date of the first shift start after the newest reading: the next day there is to plan."""
    latest = store.latest_readings(city)
    if latest.empty:
        msg = f"no readings for {city!r}: ingest some first (waste ingest, or waste daily --city {city})"
        raise ConfigError(msg)
    newest = latest["ts"].max().tz_convert(timezone)
    day = newest.normalize()
    if newest >= day + pd.Timedelta(seconds=shift_start_s):
        day += pd.Timedelta(days=1)
    return f"{day:%Y-%m-%d}"
