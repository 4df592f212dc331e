"""Distance (m) and driving-time (s) matrices between locations: straight-line estimate or OSRM, cached on disk.

Two providers:

``haversine`` (default, no server)
    Great-circle distance times a *circuity factor*: roads are longer than the straight line. The default 1.3 is a
    middle value of published measurements: Ballou, Rahardja & Sakai (2002), "Selected country circuity factors for
    road travel distance estimation", Transportation Research A 36(9), report national factors of about 1.2 (USA)
    to over 1.4; Boscoe, Henry & Zdeb (2012), "A nationwide comparison of driving distance versus straight-line
    distance to hospitals", Professional Geographer 64(2), find driving distance about 1.4 times the straight line;
    dense street grids sit lower. Driving time is that distance at one average speed (km/h); a
    :class:`SpeedProfile` gives the mean speed over a shift from hourly speeds.
``osrm``
    The ``/table`` service of an OSRM server (``annotations=distance,duration``), queried in blocks of at most
    ``max_table_size`` coordinates (the server's ``--max-table-size``, 100 by default). Far-off points and unroutable
    pairs get a calibrated straight-line estimate (:mod:`routing.road_fallback`).
``osrm-local``
    The OSRM engine in this process on a prepared dataset (:mod:`routing.osrm_local`), with the same fallback.

Matrices are cached as ``.npz`` files named by a SHA-256 of the coordinates (rounded to 1e-6 degree, about 0.1 m) and
of the provider settings, so a second plan over the same bins costs no requests. Library code is given the server URL
and the cache directory; it never reads the environment.
"""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from waste.errors import ConfigError

#: Mean Earth radius (m), IUGG.
EARTH_RADIUS_M = 6_371_008.8
#: Road distance over straight-line distance (see the module docstring for sources).
DEFAULT_CIRCUITY = 1.3
#: Average speed of a collection truck between stops in town (km/h). An assumption to replace with GPS data:
#: urban heavy-vehicle averages, stops at junctions included, are typically 20-30 km/h.
DEFAULT_SPEED_KPH = 25.0
#: Where matrices are cached unless the caller says otherwise.
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "waste-optimiser" / "matrices"
#: Cache file format; bump to invalidate old files.
_CACHE_VERSION = 2


@dataclass(frozen=True, slots=True)
class Matrices:
    """Travel matrices over a list of locations.

    Attributes
    ----------
    distance_m
        Road distance (m), int64, ``distance_m[i, j]`` from ``i`` to ``j``.
    duration_s
        Driving time (s), int64.
    provider
        ``"haversine"``, ``"osrm"`` (HTTP server) or ``"osrm-local"`` (in-process engine, :mod:`routing.osrm_local`).
    unreachable
        Pairs OSRM could not route (filled with the straight-line estimate); 0 for haversine.
    snap_m
        OSRM only: each point's distance to the road it was moved to (m), float; ``None`` for haversine.
    fallback_points
        OSRM only: points too far from any road, whose pairs hold the straight-line estimate.
    circuity
        OSRM only: road-over-straight factor calibrated on the routed pairs and used for the estimate.
    """

    distance_m: np.ndarray
    duration_s: np.ndarray
    provider: str
    unreachable: int = 0
    snap_m: np.ndarray | None = None
    fallback_points: int = 0
    circuity: float | None = None


@dataclass(frozen=True, slots=True)
class SpeedProfile:
    """Average driving speed (km/h) for each hour of the day, 0 to 23.

    The travel matrices of a plan do not depend on the hour (the solvers need one matrix), so a profile is reduced
    to the time-weighted mean speed of the hours a shift covers (:meth:`mean_kph`).
    """

    kph_by_hour: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.kph_by_hour) != 24 or min(self.kph_by_hour) <= 0:
            msg = "kph_by_hour must hold 24 positive speeds (km/h), one per hour from 00:00"
            raise ValueError(msg)

    @classmethod
    def constant(cls, kph: float = DEFAULT_SPEED_KPH) -> SpeedProfile:
        """The same speed all day."""
        return cls((float(kph),) * 24)

    def mean_kph(self, start_s: int, end_s: int) -> float:
        """Speed (km/h) that covers the same distance in ``[start_s, end_s)`` as the hourly profile.

        It is the harmonic mean of the hourly speeds weighted by time spent in each hour, so a slow rush hour counts
        as much as it costs.
        """
        if end_s <= start_s:
            return self.kph_by_hour[(start_s // 3600) % 24]
        hours = np.arange(start_s, end_s) // 3600 % 24
        counts = np.bincount(hours, minlength=24)
        pace = counts / np.array(self.kph_by_hour)  # time per km, weighted
        return float(counts.sum() / pace.sum())


def haversine_m(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distance (m) between points given in degrees; broadcasts like NumPy."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def haversine_matrices(
    coords_deg: np.ndarray,
    *,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kph: float = DEFAULT_SPEED_KPH,
) -> Matrices:
    """Straight-line estimate of road distances (m) and driving times (s).

    Parameters
    ----------
    coords_deg
        ``(n, 2)`` array of latitude, longitude (degrees).
    circuity
        Road distance over straight-line distance (>= 1).
    speed_kph
        Average driving speed (km/h).

    Returns
    -------
    Matrices
        Rounded to whole metres and seconds; zero on the diagonal.
    """
    coords = _coords(coords_deg)
    if circuity < 1 or speed_kph <= 0:
        msg = f"circuity={circuity} must be >= 1 and speed_kph={speed_kph} > 0"
        raise ValueError(msg)
    lat, lon = coords[:, 0], coords[:, 1]
    road = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :]) * circuity
    duration = road / (speed_kph / 3.6)  # km/h -> m/s
    return Matrices(np.rint(road).astype(np.int64), np.rint(duration).astype(np.int64), "haversine")


def osrm_matrices(
    coords_deg: np.ndarray,
    url: str,
    *,
    profile: str = "driving",
    max_table_size: int = 100,
    timeout_s: float = 30.0,
    workers: int = 4,
    max_snap_m: float | None = None,
) -> Matrices:
    """Road distances (m) and times (s) from the ``/table`` service of an OSRM server.

    Parameters
    ----------
    coords_deg
        ``(n, 2)`` array of latitude, longitude (degrees).
    url
        Base URL of the server, e.g. ``http://localhost:5000``.
    profile
        OSRM profile name in the URL.
    max_table_size
        Most coordinates per request (the server's ``--max-table-size``); blocks of half that many sources and
        destinations are requested.
    timeout_s
        Timeout of each request (s).
    workers
        Requests in flight at once.
    max_snap_m
        A point farther than this (m) from the nearest road gets the straight-line estimate; ``None`` for
        :data:`routing.road_fallback.DEFAULT_MAX_SNAP_M`.

    Returns
    -------
    Matrices
        As from the in-process engine (:mod:`routing.road_fallback`): ``snap_m`` holds each point's distance to its
        road; far-off points and pairs the server cannot route get the straight line times the circuity calibrated
        on the routed pairs, counted in ``fallback_points`` and ``unreachable``.

    Raises
    ------
    ConfigError
        When the server cannot be reached or answers with an error.
    """
    coords = _coords(coords_deg)
    n = len(coords)
    block = max(1, max_table_size // 2)
    starts = range(0, n, block)
    dist = np.full((n, n), np.nan)
    dur = np.full((n, n), np.nan)
    snap_m = np.full(n, np.nan)
    base = url.rstrip("/")

    def fetch(i0: int, j0: int) -> None:
        src = coords[i0 : i0 + block]
        dst = coords[j0 : j0 + block]
        points = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in np.vstack([src, dst]))
        sources = ";".join(str(k) for k in range(len(src)))
        dests = ";".join(str(len(src) + k) for k in range(len(dst)))
        query = (
            f"{base}/table/v1/{profile}/{points}?annotations=distance,duration&sources={sources}&destinations={dests}"
        )
        answer = _get_json(query, timeout_s)
        d = np.array(answer["distances"], dtype=float)  # None -> nan
        t = np.array(answer["durations"], dtype=float)
        if d.shape != (len(src), len(dst)) or t.shape != d.shape:
            msg = f"OSRM at {url} answered a table of shape {d.shape} for {len(src)}x{len(dst)} points"
            raise ConfigError(msg)
        dist[i0 : i0 + len(src), j0 : j0 + len(dst)] = d
        dur[i0 : i0 + len(src), j0 : j0 + len(dst)] = t
        if j0 == 0:
            snap_m[i0 : i0 + len(src)] = [float(w.get("distance", np.nan)) for w in answer.get("sources", [])]

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for future in [pool.submit(fetch, i0, j0) for i0 in starts for j0 in starts]:
            future.result()
    from routing.road_fallback import DEFAULT_MAX_SNAP_M, complete_road_tables  # imports this module

    limit = DEFAULT_MAX_SNAP_M if max_snap_m is None else max_snap_m
    return complete_road_tables(coords, dist, dur, snap_m, "osrm", max_snap_m=limit)


def build_matrices(
    coords_deg: np.ndarray,
    *,
    osrm_url: str | None = None,
    osrm_data: Path | None = None,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kph: float = DEFAULT_SPEED_KPH,
    cache_dir: Path | None = DEFAULT_CACHE_DIR,
    max_table_size: int = 100,
    timeout_s: float = 30.0,
) -> Matrices:
    """Matrices from OSRM in-process (``osrm_data``) or over HTTP (``osrm_url``), else haversine; cached on disk.

    Parameters
    ----------
    coords_deg
        ``(n, 2)`` array of latitude, longitude (degrees).
    osrm_url
        Base URL of an OSRM server (the ``osrm_url`` setting), or ``None`` for the straight-line estimate.
    osrm_data
        Road dataset prepared by :func:`routing.roads.build_roads` (its folder), queried in this process
        (:func:`routing.osrm_local.osrm_local_matrices`); takes precedence over ``osrm_url``. The cache key holds the
        dataset's manifest (extract SHA-256, profile, OSRM version), so a rebuilt dataset is never served stale.
    circuity, speed_kph
        Settings of the haversine estimate (also used to fill pairs OSRM cannot route).
    cache_dir
        Directory of cached matrices, or ``None`` not to cache.
    max_table_size, timeout_s
        Settings of the OSRM client (see :func:`osrm_matrices`).

    Raises
    ------
    ConfigError
        When the OSRM server cannot be reached or answers with an error.
    """
    coords = _coords(coords_deg)
    settings: dict[str, object] = {"v": _CACHE_VERSION}
    if osrm_data is not None:
        from routing.roads import read_manifest  # only when roads are used

        folder = Path(osrm_data) if Path(osrm_data).is_dir() else Path(osrm_data).parent
        settings |= {"provider": "osrm-local", "dataset": read_manifest(folder) or str(Path(osrm_data).resolve())}
    elif osrm_url:
        settings |= {"provider": "osrm", "url": osrm_url.rstrip("/")}
    else:
        settings |= {"provider": "haversine", "circuity": circuity, "speed_kph": speed_kph}
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"{cache_key(coords, settings)}.npz"
        cached = _load(path)
        if cached is not None:
            return cached
    if osrm_data is not None:
        from routing.osrm_local import osrm_local_matrices  # optional engine, imports this module

        result = osrm_local_matrices(coords, Path(osrm_data))
    elif osrm_url:
        result = osrm_matrices(coords, osrm_url, max_table_size=max_table_size, timeout_s=timeout_s)
    else:
        result = haversine_matrices(coords, circuity=circuity, speed_kph=speed_kph)
    if path is not None:
        _save(path, result)
    return result


def cache_key(coords_deg: np.ndarray, settings: dict[str, object]) -> str:
    """SHA-256 of the coordinates (rounded to 1e-6 degree) and the provider settings."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(np.rint(np.asarray(coords_deg, dtype=float) * 1e6).astype(np.int64)).tobytes())
    h.update(json.dumps(settings, sort_keys=True).encode())
    return h.hexdigest()[:32]


def _coords(coords_deg: np.ndarray) -> np.ndarray:
    coords = np.asarray(coords_deg, dtype=float)
    if coords.ndim != 2 or coords.shape[1] != 2:
        msg = f"coords_deg must have shape (n, 2) of latitude, longitude; got {coords.shape}"
        raise ValueError(msg)
    if not np.isfinite(coords).all() or (np.abs(coords[:, 0]) > 90).any() or (np.abs(coords[:, 1]) > 180).any():
        msg = "coords_deg holds a latitude outside [-90, 90], a longitude outside [-180, 180] or a missing value"
        raise ValueError(msg)
    return coords


def _get_json(query: str, timeout_s: float) -> dict:
    try:
        with urllib.request.urlopen(query, timeout=timeout_s) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = _error_message(exc)
        msg = f"OSRM server answered HTTP {exc.code}: {detail}"
        raise ConfigError(msg) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        parts = urllib.parse.urlsplit(query)
        msg = f"cannot reach the OSRM server ({parts.scheme}://{parts.netloc}): {exc}"
        raise ConfigError(msg) from exc
    except json.JSONDecodeError as exc:
        msg = f"the OSRM server did not answer JSON: {exc}"
        raise ConfigError(msg) from exc
    if answer.get("code") != "Ok":
        msg = f"OSRM error {answer.get('code')}: {answer.get('message', '')}"
        raise ConfigError(msg)
    return answer


def _error_message(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read())
    except (json.JSONDecodeError, OSError, ValueError):
        return str(exc.reason)
    return f"{body.get('code', '')} {body.get('message', '')}".strip()


def _load(path: Path) -> Matrices | None:
    if not path.is_file():
        return None
    try:
        with np.load(path) as data:
            return Matrices(
                data["distance_m"].astype(np.int64),
                data["duration_s"].astype(np.int64),
                str(data["provider"]),
                int(data["unreachable"]),
                snap_m=data["snap_m"].astype(float) if "snap_m" in data else None,
                fallback_points=int(data["fallback_points"]) if "fallback_points" in data else 0,
                circuity=float(data["circuity"]) if "circuity" in data else None,
            )
    except (OSError, KeyError, ValueError):
        return None  # a damaged cache file is rebuilt


def _save(path: Path, m: Matrices) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    # int32 halves the file; distances up to ~2,000 km and times up to ~24 days fit.
    small = max(int(m.distance_m.max(initial=0)), int(m.duration_s.max(initial=0))) < 2**31
    dtype = np.int32 if small else np.int64
    np.savez_compressed(
        tmp,
        distance_m=m.distance_m.astype(dtype),
        duration_s=m.duration_s.astype(dtype),
        provider=np.array(m.provider),
        unreachable=np.array(m.unreachable),
        **_extras(m),
    )
    tmp.replace(path)


def _extras(m: Matrices) -> dict[str, np.ndarray]:
    """The optional snapping fields of ``m`` that are set, as arrays to save."""
    extras = {"fallback_points": np.array(m.fallback_points)}
    if m.snap_m is not None:
        extras["snap_m"] = np.asarray(m.snap_m, dtype=float)
    if m.circuity is not None:
        extras["circuity"] = np.array(m.circuity)
    return extras
