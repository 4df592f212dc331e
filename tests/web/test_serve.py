"""``waste serve``: listed with help, and a clear message when the web assets are missing."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from waste.cli import cli
from waste.errors import ConfigError
from web import serve


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
