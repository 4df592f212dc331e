"""``waste serve``: listed with help, a clear message when the web assets are missing, map data made ahead."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from waste.cli import cli
from waste.errors import ConfigError
from waste.settings import Settings
from web import serve
from web.app import create_app


def test_serve_has_help() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output
    assert "serve" in CliRunner().invoke(cli, ["--help"]).output


def test_missing_assets_name_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve, "missing_assets", lambda: ["leaflet/leaflet.js"])
    with pytest.raises(ConfigError, match=r"python -m web.install_assets"):
        serve.ensure_assets(install=False)
    monkeypatch.setattr(serve.shutil, "which", lambda name: None)
    with pytest.raises(ConfigError, match=r"leaflet/leaflet.js"):
        serve.ensure_assets(install=True)  # no npm here: says what to run instead


def test_map_data_is_prepared_at_start(seeded_db: Path, tmp_path: Path) -> None:
    """The app forecasts the stored cities' bins in the background, so the map's first load need not wait."""
    db = tmp_path / "waste.sqlite"
    shutil.copy(seeded_db, db)
    app = create_app(Settings(database_url=f"sqlite:///{db}", api_token="t"), bench_dir=tmp_path)
    state = app.extensions["waste"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(k[:2] == ("bin_status", "baltimore") for k in list(state.cache)):
        time.sleep(0.1)
    assert any(k[:2] == ("bin_status", "baltimore") for k in list(state.cache))
    state.jobs.shutdown()
    state.store.dispose()
