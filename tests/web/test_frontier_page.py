"""The planner page shows the collection policies' frontier when the frontier benchmark has been run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask

from waste.settings import Settings
from web.app import create_app

from .conftest import TOKEN


@pytest.fixture
def frontier_app(seeded_db: Path, tmp_path: Path) -> Flask:
    db = tmp_path / "waste.sqlite"
    shutil.copy(seeded_db, db)
    results = tmp_path / "results"
    results.mkdir()
    application = create_app(
        Settings(database_url=f"sqlite:///{db}", api_token=TOKEN),
        bench_dir=tmp_path / "bench",
        frontier_dir=results,
        warm_cache=False,
    )
    application.config["TESTING"] = True
    return application


def test_planner_shows_the_frontier_and_the_defaults_figures(frontier_app: Flask) -> None:
    client = frontier_app.test_client()
    page = client.get("/planner?city=baltimore").get_data(as_text=True)
    assert "truck-km against overflow" not in page  # nothing run yet: no section
    folder = frontier_app.extensions["waste"].frontier_dir
    runs = pd.DataFrame(
        {
            "policy": ["fixed", "fixed", "threshold", "smart", "smart"],
            "knob": [0.0, 1.0, 75.0, 2.0, 4.0],
            "default": [True, False, True, True, False],
            "seed": 0,
            "days": 28,
            "time_limit_s": 5.0,
            "truck_km": [1000.0, 1300.0, 900.0, 612.0, 700.0],
            "overflow_bin_h": [120.0, 40.0, 150.0, 100.0, 60.0],
            "overflow_events": 1.0,
            "wall_s": 1.0,
        }
    )
    runs.to_csv(folder / "simulate_frontier_baltimore.csv", index=False)
    (folder / "simulate_frontier_baltimore.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    page = client.get("/planner?city=baltimore").get_data(as_text=True)
    assert "truck-km against overflow" in page
    assert "612" in page
    assert "0.61" in page
    with client.get("/planner/frontier/baltimore.png") as plot:
        assert plot.status_code == 200
    assert client.get("/planner/frontier/santa_cruz.png").status_code == 404
