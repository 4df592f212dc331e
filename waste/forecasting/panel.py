"""The panel: every bin's cleaned series packed into flat NumPy arrays, the layout all forecast models work on.

Readings are sorted by bin, then time, and stored once (``t`` in hours since the epoch, ``x`` fill in %, ``cycle``
the fill cycle within the bin); ``indptr`` gives each bin's slice, like statsforecast's ``GroupedArray``. Per-bin
facts a model may pool on ride along: the index of its similarity group (same stream and area type by default),
its threshold, and the factor that turns % of its volume into litres of loose waste (capacity times compaction
ratio), so that a compactor's slow-looking % rise compares fairly with an open bin's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from waste.errors import InputError
from waste.forecasting.parallel import bin_chunks, map_chunks
from waste.forecasting.timebase import to_hours

#: Bin columns whose values define groups of similar bins, in order of preference.
DEFAULT_GROUP_COLUMNS: tuple[str, ...] = ("stream", "area")
#: Fill level (%) at which a bin counts as at its threshold unless the bin or its stream says otherwise.
DEFAULT_THRESHOLD_PCT = 100.0
#: Steps (the most recent) over which :meth:`Panel.median_step_h` takes the median.
RECENT_STEPS = 96
_NEAR = 8  # readings either side of a wrong guess searched first (see Panel.insertion)
_KEY_SPAN_H = 1e7  # > any time in hours since the epoch: bin * span + t is a strictly increasing search key


@dataclass(frozen=True, slots=True, eq=False)
class Panel:
    """Cleaned series of many bins in flat arrays (see the module docstring).

    Attributes
    ----------
    bin_ids
        Bin ids, sorted; position = bin index.
    indptr
        ``indptr[b]:indptr[b + 1]`` are bin ``b``'s readings.
    code, t, x, cycle
        Per reading: bin index, time (hours since the epoch), fill (%), fill cycle within the bin.
    group
        Per bin: index of its group of similar bins.
    litres_per_pct
        Per bin: litres of loose (uncompacted) waste in 1 % of the bin (1 when capacity is unknown).
    threshold_pct
        Per bin: the fill level that counts as full.
    groups_total
        Number of groups over all partitions when this panel holds some of them (0: as many as ``group`` shows).
    """

    bin_ids: np.ndarray
    indptr: np.ndarray
    code: np.ndarray
    t: np.ndarray
    x: np.ndarray
    cycle: np.ndarray
    group: np.ndarray
    litres_per_pct: np.ndarray
    threshold_pct: np.ndarray
    groups_total: int = 0

    @property
    def n_bins(self) -> int:
        """Number of bins."""
        return int(self.bin_ids.size)

    @property
    def n_groups(self) -> int:
        """Number of groups of similar bins (in a partition: of all partitions, so group sums align)."""
        return max(int(self.group.max()) + 1 if self.group.size else 0, self.groups_total)

    def subset(self, keep: np.ndarray) -> Panel:
        """The panel of the bins where the boolean ``keep`` (per bin) is true, with the group numbering kept.

        Group indices stay those of this panel (and ``groups_total`` covers them all), so that what a model
        learns per group on the subset lines up with the whole panel: how leave-bins-out validation trains on
        some bins and forecasts the others.
        """
        keep = np.asarray(keep, dtype=bool)
        counts = np.diff(self.indptr)
        rows = np.repeat(keep, counts)
        new_code = np.cumsum(keep) - 1
        return Panel(
            bin_ids=self.bin_ids[keep],
            indptr=np.r_[0, np.cumsum(counts[keep])].astype(np.int64),
            code=new_code[self.code[rows]].astype(np.int64),
            t=self.t[rows],
            x=self.x[rows],
            cycle=self.cycle[rows],
            group=self.group[keep],
            litres_per_pct=self.litres_per_pct[keep],
            threshold_pct=self.threshold_pct[keep],
            groups_total=self.n_groups,
        )

    def key(self, code: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Search key (bin, time) -> float, increasing in the panel's order."""
        return np.asarray(code, dtype=np.float64) * _KEY_SPAN_H + t

    def last_at(self, at: np.ndarray | float, code: np.ndarray | None = None) -> np.ndarray:
        """Index of each bin's last reading at or before ``at`` (hours), or -1 when it has none.

        ``code`` selects bins (default: all, in order); ``at`` is a scalar or one time per selected bin.
        """
        code = np.arange(self.n_bins) if code is None else np.asarray(code)
        at = np.broadcast_to(np.asarray(at, dtype=np.float64), code.shape)
        pos = np.searchsorted(self.key(self.code, self.t), self.key(code, at), side="right") - 1
        valid = (pos >= 0) & (pos < self.t.size)
        valid[valid] &= self.code[pos[valid]] == code[valid]
        return np.where(valid, pos, -1)

    def insertion(self, code: np.ndarray, target: np.ndarray, guess: np.ndarray | None = None) -> np.ndarray:
        """Index of the first reading of bin ``code`` at or after ``target`` (hours); its slice's end if none.

        A bisection within each bin's slice (no search key over the whole panel is built). ``guess`` is a likely
        answer (regular series: origin plus horizon over step); right guesses skip the search, the answer is the
        same either way.
        """
        code = np.asarray(code, dtype=np.int64)
        return self._insertion(self.indptr[code], self.indptr[code + 1], np.asarray(target, dtype=np.float64), guess)[0]

    def _insertion(
        self, lo: np.ndarray, hi: np.ndarray, target: np.ndarray, guess: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`insertion` in slices ``lo:hi``: ``(index, time before it, time at it)``, times where in the panel.

        The times of the readings either side of the answer come along (any value where there is no such reading
        in the slice): what :meth:`nearest` compares, already read when checking a guess.
        """
        t, n = self.t, self.t.size
        if n == 0:
            return lo.copy(), np.zeros(lo.shape), np.zeros(lo.shape)
        if guess is None:
            todo, pos = np.arange(lo.size), lo.copy()
            t_prev, t_next = np.empty(lo.shape), np.empty(lo.shape)
        else:
            pos = np.minimum(np.maximum(guess, lo), hi)  # lo <= pos <= hi <= n
            t_prev = t[np.maximum(pos - 1, 0)]
            t_next = t[np.minimum(pos, n - 1)]
            right = ((pos == lo) | (t_prev < target)) & ((pos == hi) | (t_next >= target))
            todo = np.flatnonzero(~right)
        if todo.size == 0:
            return pos, t_prev, t_next
        a, b, tt = lo[todo], hi[todo], target[todo]
        if guess is not None:  # a near miss (a reading dropped in between): search a few readings around the guess
            g = pos[todo]
            a2, b2 = np.maximum(g - _NEAR, a), np.minimum(g + _NEAR, b)
            inside = ((a2 == a) | (t[np.maximum(a2 - 1, 0)] < tt)) & ((b2 == b) | (t[np.minimum(b2, n - 1)] >= tt))
            a, b = np.where(inside, a2, a), np.where(inside, b2, b)
        while True:
            active = a < b
            if not active.any():
                break
            mid = (a + b) // 2
            below = active & (t[np.minimum(mid, n - 1)] < tt)
            a = np.where(below, mid + 1, a)
            b = np.where(active & ~below, mid, b)
        pos[todo] = a
        t_prev[todo] = t[np.clip(a - 1, 0, n - 1)]
        t_next[todo] = t[np.minimum(a, n - 1)]
        return pos, t_prev, t_next

    def nearest(
        self,
        code: np.ndarray,
        target: np.ndarray,
        tol_h: np.ndarray | float,
        *,
        guess: np.ndarray | None = None,
        slices: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Index of the reading of bin ``code`` nearest ``target`` (hours) within ``tol_h``, or -1.

        ``guess`` is a likely index of the first reading at or after ``target`` (see :meth:`insertion`). Of two
        readings equally near, the earlier. ``slices`` is ``(indptr[code], indptr[code + 1])`` when the caller
        has it (several targets per bin).
        """
        code = np.asarray(code, dtype=np.int64)
        target = np.asarray(target, dtype=np.float64)
        lo, hi = (self.indptr[code], self.indptr[code + 1]) if slices is None else slices
        pos, t_prev, t_next = self._insertion(lo, hi, target, guess)
        d_prev = np.where(pos > lo, np.abs(t_prev - target), np.inf)
        d_next = np.where(pos < hi, np.abs(t_next - target), np.inf)
        later = d_next < d_prev
        best_d = np.where(later, d_next, d_prev)
        found = best_d <= tol_h
        found &= best_d < np.inf  # no reading in the slice: none, even with an infinite tolerance
        return np.where(found, np.where(later, pos, pos - 1), -1)

    def median_step_h(self, recent: int = RECENT_STEPS, *, workers: int | None = None) -> np.ndarray:
        """Per bin: median time between consecutive readings (hours; NaN with fewer than two readings).

        Over the bin's last ``recent`` steps only: the sampling step a sensor has now (what silence and the
        calibration stride are judged by), at a cost that does not grow with the length of the history. Steps
        under a minute (bursts, or a log's before/after pair of one collection) do not count. Chunks of bins run
        on ``workers`` threads (see :mod:`waste.forecasting.parallel`): a sort of each chunk's steps stays in the
        CPU caches where one of every bin's would not.
        """
        take = np.minimum(np.diff(self.indptr), recent + 1)
        out = np.full(self.n_bins, np.nan)

        def part(bins: tuple[int, int]) -> None:
            b0, b1 = bins
            out[b0:b1] = self._median_step(b0, b1, take[b0:b1])  # chunks write disjoint slices

        map_chunks(part, bin_chunks(np.r_[0, np.cumsum(take)], 1 << 16), workers)
        return out

    def _median_step(self, b0: int, b1: int, take: np.ndarray) -> np.ndarray:
        """:meth:`median_step_h` of bins ``b0:b1`` over their last ``take`` readings."""
        n_bins = b1 - b0
        total = int(take.sum())
        out = np.full(n_bins, np.nan)
        if total == 0:
            return out
        bin_of = np.repeat(np.arange(n_bins), take)
        idx = (
            np.arange(total)
            - np.repeat(np.cumsum(take) - take, take)
            + np.repeat(self.indptr[b0 + 1 : b1 + 1] - take, take)
        )
        t = self.t[idx]
        same = (bin_of[1:] == bin_of[:-1]) & (np.diff(t) >= 1.0 / 60.0)
        dt = np.diff(t)[same]
        c = bin_of[1:][same]
        if dt.size:
            order = np.lexsort((dt, c))
            dt, c = dt[order], c[order]
            counts = np.bincount(c, minlength=n_bins)
            starts = np.r_[0, np.cumsum(counts)[:-1]]
            has = counts > 0
            out[has] = dt[starts[has] + (counts[has] - 1) // 2]
        return out


def _bins_frame(bin_ids: np.ndarray, bins: pd.DataFrame | None) -> pd.DataFrame:
    if bins is None:
        return pd.DataFrame(index=pd.Index(bin_ids, name="bin_id"))
    frame = bins.assign(bin_id=bins["bin_id"].astype(str)).drop_duplicates("bin_id").set_index("bin_id")
    return frame.reindex(bin_ids)


def _groups(meta: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    usable = [c for c in columns if c in meta.columns and meta[c].notna().any()]
    if not usable or meta.empty:
        return np.zeros(len(meta), dtype=np.int64)
    labels = meta[usable].astype(str).agg("|".join, axis=1)
    return pd.factorize(labels, sort=True)[0].astype(np.int64)


def bin_groups(bin_ids: Sequence[str], bins: pd.DataFrame | None, columns: Sequence[str]) -> dict[str, int]:
    """Group index of every bin, as :func:`build_panel` numbers them for a panel of exactly ``bin_ids``."""
    ids = np.sort(np.asarray(bin_ids, dtype=str))
    return dict(zip(ids.tolist(), _groups(_bins_frame(ids, bins), columns).tolist(), strict=True))


def _litres_per_pct(meta: pd.DataFrame) -> np.ndarray:
    n = len(meta)
    cap = meta["capacity_l"].to_numpy(dtype=float) if "capacity_l" in meta.columns else np.full(n, np.nan)
    ratio = meta["compaction_ratio"].to_numpy(dtype=float) if "compaction_ratio" in meta.columns else np.ones(n)
    cap = np.where(np.isfinite(cap) & (cap > 0), cap, 100.0)
    ratio = np.where(np.isfinite(ratio) & (ratio >= 1), ratio, 1.0)
    return cap * ratio / 100.0


def thresholds_for(
    meta: pd.DataFrame,
    thresholds: Mapping[str, float] | float | None = None,
) -> np.ndarray:
    """Per-bin threshold (%): the bin's ``threshold_pct`` column, else its stream's, else the default.

    Parameters
    ----------
    meta
        Bins indexed by ``bin_id`` (may lack ``threshold_pct`` and ``stream``).
    thresholds
        A single level for every bin, or a mapping from stream (or bin id) to level; a bin's own
        ``threshold_pct`` wins over the mapping.
    """
    n = len(meta)
    out = np.full(n, DEFAULT_THRESHOLD_PCT)
    if isinstance(thresholds, int | float):
        out[:] = float(thresholds)
    elif thresholds:
        if "stream" in meta.columns:
            by_stream = meta["stream"].map(lambda s: thresholds.get(str(s), np.nan)).to_numpy(dtype=float)
            out = np.where(np.isfinite(by_stream), by_stream, out)
        by_bin = np.array([thresholds.get(str(b), np.nan) for b in meta.index], dtype=float)
        out = np.where(np.isfinite(by_bin), by_bin, out)
    if "threshold_pct" in meta.columns:
        own = meta["threshold_pct"].to_numpy(dtype=float)
        out = np.where(np.isfinite(own), own, out)
    if ((out <= 0) | (out > 100)).any():
        raise InputError("thresholds must lie in (0, 100] %", field="threshold_pct")
    return out


def build_panel(
    clean: pd.DataFrame,
    bins: pd.DataFrame | None = None,
    *,
    group_columns: Sequence[str] = DEFAULT_GROUP_COLUMNS,
    thresholds: Mapping[str, float] | float | None = None,
    bin_ids: Sequence[str] | None = None,
    groups: Mapping[str, int] | None = None,
    groups_total: int = 0,
) -> Panel:
    """Pack a cleaned long-format series (``bin_id, ts, fill_pct`` and ``cycle``) into a :class:`Panel`.

    Parameters
    ----------
    clean
        Cleaned readings, e.g. :attr:`waste.collections.CleanResult.clean`. Without a ``cycle`` column each bin
        is taken as one fill cycle.
    bins
        Optional bins table (``stream``, ``area``, ``capacity_l``, ``compaction_ratio``, ``threshold_pct``).
    group_columns
        Bin columns that define similar bins; columns the table lacks are ignored.
    thresholds
        See :func:`thresholds_for`.
    bin_ids
        Bins to include, also those without readings (default: the bins of ``clean``).
    groups, groups_total
        Group index of every bin and the number of groups, when a partition of the bins is packed: the groups
        are then numbered over all partitions (see :func:`bin_groups`).
    """
    ids = np.sort(clean["bin_id"].astype(str).unique()) if bin_ids is None else np.sort(np.asarray(bin_ids, str))
    frame = clean.assign(bin_id=clean["bin_id"].astype(str))
    code = pd.Index(ids).get_indexer(frame["bin_id"])
    keep = code >= 0
    t = np.asarray(to_hours(frame["ts"]))[keep]
    code = code[keep]
    x = frame["fill_pct"].to_numpy(dtype=float)[keep]
    cycle = frame["cycle"].to_numpy(dtype=np.int64)[keep] if "cycle" in frame.columns else np.zeros(code.size, int)
    order = np.lexsort((t, code))
    code, t, x, cycle = code[order], t[order], x[order], cycle[order]
    indptr = np.r_[0, np.cumsum(np.bincount(code, minlength=ids.size))].astype(np.int64)
    meta = _bins_frame(ids, bins)
    return Panel(
        bin_ids=ids,
        indptr=indptr,
        code=code.astype(np.int64),
        t=t,
        x=x,
        cycle=cycle,
        group=_groups(meta, group_columns) if groups is None else pd.Series(groups).reindex(ids).to_numpy(np.int64),
        groups_total=groups_total,
        litres_per_pct=_litres_per_pct(meta),
        threshold_pct=thresholds_for(meta, thresholds),
    )
