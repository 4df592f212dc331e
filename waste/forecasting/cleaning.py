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


def _flag_spikes(codes: np.ndarray, t: np.ndarray, x: np.ndarray, keep: np.ndarray, cfg: CleaningConfig) -> None:
    """Flag spikes and dips among the readings still marked ``keep`` (updated in place).

    Two rounds: the second sees the neighbours left once the first round's spikes are gone (a two-reading
    artefact). Only readings next to a removed one have new neighbours, so the second round tests just those: the
    same answer as testing every reading again, without another pass over the whole panel.
    """
    if keep.all():  # the usual first call: neighbours are plain shifted views, no gathering
        if keep.size < 3:
            return
        # a spike is more than spike_pct from its previous neighbour: test only the few readings that are
        i = np.flatnonzero(np.abs(x[1:-1] - x[:-2]) > cfg.spike_pct) + 1
        ip, inx = i - 1, i + 1
        same = (codes[ip] == codes[i]) & (codes[inx] == codes[i])
        keep[i[_spike(x[i], x[ip], x[inx], same, t[inx] - t[ip], cfg)]] = False
        removed = np.flatnonzero(~keep)
        if removed.size == 0:
            return
        idx = np.flatnonzero(keep)
        pos = np.searchsorted(idx, removed)
        cand = np.unique(np.r_[pos - 1, pos])
    else:
        idx = np.flatnonzero(keep)
        cand = np.arange(idx.size)
    cand = cand[(cand >= 1) & (cand <= idx.size - 2)]
    i, ip, inx = idx[cand], idx[cand - 1], idx[cand + 1]
    same = (codes[ip] == codes[i]) & (codes[inx] == codes[i])
    keep[i[_spike(x[i], x[ip], x[inx], same, t[inx] - t[ip], cfg)]] = False


def _find_emptyings(
    codes: np.ndarray,
    t: np.ndarray,
    x: np.ndarray,
    keep: np.ndarray,
    compactor: np.ndarray,
    cfg: CleaningConfig,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Emptyings among kept readings: (index of last reading before, index of first after, dip mask to drop)."""
    idx = np.flatnonzero(keep)
    c, tt, xx = codes[idx], t[idx], x[idx]
    n = idx.size
    same_prev = np.r_[False, c[1:] == c[:-1]]
    drop = np.zeros(n, dtype=bool)
    drop[1:] = same_prev[1:] & (xx[:-1] - xx[1:] >= cfg.min_drop_pct)
    # consecutive falling steps form one event: from the reading before the first to the reading after the last
    start = drop & ~np.r_[False, drop[:-1]]
    end = drop & ~np.r_[drop[1:], False]
    first_after = np.flatnonzero(end)
    last_before = np.flatnonzero(start) - 1
    before, after = xx[last_before], xx[first_after]
    fall = before - after
    # a fall that comes back within the next readings is a dip, not an emptying
    reverted = np.zeros(first_after.size, dtype=bool)
    for k in range(1, cfg.confirm_readings + 1):
        j = first_after + k
        ok = j < n
        jj = np.where(ok, j, 0)
        ok &= (c[jj] == c[first_after]) & (tt[jj] - tt[first_after] <= cfg.confirm_h)
        reverted |= ok & (xx[jj] >= before - fall / 2.0)
    pressed = compactor[c[first_after]] & (after > cfg.compactor_after_pct)
    # a partial emptying leaves at most half of what was there; smaller falls at high levels are settling or noise
    pressed |= (after > cfg.full_after_pct) & (after > cfg.partial_max_ratio * before)
    dip_mask = np.zeros(idx.size, dtype=bool)
    if reverted.any():
        # flag every reading of the reverted fall (from the first low one to the event's end) as a dip
        marks = np.zeros(n + 1, dtype=int)
        np.add.at(marks, last_before[reverted] + 1, 1)
        np.add.at(marks, first_after[reverted] + 1, -1)
        dip_mask = np.cumsum(marks[:-1]) > 0
    real = ~reverted & ~pressed
    dips = np.zeros(codes.size, dtype=bool)
    dips[idx[dip_mask]] = True
    return idx[last_before[real]], idx[first_after[real]], dips


def _flag_stuck(codes: np.ndarray, t: np.ndarray, x: np.ndarray, keep: np.ndarray, cfg: CleaningConfig) -> None:
    """Flag the repeats of a value held for ``stuck_h`` hours or more (in place on ``keep``).

    Only pairs of neighbouring kept readings with equal values can belong to a stuck run, and a noisy sensor has
    few: runs are found among those pairs, without a pass that numbers every reading's run.
    """
    idx = np.flatnonzero(keep)
    if idx.size < 2:
        return
    c, xx = codes[idx], x[idx]
    pair = np.flatnonzero((c[1:] == c[:-1]) & (xx[1:] == xx[:-1]))  # pair k: kept readings k and k + 1
    if pair.size == 0:
        return
    # consecutive pairs form one run of equal readings: from pair[first] to pair[last] + 1
    brk = np.flatnonzero(np.diff(pair) > 1)
    first = pair[np.r_[0, brk + 1]]
    last = pair[np.r_[brk, pair.size - 1]] + 1
    length = last - first + 1
    duration = t[idx[last]] - t[idx[first]]
    stuck = (length >= cfg.stuck_min_readings) & (duration >= cfg.stuck_h)
    if not stuck.any():
        return
    # every reading of a stuck run but its first
    f, n = first[stuck] + 1, length[stuck] - 1
    pos = np.repeat(f - np.r_[0, np.cumsum(n)[:-1]], n) + np.arange(int(n.sum()))
    keep[idx[pos]] = False


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
    return list(itertools.pairwise(np.unique(np.r_[0, cuts, n]).tolist()))


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
    """:func:`clean_arrays` on readings of whole bins, all at once."""
    cfg = config or CleaningConfig()
    n = codes.size
    keep = np.ones(n, dtype=bool)
    _flag_spikes(codes, t, x, keep, cfg)
    spikes = ~keep
    before, after, dips = _find_emptyings(codes, t, x, keep, compactor, cfg)
    keep &= ~dips
    _flag_stuck(codes, t, x, keep, cfg)
    flag = np.zeros(n, dtype=np.int8)
    flag[~keep] = FLAGS.index("stuck")
    flag[dips] = FLAGS.index("dip")
    flag[spikes] = FLAGS.index("spike")
    # cycle = emptyings of the bin so far: +1 from each first-reading-after-a-fall on
    step = np.zeros(n, dtype=np.int32)
    step[after] = 1
    total = np.cumsum(step, dtype=np.int32)
    first_of_bin = np.r_[0, np.flatnonzero(codes[1:] != codes[:-1]) + 1] if n else np.zeros(0, np.int64)
    offset = np.repeat(total[first_of_bin] - step[first_of_bin], np.diff(np.r_[first_of_bin, n]))
    # confirmed: confirm_readings more readings of the bin after it, or its last reading confirm_h later
    last_of_bin = np.r_[first_of_bin[1:], n] - 1 if n else np.zeros(0, np.int64)
    bin_last = np.repeat(last_of_bin, np.diff(np.r_[first_of_bin, n]))[after] if n else after
    confirmed = (bin_last - after >= cfg.confirm_readings) | (t[bin_last] - t[after] > cfg.confirm_h)
    return CleanArrays(flag=flag, cycle=total - offset, before=before, after=after, confirmed=confirmed)


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
