"""The matching and recycling commands in-process (haulers, accounts, requests, match), and a short month."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from routing.matching.simulate import MonthConfig, simulate_month
from waste.cli import cli
from waste.store import open_store


def _run(args: list[str]) -> str:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_requesters_path_on_the_command_line(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'w.sqlite'}"]
    assert "4 haulers loaded" in _run(["haulers", "load", "--city", "santa_cruz", *db])
    assert "SCZ-VOLQ" in _run(["haulers", "list", "--city", "santa_cruz", *db])
    out = _run(["accounts", "create", "--city", "santa_cruz", "--id", "tienda", "--kind", "business", *db])
    assert "token (shown once)" in out
    common = ["--city", "santa_cruz", "--account", "tienda", "--lat", "-17.78", "--lon", "-63.18", *db]
    out = _run(["requests", "add", *common, "--stream", "recycling", "--container", "container_1100l",
                "--earliest", "2030-12-02", "--latest", "2030-12-04"])  # fmt: skip
    assert "request 1 accepted" in out
    out = _run(["requests", "show", "1", *db])
    assert "requested" in out
    assert "accepted" in out
    day = pd.read_sql("select service_date from requests", open_store(db[1]).engine)["service_date"][0]
    out = _run(["match", "schedule", "--city", "santa_cruz", "--date", day, "--time-limit", "1", *db])
    assert "1 stops" in out
    out = _run(["requests", "status", "1", "missed", "--note", "gate locked", *db])
    assert "recovery pickup" in out
    bad = tmp_path / "requests.csv"
    bad.write_text(
        "account_id,lat,lon,stream,container,earliest,latest\n"
        "tienda,-17.79,-63.17,organic,bin_240l,2030-12-02,2030-12-03\n"
        "tienda,-17.79,-63.17,lava,bin_240l,2030-12-02,2030-12-03\n"
        "nobody,-17.79,-63.17,general,bin_240l,2030-12-02,2030-12-03\n"
    )
    out = _run(["requests", "import", str(bad), "--city", "santa_cruz", *db])
    assert "line 3, field 'stream'" in out
    assert "line 4, field 'account_id'" in out
    assert "1 requests stored, 1 matched, 2 rows skipped" in out
    assert "tienda" in _run(["requests", "list", "--city", "santa_cruz", *db])


def test_a_bad_request_on_the_command_line_is_one_error_line(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'w.sqlite'}"]
    _run(["haulers", "load", "--city", "baltimore", *db])
    _run(["accounts", "create", "--city", "baltimore", "--id", "r", "--kind", "resident", *db])
    result = CliRunner().invoke(
        cli,
        ["requests", "add", "--city", "baltimore", "--account", "r", "--lat", "39.3", "--lon", "-76.6", "--stream",
         "bulky", "--container", "item", "--earliest", "2030-12-09", "--latest", "2030-11-01", *db],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "Error: field 'latest'" in result.output


@pytest.mark.slow
def test_a_short_simulated_month_matches_every_servable_request(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'month.sqlite'}")
    result = simulate_month(store, MonthConfig("baltimore", days=5, requesters=40, sensor_containers=10, seed=1))
    assert result.requests > 20
    assert result.sensor_requests > 0
    assert result.servable > 0
    assert result.matched_in_days == result.servable
    assert result.collected > 0
    assert result.route_cost_total > 0
    assert len(result.by_hauler) >= 3
    records = pd.read_sql("select * from recycling_records", store.engine)
    assert len(records) == result.collected
    assert set(records["weight_source"]) == {"scale", "estimate"}
    out = _run(["recycling", "report", "--city", "baltimore", "--db", str(store.engine.url),
                "--csv", str(tmp_path / "r.csv"), "--chart", str(tmp_path / "r.png")])  # fmt: skip
    assert "diversion" in out
    assert (tmp_path / "r.png").stat().st_size > 1000
    assert pd.read_csv(tmp_path / "r.csv")["district"].str.contains("city").any()
    energy = _run(["energy", "--city", "baltimore", "--tonnage-from-records", "--db", str(store.engine.url),
                   "--runs", "50", "--out", str(tmp_path / "energy")])  # fmt: skip
    assert "Waste-to-energy options" in energy
    store.dispose()


@pytest.mark.slow
def test_match_simulate_writes_the_summary_and_each_citys_report(tmp_path: Path) -> None:
    args = ["--city", "santa_cruz", "--days", "3", "--requesters", "20", "--out", str(tmp_path)]
    out = _run(["match", "simulate", *args])
    assert "santa_cruz:" in out
    assert "servable matched within their days" in out
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(summary["city"]) == ["santa_cruz"]
    assert summary["matched_in_days"].iloc[0] == summary["servable"].iloc[0]
    assert (tmp_path / "santa_cruz_recycling.png").is_file()
    assert (tmp_path / "santa_cruz.sqlite").is_file()
