"""What the web app shares between requests: settings, the store, the plan job runner and small caches.

One :class:`WebState` lives in ``app.extensions["waste"]``; handlers reach it with :func:`web_state`. Nothing is
global, so each test's app has its own store and jobs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

from waste.settings import Settings
from waste.store import Store
from web.jobs import PlanJobs


@dataclass(slots=True)
class WebState:
    """The app's shared objects.

    Attributes
    ----------
    settings
        Database URL, OSRM, API token.
    store
        The store the command line uses too.
    jobs
        Background plan jobs.
    bench_dir
        Folder of ``waste bench`` results (``results.csv``, ``leaderboard.md``, plots).
    cache_dir
        Scratch folder for charts drawn on demand.
    frontier_dir
        Folder of the collection policies' frontiers (``simulate_frontier_<city>.csv``, ``.png``).
    """

    settings: Settings
    store: Store
    jobs: PlanJobs
    bench_dir: Path
    cache_dir: Path
    frontier_dir: Path = Path("benchmarks/results")
    cache: dict[Any, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: matplotlib's pyplot is not thread-safe: one chart drawing at a time.
    charts_lock: threading.Lock = field(default_factory=threading.Lock)


def web_state() -> WebState:
    """The running app's :class:`WebState`."""
    return current_app.extensions["waste"]
