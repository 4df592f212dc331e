"""Air temperature over the simulated period: season, daily cycle and weather, from the city's climate normals.

The season interpolates the monthly means (anchored mid-month); the daily cycle is a cosine of the mean daily range
peaking at 15:00 local time; weather is a day-to-day AR(1) anomaly, plus, in Santa Cruz, ``surazos``: cold southern
fronts that drop the temperature by several degrees within hours and fade over two or three days.
"""

from __future__ import annotations

import numpy as np

from waste.synthetic.calendar import Calendar
from waste.synthetic.cities import CitySpec

#: Day-to-day persistence of the weather anomaly (AR(1) coefficient per day).
WEATHER_AR1 = 0.7
#: Mid-month day of year of each month (non-leap), anchors of the seasonal curve.
_MID_MONTH = np.array([15.5, 45.0, 74.5, 105.0, 135.5, 166.0, 196.5, 227.5, 258.0, 288.5, 319.0, 349.5])


def _seasonal(values: tuple[float, ...], day_of_year: np.ndarray) -> np.ndarray:
    """Periodic linear interpolation of 12 monthly values at ``day_of_year``."""
    x = np.concatenate([_MID_MONTH - 365, _MID_MONTH, _MID_MONTH + 365])
    y = np.tile(np.asarray(values, dtype=float), 3)
    return np.interp(day_of_year, x, y)


def air_temperature(spec: CitySpec, calendar: Calendar, rng: np.random.Generator) -> np.ndarray:
    """Air temperature (degC) at each step of ``calendar``.

    Parameters
    ----------
    spec
        The city, for its climate normals and weather variability.
    calendar
        The simulation clock.
    rng
        Random generator of the weather.
    """
    mean = _seasonal(spec.monthly_mean_c, calendar.day_of_year)
    daily_range = _seasonal(spec.monthly_range_c, calendar.day_of_year)
    diurnal = 0.5 * daily_range * np.cos(2 * np.pi * (calendar.hour - 15.0) / 24.0)

    n_days = int(calendar.day.max()) + 2
    anomaly = np.zeros(n_days)
    a = rng.normal(0.0, spec.synoptic_sd_c)
    for d in range(n_days):
        anomaly[d] = a
        a = WEATHER_AR1 * a + rng.normal(0.0, spec.synoptic_sd_c * np.sqrt(1 - WEATHER_AR1**2))
    # Interpolate the daily anomaly through the day so weather changes smoothly.
    t_day = calendar.day + calendar.hour / 24.0
    weather = np.interp(t_day, np.arange(n_days) + 0.5, anomaly)

    front = np.zeros_like(t_day)
    if spec.cold_front_per_day > 0:
        starts = np.flatnonzero(rng.random(n_days) < spec.cold_front_per_day) + rng.random()
        for s in starts:
            dt = t_day - s
            drop = spec.cold_front_drop_c * rng.uniform(0.6, 1.2)
            # Falls within ~6 h, then recovers with a 1.5-day time constant.
            shape = np.where(dt < 0, 0.0, np.minimum(dt / 0.25, 1.0) * np.exp(-np.maximum(dt - 0.25, 0) / 1.5))
            front -= drop * shape
    return mean + diurnal + weather + front
