"""What an ultrasonic fill-level sensor reports, given the true level: the observation model.

Each sensor measures every 10 minutes. It reports on a heartbeat at a fixed phase of its own clock (every 3 hours in
the sample, 2 hours for some) and at once when the level moved by
:data:`~waste.synthetic.calibration.REPORT_CHANGE_PTS` since its last report, as the Prague Sensoneo sensors do. From
22:00 to 05:00 local time it sleeps: no heartbeats, but a level change (an emptying, a dumped bag) still wakes it.
Every report carries the fill level as a whole percent (censored at 0 and 100: overflow reads 100, with an occasional
dip of a point or two off the heap's uneven top); every other heartbeat is a status frame that adds the temperature
inside the bin (whole degC), and the first status frame after noon adds the battery voltage. Faults, at rates
measured on the Prague logs (:mod:`waste.synthetic.calibration`): slowly varying measurement error, isolated spikes
up (an object under the sensor) and down (an echo off the wall), objects wedged under the sensor for hours, frozen
values, outages of hours to days, a gateway outage silencing a whole neighbourhood for a day or two, and lost
uplinks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from waste.synthetic import calibration as cal
from waste.synthetic.calendar import STEP_S, Calendar

#: Lithium thionyl chloride primary cells (3.6 V nominal) power most LoRaWAN fill sensors: a fresh cell reports
#: 3.56-3.67 V under load and sags ~0.25 mV a day; 4 % of the sensors are on an ageing cell near its end (3.42-3.47 V,
#: falling ~1.2 mV a day). Cold lowers the voltage by ~4 mV per degree below 10 degC.
BATTERY_FRESH_V = (3.56, 3.67)
BATTERY_AGEING_V = (3.42, 3.47)
BATTERY_AGEING_SHARE = 0.04
BATTERY_SAG_V_DAY = 0.00025
BATTERY_AGEING_SAG_V_DAY = 0.0012
BATTERY_COLD_V_PER_C = 0.004
#: A bin in the sun warms its inside above the air by up to this much at solar noon (degC), depending on the spot.
SUN_WARMING_MAX_C = 7.0
#: Radius of the neighbourhood a gateway outage silences (m) and its duration (h).
GATEWAY_RADIUS_M = 1200.0
GATEWAY_OUTAGE_H = (20.0, 60.0)


@dataclass(frozen=True, slots=True)
class Reports:
    """Reports delivered during one step: bin rows, UTC seconds, fill %, battery V and temperature degC.

    Battery and temperature are NaN where a report does not carry them (see the module docstring).
    """

    bin_idx: np.ndarray
    t_s: np.ndarray
    fill_pct: np.ndarray
    battery_v: np.ndarray
    temperature_c: np.ndarray


class SensorArray:
    """The sensors of ``n`` bins, with their clocks, faults and batteries.

    Parameters
    ----------
    lat, lon
        Bin positions (deg), for the gateway outage's neighbourhood.
    calendar
        The simulation clock: its first step starts the batteries; outages start only inside the recorded window,
        at least a day after its start and four days before its end, so every bin covers the whole window.
    rng
        Random generator of the sensors.
    """

    def __init__(self, lat: np.ndarray, lon: np.ndarray, calendar: Calendar, rng: np.random.Generator) -> None:
        n = len(lat)
        self.rng = rng
        self.n = n
        self.t0 = int(calendar.t_s[0])
        self.offset_s = rng.integers(0, STEP_S, n)
        p = np.asarray(cal.HEARTBEAT_SHARE)
        self.heartbeat_s = rng.choice(np.asarray(cal.HEARTBEAT_MIN) * 60, size=n, p=p / p.sum())
        self.hb_steps = self.heartbeat_s // STEP_S
        self.phase_steps = rng.integers(0, self.hb_steps)
        self.latency_s = rng.uniform(5.0, 40.0, n)  # uplink and network-server delay
        self.last_val = np.full(n, -1000, dtype=np.int64)
        self.error = rng.normal(0.0, cal.NOISE_SD, n)
        self.stuck_until = np.zeros(n, dtype=np.int64)
        self.stuck_val = np.zeros(n, dtype=np.int64)
        self.obstructed_until = np.zeros(n, dtype=np.int64)
        self.obstruction_val = np.zeros(n)
        self.outage_until = np.zeros(n, dtype=np.int64)
        end_s = int(calendar.t_s[-1]) + STEP_S
        self.outage_window = (calendar.record_from_s + 86_400, end_s - 4 * 86_400)

        ageing = rng.random(n) < BATTERY_AGEING_SHARE
        self.v0 = np.where(ageing, rng.uniform(*BATTERY_AGEING_V, n), rng.uniform(*BATTERY_FRESH_V, n))
        self.sag = np.where(ageing, BATTERY_AGEING_SAG_V_DAY, BATTERY_SAG_V_DAY) * rng.lognormal(0, 0.3, n)
        self.sun_c = rng.uniform(0.0, SUN_WARMING_MAX_C, n)

        # One gateway outage over a random neighbourhood, inside the outage window.
        self.gateway = np.zeros(n, dtype=bool)
        self.gateway_span = (0, 0)
        lo, hi = self.outage_window
        if hi - lo > 3 * 86_400 and n > 0:
            centre = int(rng.integers(0, n))
            kx = 111_320.0 * np.cos(np.radians(lat[centre]))
            d = np.hypot((lon - lon[centre]) * kx, (lat - lat[centre]) * 110_540.0)
            self.gateway = d <= GATEWAY_RADIUS_M
            start = int(rng.integers(lo, hi - int(GATEWAY_OUTAGE_H[1] * 3600)))
            self.gateway_span = (start, start + int(rng.uniform(*GATEWAY_OUTAGE_H) * 3600))

    def _start_episodes(self, t: np.ndarray) -> None:
        """Begin new obstructions, frozen values and outages at their daily rates."""
        rng, n = self.rng, self.n
        per_step = STEP_S / 86_400
        start = (rng.random(n) < cal.OBSTRUCTION_PER_DAY * per_step) & (self.obstructed_until < t)
        dur = rng.lognormal(np.log(cal.OBSTRUCTION_MEDIAN_H), 0.8, n) * 3600
        self.obstructed_until = np.where(start, t + dur.astype(np.int64), self.obstructed_until)
        self.obstruction_val = np.where(start, rng.uniform(75, 100, n), self.obstruction_val)

        start = (rng.random(n) < cal.STUCK_PER_DAY * per_step) & (self.stuck_until < t)
        dur = rng.lognormal(np.log(cal.STUCK_MEDIAN_H), 0.7, n) * 3600
        self.stuck_until = np.where(start, t + dur.astype(np.int64), self.stuck_until)
        self.stuck_val = np.where(start, np.clip(self.last_val, 0, 100), self.stuck_val)

        lo, hi = self.outage_window
        start = (rng.random(n) < cal.OUTAGE_PER_DAY * per_step) & (self.outage_until < t) & (t >= lo) & (t < hi)
        dur = np.minimum(rng.lognormal(np.log(cal.OUTAGE_MEDIAN_H), cal.OUTAGE_LOG_SD, n) * 3600, hi - t + 86_400)
        self.outage_until = np.where(start, t + dur.astype(np.int64), self.outage_until)

    def measure(self, level: np.ndarray, t: np.ndarray) -> np.ndarray:
        """What each sensor measures now (whole %), faults included, given the true ``level`` (%)."""
        rng, n = self.rng, self.n
        # Slowly varying error (the echo off an uneven surface): consecutive reports often agree, as in Prague.
        a = cal.NOISE_AR1
        self.error = a * self.error + np.sqrt(1 - a * a) * rng.normal(0.0, cal.NOISE_SD, n)
        noise = self.error
        # Over-full: the echo comes off the heap's top, read as 100 % with an occasional dip of a point or two.
        dip = np.where(np.abs(noise) > 1.5, np.abs(noise) - 0.5, 0.0)
        value = np.where(level >= 100, 100 - dip, np.clip(level, 0, None) + noise)
        per_meas = 1.0 / cal.MEASUREMENTS_PER_REPORT
        u = rng.random(n)
        up = u < cal.SPIKE_UP_PER_1000 / 1000 * per_meas
        down = (u >= 0.5) & (u < 0.5 + cal.SPIKE_DOWN_PER_1000 / 1000 * per_meas)
        value = np.where(up, rng.uniform(np.minimum(value + 20, 100), 100), value)
        value = np.where(down, value - rng.uniform(15, 40, n), value)
        obstructed = t < self.obstructed_until
        value = np.where(obstructed, self.obstruction_val + rng.normal(0, 1.5, n), value)
        value = np.rint(np.clip(value, 0, 100)).astype(np.int64)
        return np.where(t < self.stuck_until, self.stuck_val, value)

    def observe(self, t_step: int, level: np.ndarray, air_c: float, hour: float) -> Reports:
        """Measure all bins in the step starting at ``t_step`` (UTC s) and return the reports that arrive.

        Parameters
        ----------
        t_step
            Start of the step, UTC seconds; each sensor measures at its own offset within the step.
        level
            True level of each bin (%), from :class:`waste.synthetic.fill.FillProcess`.
        air_c
            Air temperature (degC).
        hour
            Local hour of day, for the sun's warming of the bin.
        """
        t = t_step + self.offset_s
        value = self.measure(level, t)
        self._start_episodes(t)
        step = (t_step - self.t0) // STEP_S
        q0, q1 = cal.QUIET_HOURS
        quiet = (q0 <= hour or hour < q1) if q0 > q1 else (q0 <= hour < q1)
        slot, offset = np.divmod(step - self.phase_steps, self.hb_steps)
        due = (offset == 0) & (not quiet)
        # Every other heartbeat is a status frame that also carries temperature (and, once a day, battery).
        status = due & (slot % 2 == 0)
        moved = np.abs(value - self.last_val) >= cal.REPORT_CHANGE_PTS
        send = due | moved
        self.last_val = np.where(send, value, self.last_val)

        silent = t < self.outage_until
        g0, g1 = self.gateway_span
        if g0 <= t_step < g1:
            silent |= self.gateway
        lost = self.rng.random(self.n) < cal.UPLINK_LOSS
        idx = np.flatnonzero(send & ~silent & ~lost)

        days = (t[idx] - self.t0) / 86_400
        sun = max(0.0, float(np.sin(np.pi * (hour - 7.0) / 12.0)))
        temp = air_c + self.sun_c[idx] * sun + self.rng.normal(0, 0.4, len(idx))
        volts = (
            self.v0[idx]
            - self.sag[idx] * days
            - BATTERY_COLD_V_PER_C * np.maximum(0.0, 10.0 - temp)
            + self.rng.normal(0, 0.005, len(idx))
        )
        # Battery voltage comes in the first status frame after local noon, once a day.
        daily = status[idx] & (hour >= 12.0) & (hour < 12.0 + 2 * self.heartbeat_s[idx] / 3600)
        return Reports(
            bin_idx=idx,
            t_s=t[idx] + self.latency_s[idx].astype(np.int64),
            fill_pct=value[idx],
            battery_v=np.where(daily, np.round(volts, 2), np.nan),
            # Plain heartbeats and event frames (sent on a level change) carry the level only.
            temperature_c=np.where(status[idx], np.rint(temp), np.nan),
        )
