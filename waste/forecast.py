"""Fill forecasts per bin: expected fill at any future time, time to threshold, probability of overflow.

The model (:class:`~waste.forecasting.fillrate.FillRateModel`) learns each bin's fill rate with its weekday and
hour-of-day profile from its own fill cycles, borrows from similar bins when its history is short, and gives
calibrated 10/50/90 % quantiles; the baselines share its ``fit``/``predict`` shape. This module is the entry point:

* :func:`forecast_bins` cleans the readings, fits the model on all bins at once and returns one row per bin
  (the table behind ``waste forecast``): fill now and at the horizon with its interval, hours until the
  threshold, probability of reaching it within the horizon, and a ``status`` that says when there is nothing to
  forecast from: ``silent`` (no reading for ``silent_after_h``, default ``max(24 h, 4 x`` the bin's sampling
  step``)``), ``stuck`` (the sensor repeats one value, see :mod:`waste.collections`) or ``no_data``. Such bins get
  no numbers: a guess would look like a forecast.
* :func:`fill_curve` gives the forecast distribution at any list of horizons, in long format.

Thresholds are 100 % unless the bins table has ``threshold_pct`` or a mapping by stream or bin id is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from waste.collections import CleaningConfig, clean_readings
from waste.errors import InputError
from waste.forecasting.base import LEVELS, FillModel, prob_at_least
from waste.forecasting.baselines import LastValue, LinearCycle, SeasonalNaive
from waste.forecasting.fillrate import FillRateModel
from waste.forecasting.panel import DEFAULT_GROUP_COLUMNS, Panel, build_panel
from waste.forecasting.timebase import from_hours, to_hours

__all__ = [
    "FORECAST_COLUMNS",
    "FillModel",
    "FillRateModel",
    "FittedForecast",
    "ForecastConfig",
    "ForecastRun",
    "LastValue",
    "LinearCycle",
    "SeasonalNaive",
    "fill_curve",
    "fit_forecast",
    "forecast_bins",
    "forecast_horizons",
    "run_forecast",
]

#: Columns of :func:`forecast_bins`' table (fill in %, times UTC, durations in hours).
FORECAST_COLUMNS: tuple[str, ...] = (
    "bin_id", "status", "last_ts", "last_fill_pct", "at", "fill_now_pct", "horizon_h", "fill_pct", "fill_p10_pct",
    "fill_p90_pct", "threshold_pct", "hours_to_threshold", "threshold_ts", "p_overflow", "rate_pct_per_h",
)  # fmt: skip
_I10, _I50, _I90 = (int(np.flatnonzero(v == LEVELS)[0]) for v in (0.1, 0.5, 0.9))
#: Forecasters by name. "ensemble" and "global" need LightGBM (the ``forecast`` extra).
MODEL_NAMES: tuple[str, ...] = ("fillrate", "global", "ensemble")
#: The forecaster of ``waste forecast``, chosen by the leave-bins-out backtest (``docs/results/forecasting.md``).
DEFAULT_MODEL = "ensemble"


def model_factory(name: str | None = None) -> tuple[Callable[[], FillModel], str | None]:
    """The factory of forecaster ``name`` (default :data:`DEFAULT_MODEL`) and a note when it had to fall back.

    Without LightGBM the global model and the ensemble are not available: the fill-rate model is used instead,
    and the note says so and how to install the extra.
    """
    name = name or DEFAULT_MODEL
    if name not in MODEL_NAMES:
        raise InputError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}", field="model")
    if name == "fillrate":
        return FillRateModel, None
    from waste.forecasting.gbm import GlobalBoostedModel, lightgbm_available

    if not lightgbm_available():
        note = (
            f"the {name} model needs LightGBM, which is not installed: using the fill-rate model "
            "(pip install 'waste-optimiser[forecast]' to get it)"
        )
        return FillRateModel, note
    if name == "global":
        return GlobalBoostedModel, None
    from waste.forecasting.ensemble import AverageModel

    return AverageModel, None


@dataclass(frozen=True, slots=True)
class ForecastConfig:
    """Settings of :func:`forecast_bins`.

    Attributes
    ----------
    horizon_h
        Hours ahead of ``at`` for the fill and the overflow probability (the next possible visit).
    history_days
        Days of readings before ``at`` the model learns from.
    silent_after_h
        A bin without a reading for this long is ``silent`` (default: ``max(24, 4 x`` its median step``)``).
    group_columns
        Bin columns that make bins similar, for pooling.
    thresholds
        One level (%) for all bins or a mapping by stream or bin id; a bin's ``threshold_pct`` wins.
    cleaning
        Settings of the cleaning and emptying detection.
    """

    horizon_h: float = 72.0
    history_days: float = 56.0
    silent_after_h: float | None = None
    group_columns: tuple[str, ...] = DEFAULT_GROUP_COLUMNS
    thresholds: Mapping[str, float] | float | None = None
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)

    def __post_init__(self) -> None:
        if self.horizon_h <= 0 or self.history_days <= 0:
            msg = "horizon_h and history_days must be > 0"
            raise ValueError(msg)


def _window(
    readings: pd.DataFrame, bins: pd.DataFrame | None, at: pd.Timestamp | None, cfg: ForecastConfig
) -> tuple[pd.DataFrame, float]:
    """The readings the model learns from (``history_days`` up to ``at``) and ``at`` in hours."""
    if readings.empty and (bins is None or bins.empty):
        raise InputError("no readings and no bins to forecast")
    ts = readings["ts"]
    at_ts = pd.Timestamp(at) if at is not None else (ts.max() if len(ts) else pd.Timestamp.now(tz="UTC"))
    at_ts = at_ts.tz_localize("UTC") if at_ts.tzinfo is None else at_ts.tz_convert("UTC")
    window = readings[(ts <= at_ts) & (ts > at_ts - pd.Timedelta(days=cfg.history_days))]
    return window, float(to_hours(at_ts))


def bin_ids_of(window: pd.DataFrame, bins: pd.DataFrame | None) -> list[str]:
    """Every bin forecast from ``window``: those with a fill reading and those of the bins table, sorted."""
    ids = set(window.loc[window["fill_pct"].notna(), "bin_id"].astype(str))
    if bins is not None:
        ids |= set(bins["bin_id"].astype(str))
    return sorted(ids)


@dataclass(slots=True)
class Part:
    """The bins of one partition (whole groups of similar bins) between the stages of a fit.

    A local run is one part holding every bin; :mod:`waste.forecasting.partitioned` runs several on Dask
    workers. Each stage returns what the next needs, so that a scheduler may move the part between workers.
    """

    panel: Panel
    last: pd.DataFrame
    emptyings: pd.DataFrame
    model: FillModel
    at_h: float
    config: ForecastConfig

    @classmethod
    def build(
        cls,
        window: pd.DataFrame,
        bins: pd.DataFrame | None,
        at_h: float,
        config: ForecastConfig,
        model: FillModel | None = None,
        groups: Mapping[str, int] | None = None,
        groups_total: int = 0,
    ) -> Part:
        """Clean the partition's readings and pack its panel (groups numbered over all partitions if given)."""
        result = clean_readings(window, bins, config.cleaning)
        panel = build_panel(
            result.clean,
            bins,
            group_columns=config.group_columns,
            thresholds=config.thresholds,
            bin_ids=bin_ids_of(window, bins),
            groups=groups,
            groups_total=groups_total,
        )
        last = result.readings.groupby("bin_id", sort=True).tail(1).set_index("bin_id")
        return cls(panel, last, result.emptyings, model if model is not None else FillRateModel(), at_h, config)

    def stats(self) -> dict[str, np.ndarray]:
        """Stage 1: the per-group sums the model pools over."""
        return self.model.pooled_stats(self.panel)

    def fit_local(self, pooled: dict[str, np.ndarray]) -> tuple[Part, np.ndarray]:
        """Stage 2: fit with the pooled sums of all parts; returns the part and its error histogram."""
        return self, self.model.fit_local(self.panel, pooled)

    def finish(self, histogram: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Stage 3: calibrate with all parts' error histogram; returns (unsorted forecast table, emptyings)."""
        self.model.fit_finish(histogram)
        return _table(self.panel, self.model, self.last, self.at_h, self.config), self.emptyings


def _table(panel: Panel, fitted: FillModel, last: pd.DataFrame, at_h: float, cfg: ForecastConfig) -> pd.DataFrame:
    """One row per bin of ``panel`` in bin order (see :func:`forecast_bins`)."""
    origin = panel.last_at(at_h)
    step = np.nan_to_num(panel.median_step_h(), nan=24.0)
    silent_after = (
        np.maximum(24.0, 4.0 * step) if cfg.silent_after_h is None else np.full(step.shape, cfg.silent_after_h)
    )
    flags = last["flag"].reindex(panel.bin_ids).to_numpy(dtype=object)
    status = np.full(panel.n_bins, "ok", dtype=object)
    has = origin >= 0
    status[~has] = "no_data"
    status[has & (at_h - panel.t[np.maximum(origin, 0)] > silent_after)] = "silent"
    status[has & (flags == "stuck")] = "stuck"
    ok = status == "ok"
    o = origin[ok]
    names = ("fill_now_pct", "fill_pct", "fill_p10_pct", "fill_p90_pct", "hours_to_threshold", "p_overflow")
    out = {name: np.full(panel.n_bins, np.nan) for name in (*names, "rate_pct_per_h")}
    if o.size:
        now, _ = fitted.forecast_at(o, np.full(o.size, at_h))
        _, q = fitted.forecast_at(o, np.full(o.size, at_h + cfg.horizon_h))
        out["fill_now_pct"][ok] = now
        out["fill_pct"][ok], out["fill_p10_pct"][ok], out["fill_p90_pct"][ok] = q[:, _I50], q[:, _I10], q[:, _I90]
        thr = panel.threshold_pct[ok]
        out["p_overflow"][ok] = fitted.prob_reach(o, np.full(o.size, at_h + cfg.horizon_h), thr)
        if hasattr(fitted, "hours_to_reach"):
            out["hours_to_threshold"][ok] = fitted.hours_to_reach(o, np.full(o.size, at_h), thr)
        if hasattr(fitted, "rate_"):
            out["rate_pct_per_h"][ok] = fitted.rate_[panel.code[o]]
    # a bin whose last reading is at its threshold is full now, whatever the smoothed level says
    last_fill = last["fill_pct"].reindex(panel.bin_ids).to_numpy(dtype=float)
    full_now = ok & (last_fill >= panel.threshold_pct)
    out["p_overflow"][full_now] = 1.0
    out["hours_to_threshold"][full_now] = 0.0
    hours = out["hours_to_threshold"]
    eta = np.where(np.isfinite(hours), at_h + np.nan_to_num(hours, posinf=0.0), np.nan)
    frame = pd.DataFrame(
        {
            "bin_id": panel.bin_ids,
            "status": status.astype(str),
            "last_ts": last["ts"].reindex(panel.bin_ids).array,
            "last_fill_pct": last_fill,
            "at": from_hours(at_h),
            "fill_now_pct": out["fill_now_pct"],
            "horizon_h": cfg.horizon_h,
            **{k: out[k] for k in ("fill_pct", "fill_p10_pct", "fill_p90_pct")},
            "threshold_pct": panel.threshold_pct,
            "hours_to_threshold": hours,
            "threshold_ts": pd.Series(from_hours(np.nan_to_num(eta)).round("s")).where(np.isfinite(eta)),
            "p_overflow": out["p_overflow"],
            "rate_pct_per_h": out["rate_pct_per_h"],
        }
    )
    frame["last_ts"] = pd.to_datetime(frame["last_ts"], utc=True)
    return frame


def rank_forecasts(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Per-part tables as one, most at risk first (ties in bin order), bins without a forecast last."""
    frame = pd.concat(frames, ignore_index=True) if len(frames) != 1 else frames[0]
    frame = frame.sort_values("bin_id", kind="stable")
    frame = frame.assign(_bad=frame["status"] != "ok").sort_values(
        ["_bad", "p_overflow", "hours_to_threshold"], ascending=[True, False, True], kind="stable", na_position="last"
    )
    return frame.drop(columns="_bad").reset_index(drop=True).loc[:, list(FORECAST_COLUMNS)]


@dataclass(frozen=True, slots=True)
class ForecastRun:
    """Output of :func:`run_forecast`.

    Attributes
    ----------
    table
        The forecast, as :func:`forecast_bins` returns it.
    emptyings
        Emptyings found in the history window (schema of :attr:`waste.collections.CleanResult.emptyings`, with
        ``confirmed``); :func:`waste.collections.save_emptyings` stores them.
    """

    table: pd.DataFrame
    emptyings: pd.DataFrame


def run_forecast(
    readings: pd.DataFrame,
    bins: pd.DataFrame | None = None,
    *,
    at: pd.Timestamp | str | None = None,
    config: ForecastConfig | None = None,
    model: Callable[[], FillModel] | None = None,
    scheduler: str | Any | None = None,
    partitions: int | None = None,
) -> ForecastRun:
    """The forecast of every bin and the emptyings found on the way, locally or over a Dask cluster.

    Parameters
    ----------
    readings, bins, at, config
        As for :func:`forecast_bins`.
    model
        Factory of an unfitted model (default :class:`FillRateModel`: the web pages and the selection forecast
        on every request, and the global model trains in seconds, not milliseconds; ``waste forecast`` uses
        :data:`DEFAULT_MODEL` through :func:`model_factory`).
    scheduler
        Address of a Dask scheduler (``tcp://host:8786``) or a ``distributed.Client``: the bins are partitioned
        by groups of similar bins over its workers (needs the ``dask`` extra). The numbers equal a local run's.
    partitions
        Number of partitions with a scheduler (default: twice its workers).
    """
    cfg = config or ForecastConfig()
    window, at_h = _window(readings, bins, None if at is None else pd.Timestamp(at), cfg)
    factory = model or FillRateModel
    if scheduler is not None:
        from waste.forecasting.partitioned import run_partitioned

        tables, emptyings = run_partitioned(window, bins, at_h, cfg, factory, scheduler, partitions)
    else:
        part = Part.build(window, bins, at_h, cfg, factory())
        part, histogram = part.fit_local(part.stats())
        table, found = part.finish(histogram)
        tables, emptyings = [table], [found]
    found = pd.concat(emptyings, ignore_index=True) if len(emptyings) != 1 else emptyings[0]
    return ForecastRun(rank_forecasts(tables), found.sort_values(["bin_id", "ts"], ignore_index=True))


def forecast_bins(
    readings: pd.DataFrame,
    bins: pd.DataFrame | None = None,
    *,
    at: pd.Timestamp | str | None = None,
    config: ForecastConfig | None = None,
    model: FillModel | None = None,
) -> pd.DataFrame:
    """One forecast row per bin, most at risk first (columns :data:`FORECAST_COLUMNS`).

    Parameters
    ----------
    readings
        Long-format readings (``bin_id``, ``ts`` UTC, ``fill_pct``); readings after ``at`` are ignored.
    bins
        Optional bins table: adds bins without readings (status ``no_data``), groups similar bins, and gives
        capacities, compaction ratios and thresholds.
    at
        Time of the forecast (default: the newest reading).
    config
        Horizon, history and thresholds.
    model
        An unfitted model (default :class:`FillRateModel`); time to threshold needs a model with
        ``hours_to_reach`` (ours), other models leave it NaN.

    Returns
    -------
    pandas.DataFrame
        ``fill_now_pct`` is the median fill at ``at``; ``fill_pct``, ``fill_p10_pct`` and ``fill_p90_pct`` the
        median and 80 % interval at ``at + horizon_h``; ``hours_to_threshold`` when the median reaches the
        threshold (inf when it never does); ``p_overflow`` the probability of reaching it by the horizon.
        Sorted by ``p_overflow`` (descending), then ``hours_to_threshold``; bins without a forecast last.
    """
    factory = None if model is None else (lambda: model)
    return run_forecast(readings, bins, at=at, config=config, model=factory).table


@dataclass(frozen=True, slots=True)
class FittedForecast:
    """A forecast model fitted once on a morning's readings, to be asked several questions.

    The fit does not depend on the horizon, so a planner that needs the fill at the visit, the risk before the next
    visit and the hours a bin would spend full fits once, not once per question (:func:`fit_forecast`).
    """

    part: Part
    at_h: float
    config: ForecastConfig

    def table(self, horizon_h: float) -> pd.DataFrame:
        """:func:`forecast_bins`' table at ``horizon_h`` hours after the forecast time."""
        cfg = replace(self.config, horizon_h=float(horizon_h))
        return rank_forecasts([_table(self.part.panel, self.part.model, self.part.last, self.at_h, cfg)])

    def full_risk(self, from_h: float, to_h: float | pd.Series, step_h: float = 2.0) -> pd.DataFrame:
        """Expected hours full and probability of being full, from ``from_h`` to ``to_h`` h after the forecast.

        ``to_h`` is one horizon, or one per bin id (a Series). Returns one row per bin id with ``hours_full``, the
        expected hours at or above the threshold in that span if nobody empties the bin, and ``p_full``, the
        probability that it is full by the span's end; NaN for bins without readings. Both come from the
        probability of being full at mid-points ``step_h`` apart, from the monotone forecast distribution (an
        uncollected bin does not empty itself): the overflow a visit at ``from_h`` prevents until ``to_h``.
        """
        panel, model = self.part.panel, self.part.model
        ids = pd.Index(panel.bin_ids, name="bin_id")
        end = (to_h.reindex(ids) if isinstance(to_h, pd.Series) else pd.Series(float(to_h), index=ids)).to_numpy(float)
        if np.any(~(end > from_h) & np.isfinite(end)) or from_h < 0:
            msg = f"need 0 <= from_h < to_h, got {from_h} and {np.nanmin(end)}"
            raise ValueError(msg)
        origin = panel.last_at(self.at_h)
        has = np.flatnonzero((origin >= 0) & np.isfinite(end))
        hours, p_end = np.full(panel.n_bins, np.nan), np.full(panel.n_bins, np.nan)
        if has.size:
            steps = max(1, int(np.ceil((np.nanmax(end[has]) - from_h) / step_h)))
            mids = from_h + step_h * (np.arange(steps) + 0.5)
            _, q = model.forecast_at(np.repeat(origin[has], steps), np.tile(self.at_h + mids, has.size), monotone=True)
            thr = np.repeat(panel.threshold_pct[has], steps)
            p = np.maximum.accumulate(prob_at_least(q, thr).reshape(has.size, steps), axis=1)
            width = np.clip(end[has, None] - (mids - step_h / 2)[None, :], 0.0, step_h)  # hours of each step in span
            hours[has] = (p * width).sum(axis=1)
            last = np.clip(np.ceil((end[has] - from_h) / step_h).astype(int) - 1, 0, steps - 1)
            p_end[has] = p[np.arange(has.size), last]
        return pd.DataFrame({"hours_full": hours, "p_full": p_end}, index=ids)


def fit_forecast(
    readings: pd.DataFrame,
    bins: pd.DataFrame | None = None,
    *,
    at: pd.Timestamp | str | None = None,
    config: ForecastConfig | None = None,
) -> FittedForecast:
    """Fit the fill model (:class:`FillRateModel`) on the readings up to ``at``, once, for several questions."""
    cfg = config or ForecastConfig()
    window, at_h = _window(readings, bins, None if at is None else pd.Timestamp(at), cfg)
    part = Part.build(window, bins, at_h, cfg, FillRateModel())
    part, histogram = part.fit_local(part.stats())
    part.model.fit_finish(histogram)
    return FittedForecast(part, at_h, cfg)


def forecast_horizons(
    readings: pd.DataFrame,
    bins: pd.DataFrame | None = None,
    *,
    horizons_h: Sequence[float],
    at: pd.Timestamp | str | None = None,
    config: ForecastConfig | None = None,
) -> list[pd.DataFrame]:
    """:func:`forecast_bins`' table at each of ``horizons_h``, from one fit of the model.

    The same numbers as one :func:`forecast_bins` call per horizon, at the cost of one.
    """
    fitted = fit_forecast(readings, bins, at=at, config=config)
    return [fitted.table(h) for h in horizons_h]


def fill_curve(
    readings: pd.DataFrame,
    bins: pd.DataFrame | None = None,
    *,
    horizons_h: Sequence[float] = (6.0, 24.0, 48.0, 72.0),
    at: pd.Timestamp | str | None = None,
    config: ForecastConfig | None = None,
    model: FillModel | None = None,
) -> pd.DataFrame:
    """Forecast distribution of every bin with readings at ``at + horizons_h``, in long format.

    Returns
    -------
    pandas.DataFrame
        ``bin_id, ts, horizon_h, mean, p10, p50, p90`` (fill in %); ``mean`` is the model's point forecast.
    """
    cfg = config or ForecastConfig()
    window, at_h = _window(readings, bins, None if at is None else pd.Timestamp(at), cfg)
    part = Part.build(window, bins, at_h, cfg, model)
    fitted = part.model.fit(part.panel)
    panel = part.panel
    origin = panel.last_at(at_h)
    codes = np.flatnonzero(origin >= 0)
    hz = np.asarray(horizons_h, dtype=float)
    o = np.repeat(origin[codes], hz.size)
    target = at_h + np.tile(hz, codes.size)
    point, q = fitted.forecast_at(o, target)
    return pd.DataFrame(
        {
            "bin_id": panel.bin_ids[np.repeat(codes, hz.size)],
            "ts": from_hours(target),
            "horizon_h": np.tile(hz, codes.size),
            "mean": point,
            "p10": q[:, _I10],
            "p50": q[:, _I50],
            "p90": q[:, _I90],
        }
    )
