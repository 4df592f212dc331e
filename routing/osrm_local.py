"""Road distance (m) and driving-time (s) matrices from the OSRM engine in this process, on a prepared dataset.

The dataset is the folder (or its ``roads.osrm`` file) that :func:`routing.roads.build_roads` writes. No server is
needed: the ``osrm-bindings`` wheel loads the dataset into memory once per process (it is kept, keyed by path) and
answers ``Table`` queries directly, in blocks of ``chunk`` sources by ``chunk`` destinations.

Snapping and the fallback
-------------------------
Each point's snapping distance is kept; points too far from any road and pairs the engine cannot route get the
calibrated straight-line estimate of :mod:`routing.road_fallback`, as over HTTP.
"""

from __future__ import annotations

import atexit
from functools import cache
from pathlib import Path

import numpy as np

from routing.matrix import DEFAULT_CIRCUITY, Matrices, _coords
from routing.road_fallback import DEFAULT_MAX_SNAP_M, complete_road_tables
from routing.roads import dataset_path
from waste.errors import ConfigError

#: Most sources (and destinations) per engine call: a 1,000 x 1,000 block holds 2,000 coordinates.
DEFAULT_CHUNK = 1000


def engine_dataset(dataset: Path) -> Path:
    """The ``.osrm`` path the engine loads, given a dataset folder or the path itself.

    Raises
    ------
    ConfigError
        When no prepared dataset is there.
    """
    dataset = Path(dataset)
    path = dataset_path(dataset) if dataset.is_dir() else dataset
    if not Path(f"{path}.partition").is_file():
        msg = f"no prepared road dataset at {dataset}: run `waste roads build --pbf FILE --out DIR` first"
        raise ConfigError(msg)
    return path


@cache
def _engine(path: str) -> object:
    """One engine per dataset path and process: loading takes longer than most tables."""
    try:
        import osrm  # optional dependency
    except ImportError as exc:
        msg = "OSRM is not installed: pip install 'waste-optimiser[osrm]' (needs Python 3.12 or newer)"
        raise ConfigError(msg) from exc
    try:
        return osrm.OSRM(storage_config=path, algorithm="MLD", use_shared_memory=False)
    except RuntimeError as exc:
        msg = f"the OSRM engine cannot load {path}: {exc}"
        raise ConfigError(msg) from exc


# Free the engines before the interpreter's own shutdown: an engine still alive then makes the bindings report leaks.
atexit.register(_engine.cache_clear)


def osrm_local_matrices(
    coords_deg: np.ndarray,
    dataset: Path,
    *,
    chunk: int = DEFAULT_CHUNK,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> Matrices:
    """Road distances (m) and driving times (s) between points, from the OSRM engine on a prepared dataset.

    Parameters
    ----------
    coords_deg
        ``(n, 2)`` array of latitude, longitude (degrees).
    dataset
        Folder written by :func:`routing.roads.build_roads` (or its ``roads.osrm`` path).
    chunk
        Most sources and most destinations per engine call; bounds the memory of one call.
    max_snap_m
        A point farther than this (m) from the nearest road gets the straight-line estimate.

    Returns
    -------
    Matrices
        ``provider="osrm-local"``; ``snap_m`` holds each point's distance to its road (m), ``fallback_points`` how
        many points were farther than ``max_snap_m``, ``unreachable`` how many pairs were estimated (theirs and
        pairs the engine could not route), ``circuity`` the calibrated road-over-straight factor.

    Raises
    ------
    ConfigError
        When OSRM is not installed, the dataset is missing or the engine fails.
    """
    coords = _coords(coords_deg)
    if chunk < 1 or max_snap_m <= 0:
        msg = f"chunk={chunk} must be >= 1 and max_snap_m={max_snap_m} > 0"
        raise ValueError(msg)
    n = len(coords)
    if n == 0:
        empty = np.zeros((0, 0), dtype=np.int64)
        return Matrices(empty, empty.copy(), "osrm-local", snap_m=np.zeros(0), circuity=DEFAULT_CIRCUITY)
    dist, dur, snap_m = _tables(coords, engine_dataset(dataset), chunk)
    return complete_road_tables(coords, dist, dur, snap_m, "osrm-local", max_snap_m=max_snap_m)


def _tables(coords: np.ndarray, path: Path, chunk: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance (m) and duration (s) tables, NaN where unroutable, and each point's snapping distance (m)."""
    import osrm  # optional dependency

    engine = _engine(str(path))
    n = len(coords)
    dist = np.full((n, n), np.nan)
    dur = np.full((n, n), np.nan)
    snap_m = np.full(n, np.nan)
    lonlat = [(float(lon), float(lat)) for lat, lon in coords]  # OSRM takes longitude first
    for i0 in range(0, n, chunk):
        src = range(i0, min(n, i0 + chunk))
        for j0 in range(0, n, chunk):
            dst = range(j0, min(n, j0 + chunk))
            params = osrm.TableParameters(
                coordinates=[lonlat[i] for i in src] + [lonlat[j] for j in dst],
                sources=list(range(len(src))),
                destinations=list(range(len(src), len(src) + len(dst))),
                annotations=["distance", "duration"],
            )
            try:
                answer = engine.Table(params)  # type: ignore[attr-defined]
            except RuntimeError as exc:
                msg = f"the OSRM engine failed on a {len(src)}x{len(dst)} table: {exc}"
                raise ConfigError(msg) from exc
            if answer["code"] != "Ok":
                msg = f"OSRM error {answer['code']} on a {len(src)}x{len(dst)} table"
                raise ConfigError(msg)
            dist[src.start : src.stop, dst.start : dst.stop] = _array(answer["distances"])
            dur[src.start : src.stop, dst.start : dst.stop] = _array(answer["durations"])
            if j0 == 0:
                snap_m[src.start : src.stop] = [float(w["distance"]) for w in answer["sources"]]
    return dist, dur, snap_m


def _array(rows: object) -> np.ndarray:
    """A table of the engine's answer as floats, ``None`` (no route) as NaN."""
    return np.array([list(row) for row in rows], dtype=float)  # type: ignore[union-attr]
