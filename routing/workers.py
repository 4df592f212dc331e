"""Where parallel solves run: spawned worker processes on this machine, or the workers of a Dask cluster.

One context manager serves every caller that solves parts of a day side by side (sectors, border pairs), so the
choice between local processes and a cluster is made in one place, and so is the count of solves that really run
at once, which the callers need to share the time budget fairly.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager


@contextmanager
def solve_pool(workers: int | None, tasks: int, scheduler: str | None = None) -> Iterator[tuple[Executor, int]]:
    """An executor for ``tasks`` independent solves, and how many of them run at once.

    Parameters
    ----------
    workers
        Solves at once; by default the machine's cores, or the threads of the cluster's workers.
    tasks
        Solves to run: no more slots than this are started.
    scheduler
        Address of a Dask scheduler (``tcp://host:8786``): the solves run on its workers (needs the ``dask``
        extra). Each task is one whole solve, so a worker thread is busy for the task's budget.

    Yields
    ------
    tuple
        ``(executor, slots)``.
    """
    if scheduler is not None:
        from distributed import Client

        with Client(scheduler) as client:
            threads = sum(client.nthreads().values())
            yield client.get_executor(), max(1, min(workers or threads or 1, tasks))
        return
    slots = max(1, min(workers or os.cpu_count() or 1, tasks))
    # Spawned workers: forking a process that already runs solver threads (OR-Tools, BLAS) can deadlock.
    with ProcessPoolExecutor(max_workers=slots, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool, slots
