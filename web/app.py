"""The Flask application factory: ``create_app(settings)`` builds the pages and the ``/api`` on one store.

Settings come from :func:`waste.settings.load_settings` (command line > environment > ``waste.toml``) when none
are given; tests pass their own. The app owns its store, its plan job runner and a scratch folder for charts,
so two apps in one process (as in tests) share nothing.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from waste.errors import WasteError
from waste.settings import Settings, load_settings
from waste.store import open_store
from web.jobs import PlanJobs
from web.limits import MAX_BODY_BYTES
from web.security import security_headers_for
from web.state import WebState

#: Where ``waste bench`` writes its results by default (``--out``), relative to the working directory.
DEFAULT_BENCH_DIR = Path("benchmarks/results/bench")
#: Where ``benchmarks/simulate_frontier.py`` writes the collection policies' frontiers, relative to the working
#: directory.
DEFAULT_FRONTIER_DIR = Path("benchmarks/results")


def create_app(
    settings: Settings | None = None,
    *,
    bench_dir: Path | None = None,
    frontier_dir: Path | None = None,
    plan_workers: int = 1,
    matrix_cache_dir: Path | None = None,
    warm_cache: bool = True,
    trusted_hosts: list[str] | None = None,
) -> Flask:
    """Build the web app.

    Parameters
    ----------
    settings
        Store URL, OSRM and API token; read from the environment and ``waste.toml`` when ``None``.
    bench_dir
        Folder of ``waste bench`` results for the benchmark page (default ``benchmarks/results/bench``).
    frontier_dir
        Folder of the collection policies' frontiers (``simulate_frontier_<city>.csv`` and ``.png``) that the
        planner page shows (default ``benchmarks/results``).
    plan_workers
        Plans made at once in the background.
    matrix_cache_dir
        Where plan jobs cache distance matrices (the pipeline's default when ``None``).
    warm_cache
        Compute each city's bin forecasts in the background at start and after each plan, so the map's first
        load does not wait for them (seconds for thousands of bins).
    trusted_hosts
        Host names to answer to (any other ``Host`` header gets 400); every name when ``None``.
    """
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config["WASTE_API_TOKEN"] = settings.api_token or secrets.token_urlsafe(24)
    app.config["WASTE_TOKEN_GENERATED"] = settings.api_token is None
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["TRUSTED_HOSTS"] = trusted_hosts
    store = open_store(settings.database_url)
    scratch = Path(tempfile.mkdtemp(prefix="waste-web-"))
    # Removed with the app, or when the process ends, whichever comes first.
    weakref.finalize(app, shutil.rmtree, scratch, ignore_errors=True)
    jobs = PlanJobs(store, settings, workers=plan_workers, cache_dir=matrix_cache_dir)
    state = WebState(
        settings=settings,
        store=store,
        jobs=jobs,
        bench_dir=Path(bench_dir) if bench_dir is not None else DEFAULT_BENCH_DIR,
        cache_dir=scratch,
        frontier_dir=Path(frontier_dir) if frontier_dir is not None else DEFAULT_FRONTIER_DIR,
    )
    app.extensions["waste"] = state
    if warm_cache:
        jobs.on_done = lambda city: _warm(state, [city])
        threading.Thread(target=_warm, args=(state, store.cities()), daemon=True, name="warm-map").start()

    from web import (
        api_data,
        api_matching,
        api_plans,
        api_readings,
        api_recycling,
        matching_pages,
        openapi,
        other_pages,
        pages,
    )

    blueprints = (api_data, api_plans, api_readings, api_matching, api_recycling, openapi, pages, other_pages)
    for module in (*blueprints, matching_pages):
        app.register_blueprint(module.bp)
    app.after_request(security_headers_for(settings.map_tiles_url))
    app.register_error_handler(WasteError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    return app


def _warm(state: WebState, cities: list[str]) -> None:
    """Compute the map's bin forecasts of ``cities`` ahead of the first request (a failure waits for that request)."""
    from web.bin_status import bin_status

    for city in cities:
        try:
            bin_status(state, city)
        except WasteError:
            continue  # the request will show the message


def _domain_error(exc: WasteError) -> Any:
    """A user's mistake that reached the boundary: 400 with its message, never a traceback."""
    body = {"error": "bad_request", "detail": str(exc)}
    field = getattr(exc, "field", None)
    if field:
        body["errors"] = [{"field": field, "reason": getattr(exc, "reason", str(exc))}]
    response = jsonify(body)
    response.status_code = 400
    return response


def _http_error(exc: HTTPException) -> Any:
    """JSON errors under ``/api``; the usual HTML page elsewhere."""
    if not request.path.startswith("/api/"):
        return exc
    response = jsonify({"error": exc.name.lower().replace(" ", "_"), "detail": exc.description})
    response.status_code = exc.code or 500
    return response
