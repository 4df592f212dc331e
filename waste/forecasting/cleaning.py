"""Cleaning and emptying detection on flat arrays: the kernels behind :func:`waste.collections.clean_readings`.

The rules (spikes and dips, emptyings and partial emptyings, compaction, stuck sensors) are described in
:mod:`waste.collections`. Here they work on bare NumPy arrays sorted by bin then time, so that a panel of a
hundred million readings is cleaned without building a DataFrame: every step is a handful of vectorised passes,
with no loop over bins or readings.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from waste.forecasting.parallel import iter_chunks, map_chunks

#: Values of the ``flag`` column of :attr:`waste.collections.CleanResult.readings` (``flag`` codes index it).
FLAGS: tuple[str, ...] = ("ok", "spike", "dip", "stuck")


@dataclass(frozen=True, slots=True)
class CleaningConfig:
    """Settings of :func:`clean_readings`; fill levels in %, durations in hours."""

    spike_pct: float = 15.0
    spike_window_h: float = 12.0
    min_drop_pct: float = 20.0
    full_after_pct: float = 15.0
    partial_max_ratio: float = 0.5
    compactor_after_pct: float = 30.0
    confirm_readings: int = 2
    confirm_h: float = 12.0
    stuck_min_readings: int = 24
    stuck_h: float = 14 * 24.0

    def __post_init__(self) -> None:
        for name in ("spike_pct", "min_drop_pct", "spike_window_h", "confirm_h", "stuck_h"):
            if getattr(self, name) <= 0:
                msg = f"{name} must be > 0, got {getattr(self, name)!r}"
                raise ValueError(msg)


def _spike(
    x: np.ndarray, xp: np.ndarray, xn: np.ndarray, same: np.ndarray, span_h: np.ndarray, cfg: CleaningConfig
) -> np.ndarray:
    """Spike or dip test of readings ``x`` between neighbours ``xp`` and ``xn`` of the same bin (``same``)."""
    d1, d2 = x - xp, x - xn
    s = cfg.spike_pct
    return (
        same
        & (((d1 > s) & (d2 > s)) | ((d1 < -s) & (d2 < -s)))
        & (np.abs(xn - xp) <= s)
        & (span_h <= cfg.spike_window_h)
    )


def _flag_spikes(codes: np.ndarray, t: np.ndarray, x: np.ndarray, keep: np.ndarray, cfg: CleaningConfig) -> np.ndarray:
    """Flag spikes and dips among the readings still marked ``keep`` (updated in place); returns their indices.

    Two rounds: the second sees the neighbours left once the first round's spikes are gone (a two-reading
    artefact). Only readings next to a removed one have new neighbours, so the second round tests just those: the
    same answer as testing every reading again, without another pass over the whole panel.
    """
    if keep.all():  # the usual first call: neighbours are plain shifted views, no gathering
        if keep.size < 3:
            return np.zeros(0, dtype=np.int64)
        # a spike is more than spike_pct from its previous neighbour: test only the few readings that are
        jump = np.subtract(x[1:-1], x[:-2])
        np.abs(jump, out=jump)
        i = np.flatnonzero(jump > cfg.spike_pct) + 1
        ip, inx = i - 1, i + 1
        same = (codes[ip] == codes[i]) & (codes[inx] == codes[i])
        first = i[_spike(x[i], x[ip], x[inx], same, t[inx] - t[ip], cfg)]
        if first.size == 0:
            return first
        keep[first] = False
        # kept readings before each removed one (its kept neighbours have ranks kept_before - 1 and kept_before)
        kept_before = first - np.arange(first.size)
        cand = np.unique(np.r_[kept_before - 1, kept_before])
        cand = cand[(cand >= 1) & (cand <= keep.size - first.size - 2)]
        # the kept reading of rank r is reading r plus the removed ones before it: no index of every kept reading
        i, ip, inx = (r + np.searchsorted(kept_before, r, side="right") for r in (cand, cand - 1, cand + 1))
    else:
        first = np.zeros(0, dtype=np.int64)
        idx = np.flatnonzero(keep)
        cand = np.arange(1, idx.size - 1)
        i, ip, inx = idx[cand], idx[cand - 1], idx[cand + 1]
    same = (codes[ip] == codes[i]) & (codes[inx] == codes[i])
    second = i[_spike(x[i], x[ip], x[inx], same, t[inx] - t[ip], cfg)]
    keep[second] = False
    return np.union1d(first, second)


@dataclass(frozen=True, slots=True)
class _Kept:
    """The readings still marked kept, as their bins and fills (copies, or the arrays themselves if all are kept).

    The readings dropped so far are few: a kept reading's index is its rank among the kept ones plus the dropped
    readings before it, found among ``kept_before`` (for each dropped reading, the kept ones before it). No array
    of every kept reading's index is built, and no gather of every reading either.
    """

    kept_before: np.ndarray
    c: np.ndarray
    x: np.ndarray

    @classmethod
    def of(cls, codes: np.ndarray, x: np.ndarray, keep: np.ndarray) -> _Kept:
        dropped = np.flatnonzero(~keep)
        if dropped.size == 0:
            return cls(dropped, codes, x)
        return cls(dropped - np.arange(dropped.size), codes[keep], x[keep])

    def index(self, rank: np.ndarray) -> np.ndarray:
        """Index (among all readings) of the kept readings of ranks ``rank``."""
        return rank + np.searchsorted(self.kept_before, rank, side="right") if self.kept_before.size else rank


def _find_emptyings(
    codes: np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    keep: np.ndarray,
    compactor: np.ndarray,
    cfg: CleaningConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Kept]:
    """Emptyings among kept readings.

    Returns
    -------
    tuple
        Index of the last reading before each emptying, of the first after it, the indices of the dips to drop,
        and the kept readings (what :func:`_flag_stuck` needs when no dip is dropped).
    """
    kept = _Kept.of(codes, x, keep)
    c, xx = kept.c, kept.x
    n = c.size
    drop = np.zeros(n, dtype=bool)
    np.equal(c[1:], c[:-1], out=drop[1:])
    fall_step = np.subtract(xx[:-1], xx[1:])
    drop[1:] &= fall_step >= cfg.min_drop_pct
    # consecutive falling steps form one event: from the reading before the first to the reading after the last
    d = np.flatnonzero(drop)
    new_run = np.r_[True, np.diff(d) > 1] if d.size else np.zeros(0, dtype=bool)
    first_after = d[np.r_[new_run[1:], True]] if d.size else d
    last_before = d[new_run] - 1
    before, after = xx[last_before], xx[first_after]
    fall = before - after
    # a fall that comes back within the next readings is a dip, not an emptying
    reverted = np.zeros(first_after.size, dtype=bool)
    t_after = t[kept.index(first_after)]
    for k in range(1, cfg.confirm_readings + 1):
        j = first_after + k
        ok = j < n
        jj = np.where(ok, j, 0)
        ok &= (c[jj] == c[first_after]) & (t[kept.index(jj)] - t_after <= cfg.confirm_h)
        reverted |= ok & (xx[jj] >= before - fall / 2.0)
    pressed = compactor[c[first_after]] & (after > cfg.compactor_after_pct)
    # a partial emptying leaves at most half of what was there; smaller falls at high levels are settling or noise
    pressed |= (after > cfg.full_after_pct) & (after > cfg.partial_max_ratio * before)
    # every reading of a reverted fall (from the first low one to the event's end) is a dip
    dips = kept.index(d[reverted[np.cumsum(new_run) - 1]]) if reverted.any() else np.zeros(0, dtype=np.int64)
    real = ~reverted & ~pressed
    return kept.index(last_before[real]), kept.index(first_after[real]), dips, kept


def _flag_stuck(
    codes: np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    keep: np.ndarray,
    cfg: CleaningConfig,
    kept: _Kept | None = None,
) -> np.ndarray:
    """Flag the repeats of a value held for ``stuck_h`` hours or more (in place on ``keep``); returns their indices.

    Only pairs of neighbouring kept readings with equal values can belong to a stuck run, and a noisy sensor has
    few: runs are found among those pairs, without a pass that numbers every reading's run. ``kept`` is the
    readings marked ``keep`` when the caller has them.
    """
    kept = _Kept.of(codes, x, keep) if kept is None else kept
    c, xx = kept.c, kept.x
    none = np.zeros(0, dtype=np.int64)
    if c.size < 2:
        return none
    pair = np.flatnonzero(xx[1:] == xx[:-1])  # pair k: kept readings k and k + 1
    pair = pair[c[pair + 1] == c[pair]]
    if pair.size == 0:
        return none
    # consecutive pairs form one run of equal readings: from pair[first] to pair[last] + 1
    brk = np.flatnonzero(np.diff(pair) > 1)
    first = pair[np.r_[0, brk + 1]]
    last = pair[np.r_[brk, pair.size - 1]] + 1
    length = last - first + 1
    duration = t[kept.index(last)] - t[kept.index(first)]
    stuck = (length >= cfg.stuck_min_readings) & (duration >= cfg.stuck_h)
    if not stuck.any():
        return none
    # every reading of a stuck run but its first
    f, n = first[stuck] + 1, length[stuck] - 1
    pos = kept.index(np.repeat(f - np.r_[0, np.cumsum(n)[:-1]], n) + np.arange(int(n.sum())))
    keep[pos] = False
    return pos


@dataclass(frozen=True, slots=True)
class CleanArrays:
    """Output of :func:`clean_arrays`, aligned with its input readings.

    Attributes
    ----------
    flag
        Per reading: index into :data:`FLAGS` (0 = ok), int8.
    cycle
        Per reading: emptyings of its bin before it, int32.
    before, after
        Per emptying: index of the last reading before the fall and of the first after it.
    confirmed
        Per emptying: the bin has enough readings after it (``confirm_readings``, or one ``confirm_h`` later) for
        the fall to have been tested as a dip; an unconfirmed fall at the end of a series may still come back.
    """

    flag: np.ndarray
    cycle: np.ndarray
    before: np.ndarray
    after: np.ndarray
    confirmed: np.ndarray


def clean_arrays(
    codes: np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    compactor: np.ndarray,
    config: CleaningConfig | None = None,
    *,
    chunk: int = 1 << 17,
    workers: int | None = None,
) -> CleanArrays:
    """The cleaning and emptying detection of :func:`clean_readings` on bare arrays, for large panels.

    Parameters
    ----------
    codes
        Per reading: bin index (0..n_bins-1), any integer dtype.
    t
        Per reading: time in hours (any epoch), sorted within each bin, no two equal in one bin.
    x
        Per reading: fill (%), 0-100.
    compactor
        Per bin: whether it is a solar compactor.
    config
        Thresholds.
    chunk
        Readings cleaned at a time (whole bins; a longer bin is one chunk). Every rule looks at one bin only, so
        the answer does not depend on it; chunks keep the temporaries in the CPU caches and the memory bounded
        (a chunk of 10^5 readings cleans faster than one of 10^6, whose temporaries spill to main memory).
    workers
        Threads cleaning chunks side by side (default: see :mod:`waste.forecasting.parallel`); the answer does
        not depend on it.

    Notes
    -----
    Readings must be sorted by ``codes`` then ``t``: this is what a store returns, and it saves the sort that
    dominates the cost on hundreds of millions of readings.
    """
    n = codes.size
    if n <= chunk:
        return _clean_chunk(codes, t, x, compactor, config)
    bounds = _chunk_bounds(codes, chunk)
    flag = np.empty(n, dtype=np.int8)
    cycle = np.empty(n, dtype=np.int32)

    def part(lo_hi: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lo, hi = lo_hi
        res = _clean_chunk(codes[lo:hi], t[lo:hi], x[lo:hi], compactor, config)
        flag[lo:hi], cycle[lo:hi] = res.flag, res.cycle  # chunks write disjoint slices
        return res.before + lo, res.after + lo, res.confirmed

    parts = map_chunks(part, bounds, workers)
    return CleanArrays(
        flag=flag,
        cycle=cycle,
        before=np.concatenate([p[0] for p in parts]),
        after=np.concatenate([p[1] for p in parts]),
        confirmed=np.concatenate([p[2] for p in parts]),
    )


def clean_compact(
    codes: np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    compactor: np.ndarray,
    config: CleaningConfig | None = None,
    *,
    chunk: int = 1 << 17,
    workers: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`clean_arrays`, then :func:`compact` to the readings flagged ok, in one pass over the readings.

    The ok readings are moved to the front of ``codes``, ``t`` and ``x`` in place. Chunks are cleaned on threads
    while the calling thread moves each cleaned chunk, in order, to its place: what it writes never reaches past
    the chunk, which has been read by then, and no per-reading flag array is built.

    Returns
    -------
    tuple
        Views ``(codes, t, x)`` of the kept readings and their fill ``cycle`` (int32): what a panel is made of.
    """
    cycle = np.empty(codes.size, dtype=np.int32)

    def part(lo_hi: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = lo_hi
        res = _clean_chunk(codes[lo:hi], t[lo:hi], x[lo:hi], compactor, config)
        ok = res.flag == 0
        return ok, res.cycle[ok]

    bounds = _chunk_bounds(codes, chunk)
    w = 0
    for (lo, _), (ok, cyc) in zip(bounds, iter_chunks(part, bounds, workers), strict=True):
        k = cyc.size
        for a in (codes, t, x):
            a[w : w + k] = a[lo : lo + ok.size][ok]
        cycle[w : w + k] = cyc
        w += k
    return codes[:w], t[:w], x[:w], cycle[:w]


def _chunk_bounds(codes: np.ndarray, chunk: int) -> list[tuple[int, int]]:
    """Ranges of readings of whole bins, about ``chunk`` each: cut at the first bin starting at or after a multiple."""
    n = codes.size
    cuts = [_next_bin_start(codes, m) for m in range(chunk, n, chunk)]  # a loop over chunks, not readings
    return list(itertools.pairwise(np.unique(np.array([0, *cuts, n], dtype=np.int64)).tolist()))


def _next_bin_start(codes: np.ndarray, m: int) -> int:
    """Index of the first reading at or after ``m`` whose bin differs from the one before it (``codes.size`` if none).

    Looks at a window after ``m`` that doubles until a change of bin shows: a few hundred readings for a usual
    bin, never a pass over the whole panel.
    """
    n = codes.size
    w = 512
    while m < n:
        seg = codes[m - 1 : m + w]
        change = np.flatnonzero(seg[1:] != seg[:-1])
        if change.size:
            return m + int(change[0])
        m += w
        w *= 2
    return n


def _clean_chunk(
    codes: np.ndarray, t: np.ndarray, x: np.ndarray, compactor: np.ndarray, config: CleaningConfig | None = None
) -> CleanArrays:
    """:func:`clean_arrays` on readings of whole bins, all at once.

    The flagged readings are few: each rule returns their indices, and only the flags and the cycles are built
    reading by reading.
    """
    cfg = config or CleaningConfig()
    n = codes.size
    keep = np.ones(n, dtype=bool)
    spikes = _flag_spikes(codes, t, x, keep, cfg)
    before, after, dips, kept = _find_emptyings(codes, t, x, keep, compactor, cfg)
    if dips.size:
        keep[dips] = False
    stuck = _flag_stuck(codes, t, x, keep, cfg, None if dips.size else kept)
    flag = np.zeros(n, dtype=np.int8)  # the three sets are disjoint: each rule sees only the readings left
    flag[stuck] = FLAGS.index("stuck")
    flag[dips] = FLAGS.index("dip")
    flag[spikes] = FLAGS.index("spike")
    if n == 0:
        return CleanArrays(flag, np.zeros(0, np.int32), before, after, np.zeros(0, dtype=bool))
    first_of_bin = np.r_[0, np.flatnonzero(codes[1:] != codes[:-1]) + 1]
    # cycle = emptyings of the bin so far: constant between marks (bin starts and first readings after a fall)
    marks = np.r_[first_of_bin, after]
    order = np.argsort(marks, kind="stable")
    is_after = order >= first_of_bin.size
    so_far = np.cumsum(is_after)
    since_start = so_far - so_far[~is_after][np.cumsum(~is_after) - 1]
    cycle = np.repeat(since_start.astype(np.int32), np.diff(np.r_[marks[order], n]))
    # confirmed: confirm_readings more readings of the bin after it, or its last reading confirm_h later
    last_of_bin = np.r_[first_of_bin[1:], n] - 1
    bin_last = last_of_bin[np.searchsorted(first_of_bin, after, side="right") - 1]
    confirmed = (bin_last - after >= cfg.confirm_readings) | (t[bin_last] - t[after] > cfg.confirm_h)
    return CleanArrays(flag=flag, cycle=cycle, before=before, after=after, confirmed=confirmed)


def compact(keep: np.ndarray, *arrays: np.ndarray, chunk: int = 1 << 20) -> tuple[np.ndarray, ...]:
    """The elements of ``arrays`` where ``keep`` is true, moved to the front of each array in place.

    Returns views of the kept part. Dropping flagged readings from a panel of 10^8 readings this way needs no
    second copy of it (a plain ``x[keep]`` would double the memory at its peak): each chunk is read before anything
    is written over it, and what is written never reaches past the chunk.
    """
    n = keep.size
    w = 0
    for lo in range(0, n, chunk):  # a loop over chunks of a million readings
        hi = min(lo + chunk, n)
        mask = keep[lo:hi]
        k = int(np.count_nonzero(mask))
        for a in arrays:
            a[w : w + k] = a[lo:hi][mask]
        w += k
    return tuple(a[:w] for a in arrays)
