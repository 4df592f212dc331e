"""One settings object, read in order from command-line options, the environment, a TOML file and defaults.

The TOML file is ``waste.toml`` in the working directory, or the file named by ``WASTE_CONFIG``; its keys are the
field names below (``database_url = "postgresql+psycopg://..."``). Library code receives a :class:`Settings`
value and never reads the environment itself, so tests build one explicitly.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

from waste.errors import ConfigError

#: The embedded default store: a SQLite file in the working directory, created on first use.
DEFAULT_DATABASE_URL = "sqlite:///waste.sqlite"

#: Environment variable for each setting.
ENV_NAMES: dict[str, str] = {
    "database_url": "WASTE_DATABASE_URL",
    "osrm_url": "WASTE_OSRM_URL",
    "osrm_data": "WASTE_OSRM_DATA",
    "api_token": "WASTE_API_TOKEN",
    "map_tiles_url": "WASTE_MAP_TILES_URL",
    "map_tiles_attribution": "WASTE_MAP_TILES_ATTRIBUTION",
    "allowed_hosts": "WASTE_ALLOWED_HOSTS",
}


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the store is and which optional services to use.

    Attributes
    ----------
    database_url
        SQLAlchemy URL of the store: ``sqlite:///path`` (default ``sqlite:///waste.sqlite``) or
        ``postgresql+psycopg://user@host/db``.
    osrm_url
        Base URL of an OSRM server for road distances, or ``None`` for straight-line estimates.
    osrm_data
        Folder of roads prepared by ``waste roads build``, queried in-process (it wins over ``osrm_url``).
    api_token
        Token the web API requires for writes, or ``None`` for none.
    map_tiles_url
        Leaflet URL template of the map tiles behind the dispatcher map (``https://host/{z}/{x}/{y}.png``), or
        ``None`` for none: the map then shows bins and routes on a plain ground. No public tile server is used by
        default, because the public OpenStreetMap servers' usage policy does not allow an application's traffic;
        point it at a tile server you run or pay for.
    map_tiles_attribution
        Attribution shown on the map for those tiles (for OpenStreetMap data: "© OpenStreetMap contributors").
    allowed_hosts
        Host names the web app answers to, comma-separated (the name a proxy passes on, ``waste.example.org``);
        ``None`` for the default of ``waste serve``: the loopback names when it listens on a loopback address.
    """

    database_url: str = DEFAULT_DATABASE_URL
    osrm_url: str | None = None
    osrm_data: str | None = None
    api_token: str | None = None
    map_tiles_url: str | None = None
    map_tiles_attribution: str | None = None
    allowed_hosts: str | None = None


def load_settings(
    overrides: Mapping[str, str | None] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Build the settings from, in order of precedence, ``overrides``, the environment, a TOML file, defaults.

    Parameters
    ----------
    overrides
        Values given on the command line; ``None`` values are ignored.
    env
        Environment to read; the process environment by default.
    config_file
        TOML file to read; ``WASTE_CONFIG`` or ``./waste.toml`` (if it exists) by default.

    Raises
    ------
    ConfigError
        When the TOML file cannot be parsed or holds an unknown key.
    """
    env = os.environ if env is None else env
    settings = Settings()
    path = config_file or (Path(env["WASTE_CONFIG"]) if env.get("WASTE_CONFIG") else Path("waste.toml"))
    if path.is_file():
        settings = replace(settings, **_read_toml(path))
    from_env = {name: env[var] for name, var in ENV_NAMES.items() if env.get(var)}
    settings = replace(settings, **from_env)
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    return replace(settings, **given)


def _read_toml(path: Path) -> dict[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"cannot read settings file {path}: {exc}"
        raise ConfigError(msg) from exc
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        msg = f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        raise ConfigError(msg)
    return {k: str(v) for k, v in data.items()}
