"""Routable road datasets: an OpenStreetMap extract prepared for the OSRM engine.

:func:`build_roads` runs OSRM's own tools (``osrm-extract``, ``osrm-partition``, ``osrm-customize``, from the
``osrm-bindings`` wheel, ``pip install 'waste-optimiser[osrm]'``, CPython 3.12 or newer) in subprocesses and writes a
multi-level Dijkstra (MLD) dataset, ``<out>/roads.osrm*``, that :mod:`routing.osrm_local` and ``python -m osrm routed
--algorithm mld`` load. MLD rather than contraction hierarchies (CH) because it is prepared in one pass that later
traffic updates can re-customise, and it answers the table queries of a plan about as fast at city scale.

A small manifest, ``<out>/roads.json``, records the SHA-256 of the extract, the profile (name and SHA-256 of its
Lua text) and the OSRM version; a second
call on the same file, profile and engine returns the dataset without re-running the tools.

Profiles
--------
``car``
    OSRM's standard ``car.lua``, unchanged.
``truck``
    ``car.lua`` patched at build time (:data:`TRUCK_SETTINGS`, :func:`truck_profile`) for a three-axle rear-loader
    refuse truck: ways whose ``maxheight``, ``maxweight``, ``maxwidth`` or ``maxlength`` is below the truck's are
    closed (the car profile already enforces these tags against its vehicle size, so only the size changes);
    ``hgv=*`` access tags are honoured before the car's ``motor_vehicle``/``vehicle``/``access``; ``delivery`` and
    ``destination`` access stop excluding a way (a collection round is a delivery-type access); speeds are capped at
    80 km/h and service ways and living streets are slower (10 and 5 km/h instead of 15 and 10) so routes keep to
    streets unless a bin is only reached there.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from waste.errors import ConfigError, InputError

Profile = Literal["car", "truck"]
#: Called as ``progress(step, done, total)`` after each preparation step (``done`` of ``total`` steps).
Progress = Callable[[str, int, int], None]

#: Base name of the dataset files in the output folder (``roads.osrm.*``).
DATASET_NAME = "roads"
#: Manifest of a prepared dataset, beside its files.
MANIFEST_NAME = "roads.json"
#: The preparation steps in order: (OSRM tool, what a user is told).
STEPS: tuple[tuple[str, str], ...] = (
    ("extract", "Extracting the road graph"),
    ("partition", "Partitioning the graph"),
    ("customize", "Computing the cell weights"),
)
#: The step reported when a prepared dataset is reused.
REUSED = "Reusing the prepared roads"

#: Truck settings written over ``car.lua``'s: (Lua line pattern, replacement, why).
#: Sizes of a three-axle rear-loader refuse truck: about 3.7 m high, 2.55 m wide (the EU and US legal limit),
#: 9-10 m long and 26 t gross vehicle weight (typical manufacturer data sheets for 20-25 m3 bodies).
TRUCK_SETTINGS: tuple[tuple[str, str, str], ...] = (
    (r"vehicle_height\s*=\s*[\d.]+,.*", "vehicle_height = 3.7, -- m, refuse truck", "maxheight < 3.7 m closed"),
    (r"vehicle_width\s*=\s*[\d.]+,.*", "vehicle_width = 2.55, -- m, legal limit", "maxwidth < 2.55 m closed"),
    (r"vehicle_length\s*=\s*[\d.]+,.*", "vehicle_length = 10.0, -- m", "maxlength < 10 m closed"),
    (r"vehicle_weight\s*=\s*[\d.]+,.*", "vehicle_weight = 26000, -- kg, gross", "maxweight < 26 t closed"),
    (r"vehicle_max_speed\s*=\s*nil,.*", "vehicle_max_speed = 80, -- km/h", "caps every speed at 80 km/h"),
    (r"living_street\s*=\s*10", "living_street = 5", "living streets only when a bin is there"),
    (r"service\s*=\s*15", "service = 10", "service ways and alleys only when a bin is there"),
    (r"access_tags_hierarchy\s*=\s*Sequence\s*\{", "access_tags_hierarchy = Sequence {\n      'hgv',", "hgv=* first"),
    (r"restrictions\s*=\s*Sequence\s*\{", "restrictions = Sequence {\n      'hgv',", "hgv turn restrictions"),
    (r"\n\s*'delivery',\n\s*'destination',", "", "delivery/destination access allowed"),
)


def osrm_version() -> str:
    """Version of the installed ``osrm-bindings`` wheel.

    Raises
    ------
    ConfigError
        When the wheel is not installed (it needs CPython 3.12 or newer).
    """
    try:
        return importlib.metadata.version("osrm-bindings")
    except importlib.metadata.PackageNotFoundError as exc:
        msg = "OSRM is not installed: pip install 'waste-optimiser[osrm]' (needs Python 3.12 or newer)"
        raise ConfigError(msg) from exc


def profiles_dir() -> Path:
    """Folder of the standard OSRM profiles shipped in the ``osrm-bindings`` wheel (``car.lua``, ``lib/``)."""
    osrm_version()
    import osrm  # optional dependency, imported only when roads are built

    return Path(osrm.__file__).parent / "share" / "profiles"


def truck_profile(car_lua: str) -> str:
    """The truck profile: ``car_lua`` with every :data:`TRUCK_SETTINGS` replacement applied.

    Raises
    ------
    ConfigError
        When a setting is not found exactly once, so a changed ``car.lua`` is noticed instead of yielding a car profile
        named truck.
    """
    text = car_lua
    for pattern, replacement, why in TRUCK_SETTINGS:
        text, count = re.subn(pattern, lambda _m, r=replacement: r, text, count=1)
        if count != 1:
            msg = f"cannot make the truck profile ({why}): {pattern!r} not found in this OSRM version's car.lua"
            raise ConfigError(msg)
    return "-- Refuse truck profile: OSRM's car.lua patched by routing.roads (see TRUCK_SETTINGS)\n" + text


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def dataset_path(out: Path) -> Path:
    """Path of the dataset in ``out`` that the engine loads (``<out>/roads.osrm``)."""
    return Path(out) / f"{DATASET_NAME}.osrm"


def read_manifest(out: Path) -> dict[str, str] | None:
    """The manifest of the dataset in ``out``, or ``None`` when there is none or it is unreadable."""
    try:
        manifest = json.loads((Path(out) / MANIFEST_NAME).read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return manifest if isinstance(manifest, dict) else None


def build_roads(pbf: Path, out: Path, profile: Profile = "car", progress: Progress | None = None) -> Path:
    """Prepare an OpenStreetMap extract for routing, or reuse the dataset already prepared from it.

    Parameters
    ----------
    pbf
        OpenStreetMap extract (``.osm.pbf``), e.g. a city cut from Geofabrik's or BBBike's downloads.
    out
        Folder of the dataset; created if missing. Files of an earlier build there are replaced.
    profile
        ``"car"`` or ``"truck"`` (see the module docstring for what the truck profile changes).
    progress
        Called as ``progress(step, done, total)`` after each step (also once, with ``done == total``, on reuse).

    Returns
    -------
    Path
        The dataset, ``<out>/roads.osrm``, for :func:`routing.osrm_local.osrm_local_matrices` or ``osrm-routed``.

    Raises
    ------
    InputError
        When ``pbf`` is missing, empty or not a readable OSM extract (the tool's message is included).
    ConfigError
        When OSRM is not installed or the profile is unknown.
    """
    pbf, out = Path(pbf), Path(out)
    if profile not in ("car", "truck"):
        msg = f"unknown road profile {profile!r}: use 'car' or 'truck'"
        raise ConfigError(msg)
    if not pbf.is_file():
        raise InputError("no such OpenStreetMap extract", file=str(pbf))
    if pbf.stat().st_size == 0:
        raise InputError("the OpenStreetMap extract is empty (0 bytes)", file=str(pbf))
    lua_text = _profile_text(profile)
    identity = {
        "pbf_sha256": file_sha256(pbf),
        "profile": profile,
        "profile_sha256": hashlib.sha256(lua_text.encode()).hexdigest(),
        "osrm_version": osrm_version(),
        "algorithm": "mld",
    }
    dataset = dataset_path(out)
    manifest = read_manifest(out)
    if manifest is not None and all(manifest.get(k) == v for k, v in identity.items()) and _complete(dataset):
        if progress is not None:
            progress(REUSED, len(STEPS), len(STEPS))
        return dataset

    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST_NAME).unlink(missing_ok=True)  # a half-finished build must never look reusable
    for old in out.glob(f"{DATASET_NAME}.osrm*"):
        old.unlink()
    lua = _write_profile(out, profile, lua_text)
    source = out / f"{DATASET_NAME}.osm.pbf"  # the tools name their outputs after their input
    if source.resolve() == pbf.resolve() and not source.is_symlink():
        msg = f"the extract is the build's own input name {source}: rename it or choose another output folder"
        raise ConfigError(msg)
    source.unlink(missing_ok=True)
    try:
        source.symlink_to(pbf.resolve())
    except OSError:
        shutil.copyfile(pbf, source)
    try:
        for done, (tool, label) in enumerate(STEPS, start=1):
            args = ["-p", str(lua), str(source)] if tool == "extract" else [str(dataset)]
            _run(tool, args, pbf)
            if progress is not None:
                progress(label, done, len(STEPS))
    finally:
        source.unlink(missing_ok=True)
    manifest = identity | {"source": str(pbf.resolve()), "dataset": dataset.name}
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    return dataset


def _complete(dataset: Path) -> bool:
    """Whether the files an MLD engine loads are all there (``.partition`` and ``.cell_metrics`` come last)."""
    return all(Path(f"{dataset}{ext}").is_file() for ext in (".partition", ".cells", ".cell_metrics", ".mldgr"))


def _profile_text(profile: Profile) -> str:
    """The Lua text of ``profile``: the wheel's ``car.lua``, patched for the truck."""
    car = (profiles_dir() / "car.lua").read_text()
    return car if profile == "car" else truck_profile(car)


def _write_profile(out: Path, profile: Profile, text: str) -> Path:
    """Write the profile into ``<out>/profile/`` with the ``lib/`` it requires (Lua finds it beside the profile)."""
    folder = out / "profile"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(profiles_dir() / "lib", folder / "lib")
    lua = folder / f"{profile}.lua"
    lua.write_text(text)
    return lua


def _run(tool: str, args: list[str], pbf: Path) -> None:
    """Run one OSRM tool; a failure on the user's file becomes an :class:`InputError` with the tool's last lines."""
    threads = str(max(1, min(8, os.cpu_count() or 1)))
    cmd = [sys.executable, "-m", "osrm", tool, "--threads", threads, *args]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)  # fixed argv, no shell
    if done.returncode == 0:
        return
    lines = [ln for ln in (done.stderr + "\n" + done.stdout).splitlines() if ln.strip()]
    errors = [ln for ln in lines if "[error]" in ln.lower() or "error" in ln.lower()] or lines
    detail = " | ".join(ln.strip() for ln in errors[-3:]) or f"exit code {done.returncode}"
    msg = f"osrm-{tool} cannot read it as an OpenStreetMap extract: {detail}"
    raise InputError(msg, file=str(pbf))
