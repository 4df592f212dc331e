"""Travel matrices: haversine estimate, the OSRM client's errors, and the disk cache.

The OSRM client itself is tested against a real ``osrm-routed`` in ``test_roads.py``.
"""

from __future__ import annotations

import socket

import numpy as np
import pytest

from routing.matrix import (
    SpeedProfile,
    build_matrices,
    haversine_m,
    haversine_matrices,
    osrm_matrices,
)
from waste.errors import ConfigError

POINTS = np.array([[39.29, -76.61], [39.30, -76.60], [39.28, -76.63], [39.31, -76.64], [39.27, -76.59]])


def test_haversine_one_degree_of_longitude_at_the_equator():
    """1 degree along the equator is 2 pi R / 360 = 111,195 m (R = 6,371,008.8 m)."""
    assert haversine_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(111_195.08, abs=0.5)


def test_haversine_known_city_pair():
    """Baltimore (39.2904, -76.6122) to Washington (38.9072, -77.0369) is about 56 km in a straight line."""
    assert haversine_m(39.2904, -76.6122, 38.9072, -77.0369) == pytest.approx(56_000, rel=0.02)


def test_haversine_matrices_apply_circuity_and_speed():
    """Road distance is 1.3 x straight line; 36 km/h drives 10 m/s."""
    m = haversine_matrices(POINTS, circuity=1.3, speed_kph=36.0)
    straight = haversine_m(*POINTS[0], *POINTS[1])
    assert m.distance_m[0, 1] == round(1.3 * straight)
    assert m.duration_s[0, 1] == round(1.3 * straight / 10)
    assert (np.diag(m.distance_m) == 0).all()
    assert m.distance_m.dtype == np.int64


def test_speed_profile_mean_is_harmonic():
    """An hour at 20 km/h and an hour at 40 km/h average 26.7 km/h (same distance in the same time)."""
    kph = [30.0] * 24
    kph[7], kph[8] = 20.0, 40.0
    assert SpeedProfile(tuple(kph)).mean_kph(7 * 3600, 9 * 3600) == pytest.approx(80 / 3)
    with pytest.raises(ValueError, match="24 positive"):
        SpeedProfile((10.0,))


def test_bad_coordinates_are_refused():
    """A latitude beyond 90 degrees is an error."""
    with pytest.raises(ValueError, match="latitude"):
        haversine_matrices(np.array([[95.0, 0.0], [0.0, 0.0]]))


def test_osrm_unreachable_server_is_a_config_error():
    """Nothing listening on the port: a ConfigError that names the server."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with pytest.raises(ConfigError, match="cannot reach the OSRM server"):
        osrm_matrices(POINTS, url, timeout_s=2)


def test_haversine_cache_hit_computes_nothing(tmp_path, monkeypatch):
    """The second identical call reads the cache; other coordinates or settings miss it."""
    first = build_matrices(POINTS, cache_dir=tmp_path)
    monkeypatch.setattr("routing.matrix.haversine_matrices", _must_not_run)
    second = build_matrices(POINTS, cache_dir=tmp_path)
    np.testing.assert_array_equal(first.distance_m, second.distance_m)
    monkeypatch.undo()
    build_matrices(POINTS[:4], cache_dir=tmp_path)
    build_matrices(POINTS, circuity=1.4, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 3


def _must_not_run(*args: object, **kwargs: object) -> None:
    raise AssertionError("the cache should have answered")


def test_no_cache_dir_means_no_files(tmp_path):
    """``cache_dir=None`` computes without writing anything."""
    m = build_matrices(POINTS, cache_dir=None)
    assert m.provider == "haversine"
    assert not list(tmp_path.iterdir())


def test_negative_engine_entries_get_the_straight_line_estimate():
    """OSRM answers a slightly negative distance for two points snapped onto one segment; no negative survives."""
    from routing.road_fallback import complete_road_tables

    coords = np.array([[39.29, -76.60], [39.291, -76.60], [39.30, -76.61], [39.31, -76.62]])
    lat, lon = coords[:, 0], coords[:, 1]
    straight = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    dist = straight * 1.5
    dur = dist / 8.0
    dist[0, 1] = -1.6  # the engine's answer for the pair
    m = complete_road_tables(coords, dist, dur, np.zeros(4), "osrm-local")
    assert m.distance_m.min() >= 0
    assert m.duration_s.min() >= 0
    assert m.unreachable == 1
    assert m.distance_m[0, 1] == pytest.approx(straight[0, 1] * m.circuity, abs=1)
