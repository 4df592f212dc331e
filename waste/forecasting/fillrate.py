"""Our fill forecaster: each bin's fill rate with its weekday and hour-of-day profile, pooled over similar bins.

Model. Between collections a bin's fill rises at a rate ``r_b * D_b(weekday) * H_b(hour)`` (% per hour, UTC
clock), where ``r_b`` is the bin's mean rate and ``D_b``, ``H_b`` are its weekday and hour-of-day factors (mean 1
over the week). The expected fill at ``t`` from a level ``L`` at ``t0`` is ``min(100, L + integral of the rate from
t0 to t)``; the interval and the median come from the model's own errors (:mod:`waste.forecasting.base`).

Learning, all in a few ``bincount`` calls over every bin at once (no loop over bins or readings):

* the rate is a ratio estimator over consecutive readings of one fill cycle: weighted sum of rises over weighted
  sum of elapsed hours (noise cancels in the sum), with weights halving every ``half_life_h`` so recent weeks
  count most; steps across a gap longer than ``max_step_h`` or starting at ``censor_pct`` or above (where the
  sensor saturates and the true rise is unseen) are left out; in a solar compactor the compaction falls stay in
  the sum, so ``r_b`` is the net rate of its compacted content;
* partial pooling: each bin's sums get ``pool_h`` pseudo-hours at its group's rate (same stream and area type by
  default), the group's rate itself being pooled the same way toward all bins. Rates are pooled in litres of
  loose waste per hour (capacity times compaction ratio), so a compactor and an open bin of one street compare
  fairly. A bin with a few hours of history gets its group's rate; one with weeks, its own;
* the profiles: the same ratio per hour of day (steps up to ``hour_step_h`` long, placed at their midpoint) and
  per weekday (steps up to ``day_step_h``), each shrunk with ``profile_h`` pseudo-hours toward the group's
  profile, itself shrunk toward flat;
* the level at the origin is the mean of the last ``level_readings`` readings of the current cycle within
  ``level_window_h``, each carried forward to the origin along the learned profile: it averages out sensor noise
  without lagging the fill.
"""

from __future__ import annotations

import numpy as np

from waste.forecasting.base import FillModel
from waste.forecasting.panel import Panel
from waste.forecasting.parallel import bin_chunks, map_chunks
from waste.forecasting.timebase import HOURS_PER_WEEK


def _ratio_profile(
    key: np.ndarray, dx: np.ndarray, dt: np.ndarray, n_keys: int, n_cells: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sums of rise and hours per (key, cell): arrays ``(n_keys, n_cells)``; ``key`` already includes the cell."""
    # float even when there are no steps (bincount of nothing is int)
    sx = np.bincount(key, weights=dx, minlength=n_keys * n_cells).astype(float).reshape(n_keys, n_cells)
    st = np.bincount(key, weights=dt, minlength=n_keys * n_cells).astype(float).reshape(n_keys, n_cells)
    return sx, st


def _normalise(rate: np.ndarray) -> np.ndarray:
    """Non-negative factors with mean 1 along the last axis (flat where the rates are all zero)."""
    rate = np.maximum(rate, 0.0)
    mean = rate.mean(axis=-1, keepdims=True)
    return np.where(mean > 0, rate / np.where(mean > 0, mean, 1.0), 1.0)


class FillRateModel(FillModel):
    """Per-bin fill rate with weekday and hour-of-day profile and partial pooling (see the module docstring).

    Parameters
    ----------
    half_life_h
        Age (hours before the bin's last reading) at which a step counts half.
    max_step_h
        Longest step between readings used to learn rates (longer ones are gaps).
    censor_pct
        Steps starting at or above this fill are left out of the rate (saturated sensor).
    pool_h
        Pseudo-hours of the group's rate added to each bin's rate.
    profile_h
        Pseudo-hours of the group's profile added to each cell of a bin's hour and weekday profiles.
    hour_step_h, day_step_h
        Longest steps used for the hour-of-day and the weekday profile.
    level_readings, level_window_h
        Readings (and the window, hours) averaged for the level at the origin.
    alias
        Name in tables.
    """

    alias = "FillRate"
    point_is_median = True

    def __init__(
        self,
        *,
        half_life_h: float = 28 * 24.0,
        max_step_h: float = 72.0,
        censor_pct: float = 98.0,
        pool_h: float = 48.0,
        profile_h: float = 24.0,
        hour_step_h: float = 6.0,
        day_step_h: float = 30.0,
        level_readings: int = 3,
        level_window_h: float = 6.0,
        cycle_pts: float = 5.0,
        pace_h: float = 72.0,
        alias: str | None = None,
    ) -> None:
        super().__init__(alias)
        if half_life_h <= 0 or max_step_h <= 0 or pool_h < 0 or profile_h < 0 or level_readings < 1:
            msg = "half_life_h and max_step_h must be > 0, pool_h and profile_h >= 0, level_readings >= 1"
            raise ValueError(msg)
        self.half_life_h = half_life_h
        self.max_step_h = max_step_h
        self.censor_pct = censor_pct
        self.pool_h = pool_h
        self.profile_h = profile_h
        self.hour_step_h = hour_step_h
        self.day_step_h = day_step_h
        self.level_readings = level_readings
        self.level_window_h = level_window_h
        self.cycle_pts = cycle_pts
        self.pace_h = pace_h

    # -- learning -----------------------------------------------------------------------------------------
    def _chunk_sums(self, panel: Panel, lo: int, hi: int, b0: int, b1: int, last_t: np.ndarray, out: dict) -> None:
        """Add the steps of readings ``lo:hi`` (whole bins ``b0:b1``) to the per-bin sums in ``out``."""
        c, t, x, cyc = panel.code[lo:hi], panel.t[lo:hi], panel.x[lo:hi], panel.cycle[lo:hi]
        # in-place arithmetic throughout: this runs over every reading, and fresh temporaries cost page faults
        same = c[1:] == c[:-1]
        same &= cyc[1:] == cyc[:-1]
        out["starts"][b0] = np.r_[lo, np.flatnonzero(~same) + (lo + 1)]
        dt = np.diff(t)
        ok = dt > 0
        ok &= dt <= self.max_step_h
        ok &= x[:-1] < self.censor_pct
        ok &= same
        # per-bin values spread over its readings by repeating them (a copy, cheaper than a gather); step i is the
        # step into reading i + 1, of that reading's bin
        per_bin = np.diff(panel.indptr[b0 : b1 + 1])
        # weight halves every half_life_h before the bin's last reading; 0 for steps that are not used
        w = np.repeat(last_t[b0:b1], per_bin)[1:]
        np.subtract(t[1:], w, out=w)
        w /= self.half_life_h
        np.exp2(w, out=w)
        w *= ok
        dx = np.subtract(x[1:], x[:-1])
        dx *= w
        dtw = w
        dtw *= dt
        # hour of the week of the step's midpoint (Monday 00:00 UTC = 0; the epoch is a Thursday, 72 h later), in
        # floats: the floor of the hour is a whole number, so its whole weeks (a true division) and the hour left
        # are exact, and the float steps cost less than an integer remainder, which is not vectorised
        hour = np.add(t[1:], t[:-1])
        hour *= 0.5
        hour += 72.0
        np.floor(hour, out=hour)
        weeks = np.divide(hour, float(HOURS_PER_WEEK))
        np.floor(weeks, out=weeks)
        weeks *= HOURS_PER_WEEK
        hour -= weeks
        both = dt <= min(self.hour_step_h, self.day_step_h)
        key = np.where(both, hour, float(HOURS_PER_WEEK)).astype(np.intp)
        key += np.repeat(np.arange(0, (b1 - b0) * (HOURS_PER_WEEK + 1), HOURS_PER_WEEK + 1), per_bin)[1:]
        n_keys = (b1 - b0) * (HOURS_PER_WEEK + 1)
        # this chunk's sums per hour of the week, reduced at once to what the model keeps (rows of this chunk's
        # bins only: chunks write disjoint rows); a table of every bin's 169 cells would cost its memory twice over
        for v, name in ((dx, "x"), (dtw, "t")):
            week = np.bincount(key, weights=v, minlength=n_keys).reshape(b1 - b0, -1)
            out["s" + name][b0:b1] = week.sum(1)
            cells = week[:, :HOURS_PER_WEEK].reshape(b1 - b0, 7, 24)
            out["hour_" + name][b0 * 24 : b1 * 24] = cells.sum(1).ravel()
            out["day_" + name][b0 * 7 : b1 * 7] = cells.sum(2).ravel()
        longer = ok & ~both
        if not longer.any():
            return
        # the few steps long enough for one profile only (e.g. daily readings: the weekday profile)
        for name, limit, n_cells in (("hour", self.hour_step_h, 24), ("day", self.day_step_h, 7)):
            only = np.flatnonzero(longer & (dt <= limit))
            if only.size == 0:
                continue
            cell = hour[only].astype(np.intp)
            k = (c[1:][only].astype(np.intp) - b0) * n_cells + (cell % 24 if n_cells == 24 else cell // 24)
            rows = slice(b0 * n_cells, b1 * n_cells)  # this chunk's bins only: chunks write disjoint rows
            out[name + "_x"][rows] += np.bincount(k, weights=dx[only], minlength=(b1 - b0) * n_cells)
            out[name + "_t"][rows] += np.bincount(k, weights=dtw[only], minlength=(b1 - b0) * n_cells)

    def _steps_of(self, panel: Panel, chunk: int = 1 << 17) -> dict[str, np.ndarray]:
        """Each bin's weighted sums of its usable steps, computed once per panel.

        ``sx``/``st``: rise and hours of every usable step; ``hour_*``/``day_*``: those by hour of day
        ``(n_bins * 24)`` and by weekday ``(n_bins * 7)``, with the steps too long for one profile left out of it.
        Each chunk sums its steps per hour of the week first (a step short enough for both profiles counts in one
        cell), then reduces them to these.
        The readings are taken in chunks of whole bins of about ``chunk`` readings: steps never cross bins, so the
        sums are exact, and the temporaries stay small enough for the CPU caches and a bounded memory.
        """
        cached = getattr(self, "_steps_cache", None)
        if cached is not None and cached[0] is panel:
            return cached[1]
        nb = panel.n_bins
        out: dict = {
            "sx": np.zeros(nb),
            "st": np.zeros(nb),
            "hour_x": np.zeros(nb * 24),
            "hour_t": np.zeros(nb * 24),
            "day_x": np.zeros(nb * 7),
            "day_t": np.zeros(nb * 7),
            "starts": {-1: np.zeros(0, np.int64)},
        }
        ptr = panel.indptr
        last_t = np.where(ptr[1:] > ptr[:-1], panel.t[np.maximum(ptr[1:] - 1, 0)] if panel.t.size else 0.0, np.nan)

        def part(bins: tuple[int, int]) -> None:
            b0, b1 = bins
            if ptr[b1] > ptr[b0]:
                self._chunk_sums(panel, int(ptr[b0]), int(ptr[b1]), b0, b1, last_t, out)

        map_chunks(part, bin_chunks(ptr, chunk), self.workers)  # chunks on threads (see waste.forecasting.parallel)
        starts = out.pop("starts")
        out["cycle_starts"] = np.concatenate([starts[b] for b in sorted(starts)]).astype(np.int64)  # in bin order
        self._steps_cache = (panel, out)
        return out

    def pooled_stats(self, panel: Panel) -> dict[str, np.ndarray]:
        """Per group: litres of loose waste risen (``gx``) and hours (``gt``) of all its bins' weighted steps."""
        s = self._steps_of(panel)
        ng = max(panel.n_groups, 1)
        litres = s["sx"] * panel.litres_per_pct  # pooled in litres of loose waste
        return {
            "gx": np.bincount(panel.group, weights=litres, minlength=ng),
            "gt": np.bincount(panel.group, weights=s["st"], minlength=ng),
        }

    def _rates(self, panel: Panel, s: dict[str, np.ndarray]) -> np.ndarray:
        sx, st = s["sx"], s["st"]
        gx, gt = self.pooled_["gx"], self.pooled_["gt"]
        all_rate = gx.sum() / gt.sum() if gt.sum() > 0 else 0.0
        g_rate = (gx + self.pool_h * all_rate) / (gt + self.pool_h) if self.pool_h > 0 else gx / np.maximum(gt, 1e-9)
        prior = g_rate[panel.group] / panel.litres_per_pct
        denom = st + self.pool_h
        rate = np.where(denom > 0, (sx + self.pool_h * prior) / np.where(denom > 0, denom, 1.0), prior)
        return np.maximum(rate, 0.0)

    def _cell_sums(self, s: dict[str, np.ndarray], nb: int) -> tuple[np.ndarray, ...]:
        """Per bin: rise and hours by hour of day ``(n_bins, 24)`` and by weekday ``(n_bins, 7)``."""
        return tuple(s[k].reshape(nb, n) for k, n in (("hour_x", 24), ("hour_t", 24), ("day_x", 7), ("day_t", 7)))

    def _profile(self, panel: Panel, sx: np.ndarray, st: np.ndarray) -> np.ndarray:
        """Profile factors ``(n_bins, n_cells)`` from each bin's sums, shrunk toward its group's shape."""
        n = sx.shape[1]
        ng = max(panel.n_groups, 1)
        # group sums from the bins' sums (the same as over the steps), in litres of loose waste
        key = (panel.group[:, None] * n + np.arange(n)[None, :]).ravel()
        litres = (sx * panel.litres_per_pct[:, None]).ravel()
        gsx = np.bincount(key, weights=litres, minlength=ng * n).reshape(ng, n)
        gst = np.bincount(key, weights=st.ravel(), minlength=ng * n).reshape(ng, n)
        g_shape = _normalise(
            (gsx + self.profile_h * (gsx.sum(1, keepdims=True) / np.maximum(gst.sum(1, keepdims=True), 1e-9)))
            / (gst + self.profile_h)
        )
        bin_rate = sx.sum(1, keepdims=True) / np.maximum(st.sum(1, keepdims=True), 1e-9)
        prior = np.maximum(bin_rate, 0.0) * g_shape[panel.group]
        return _normalise((sx + self.profile_h * prior) / (st + self.profile_h))

    def _fit(self, panel: Panel) -> None:
        s = self._steps_of(panel)
        self._steps_cache = None
        self.rate_ = self._rates(panel, s)
        hx, ht, dx, dt = self._cell_sums(s, panel.n_bins)
        hour_f, day_f = self._profile(panel, hx, ht), self._profile(panel, dx, dt)
        # hour-of-week factor (Monday 00:00 UTC = cell 0), renormalised to mean 1, then hourly rate and its integral;
        # bin by bin, so in chunks of bins on threads
        self.hourly_ = np.empty((panel.n_bins, HOURS_PER_WEEK))
        self.cum_ = np.zeros((panel.n_bins, HOURS_PER_WEEK + 1))

        def week_part(bins: tuple[int, int]) -> None:
            rows = slice(*bins)
            week = _normalise(np.repeat(day_f[rows], 24, axis=1) * np.tile(hour_f[rows], (1, 7)))
            self.hourly_[rows] = self.rate_[rows, None] * week
            np.cumsum(self.hourly_[rows], axis=1, out=self.cum_[rows, 1:])

        map_chunks(week_part, bin_chunks(np.arange(panel.n_bins + 1), 1 << 12), self.workers)
        self.hour_factor_, self.day_factor_ = hour_f, day_f
        #: index of the first reading of every fill cycle, sorted (a cycle's start is the last one <= a reading)
        self.cycle_starts_ = s["cycle_starts"]

    # -- forecasting --------------------------------------------------------------------------------------
    def cum_at(self, index: np.ndarray) -> np.ndarray:
        """:meth:`cumulative` at the times of readings ``index`` (of their own bins)."""
        panel = self.panel_
        return self.cumulative(panel.code[index], panel.t[index])

    def cycle_start(self, index: np.ndarray) -> np.ndarray:
        """Index of the first reading of the fill cycle of each reading ``index``."""
        return self.cycle_starts_[np.searchsorted(self.cycle_starts_, index, side="right") - 1]

    def cumulative(self, code: np.ndarray, t_h: np.ndarray) -> np.ndarray:
        """Expected rise (%) of bins ``code`` from a fixed Monday 00:00 UTC to ``t_h``, without saturation."""
        p = np.asarray(t_h, dtype=np.float64) + 72.0  # hours since Monday 1969-12-29 00:00 UTC
        weeks = np.floor(p / HOURS_PER_WEEK)
        pos = p - weeks * HOURS_PER_WEEK
        k = np.minimum(np.floor(pos).astype(np.int64), HOURS_PER_WEEK - 1)
        # rows and cells as flat indices: a 1-D take costs a fraction of a 2-D fancy index
        code = np.asarray(code, dtype=np.int64)
        at = code * (HOURS_PER_WEEK + 1)
        cum, hourly = self.cum_.ravel(), self.hourly_.ravel()
        out = weeks * cum.take(at + HOURS_PER_WEEK)
        at += k
        out += cum.take(at)
        at -= code  # code * HOURS_PER_WEEK + k: the cell in ``hourly_``
        pos -= k
        pos *= hourly.take(at)
        out += pos
        return out

    def level(self, origin: np.ndarray, c0: np.ndarray | None = None, start: np.ndarray | None = None) -> np.ndarray:
        """Estimated fill (%) at each origin reading's time: recent readings of its cycle carried forward.

        ``c0`` is :meth:`cum_at` of the origins and ``start`` their :meth:`cycle_start` when the caller has them.
        """
        panel = self.panel_
        code, t0 = panel.code[origin], panel.t[origin]
        c0 = self.cum_at(origin) if c0 is None else c0
        # a cycle's readings are the run from its first one: an earlier reading is of the same bin and cycle when
        # it is not before the start (no bin or cycle to read for each lag)
        start = self.cycle_start(origin) if start is None else start
        total = np.zeros(origin.size)
        count = np.zeros(origin.size)
        for k in range(self.level_readings):  # a few lags, each vectorised over all origins
            j = origin - k
            ok = j >= start
            jj = np.maximum(j, start)  # any reading of the bin where not ok: its value is not used
            ok &= t0 - panel.t[jj] <= self.level_window_h
            ok &= (panel.x[jj] < self.censor_pct) | (k == 0)
            carried = panel.x[jj] + c0 - (c0 if k == 0 else self.cumulative(code, panel.t[jj]))
            total += np.where(ok, carried, 0.0)
            count += ok
        return np.where(count > 0, total / np.maximum(count, 1), panel.x[origin])

    def pace(
        self, origin: np.ndarray, level: np.ndarray, c0: np.ndarray | None = None, start: np.ndarray | None = None
    ) -> np.ndarray:
        """How fast the current cycle fills compared with the learned profile (1 = as usual).

        The rise seen since the cycle's first reading over the rise the profile expects for that time (each with
        ``cycle_pts`` points added), trusted in proportion ``elapsed / (elapsed + pace_h)`` of the hours the cycle
        has run: a young cycle (or a saturated one) keeps the learned pace, a long one follows its own. ``c0`` and
        ``start`` as in :meth:`level`.
        """
        panel = self.panel_
        start = self.cycle_start(origin) if start is None else start
        c0 = self.cum_at(origin) if c0 is None else c0
        expected = c0 - self.cum_at(start)
        seen = np.maximum(level - panel.x[start], 0.0)
        seen = np.where(level >= self.censor_pct, expected, seen)
        raw = (seen + self.cycle_pts) / (np.maximum(expected, 0.0) + self.cycle_pts)
        elapsed = panel.t[origin] - panel.t[start]
        return 1.0 + elapsed / (elapsed + self.pace_h) * (raw - 1.0)

    def _origin_state(self, origins: np.ndarray) -> dict[str, np.ndarray]:
        code = self.panel_.code[origins]
        c0 = self.cumulative(code, self.panel_.t[origins])
        start = self.cycle_start(origins)
        level = self.level(origins, c0, start)
        return {"level": level, "pace": self.pace(origins, level, c0, start), "c0": c0, "code": code}

    def _runs_state(self, origin: np.ndarray) -> dict[str, np.ndarray]:
        """:meth:`_origin_state` of each origin, worked out once per run of equal origins side by side.

        :meth:`prob_reach` forecasts several times from each origin in a row: the state (level, pace) is the
        costly part of a forecast, and it depends on the origin only.
        """
        if origin.ndim != 1 or origin.size < 2:
            return self._origin_state(origin)
        first = np.flatnonzero(np.r_[True, origin[1:] != origin[:-1]])
        if first.size == origin.size:
            return self._origin_state(origin)
        run = np.diff(np.r_[first, origin.size])
        return {k: np.repeat(v, run) for k, v in self._origin_state(origin[first]).items()}

    def _point(
        self, origin: np.ndarray, target_h: np.ndarray, state: dict[str, np.ndarray] | None = None
    ) -> np.ndarray:
        state = self._runs_state(origin) if state is None else state
        rise = self.cumulative(state["code"], target_h) - state["c0"]
        return np.minimum(100.0, state["level"] + state["pace"] * np.maximum(rise, 0.0))

    def _point_at_readings(
        self, origin: np.ndarray, target: np.ndarray, state: dict[str, np.ndarray] | None = None
    ) -> np.ndarray:
        state = self._origin_state(origin) if state is None else state
        rise = self.cumulative(state["code"], self.panel_.t[target]) - state["c0"]  # a target is of its origin's bin
        return np.minimum(100.0, state["level"] + state["pace"] * np.maximum(rise, 0.0))

    def hours_to_reach(self, origin: np.ndarray, start_h: np.ndarray, level_pct: np.ndarray) -> np.ndarray:
        """Hours after ``start_h`` until the expected fill from ``origin`` reaches ``level_pct`` (inf if never).

        Inverts the cumulative profile exactly: whole weeks first, then the hour within the week.
        """
        panel = self.panel_
        code = panel.code[origin]
        c0 = self.cum_at(origin)
        base = self.level(origin, c0) + self.cumulative(code, start_h) - c0
        need = np.maximum(np.asarray(level_pct, dtype=np.float64) - base, 0.0)
        per_week = self.cum_[code, -1]
        goal = self.cumulative(code, start_h) + need
        p0 = np.asarray(start_h) + 72.0
        with np.errstate(divide="ignore", invalid="ignore"):
            weeks = np.floor(goal / per_week)
            rem = goal - weeks * per_week
            k = np.clip((self.cum_[code] <= rem[:, None]).sum(axis=1) - 1, 0, HOURS_PER_WEEK - 1)
            frac = (rem - self.cum_[code, k]) / self.hourly_[code, k]
            t_goal = weeks * HOURS_PER_WEEK + k + np.nan_to_num(frac, nan=0.0, posinf=0.0)
            hours = t_goal - p0
        hours = np.where(need <= 0, 0.0, np.maximum(hours, 0.0))
        return np.where((per_week > 0) | (need <= 0), hours, np.inf)
