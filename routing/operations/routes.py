"""A simulated day's routes: the bins a policy chose, routed with the city's real fleet, disposal trips and shifts.

This is the layer under :func:`routing.plan.plan_day` without the store: the same problem builder, the same solver
(in sectors for a large day) and the same independent checker, so a simulated day costs what a planned day costs.
Fuel, CO2 and cost follow :mod:`routing.plan_outputs`.

Two things keep weeks of simulated days affordable. A day split into sectors is solved on one pool of worker
processes that lives as long as the simulating process (:func:`sector_pool`): starting spawned workers and importing
the solvers in them cost several seconds, every day, before. And a day smaller than one sector gets a share of the
budget in proportion to its stops (at least :data:`MIN_BUDGET_SHARE`): a day of 40 bins does not need the budget of
a day of 300. A search that found no first solution at all in its budget (on a loaded machine, a large sector may
not) is run once more with :data:`RETRY_FACTOR` times the budget, rather than leaving the day's required bins.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from routing.check import assert_feasible
from routing.decompose import DEFAULT_MAX_STOPS, merge, solve_sectors, split
from routing.plan_outputs import KG_CO2_PER_LITRE, fuel_litres
from routing.problem import Problem
from routing.solution import Solution
from routing.solvers import solve

#: Budget (times the day's) of a second search when the first found no routes for required bins.
RETRY_FACTOR = 3.0
#: Least share of the per-day budget a day smaller than one sector gets.
MIN_BUDGET_SHARE = 0.25
#: Key figures of a day's routes, in this order.
ROUTE_FIGURES = ("truck_km", "driving_h", "disposal_trips", "trucks_used", "fuel_l", "co2_kg", "cost")


@dataclass(frozen=True, slots=True)
class DayRoutes:
    """What the trucks did on one day.

    Attributes
    ----------
    bin_ids
        Bins served, in no particular order.
    service_s
        Start of each bin's service, seconds after local midnight of the day.
    dropped
        Bins chosen for the day that no truck reached (must-go bins left out and optional bins not taken).
    figures
        :data:`ROUTE_FIGURES`: km, driving hours, unloadings, trucks, diesel (L), CO2 (kg), cost (currency).
    """

    bin_ids: np.ndarray
    service_s: np.ndarray
    dropped: int
    figures: dict[str, float]

    @classmethod
    def idle(cls) -> DayRoutes:
        """A day with no collection."""
        return cls(np.array([], dtype=object), np.array([], dtype=np.int64), 0, dict.fromkeys(ROUTE_FIGURES, 0.0))


@dataclass(frozen=True, slots=True)
class RouteSettings:
    """How each simulated day is routed.

    Attributes
    ----------
    time_limit_s
        Solver budget per day (s).
    solver
        Solver backend.
    seed
        Seed passed to the backend.
    sector_stops
        Days with more bins than this are solved in sectors (:mod:`routing.decompose`).
    """

    time_limit_s: float = 10.0
    solver: str = "ortools"
    seed: int = 0
    sector_stops: int = DEFAULT_MAX_STOPS


_POOL: list[ProcessPoolExecutor] = []


def _shutdown_pool() -> None:
    while _POOL:
        _POOL.pop().shutdown(wait=True, cancel_futures=True)


def sector_pool() -> tuple[ProcessPoolExecutor, int]:
    """The process's pool of sector workers (one per core) and its size, started on first use and kept.

    Spawned, not forked: forking a process that already runs solver threads can deadlock. Shut down at exit.
    """
    slots = max(1, os.cpu_count() or 1)
    if _POOL and not getattr(_POOL[0], "_broken", False):
        return _POOL[0], slots
    if _POOL:
        _POOL.pop().shutdown(wait=False, cancel_futures=True)
    else:
        atexit.register(_shutdown_pool)
    _POOL.append(ProcessPoolExecutor(max_workers=slots, mp_context=multiprocessing.get_context("spawn")))
    return _POOL[0], slots


def day_budget_s(settings: RouteSettings, stops: int) -> float:
    """Solver budget of a day with ``stops`` bins: the whole for a day of sectors, a share for a smaller one."""
    share = min(1.0, max(MIN_BUDGET_SHARE, stops / max(settings.sector_stops, 1)))
    return settings.time_limit_s * share


def route_figures(problem: Problem, solution: Solution) -> dict[str, float]:
    """Km, driving hours, unloadings, trucks, fuel, CO2 and cost of a solution (as :mod:`routing.plan_outputs`)."""
    fuel_l = fuel_litres(problem, solution)
    return {
        "truck_km": solution.distance_m() / 1000.0,
        "driving_h": solution.duration_s() / 3600.0,
        "disposal_trips": float(solution.disposal_trips()),
        "trucks_used": float(len(solution.routes)),
        "fuel_l": fuel_l,
        "co2_kg": fuel_l * KG_CO2_PER_LITRE,
        "cost": solution.cost() - solution.penalty(),
    }


def _stranded(problem: Problem, solution: Solution) -> bool:
    """No route at all although some stop is required: the search found no first solution in its budget."""
    return not solution.routes and any(stop.mandatory for stop in problem.stops)


def route_day(
    sites: pd.DataFrame,
    bins: pd.DataFrame,
    fleet: pd.DataFrame,
    visits: pd.DataFrame,
    settings: RouteSettings,
    name: str = "",
) -> DayRoutes:
    """Route one day's ``visits`` (``bin_id``, ``fill_pct``, ``mandatory``, ``penalty``) and check the routes.

    Raises
    ------
    routing.check.InfeasibleSolutionError
        When the solver's routes break a rule: a simulated day is held to the same standard as a plan.
    """
    if visits.empty:
        return DayRoutes.idle()
    problem = Problem.from_frames(sites, bins, fleet, visits, name=name)
    if problem.num_stops > settings.sector_stops:
        started = time.perf_counter()
        sectors = split(problem, settings.sector_stops)
        pool, slots = sector_pool()
        run = {"solver": settings.solver, "seed": settings.seed}
        results = solve_sectors(sectors, pool, min(slots, len(sectors)), time_limit_s=settings.time_limit_s, **run)
        # A sector whose search ran out of time before a first solution routes nothing, not even its required bins
        # (on a loaded machine this happens): solve those once more with a longer budget.
        empty = [k for k, r in enumerate(results) if _stranded(sectors[k].problem, r.solution)]
        if empty:
            again = solve_sectors(
                [sectors[k] for k in empty],
                pool,
                min(slots, len(empty)),
                time_limit_s=RETRY_FACTOR * settings.time_limit_s,
                **run,
            )
            for k, r in zip(empty, again, strict=True):
                results[k] = r
        result = merge(problem, sectors, results, time.perf_counter() - started)
    else:
        budget_s = day_budget_s(settings, problem.num_stops)
        result = solve(problem, solver=settings.solver, time_limit_s=budget_s, seed=settings.seed)
        if _stranded(problem, result.solution):
            budget_s = RETRY_FACTOR * settings.time_limit_s
            result = solve(problem, solver=settings.solver, time_limit_s=budget_s, seed=settings.seed)
    solution = result.solution
    assert_feasible(problem, solution)
    ids, starts = [], []
    for route in solution.routes:
        for visit in route.visits:
            if visit.kind == "stop":
                ids.append(problem.stops[visit.index].id)
                starts.append(visit.start_s)
    return DayRoutes(
        bin_ids=np.array(ids, dtype=object),
        service_s=np.array(starts, dtype=np.int64),
        dropped=len(visits) - len(ids),
        figures=route_figures(problem, solution),
    )
