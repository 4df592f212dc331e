"""The daily plan: must-go / may-go selection from forecasts, and the pipeline from store to checked route sheets."""

from __future__ import annotations

import json
from pathlib import Path

import gpxpy
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from routing.check import check
from routing.plan import PlanOptions, plan_day
from routing.plan_outputs import plan_figures, route_sheets, write_plan
from routing.selection import SelectionRule, select_bins, visits_from_selection
from waste.cli import cli
from waste.store import Store

#: The plan day of the tiny city (UTC clock): readings end the evening before.
PLAN_DATE = "2026-11-02"
START = pd.Timestamp("2026-11-02T06:00:00Z")


def _sawtooth(bin_id: str, rate_pct_per_h: float, last_fill: float, days: int = 14) -> pd.DataFrame:
    """Hourly readings rising at ``rate`` and emptied at 100 %, ending at ``last_fill`` % at 2026-11-01 22:00 UTC."""
    hours = np.arange(days * 24)
    end = pd.Timestamp("2026-11-01T22:00:00Z")
    ts = end - pd.to_timedelta(hours[::-1], unit="h")
    fill = (last_fill - rate_pct_per_h * hours[::-1]) % 100.0
    return pd.DataFrame({"bin_id": bin_id, "ts": ts, "fill_pct": np.round(fill, 1)})


def _readings(silent_b4: bool = False) -> pd.DataFrame:
    frames = [
        _sawtooth("B1", 4.0, 85.0),  # overflows within hours: must go
        _sawtooth("B2", 0.3, 70.0),  # 70 % and slow: may go
        _sawtooth("B3", 0.2, 10.0),  # nearly empty: waits
        _sawtooth("B4", 0.5, 60.0),  # may go, unless its sensor fell silent
    ]
    if silent_b4:
        frames[3] = frames[3][frames[3]["ts"] < pd.Timestamp("2026-10-29T00:00:00Z")]
    return pd.concat(frames, ignore_index=True)


def _ingest(store: Store, readings: pd.DataFrame) -> None:
    store.insert_readings(
        readings.assign(ts_unix_s=(readings["ts"] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).drop(
            columns="ts"
        )
    )


def test_selection_rule(tiny_sqlite_store: Store) -> None:
    """A fast-filling bin must go, a fuller slow one may go with a penalty, an empty one waits; silence is flagged."""
    bins, fleet = tiny_sqlite_store.bins("tiny"), tiny_sqlite_store.fleet("tiny")
    table = select_bins(_readings(silent_b4=True), bins, fleet, start=START, shift_h=8.5).set_index("bin_id")
    assert table.loc["B1", "decision"] == "must"
    assert table.loc["B1", "p_overflow"] >= 0.1
    assert table.loc["B2", "decision"] == "may"
    assert table.loc["B2", "penalty"] > 0
    assert table.loc["B3", "decision"] == "skip"
    assert table.loc["B4", ["status", "decision"]].tolist() == ["silent", "skip"]
    visits = visits_from_selection(table.reset_index())
    assert visits.set_index("bin_id")["mandatory"].to_dict() == {"B1": True, "B2": False}


def test_fuller_bins_are_worth_more(tiny_sqlite_store: Store) -> None:
    """The may-go penalty grows with the expected fill: a nearly full bin saves more of a later visit."""
    bins, fleet = tiny_sqlite_store.bins("tiny"), tiny_sqlite_store.fleet("tiny")
    low = pd.concat([_sawtooth("B2", 0.3, 55.0)])
    high = pd.concat([_sawtooth("B2", 0.3, 80.0)])
    rule = SelectionRule(must_go_probability=0.99)
    pen_low = select_bins(low, bins, fleet, start=START, shift_h=8.5, rule=rule).set_index("bin_id").loc["B2"]
    pen_high = select_bins(high, bins, fleet, start=START, shift_h=8.5, rule=rule).set_index("bin_id").loc["B2"]
    assert pen_low["decision"] == pen_high["decision"] == "may"
    assert pen_high["penalty"] > pen_low["penalty"] > 0


def test_rule_parameters_are_checked() -> None:
    """Out-of-range thresholds are refused with the parameter named."""
    with pytest.raises(ValueError, match="must_go_probability"):
        SelectionRule(must_go_probability=0)
    with pytest.raises(ValueError, match="may_go_min_fill_pct"):
        SelectionRule(may_go_min_fill_pct=120)


def test_plan_day_end_to_end(tiny_sqlite_store: Store, tmp_path: Path) -> None:
    """Readings in the store become a checked plan with route sheets, GeoJSON and figures."""
    _ingest(tiny_sqlite_store, _readings())
    plan = plan_day(tiny_sqlite_store, "tiny", PlanOptions(time_limit_s=2, cache_dir=tmp_path / "cache"))
    assert plan.date == PLAN_DATE  # the next shift after the newest reading
    assert check(plan.problem, plan.result.solution) == []
    served = {plan.problem.stops[i].id for i in plan.result.solution.served()}
    assert "B1" in served
    figures = plan_figures(plan)
    assert figures["bins_collected"] == len(served)
    assert figures["bins_left_at_risk"] == 0
    assert figures["travel_times"] == "haversine"
    assert figures["places_off_road_network"] == 0
    assert figures["disposal_trips"] >= 1  # the trucks end the day empty
    assert figures["fuel_l"] > 0
    assert figures["co2_kg"] > figures["fuel_l"]  # 2.67 kg of CO2 per litre
    sheets = route_sheets(plan)
    sheet = next(iter(sheets.values()))
    assert sheet["kind"].iloc[0] == sheet["kind"].iloc[-1] == "depot"
    assert sheet["arrival"].iloc[0] == "06:00"
    assert "disposal" in set(sheet["kind"])
    paths = write_plan(plan, tmp_path / "out")
    record = json.loads(paths["json"].read_text())
    assert record["figures"]["bins_collected"] == len(served)
    geo = json.loads(paths["geojson"].read_text())
    kinds = [f["properties"]["kind"] for f in geo["features"]]
    assert kinds.count("route") == len(sheets)
    assert kinds.count("bin") == 4
    for route in record["routes"]:  # per-truck figures and the line the map and the GPX draw
        assert route["distance_km"] > 0
        assert len(route["line"]) == len(route["visits"])
    gpx = gpxpy.parse(paths["gpx"].read_text())
    assert len(gpx.tracks) == len(sheets)


def test_plan_command(tiny_sqlite_store: Store, tmp_path: Path) -> None:
    """``waste plan`` prints the figures, writes the files and stores the plan."""
    _ingest(tiny_sqlite_store, _readings())
    db = str(tiny_sqlite_store.engine.url)
    out = tmp_path / "plan"
    instance = tmp_path / "day.vrp"
    result = CliRunner().invoke(
        cli,
        [
            "plan",
            "--city",
            "tiny",
            "--db",
            db,
            "--time-limit",
            "2",
            "--out",
            str(out),
            "--export-instance",
            str(instance),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "bins collected" in result.output
    assert (out / "plan.json").is_file()
    assert list((out / "routes").glob("*.csv"))
    assert instance.read_text().startswith("NAME")
    assert len(tiny_sqlite_store.plans("tiny")) == 1


def test_plan_without_readings_is_a_clear_error(tiny_sqlite_store: Store) -> None:
    """A city with no readings cannot be planned, and the message says what to do."""
    result = CliRunner().invoke(cli, ["plan", "--city", "tiny", "--db", str(tiny_sqlite_store.engine.url)])
    assert result.exit_code == 1
    assert "no readings" in result.output


def test_bins_left_out_for_lack_of_time_say_so() -> None:
    """When the budget ends before the first solution is complete, left-out bins blame the time, not the fleet."""
    from routing.solvers import solve
    from tests.routing.builders import problem, truck

    rng = np.random.default_rng(0)
    points = [(float(x), float(y)) for x, y in rng.uniform(-3000, 3000, size=(400, 2))]
    day = problem(points, vehicle_types=(truck(count=20, capacity_kg=50_000, capacity_m3=500),))
    result = solve(day, time_limit_s=0.01)
    assert result.unserved
    assert {u.reason for u in result.unserved} == {"time_limit"}


def test_plan_day_in_sectors(tiny_sqlite_store: Store, tmp_path: Path) -> None:
    """A day larger than the sector size is solved in sectors, and the merged plan still passes the checker."""
    _ingest(tiny_sqlite_store, _readings())
    options = PlanOptions(time_limit_s=2, cache_dir=tmp_path / "cache", sector_stops=1, solver="ortools")
    plan = plan_day(tiny_sqlite_store, "tiny", options)
    assert "sectors" in plan.result.solver
    assert check(plan.problem, plan.result.solution) == []
    assert "B1" in {plan.problem.stops[i].id for i in plan.result.solution.served()}


def test_plan_day_in_sectors_on_a_dask_cluster(tiny_sqlite_store: Store, tmp_path: Path) -> None:
    """With a scheduler address the sectors are solved by the cluster's workers, and the plan passes the checker."""
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed (the dask extra)")
    _ingest(tiny_sqlite_store, _readings())
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        options = PlanOptions(
            time_limit_s=2,
            cache_dir=tmp_path / "cache",
            sector_stops=1,
            scheduler=cluster.scheduler_address,
            solver="ortools",
        )
        plan = plan_day(tiny_sqlite_store, "tiny", options)
        solved_there = cluster.scheduler.task_prefixes.get("solve")
        assert solved_there is not None
        assert solved_there.state_counts["memory"] >= 1
    assert "sectors" in plan.result.solver
    assert check(plan.problem, plan.result.solution) == []
