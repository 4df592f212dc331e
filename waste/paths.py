"""Where the bundled sample cities live.

The sample data sits at the top of a source checkout (``sample_data/<city>/``), beside the packages, so an editable
install (``pip install -e .``) finds it. ``WASTE_SAMPLE_DATA`` points elsewhere, for an installed copy or a city of
one's own laid out the same way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from waste.errors import ConfigError

#: The cities shipped with the project, by the name used on the command line.
SAMPLE_CITIES: tuple[str, ...] = ("baltimore", "santa_cruz")


def sample_data_root(env: Mapping[str, str] | None = None) -> Path:
    """Folder that holds one sub-folder per sample city.

    Parameters
    ----------
    env
        Environment to read ``WASTE_SAMPLE_DATA`` from; the process environment by default.
    """
    override = (os.environ if env is None else env).get("WASTE_SAMPLE_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "sample_data"


#: What a city's name may be: one folder name, never a path (no separator, no NUL, not starting with a dot).
_CITY_NAME = re.compile(r"(?!\.)[^/\\\x00]{1,64}")


def sample_cities(env: Mapping[str, str] | None = None) -> list[str]:
    """Names of the city folders under :func:`sample_data_root`, sorted."""
    root = sample_data_root(env)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _CITY_NAME.fullmatch(p.name))


def city_dir(city: str, env: Mapping[str, str] | None = None) -> Path:
    """Folder of one sample city, checked to exist: a folder directly under :func:`sample_data_root`.

    Raises
    ------
    ConfigError
        When ``city`` is not a plain folder name (``/etc``, ``../x``) or no folder of that name exists; the message
        lists the cities that do.
    """
    root = sample_data_root(env)
    if not isinstance(city, str) or not _CITY_NAME.fullmatch(city):
        msg = f"not a city name: {city!r} (a folder name, not a path); known cities: {', '.join(sample_cities(env))}"
        raise ConfigError(msg)
    folder = root / city
    if not folder.is_dir():
        known = sample_cities(env)
        msg = f"no sample city {city!r} under {root}; known cities: {', '.join(known) or 'none'}"
        raise ConfigError(msg)
    return folder
