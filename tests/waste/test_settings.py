"""Settings come from the command line, then the environment, then a TOML file, then defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from waste.errors import ConfigError
from waste.paths import city_dir, sample_data_root
from waste.settings import DEFAULT_DATABASE_URL, load_settings


def test_defaults_without_anything(tmp_path: Path) -> None:
    """With no file, environment or option, the embedded SQLite store is used."""
    settings = load_settings(env={}, config_file=tmp_path / "none.toml")
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.osrm_url is None


def test_precedence(tmp_path: Path) -> None:
    """Command line beats environment beats file."""
    config = tmp_path / "waste.toml"
    config.write_text('database_url = "sqlite:///from-file.sqlite"\nosrm_url = "http://file:5000"\n')
    env = {"WASTE_DATABASE_URL": "sqlite:///from-env.sqlite"}
    settings = load_settings(env=env, config_file=config)
    assert settings.database_url == "sqlite:///from-env.sqlite"
    assert settings.osrm_url == "http://file:5000"
    settings = load_settings({"database_url": "sqlite:///cli.sqlite", "osrm_url": None}, env=env, config_file=config)
    assert settings.database_url == "sqlite:///cli.sqlite"
    assert settings.osrm_url == "http://file:5000"


def test_config_file_from_environment(tmp_path: Path) -> None:
    """WASTE_CONFIG names the settings file."""
    config = tmp_path / "elsewhere.toml"
    config.write_text('api_token = "secret"\n')
    assert load_settings(env={"WASTE_CONFIG": str(config)}).api_token == "secret"


@pytest.mark.parametrize(
    ("text", "match"),
    [("database_url = ", "cannot read settings file"), ('databse_url = "x"', "unknown setting")],
)
def test_bad_config_file(tmp_path: Path, text: str, match: str) -> None:
    """A file that does not parse, or a misspelt key, is a clear error naming the file."""
    config = tmp_path / "waste.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_settings(env={}, config_file=config)


def test_sample_data_location(tmp_path: Path) -> None:
    """WASTE_SAMPLE_DATA moves the sample cities; an unknown city lists the known ones."""
    (tmp_path / "springfield").mkdir()
    env = {"WASTE_SAMPLE_DATA": str(tmp_path)}
    assert sample_data_root(env) == tmp_path
    assert city_dir("springfield", env) == tmp_path / "springfield"
    with pytest.raises(ConfigError, match="known cities: springfield"):
        city_dir("atlantis", env)
