"""The dispatcher map's tiles come from the settings; with none it asks no tile server at all."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from waste.settings import Settings, load_settings
from web.app import create_app


def _page(seeded_db: Path, tmp_path: Path, settings: Settings) -> str:
    db = tmp_path / "waste.sqlite"
    shutil.copy(seeded_db, db)
    app = create_app(
        replace(settings, database_url=f"sqlite:///{db}", api_token="t"),
        bench_dir=tmp_path,
        matrix_cache_dir=tmp_path / "matrices",
        warm_cache=False,
    )
    try:
        return app.test_client().get("/").get_data(as_text=True)
    finally:
        state = app.extensions["waste"]
        state.jobs.shutdown()
        state.store.dispose()


def test_no_tile_server_by_default(seeded_db: Path, tmp_path: Path) -> None:
    """Out of the box the page names no tile server, so no visitor's browser calls a public one."""
    page = _page(seeded_db, tmp_path, Settings())
    assert 'data-tiles-url=""' in page
    assert "openstreetmap.org" not in page
    script = (Path(__file__).resolve().parents[2] / "web" / "static" / "dispatcher.js").read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" not in script


def test_tile_server_and_attribution_from_the_settings(seeded_db: Path, tmp_path: Path) -> None:
    """A configured tile server and its attribution reach the page (escaped like any other value)."""
    settings = load_settings(
        env={
            "WASTE_MAP_TILES_URL": "https://tiles.example.test/{z}/{x}/{y}.png",
            "WASTE_MAP_TILES_ATTRIBUTION": "© OpenStreetMap contributors <b>",
        },
        config_file=tmp_path / "none.toml",
    )
    page = _page(seeded_db, tmp_path, settings)
    assert 'data-tiles-url="https://tiles.example.test/{z}/{x}/{y}.png"' in page
    assert "© OpenStreetMap contributors &lt;b&gt;" in page
