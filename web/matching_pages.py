"""Pages of the two platforms: requests, a hauler's (or planner's) day, the recycling report with chart and CSV.

The request and day pages hold no personal data themselves: they call the API with the account token typed into
the page (kept by the browser), so each account sees exactly what the API lets it see. The recycling report is
aggregated per district and month, and public.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, abort, render_template, request, send_from_directory, url_for
from werkzeug.wrappers import Response

from waste.matching.model import CONTAINERS, STREAMS
from waste.paths import SAMPLE_CITIES
from waste.recycling.records import records
from waste.recycling.report import monthly_report, write_report_chart
from web.state import web_state

bp = Blueprint("matching_pages", __name__)


@bp.get("/requests")
def requests_page() -> str:
    """A requester's page: ask for a pickup, see the offers, accept one, follow or cancel requests."""
    return render_template(
        "requests.html", streams=STREAMS, containers=list(CONTAINERS), cities=SAMPLE_CITIES, active="requests"
    )


@bp.get("/haulers/day")
def hauler_day_page() -> str:
    """A hauler's day (its own pickups) or the planner's (every hauler's): report collections and misses."""
    return render_template("hauler_day.html", cities=SAMPLE_CITIES, active="haulers")


@bp.get("/recycling")
def recycling_page() -> str:
    """Per district and month: tonnes by stream, diversion, contamination and reuse, with a chart and CSV."""
    city = request.args.get("city", SAMPLE_CITIES[0])
    report = monthly_report(records(web_state().store, city))
    chart = None
    if not report.empty:
        key = hashlib.sha256(report.to_csv(index=False).encode()).hexdigest()[:16]
        folder = Path(web_state().cache_dir) / "recycling"
        if not (folder / f"{key}.png").is_file():
            with web_state().charts_lock:
                write_report_chart(report, folder / f"{key}.png", title=f"{city}: collected tonnes and diversion")
        chart = url_for("matching_pages.recycling_chart", name=f"{key}.png")
    rows = report.astype(object).where(report.notna(), None).to_dict("records")
    return render_template(
        "recycling.html", city=city, cities=SAMPLE_CITIES, rows=rows, chart=chart, streams=STREAMS, active="recycling"
    )


@bp.get("/recycling/charts/<name>")
def recycling_chart(name: str) -> Response:
    """A chart the recycling page drew."""
    if not name.removesuffix(".png").isalnum():
        abort(404)
    return send_from_directory(Path(web_state().cache_dir) / "recycling", name)
