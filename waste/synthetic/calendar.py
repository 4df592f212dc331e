"""The simulation clock: fixed steps in UTC, with the city's local hour, weekday and date for each step.

Fill patterns and collection rounds follow local time (with its daylight-saving changes); every timestamp the
generator writes is UTC.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Length of one step (s). Sensors measure every 10 minutes (Prague: extra reports at 10-minute multiples).
STEP_S = 600


@dataclass(frozen=True, slots=True)
class Calendar:
    """Step times and their local-time features.

    Attributes
    ----------
    t_s
        Start of each step, seconds since 1970-01-01 UTC (int64).
    hour
        Local hour of day as a float in [0, 24).
    weekday
        Local weekday, Monday = 0.
    day
        Local calendar day, counted from the first step's local date (0, 1, ...).
    day_of_year
        Local day of the year as a float (1 = 1 January, 00:00), for the seasonal climate.
    record_from_s
        Start of the recorded window (UTC seconds); steps before it only warm the state up.
    """

    t_s: np.ndarray
    hour: np.ndarray
    weekday: np.ndarray
    day: np.ndarray
    day_of_year: np.ndarray
    record_from_s: int
    timezone: str

    @property
    def n_steps(self) -> int:
        """Number of steps."""
        return len(self.t_s)

    def day_start_s(self) -> np.ndarray:
        """UTC seconds of local midnight of each local day (index = :attr:`day`)."""
        start = pd.Timestamp(int(self.t_s[0]), unit="s", tz="UTC").tz_convert(self.timezone).normalize()
        days = pd.date_range(start.tz_localize(None), periods=int(self.day.max()) + 2, freq="D")
        local = days.tz_localize(self.timezone, nonexistent="shift_forward", ambiguous=False)
        return (local.tz_convert("UTC").as_unit("s").asi8).astype(np.int64)


def make_calendar(end: pd.Timestamp, days: int, timezone: str, warmup_days: int = 7) -> Calendar:
    """Steps from ``warmup_days + days`` before ``end`` up to ``end`` (exclusive).

    Parameters
    ----------
    end
        End of the recorded window, timezone-aware.
    days
        Length of the recorded window (days).
    timezone
        IANA name of the city's time zone.
    warmup_days
        Days simulated before the window so that fill levels and schedules start in a steady state.
    """
    end_s = int(end.tz_convert("UTC").timestamp())
    record_from = end_s - days * 86_400
    t0 = record_from - warmup_days * 86_400
    t_s = np.arange(t0, end_s, STEP_S, dtype=np.int64)
    local = pd.DatetimeIndex(pd.to_datetime(t_s, unit="s", utc=True)).tz_convert(timezone)
    hour = (local.hour + local.minute / 60).to_numpy(dtype=float)
    dates = local.normalize().tz_localize(None)
    day = ((dates - dates[0]).days).to_numpy(dtype=np.int32)
    doy = (local.day_of_year + hour / 24).to_numpy(dtype=float)
    return Calendar(
        t_s=t_s,
        hour=hour,
        weekday=local.day_of_week.to_numpy(dtype=np.int8),
        day=day,
        day_of_year=doy,
        record_from_s=record_from,
        timezone=timezone,
    )
