"""Planned collections: which bins a round visits on which days and when, and what each visit does.

Each bin gets a fixed round: how many visits a week follows from its mean fill rate, so that the longest interval of
the round takes an average bin to :data:`~waste.synthetic.calibration.TARGET_LEVEL_PCT`; bins slower than a weekly
round go every 2-4 weeks. Busy days and weekends overflow, short intervals leave bins half full, as in the real
logs. Each visit is full (a small residue stays), partial (much stays: frozen or wedged waste, an
overfull container) or missed (no truck came).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from waste.synthetic import calibration as cal
from waste.synthetic.bins import BinParams
from waste.synthetic.calendar import Calendar
from waste.synthetic.fill import FillProcess

#: Collection day sets by visits per week (Monday = 0); rounds run Monday to Saturday, daily rounds every day.
DAY_SETS: dict[int, tuple[tuple[int, ...], ...]] = {
    1: ((0,), (1,), (2,), (3,), (4,), (5,)),
    2: ((0, 3), (1, 4), (2, 5)),
    3: ((0, 2, 4), (1, 3, 5)),
    4: ((0, 1, 3, 4), (1, 2, 4, 5)),
    5: ((0, 1, 2, 3, 4), (1, 2, 3, 4, 5)),
    6: ((0, 1, 2, 3, 4, 5),),
    7: ((0, 1, 2, 3, 4, 5, 6),),
}
#: Rounds used, by visits a week, and the longest interval (days) each leaves between two visits: planners pick
#: 1, 2, 3, 6 or 7 visits a week (4 or 5 leave the same 3-day weekend gap as 3).
LONGEST_GAP_D: dict[int, float] = {1: 7.0, 2: 4.0, 3: 3.0, 6: 2.0, 7: 1.0}
FULL, PARTIAL, MISSED = 0, 1, 2
OUTCOMES = ("full", "partial", "missed")


@dataclass(frozen=True, slots=True)
class Rounds:
    """Each bin's round: visits a week, which weekdays, every how many weeks, and its slot in the day.

    Attributes
    ----------
    days_mask
        ``(n, 7)`` booleans, Monday first.
    period_weeks, week_phase
        A bin is visited in weeks where ``week % period_weeks == week_phase``.
    slot_min
        Planned local time of the visit, minutes after midnight.
    """

    days_mask: np.ndarray
    period_weeks: np.ndarray
    week_phase: np.ndarray
    slot_min: np.ndarray


def plan_rounds(params: BinParams, shift_start_min: int, rng: np.random.Generator) -> Rounds:
    """Give each bin a collection round that suits its mean fill rate.

    Parameters
    ----------
    params
        Hidden bin parameters (mean fill rate, collection windows).
    shift_start_min
        Local start of the collection shift (minutes after midnight); visits fall 20 min to 7 h after it.
    rng
        Random generator.
    """
    n = len(params.rate_pct_day)
    # Days a bin may go unemptied: its longest interval between visits must not take it past the target level.
    allowed_d = cal.TARGET_LEVEL_PCT / np.maximum(params.rate_pct_day, 0.1)
    per_week = np.full(n, 7)
    for k in sorted(LONGEST_GAP_D, reverse=True):
        per_week = np.where(LONGEST_GAP_D[k] <= allowed_d, k, per_week)
    period = np.where(allowed_d >= 14, np.clip(np.floor(allowed_d / 7), 1, 4), 1).astype(int)
    days_mask = np.zeros((n, 7), dtype=bool)
    for k, options in DAY_SETS.items():
        sel = np.flatnonzero(per_week == k)
        choice = rng.integers(0, len(options), len(sel))
        for j, opt in enumerate(options):
            rows = sel[choice == j]
            days_mask[np.ix_(rows, opt)] = True
    phase = rng.integers(0, 4, n) % period
    has_window = params.window_min[:, 0] >= 0
    slot = shift_start_min + rng.uniform(20, 420, n)
    in_window = rng.uniform(params.window_min[:, 0], np.maximum(params.window_min[:, 1] - 20, params.window_min[:, 0]))
    slot = np.where(has_window, in_window, slot)
    return Rounds(days_mask=days_mask, period_weeks=period, week_phase=phase, slot_min=slot)


@dataclass(frozen=True, slots=True)
class Visits:
    """Every planned visit in time order, with its drawn outcome.

    Attributes
    ----------
    t_s
        UTC seconds of the visit (sorted).
    bin_idx
        Row of the bin visited.
    outcome
        :data:`FULL`, :data:`PARTIAL` or :data:`MISSED`.
    keep
        For a full visit the residue left (%); for a partial one the share of the level left (0-1).
    """

    t_s: np.ndarray
    bin_idx: np.ndarray
    outcome: np.ndarray
    keep: np.ndarray

    def between(self, t0: int, t1: int) -> slice:
        """Visits with ``t0 <= t_s < t1``."""
        a, b = np.searchsorted(self.t_s, [t0, t1], side="left")
        return slice(int(a), int(b))


def plan_visits(calendar: Calendar, rounds: Rounds, rng: np.random.Generator) -> Visits:
    """Expand the rounds over the calendar's days into timed visits with outcomes."""
    day_start = calendar.day_start_s()
    n_days = int(calendar.day.max()) + 1
    first_weekday = int(calendar.weekday[0])
    t_parts, b_parts = [], []
    for d in range(n_days):
        weekday = (first_weekday + d) % 7
        week = (d + first_weekday) // 7
        due = rounds.days_mask[:, weekday] & (week % rounds.period_weeks == rounds.week_phase)
        idx = np.flatnonzero(due)
        jitter = rng.normal(0.0, cal.SLOT_JITTER_MIN, len(idx))
        t_parts.append(day_start[d] + np.round((rounds.slot_min[idx] + jitter) * 60).astype(np.int64))
        b_parts.append(idx)
    t_s = np.concatenate(t_parts)
    bin_idx = np.concatenate(b_parts)
    order = np.lexsort((bin_idx, t_s))
    t_s, bin_idx = t_s[order], bin_idx[order]
    u = rng.random(len(t_s))
    outcome = np.where(u < cal.MISSED_SHARE, MISSED, np.where(u < cal.MISSED_SHARE + cal.PARTIAL_SHARE, PARTIAL, FULL))
    keep = np.where(
        outcome == PARTIAL, rng.uniform(0.25, 0.6, len(t_s)), rng.exponential(cal.RESIDUAL_MEAN_PCT, len(t_s))
    )
    inside = (t_s >= calendar.t_s[0]) & (t_s < calendar.t_s[-1] + 600)
    return Visits(t_s=t_s[inside], bin_idx=bin_idx[inside], outcome=outcome[inside], keep=keep[inside])


@dataclass(slots=True)
class Emptyings:
    """Emptyings done so far (ground truth), appended step by step."""

    t_s: list[np.ndarray]
    bin_idx: list[np.ndarray]
    before: list[np.ndarray]
    after: list[np.ndarray]
    partial: list[np.ndarray]

    @classmethod
    def new(cls) -> Emptyings:
        """An empty log."""
        return cls([], [], [], [], [])

    def record(self, fill: FillProcess, visits: Visits, sel: np.ndarray) -> None:
        """Carry out the visits at positions ``sel`` of ``visits`` on ``fill`` and log the emptyings."""
        sel = sel[visits.outcome[sel] != MISSED]
        if len(sel) == 0:
            return
        idx = visits.bin_idx[sel]
        level = fill.level[idx]
        partial = visits.outcome[sel] == PARTIAL
        after = np.where(partial, level * visits.keep[sel], visits.keep[sel])
        before = fill.empty(idx, after)
        self.t_s.append(visits.t_s[sel])
        self.bin_idx.append(idx)
        self.before.append(before)
        self.after.append(np.minimum(before, after))
        self.partial.append(partial)

    def arrays(self) -> dict[str, np.ndarray]:
        """The log as arrays (empty arrays when nothing was emptied)."""
        if not self.t_s:
            return {k: np.array([]) for k in ("t_s", "bin_idx", "before", "after", "partial")}
        return {
            "t_s": np.concatenate(self.t_s),
            "bin_idx": np.concatenate(self.bin_idx),
            "before": np.concatenate(self.before),
            "after": np.concatenate(self.after),
            "partial": np.concatenate(self.partial),
        }
