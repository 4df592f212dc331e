"""A tiny seeded city in a SQLite store, with one stored plan, and a fresh web app on a copy of it per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient

from routing.plan import PlanOptions, plan_day
from routing.plan_outputs import plan_figures, plan_record
from waste.ingest import ingest_file
from waste.load import load_city_files
from waste.reference import CityFiles
from waste.settings import Settings
from waste.simulate import simulate_city, write_city
from waste.store import open_store
from web.app import create_app

TOKEN = "test-token"
CITY = "baltimore"
#: Readings end here; "now" for validation is well after it.
END = pd.Timestamp("2026-11-20T00:00Z")


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding a 36-bin Baltimore with 21 days of readings and one checked plan."""
    folder = tmp_path_factory.mktemp("seeded")
    sim = simulate_city(CITY, bins=36, days=21, seed=3, end=END)
    write_city(sim, folder / "city")
    db = folder / "waste.sqlite"
    store = open_store(f"sqlite:///{db}")
    load_city_files(store, CITY, CityFiles.in_folder(folder / "city"))
    ingest_file(store, folder / "city" / "readings.csv.gz")
    daily = plan_day(store, CITY, PlanOptions(time_limit_s=2.0, cache_dir=folder / "matrices"))
    store.save_plan(CITY, daily.date, daily.result.solver, plan_figures(daily)["cost"], plan_record(daily))
    store.dispose()
    return db


@pytest.fixture
def app(seeded_db: Path, tmp_path: Path) -> Iterator[Flask]:
    """A web app on a private copy of the seeded store, with token :data:`TOKEN`."""
    db = tmp_path / "waste.sqlite"
    shutil.copy(seeded_db, db)
    bench = tmp_path / "bench"
    bench.mkdir()
    application = create_app(
        Settings(database_url=f"sqlite:///{db}", api_token=TOKEN),
        bench_dir=bench,
        matrix_cache_dir=tmp_path / "matrices",
        warm_cache=False,
    )
    application.config["TESTING"] = True
    yield application
    state = application.extensions["waste"]
    state.jobs.shutdown()
    state.store.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}
