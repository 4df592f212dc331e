"""The day loop of the operations simulator: weeks of collection under one policy, in 10-minute steps.

A run starts with a warm-up (two weeks by default) in which the city collects on the sample generator's own rounds,
so that bins reach a steady state and the sensors have a history to forecast from. Then, each simulated day:

1. the bins fill as the ground truth says (:mod:`routing.operations.truth`), the sensors report with their noise and
   gaps (:mod:`routing.operations.sensing`);
2. at the start of the shift the policy decides from what the sensors have reported, and the day's routes are
   built with the real fleet (:mod:`routing.operations.policies`, :mod:`routing.operations.routes`);
3. each bin a truck reaches is emptied at its planned service time, down to a small residue; a bin the routes
   dropped is not emptied.

Every random stream is derived from one seed, and the waste thrown in does not depend on the policy, so all
policies of one seed face exactly the same waste.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from routing.operations.city import CityTables
from routing.operations.policies import FORECAST_HISTORY_D, Morning, Policy
from routing.operations.routes import ROUTE_FIGURES, DayRoutes
from routing.operations.sensing import SensorFeed
from routing.operations.truth import GroundTruth, bin_params_from_table
from waste.errors import InputError
from waste.synthetic import calibration as cal
from waste.synthetic.calendar import STEP_S, make_calendar
from waste.synthetic.cities import CITIES, city_spec
from waste.synthetic.climate import air_temperature
from waste.synthetic.schedule import MISSED, PARTIAL, plan_rounds, plan_visits

#: Columns of the daily figures, in order.
DAILY_COLUMNS = (
    "policy",
    "day",
    "date",
    "bins_chosen",
    "bins_collected",
    "bins_dropped",
    *ROUTE_FIGURES,
    "mean_fill_at_collection_pct",
    "overflow_events",
    "overflow_bin_h",
    "overflowed_l",
    "collected_l",
    "generated_l",
    "plan_s",
)
#: Days of reports kept in memory (more than the smart policy's forecast learns from).
KEEP_REPORTS_D = FORECAST_HISTORY_D + 2
#: Air temperature (degC) for a city without a climate model; it only affects the sensors' temperature and battery.
DEFAULT_AIR_C = 15.0
#: First simulated day by default: a Monday, after the sample data's readings end.
DEFAULT_START = "2026-11-23"

Progress = Callable[[str, int, int, dict[str, float]], object]
PolicyFactory = Callable[[CityTables, np.ndarray], Policy]


@dataclass(frozen=True, slots=True)
class RunSettings:
    """Length, start and randomness of a run.

    Attributes
    ----------
    days
        Simulated days after the warm-up.
    warmup_days
        Days of warm-up on the generator's rounds before the first simulated day.
    seed
        Seed of every random stream.
    start
        Local date of the first simulated day (``YYYY-MM-DD``).
    """

    days: int = 28
    warmup_days: int = 14
    seed: int = 0
    start: str = DEFAULT_START

    def __post_init__(self) -> None:
        if not 1 <= self.days <= 366:
            raise InputError(f"days must be between 1 and 366, got {self.days}", field="days")
        if not 1 <= self.warmup_days <= 60:
            raise InputError(f"warm-up days must be between 1 and 60, got {self.warmup_days}", field="warmup_days")


@dataclass(frozen=True, slots=True)
class OpsRun:
    """The outcome of one policy's run.

    Attributes
    ----------
    daily
        One row per simulated day, :data:`DAILY_COLUMNS`.
    collections
        Every emptying: ``day``, ``bin_id``, ``fill_before_pct`` (true level).
    balance_l
        Opening stock + generated - collected - still in bins - overflowed (L); zero up to rounding.
    still_in_bins_l, opening_l
        Waste in the bins at the end and at the start of the simulated days (L).
    """

    policy: str
    daily: pd.DataFrame
    collections: pd.DataFrame
    balance_l: float
    still_in_bins_l: float
    opening_l: float


class _Pending:
    """Emptyings scheduled but not yet done, in time order; ``share`` is what a partial emptying leaves (-1: full)."""

    def __init__(self) -> None:
        self.t_s = np.array([], dtype=np.int64)
        self.idx = np.array([], dtype=np.int64)
        self.share = np.array([], dtype=float)

    def add(self, t_s: np.ndarray, idx: np.ndarray, share: np.ndarray | None = None) -> None:
        t = np.concatenate([self.t_s, t_s])
        i = np.concatenate([self.idx, idx])
        s = np.concatenate([self.share, np.full(len(idx), -1.0) if share is None else share])
        order = np.lexsort((i, t))
        self.t_s, self.idx, self.share = t[order], i[order], s[order]

    def take_before(self, t_s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cut = int(np.searchsorted(self.t_s, t_s, side="left"))
        out = self.t_s[:cut], self.idx[:cut], self.share[:cut]
        self.t_s, self.idx, self.share = self.t_s[cut:], self.idx[cut:], self.share[cut:]
        return out


def simulate_operations(
    city: CityTables,
    make_policy: PolicyFactory,
    settings: RunSettings | None = None,
    *,
    progress: Progress | None = None,
) -> OpsRun:
    """Run one policy over the simulated days and return its figures.

    Parameters
    ----------
    city
        The city's tables; its bins, fleet and sites are used as they are.
    make_policy
        Builds the policy from the city and the bins' true mean fill rates (% a day), which the fixed schedule uses
        to size its rounds (the best a city without sensors could know).
    settings
        Days, warm-up, seed, start date.
    progress
        Called after each simulated day with (policy name, day done, days, the day's figures).
    """
    settings = settings or RunSettings()
    bins = city.bins.reset_index(drop=True)
    streams = np.random.SeedSequence(settings.seed).spawn(7)
    rng_params, rng_fill, rng_sensor, rng_rounds, rng_visits, rng_climate, rng_residue = (
        np.random.default_rng(s) for s in streams
    )
    params = bin_params_from_table(bins, city.key, rng_params)
    policy = make_policy(city, params.rate_pct_day)

    try:
        first = pd.Timestamp(settings.start).tz_localize(city.timezone)
    except ValueError as exc:
        raise InputError(f"not a date: {settings.start!r} ({exc})", field="start") from None
    end = (first + pd.Timedelta(days=settings.days)).tz_convert("UTC")
    calendar = make_calendar(end, settings.days, city.timezone, warmup_days=settings.warmup_days)
    midnights = calendar.day_start_s()
    air = air_temperature(city_spec(city.key), calendar, rng_climate) if city.key in CITIES else None

    truth = GroundTruth(bins, params, rng_fill)
    sensors = SensorFeed(bins["bin_id"].to_numpy(), bins["lat"], bins["lon"], calendar, rng_sensor)
    pending = _Pending()
    warmup = plan_visits(calendar, plan_rounds(params, city.shift_start_s // 60, rng_rounds), rng_visits)
    done = warmup.outcome != MISSED
    before_sim = warmup.t_s < calendar.record_from_s
    sel = done & before_sim
    share = np.where(warmup.outcome[sel] == PARTIAL, warmup.keep[sel], -1.0)
    pending.add(warmup.t_s[sel], warmup.bin_idx[sel], share)

    ids = bins["bin_id"].to_numpy()
    rows: list[dict[str, object]] = []
    coll_day: list[np.ndarray] = []
    coll_idx: list[np.ndarray] = []
    coll_before: list[np.ndarray] = []
    day_start_ledger: dict[str, float] = {}
    today: dict[str, object] = {}
    opened = False
    dt_h = STEP_S / 3600

    def empty(idx: np.ndarray, share: np.ndarray, sim_day: int) -> None:
        if len(idx) == 0:
            return
        idx, first_pos = np.unique(idx, return_index=True)  # a bin is emptied once per batch
        share = share[first_pos]
        residue = rng_residue.exponential(cal.RESIDUAL_MEAN_PCT, len(idx))
        # Warm-up only: the generator's partial emptyings leave a share of the level behind.
        residue = np.where(share >= 0, truth.level[idx] * share, residue)
        before = truth.empty(idx, residue)
        if sim_day >= 0:
            coll_day.append(np.full(len(idx), sim_day))
            coll_idx.append(idx)
            coll_before.append(before)

    for k in range(calendar.n_steps):
        t0 = int(calendar.t_s[k])
        local_day = int(calendar.day[k])
        sim_day = local_day - settings.warmup_days
        if sim_day >= 0 and not opened:
            truth.open_ledger()
            opened = True
        if sim_day >= 0 and today.get("day") != sim_day:
            day_start_ledger = _ledger(truth)
            today = {"day": sim_day, "planned": False}
        shift_start_s = int(midnights[local_day]) + city.shift_start_s
        if sim_day >= 0 and not today["planned"] and t0 + STEP_S > shift_start_s:
            date = f"{pd.Timestamp(int(midnights[local_day]), unit='s', tz='UTC').tz_convert(city.timezone):%Y-%m-%d}"
            clock = time.perf_counter()
            morning = Morning(
                day=sim_day,
                date=date,
                weekday=int(calendar.weekday[k]),
                shift_start=pd.Timestamp(shift_start_s, unit="s", tz="UTC"),
                sensors=sensors,
            )
            routes: DayRoutes = policy.plan(morning)
            rows_idx = pd.Index(ids).get_indexer(routes.bin_ids)
            pending.add(int(midnights[local_day]) + routes.service_s, rows_idx.astype(np.int64))
            today.update(
                planned=True, routes=routes, plan_s=time.perf_counter() - clock, chosen=len(routes.bin_ids), date=date
            )
            sensors.forget_before(shift_start_s - KEEP_REPORTS_D * 86_400)

        truth.advance(float(calendar.hour[k]), int(calendar.weekday[k]), local_day, dt_h)
        t_due, i_due, s_due = pending.take_before(t0 + STEP_S)
        # A visit before the sensor's measurement in this step shows in it; a later one in the next step.
        early = t_due < t0 + sensors.offset_s[i_due]
        empty(i_due[early], s_due[early], sim_day)
        sensors.observe(t0, truth.level, float(air[k]) if air is not None else DEFAULT_AIR_C, float(calendar.hour[k]))
        empty(i_due[~early], s_due[~early], sim_day)

        last_step = k == calendar.n_steps - 1 or int(calendar.day[k + 1]) != local_day
        if sim_day >= 0 and last_step:
            row = _day_row(policy.name, sim_day, today, day_start_ledger, _ledger(truth), coll_day, coll_before)
            rows.append(row)
            if progress is not None:
                progress(policy.name, sim_day + 1, settings.days, row)  # type: ignore[arg-type]

    collections = pd.DataFrame(
        {
            "day": np.concatenate(coll_day) if coll_day else np.array([], dtype=int),
            "bin_id": ids[np.concatenate(coll_idx)] if coll_idx else np.array([], dtype=object),
            "fill_before_pct": np.concatenate(coll_before) if coll_before else np.array([]),
        }
    )
    in_bins = float((truth.level * truth.litres_per_pct).sum())
    return OpsRun(
        policy=policy.name,
        daily=pd.DataFrame(rows, columns=list(DAILY_COLUMNS)),
        collections=collections,
        balance_l=truth.balance_l(),
        still_in_bins_l=in_bins,
        opening_l=float(truth.opening_l.sum()),
    )


def _ledger(truth: GroundTruth) -> dict[str, float]:
    return {
        "overflow_events": float(truth.overflow_events.sum()),
        "overflow_bin_h": float(truth.overflow_bin_h.sum()),
        "overflowed_l": float(truth.overflowed_l.sum()),
        "collected_l": float(truth.collected_l.sum()),
        "generated_l": float(truth.generated_l.sum()),
    }


def _day_row(
    policy: str,
    day: int,
    today: dict[str, object],
    start: dict[str, float],
    end: dict[str, float],
    coll_day: list[np.ndarray],
    coll_before: list[np.ndarray],
) -> dict[str, object]:
    routes = today.get("routes")
    figures = routes.figures if isinstance(routes, DayRoutes) else dict.fromkeys(ROUTE_FIGURES, 0.0)
    levels = [b for d, b in zip(coll_day, coll_before, strict=True) if len(d) and d[0] == day]
    before = np.concatenate(levels) if levels else np.array([])
    row: dict[str, object] = {
        "policy": policy,
        "day": day,
        "date": today.get("date", ""),
        "bins_chosen": int(today.get("chosen", 0)) + (routes.dropped if isinstance(routes, DayRoutes) else 0),
        "bins_collected": len(before),
        "bins_dropped": routes.dropped if isinstance(routes, DayRoutes) else 0,
        **figures,
        "mean_fill_at_collection_pct": float(before.mean()) if len(before) else float("nan"),
        "plan_s": float(today.get("plan_s", 0.0)),  # type: ignore[arg-type]
    }
    for key in ("overflow_events", "overflow_bin_h", "overflowed_l", "collected_l", "generated_l"):
        row[key] = end[key] - start[key]
    return row


def run_policies(
    city: CityTables,
    factories: dict[str, PolicyFactory],
    settings: RunSettings | None = None,
    *,
    progress: Progress | None = None,
) -> dict[str, OpsRun]:
    """Run several policies on the same city, seed and days (so they face the same waste), one after the other."""
    return {name: simulate_operations(city, make, settings, progress=progress) for name, make in factories.items()}
