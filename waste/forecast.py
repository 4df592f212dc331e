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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from waste.collections import CleaningConfig, clean_readings
from waste.errors import InputError
from waste.forecasting.base import LEVELS, FillModel
from waste.forecasting.baselines import LastValue, LinearCycle, SeasonalNaive
from waste.forecasting.fillrate import FillRateModel
from waste.forecasting.panel import DEFAULT_GROUP_COLUMNS, Panel, build_panel
from waste.forecasting.timebase import from_hours, to_hours

__all__ = [
    "FORECAST_COLUMNS",
    "FillModel",
    "FillRateModel",
    "ForecastConfig",
    "LastValue",
    "LinearCycle",
    "SeasonalNaive",
    "fill_curve",
    "forecast_bins",
]

#: Columns of :func:`forecast_bins`' table (fill in %, times UTC, durations in hours).
FORECAST_COLUMNS: tuple[str, ...] = (
    "bin_id", "status", "last_ts", "last_fill_pct", "at", "fill_now_pct", "horizon_h", "fill_pct", "fill_p10_pct",
    "fill_p90_pct", "threshold_pct", "hours_to_threshold", "threshold_ts", "p_overflow", "rate_pct_per_h",
)  # fmt: skip
_I10, _I50, _I90 = (int(np.flatnonzero(v == LEVELS)[0]) for v in (0.1, 0.5, 0.9))


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


def _prepare(
    readings: pd.DataFrame, bins: pd.DataFrame | None, at: pd.Timestamp | None, cfg: ForecastConfig
) -> tuple[Panel, pd.DataFrame, float]:
    if readings.empty and (bins is None or bins.empty):
        raise InputError("no readings and no bins to forecast")
    ts = readings["ts"]
    at_ts = pd.Timestamp(at) if at is not None else (ts.max() if len(ts) else pd.Timestamp.now(tz="UTC"))
    at_ts = at_ts.tz_localize("UTC") if at_ts.tzinfo is None else at_ts.tz_convert("UTC")
    window = readings[(ts <= at_ts) & (ts > at_ts - pd.Timedelta(days=cfg.history_days))]
    result = clean_readings(window, bins, cfg.cleaning)
    ids = set(result.readings["bin_id"].astype(str))
    if bins is not None:
        ids |= set(bins["bin_id"].astype(str))
    panel = build_panel(
        result.clean, bins, group_columns=cfg.group_columns, thresholds=cfg.thresholds, bin_ids=sorted(ids)
    )
    last = result.readings.groupby("bin_id", sort=True).tail(1).set_index("bin_id")
    return panel, last, float(to_hours(at_ts))


def _fit(panel: Panel, model: FillModel | None) -> FillModel:
    model = model if model is not None else FillRateModel()
    return model.fit(panel)


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
    cfg = config or ForecastConfig()
    at_ts = None if at is None else pd.Timestamp(at)
    panel, last, at_h = _prepare(readings, bins, at_ts, cfg)
    fitted = _fit(panel, model)
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
    n = panel.n_bins
    out = {
        name: np.full(n, np.nan)
        for name in (
            "fill_now_pct",
            "fill_pct",
            "fill_p10_pct",
            "fill_p90_pct",
            "hours_to_threshold",
            "p_overflow",
            "rate_pct_per_h",
        )
    }
    if o.size:
        now, _ = fitted.forecast_at(o, np.full(o.size, at_h))
        _, q = fitted.forecast_at(o, np.full(o.size, at_h + cfg.horizon_h))
        out["fill_now_pct"][ok] = now
        out["fill_pct"][ok], out["fill_p10_pct"][ok], out["fill_p90_pct"][ok] = q[:, _I50], q[:, _I10], q[:, _I90]
        thr = panel.threshold_pct[ok]
        out["p_overflow"][ok] = fitted.prob_reach(o, np.full(o.size, at_h + cfg.horizon_h), thr)
        if isinstance(fitted, FillRateModel):
            out["hours_to_threshold"][ok] = fitted.hours_to_reach(o, np.full(o.size, at_h), thr)
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
            "last_ts": last["ts"].reindex(panel.bin_ids).to_numpy(),
            "last_fill_pct": last_fill,
            "at": from_hours(at_h),
            **{k: out[k] for k in ("fill_now_pct",)},
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
    frame = frame.assign(_bad=frame["status"] != "ok").sort_values(
        ["_bad", "p_overflow", "hours_to_threshold"], ascending=[True, False, True], kind="stable", na_position="last"
    )
    return frame.drop(columns="_bad").reset_index(drop=True).loc[:, list(FORECAST_COLUMNS)]


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
    panel, _, at_h = _prepare(readings, bins, None if at is None else pd.Timestamp(at), cfg)
    fitted = _fit(panel, model)
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
