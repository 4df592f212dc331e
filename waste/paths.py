"""Where the bundled sample cities live.

The sample data sits at the top of a source checkout (``sample_data/<city>/``), beside the packages, so an editable
install (``pip install -e .``) finds it. ``WASTE_SAMPLE_DATA`` points elsewhere, for an installed copy or a city of
one's own laid out the same way.
"""

from __future__ import annotations

import os
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


def city_dir(city: str, env: Mapping[str, str] | None = None) -> Path:
    """Folder of one sample city, checked to exist.

    Raises
    ------
    ConfigError
        When no folder of that name exists; the message lists the cities that do.
    """
    root = sample_data_root(env)
    folder = root / city
    if not folder.is_dir():
        known = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        msg = f"no sample city {city!r} under {root}; known cities: {', '.join(known) or 'none'}"
        raise ConfigError(msg)
    return folder
