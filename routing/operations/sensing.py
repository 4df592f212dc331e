"""What the dispatcher sees during an operations simulation: the sensors' reports, with their noise and gaps.

The sensors are the sample generator's (:class:`waste.synthetic.sensors.SensorArray`): heartbeats, reports on a
level change, quiet nights, spikes, wedged objects, frozen values, outages, a gateway outage and lost uplinks. The
reports are kept in memory, never in the user's store, and handed to the policies as a readings table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from waste.synthetic.calendar import Calendar
from waste.synthetic.sensors import SensorArray


class SensorFeed:
    """The sensors of a city's bins and every report they have delivered so far.

    Parameters
    ----------
    bin_ids
        Bin ids, in the order of the truth's arrays.
    lat, lon
        Bin positions (degrees), for the gateway outage's neighbourhood.
    calendar
        The simulation's clock.
    rng
        The sensors' own generator.
    """

    def __init__(
        self, bin_ids: np.ndarray, lat: np.ndarray, lon: np.ndarray, calendar: Calendar, rng: np.random.Generator
    ) -> None:
        self.bin_ids = np.asarray(bin_ids).astype(str)
        self.sensors = SensorArray(np.asarray(lat, dtype=float), np.asarray(lon, dtype=float), calendar, rng)
        self._bins: list[np.ndarray] = []
        self._t: list[np.ndarray] = []
        self._fill: list[np.ndarray] = []
        self.last_pct = np.full(len(self.bin_ids), np.nan)
        self.last_t_s = np.full(len(self.bin_ids), -1, dtype=np.int64)

    @property
    def offset_s(self) -> np.ndarray:
        """When within a 10-minute step each sensor measures (s after the step's start)."""
        return self.sensors.offset_s

    def observe(self, t_step: int, level: np.ndarray, air_c: float, hour: float) -> None:
        """Measure every bin in the step starting at ``t_step`` (UTC s) and keep the reports that arrive."""
        rep = self.sensors.observe(t_step, level, air_c, hour)
        if len(rep.bin_idx) == 0:
            return
        self._bins.append(rep.bin_idx.astype(np.int32))
        self._t.append(rep.t_s.astype(np.int64))
        self._fill.append(rep.fill_pct.astype(np.int16))
        self.last_pct[rep.bin_idx] = rep.fill_pct
        self.last_t_s[rep.bin_idx] = rep.t_s

    def _compact(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if len(self._t) > 1:
            self._bins = [np.concatenate(self._bins)]
            self._t = [np.concatenate(self._t)]
            self._fill = [np.concatenate(self._fill)]
        if not self._t:
            return np.array([], dtype=np.int32), np.array([], dtype=np.int64), np.array([], dtype=np.int16)
        return self._bins[0], self._t[0], self._fill[0]

    def readings(self, since_s: int, until_s: int) -> pd.DataFrame:
        """Reports received in ``[since_s, until_s)`` (UTC s) as a readings table: ``bin_id``, ``ts``, ``fill_pct``."""
        b, t, f = self._compact()
        keep = (t >= since_s) & (t < until_s)
        order = np.lexsort((t[keep], b[keep]))
        return pd.DataFrame(
            {
                "bin_id": self.bin_ids[b[keep][order]],
                "ts": pd.to_datetime(t[keep][order], unit="s", utc=True),
                "fill_pct": f[keep][order].astype(float),
            }
        )

    def forget_before(self, t_s: int) -> None:
        """Drop reports older than ``t_s`` (UTC s), to bound memory over long runs."""
        b, t, f = self._compact()
        keep = t >= t_s
        self._bins, self._t, self._fill = [b[keep]], [t[keep]], [f[keep]]
