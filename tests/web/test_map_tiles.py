"""The dispatcher map's tiles come from the settings; with none it asks no tile server at all."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from waste.settings import Settings, load_settings
from web.app import create_app
from web.security import content_security_policy, tile_origin


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


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        (None, None),
        ("https://tiles.example.test/{z}/{x}/{y}.png", "https://tiles.example.test"),
        ("https://{s}.tiles.example.test:8443/{z}/{x}/{y}.png", "https://*.tiles.example.test:8443"),
        ("javascript:alert(1)", None),
        ("https://a.test; script-src *", None),
    ],
)
def test_the_policy_lets_images_come_only_from_the_named_tile_server(url: str | None, origin: str | None) -> None:
    """The content security policy adds the tile server's origin to img-src, and nothing else from the setting."""
    assert tile_origin(url) == origin
    policy = content_security_policy(url)
    assert "script-src 'self';" in policy
    images = next(part for part in policy.split("; ") if part.startswith("img-src"))
    assert images == "img-src 'self' data: blob:" + (f" {origin}" if origin else "")


def test_a_configured_tile_server_is_allowed_by_the_served_policy(seeded_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "waste.sqlite"
    shutil.copy(seeded_db, db)
    app = create_app(
        Settings(
            database_url=f"sqlite:///{db}", api_token="t", map_tiles_url="https://tiles.example.test/{z}/{x}/{y}.png"
        ),
        bench_dir=tmp_path,
        matrix_cache_dir=tmp_path / "matrices",
        warm_cache=False,
    )
    try:
        policy = app.test_client().get("/").headers["Content-Security-Policy"]
    finally:
        state = app.extensions["waste"]
        state.jobs.shutdown()
        state.store.dispose()
    assert "img-src 'self' data: blob: https://tiles.example.test;" in policy
