"""Running the forecaster's chunks of whole bins on every core the process may use.

Cleaning, the fill-rate sums and the calibration all work on chunks of whole bins, and no rule looks past its own
bin: chunks are independent. NumPy releases the GIL inside its array operations, so a pool of threads runs chunks
side by side without copying the panel to other processes. The chunks are cut the same way whatever the number of
threads and their results are combined in chunk order, so the numbers do not depend on it.

The number of threads is a ``workers`` argument where a function takes one; ``None`` means the default: the
``WASTE_WORKERS`` environment variable if set, else the cores this process may run on, shared out among the
tasks a Dask worker runs side by side when the code runs in one (a worker with 8 cores and 4 task threads gives
each forecast 2 threads, not 8: otherwise every task would start a thread per core and they would fight for them).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np

T = TypeVar("T")
R = TypeVar("R")

#: Environment variable that sets the default number of threads (``1``: run everything in the calling thread).
WORKERS_ENV = "WASTE_WORKERS"


def default_workers() -> int:
    """Threads used when none are asked for: ``WASTE_WORKERS``, else the cores this process may run on.

    Inside a Dask worker the cores are divided by the worker's task threads (:func:`dask_task_threads`).
    """
    env = os.environ.get(WORKERS_ENV, "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            msg = f"{WORKERS_ENV} must be a whole number, got {env!r}"
            raise ValueError(msg) from None
    try:
        cores = max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        cores = max(1, os.cpu_count() or 1)
    return max(1, cores // dask_task_threads())


def dask_task_threads() -> int:
    """Tasks the Dask worker running this code runs side by side (its threads); 1 outside a Dask worker."""
    try:
        from distributed import get_worker
    except ImportError:  # the optional extra
        return 1
    try:
        worker = get_worker()
    except ValueError:  # not running inside a worker
        return 1
    return max(1, int(getattr(getattr(worker, "state", None), "nthreads", 1) or 1))


def resolve_workers(workers: int | None) -> int:
    """``workers`` if given (at least 1), else :func:`default_workers`."""
    if workers is None:
        return default_workers()
    if workers < 1:
        msg = f"workers must be >= 1, got {workers!r}"
        raise ValueError(msg)
    return int(workers)


def map_chunks(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> list[R]:
    """``[fn(item) for item in items]``, run on up to ``workers`` threads; results in the order of ``items``."""
    return list(iter_chunks(fn, items, workers))


def iter_chunks(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> Iterator[R]:
    """``fn(item)`` for each of ``items`` on up to ``workers`` threads, yielded in order as they are done.

    At most twice as many items as threads are in flight, so results the caller has not taken yet do not pile up.
    """
    items = list(items)
    n = min(resolve_workers(workers), len(items))
    if n <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(max_workers=n) as pool:
        pending: deque[Future[R]] = deque(pool.submit(fn, item) for item in items[: 2 * n])
        for item in items[2 * n :]:
            done = pending.popleft().result()
            pending.append(pool.submit(fn, item))
            yield done
        while pending:
            yield pending.popleft().result()


def bin_chunks(indptr: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Ranges ``(b0, b1)`` of whole bins holding about ``size`` readings each (a longer bin is a range of its own).

    ``indptr`` is a panel's (bin ``b`` holds readings ``indptr[b]:indptr[b + 1]``); bins without readings ride
    along with their neighbours. Depends on the readings only, never on the number of threads.
    """
    nb = indptr.size - 1
    if nb <= 0:
        return []
    # first bin whose readings start at or after each multiple of ``size``
    cuts = np.searchsorted(indptr[:-1], np.arange(size, int(indptr[-1]), size, dtype=indptr.dtype), side="left")
    bounds = np.unique(np.r_[0, cuts, nb])
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))
