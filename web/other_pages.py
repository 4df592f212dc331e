"""The bin page, the planner page and the benchmark page."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, render_template, request, send_from_directory, url_for
from werkzeug.wrappers import Response

from waste.errors import ConfigError, InputError
from waste.paths import SAMPLE_CITIES
from web.bench_view import PLOTS, bench_results
from web.energy_view import KEY_INPUTS, charts_for, comparison_records, parse_inputs, request_key, run_planner
from web.frontier_view import frontier_files, frontier_summary
from web.state import web_state

bp = Blueprint("other_pages", __name__)


@bp.get("/bins/<path:bin_id>")
def bin_page(bin_id: str) -> str:
    """A bin's readings chart with its emptyings and the forecast with its interval (drawn from the API)."""
    bins = web_state().store.bins()
    row = bins[bins["bin_id"] == bin_id]
    if row.empty:
        abort(404, f"no bin {bin_id}")
    return render_template("bin.html", bin=row.iloc[0].to_dict(), active="dispatcher")


@bp.get("/planner")
def planner() -> str:
    """Pick a city scenario, change growth, composition and efficiencies, compare the technologies."""
    city = request.args.get("city", SAMPLE_CITIES[0])
    if city not in SAMPLE_CITIES:
        abort(404, f"no scenario for {city}")
    inputs, errors = parse_inputs(request.args.to_dict())
    result = charts = None
    table: list[dict[str, str]] = []
    try:
        result = run_planner(city, inputs)
    except (ConfigError, InputError) as exc:
        errors.append({"field": getattr(exc, "field", None) or "scenario", "reason": str(exc)})
    if result is not None:
        key = request_key(city, inputs)
        folder = web_state().cache_dir / "planner" / key
        with web_state().charts_lock:
            drawn = charts_for(result, folder)
        charts = {name: url_for("other_pages.planner_chart", key=key, name=f"{name}.png") for name in drawn}
        table = comparison_records(result)
    return render_template(
        "planner.html",
        city=city,
        cities=SAMPLE_CITIES,
        key_inputs=KEY_INPUTS,
        result=result,
        table=table,
        charts=charts,
        errors=errors,
        frontier=frontier_summary(web_state().frontier_dir, city),
        active="planner",
    )


@bp.get("/planner/charts/<key>/<name>")
def planner_chart(key: str, name: str) -> Response:
    """A chart the planner page drew."""
    if not key.isalnum():
        abort(404)
    return send_from_directory(Path(web_state().cache_dir) / "planner" / key, name)


@bp.get("/planner/frontier/<city>.png")
def frontier_plot(city: str) -> Response:
    """The collection policies' frontier plot of a sample city, as the frontier benchmark drew it."""
    if city not in SAMPLE_CITIES:
        abort(404)
    png = frontier_files(web_state().frontier_dir, city)[1]
    if not png.is_file():
        abort(404)
    return send_from_directory(png.parent.resolve(), png.name)


@bp.get("/bench")
def bench_page() -> str:
    """The solver leaderboard and plots from the ``waste bench`` results folder."""
    return render_template("bench.html", results=bench_results(web_state().bench_dir), active="bench")


@bp.get("/bench/plots/<name>")
def bench_plot(name: str) -> Response:
    """A plot ``waste bench`` wrote."""
    if name not in PLOTS:
        abort(404)
    return send_from_directory(web_state().bench_dir, name)
