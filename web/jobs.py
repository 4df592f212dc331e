"""Background plan jobs: the dispatcher's "run a new plan" button and ``POST /api/plans``.

A plan takes as long as its solver budget (a minute by default), far longer than an HTTP request should, so it
runs in a worker thread while the page polls its status. One plan runs at a time (``workers=1`` by default):
the solver already uses every core for a large day, and two plans at once would each get half. Jobs queue
behind it. The result is checked by the pipeline (a violation fails the job, never stores a plan) and saved with
:meth:`waste.store.Store.save_plan`, exactly as ``waste plan`` saves it.

Progress is an estimate in [0, 1]: loading and forecasting take the first tenth, the solver's budget the bulk
(elapsed over budget), and saving the rest.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from routing.plan import PlanOptions, plan_day
from routing.plan_outputs import plan_figures, plan_record
from waste.errors import WasteError
from waste.ingest import ingest_files
from waste.load import load_sample_city, sample_readings
from waste.paths import SAMPLE_CITIES
from waste.settings import Settings
from waste.store import Store

_log = logging.getLogger(__name__)

#: Share of the progress bar each step has reached when it starts.
STEP_PROGRESS: dict[str, float] = {
    "queued": 0.0,
    "loading": 0.02,
    "forecast": 0.05,
    "matrix": 0.1,
    "solve": 0.15,
    "saving": 0.95,
    "done": 1.0,
}


@dataclass(slots=True)
class PlanJob:
    """One plan being made, as the status endpoint shows it.

    Attributes
    ----------
    job_id
        Opaque id (hex).
    status
        ``queued``, ``running``, ``done`` or ``failed``.
    step
        Current step: ``queued``, ``loading``, ``forecast``, ``matrix``, ``solve``, ``saving``, ``done``.
    progress
        Estimated share done, 0 to 1.
    plan_id
        Id of the stored plan once done.
    error
        Why the job failed, for people.
    """

    job_id: str
    city: str
    time_limit_s: float
    date: str | None = None
    status: str = "queued"
    step: str = "queued"
    progress: float = 0.0
    best_objective: float | None = None
    plan_id: int | None = None
    error: str | None = None
    created_unix_s: float = field(default_factory=time.time)
    started_unix_s: float | None = None
    finished_unix_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready status."""
        data = asdict(self)
        data["progress"] = round(self.progress, 3)
        return data


class PlanJobs:
    """A small pool of worker threads that make plans and store them.

    ``on_done(city)``, when set, runs after a plan is stored and before its job reads as done (the web app
    prepares the city's map data there).
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        workers: int = 1,
        cache_dir: Path | None = None,
        on_done: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.on_done = on_done
        self.settings = settings
        self.cache_dir = cache_dir
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="plan-job")
        self._jobs: dict[str, PlanJob] = {}
        self._lock = threading.Lock()

    def submit(self, city: str, *, time_limit_s: float, date: str | None = None) -> PlanJob:
        """Queue a plan of ``city``; return its job at once."""
        job = PlanJob(job_id=uuid.uuid4().hex, city=city, time_limit_s=time_limit_s, date=date)
        with self._lock:
            self._jobs[job.job_id] = job
        self._pool.submit(self._run, job)
        return job

    def get(self, job_id: str) -> PlanJob | None:
        """The job of that id, or ``None``."""
        with self._lock:
            return self._jobs.get(job_id)

    def all(self) -> list[PlanJob]:
        """Every job of this process, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created_unix_s, reverse=True)

    def wait(self, job_id: str, timeout_s: float) -> PlanJob:
        """Block until the job ends or ``timeout_s`` passes (for tests and scripts); return it."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            job = self.get(job_id)
            if job is None or job.status in ("done", "failed"):
                break
            time.sleep(0.1)
        found = self.get(job_id)
        if found is None:
            msg = f"no plan job {job_id}"
            raise KeyError(msg)
        return found

    def shutdown(self) -> None:
        """Stop taking jobs and wait for the running one."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, job: PlanJob) -> None:
        job.status, job.started_unix_s = "running", time.time()
        try:
            self._ensure_city(job)
            options = self._options(job)

            def report(step: str, elapsed: float, best: float | None) -> None:
                job.step = step
                base = STEP_PROGRESS.get(step, job.progress)
                if step == "solve":
                    span = STEP_PROGRESS["saving"] - base
                    base += span * min(1.0, elapsed / max(job.time_limit_s, 1e-9))
                    job.best_objective = best
                job.progress = max(job.progress, base)

            daily = plan_day(self.store, job.city, options, progress=report)
            self._set_step(job, "saving")
            figures = plan_figures(daily)
            record = plan_record(daily)
            job.plan_id = self.store.save_plan(daily.city, daily.date, daily.result.solver, figures["cost"], record)
            if self.on_done is not None:
                self.on_done(job.city)  # before "done", so the page that reloads the map finds it ready
            job.status = "done"
            self._set_step(job, "done")
        except WasteError as exc:
            job.status, job.error = "failed", str(exc)
        except Exception:  # a bug must not vanish in a thread: its trace goes to the server's log, not to visitors
            _log.exception("plan job %s of %s failed", job.job_id, job.city)
            job.status = "failed"
            job.error = f"internal error while planning (job {job.job_id}; the server log has the details)"
        finally:
            job.finished_unix_s = time.time()

    def _ensure_city(self, job: PlanJob) -> None:
        """A sample city not yet in the store is loaded with its readings first, as ``waste plan`` does."""
        if job.city in self.store.cities() or job.city not in SAMPLE_CITIES:
            return
        self._set_step(job, "loading")
        load_sample_city(self.store, job.city)
        reports = ingest_files(self.store, [sample_readings(job.city)])
        failed = [r.error for r in reports if r.error]
        if failed:
            raise WasteError(failed[0])

    def _options(self, job: PlanJob) -> PlanOptions:
        extra: dict[str, Any] = {}
        if self.cache_dir is not None:
            extra["cache_dir"] = self.cache_dir
        return PlanOptions(
            date=job.date,
            time_limit_s=job.time_limit_s,
            osrm_url=self.settings.osrm_url,
            osrm_data=Path(self.settings.osrm_data) if self.settings.osrm_data else None,
            **extra,
        )

    @staticmethod
    def _set_step(job: PlanJob, step: str) -> None:
        job.step = step
        job.progress = max(job.progress, STEP_PROGRESS[step])
