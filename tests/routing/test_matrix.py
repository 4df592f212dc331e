"""Travel matrices: haversine estimate, the OSRM client against a loopback server, and the disk cache."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

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


class FakeOsrm:
    """An OSRM-like ``/table`` server on 127.0.0.1.

    Distance = 1000 x |i - j| m, duration = 100 x |i - j| s, where i and j are the points' positions in
    :data:`POINTS` (found by their coordinates).
    """

    def __init__(self, fail: bool = False, unreachable: tuple[int, int] | None = None) -> None:
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.requests.append(self.path)
                if fail:
                    return self._send(400, {"code": "InvalidQuery", "message": "Query string malformed"})
                url = urlsplit(self.path)
                coords = url.path.split("/")[-1].split(";")
                ids = [fake.index(c) for c in coords]
                query = parse_qs(url.query)
                assert query["annotations"] == ["distance,duration"]
                src = [ids[int(k)] for k in query["sources"][0].split(";")]
                dst = [ids[int(k)] for k in query["destinations"][0].split(";")]
                dist = [[1000 * abs(i - j) for j in dst] for i in src]
                dur = [[100 * abs(i - j) for j in dst] for i in src]
                if unreachable is not None:
                    for a, i in enumerate(src):
                        for b, j in enumerate(dst):
                            if (i, j) == unreachable:
                                dist[a][b] = dur[a][b] = None
                return self._send(200, {"code": "Ok", "distances": dist, "durations": dur})

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @staticmethod
    def index(coord: str) -> int:
        lon, lat = map(float, coord.split(","))
        return int(np.argmin(np.abs(POINTS[:, 0] - lat) + np.abs(POINTS[:, 1] - lon)))


@pytest.fixture
def osrm() -> Iterator[FakeOsrm]:
    yield from _serve(FakeOsrm())


def _serve(fake: FakeOsrm) -> Iterator[FakeOsrm]:
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def expected(n: int, unit: int) -> np.ndarray:
    i = np.arange(n)
    return unit * np.abs(i[:, None] - i[None, :])


def test_osrm_table_in_blocks(osrm):
    """Five points with at most four per request: 3 x 3 blocks of two sources and two destinations."""
    m = osrm_matrices(POINTS, osrm.url, max_table_size=4)
    assert m.provider == "osrm"
    np.testing.assert_array_equal(m.distance_m, expected(5, 1000))
    np.testing.assert_array_equal(m.duration_s, expected(5, 100))
    assert len(osrm.requests) == 9
    assert osrm.requests[0].startswith("/table/v1/driving/")


def test_osrm_unreachable_pair_gets_the_estimate():
    """A pair OSRM cannot route is filled with the straight-line estimate and counted."""
    for fake in _serve(FakeOsrm(unreachable=(0, 3))):
        m = osrm_matrices(POINTS, fake.url)
        assert m.unreachable == 1
        assert m.distance_m[0, 3] == haversine_matrices(POINTS).distance_m[0, 3]
        assert m.distance_m[3, 0] == 3000


def test_osrm_error_answer_is_a_config_error():
    """An OSRM error code becomes a ConfigError with the server's message."""
    for fake in _serve(FakeOsrm(fail=True)):
        with pytest.raises(ConfigError, match="Query string malformed"):
            osrm_matrices(POINTS, fake.url)


def test_osrm_unreachable_server_is_a_config_error():
    """Nothing listening: a ConfigError that names the server."""
    fake = FakeOsrm()
    url = fake.url
    fake.server.server_close()
    with pytest.raises(ConfigError, match="cannot reach the OSRM server"):
        osrm_matrices(POINTS, url, timeout_s=2)


def test_cache_hit_makes_no_request(osrm, tmp_path):
    """The second identical call reads the cache: no new request; other coordinates or settings miss it."""
    first = build_matrices(POINTS, osrm_url=osrm.url, cache_dir=tmp_path)
    count = len(osrm.requests)
    second = build_matrices(POINTS, osrm_url=osrm.url, cache_dir=tmp_path)
    assert len(osrm.requests) == count
    np.testing.assert_array_equal(first.distance_m, second.distance_m)
    assert second.provider == "osrm"
    assert len(list(tmp_path.glob("*.npz"))) == 1
    build_matrices(POINTS[:4], osrm_url=osrm.url, cache_dir=tmp_path)
    build_matrices(POINTS, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 3


def test_no_cache_dir_means_no_files(tmp_path):
    """``cache_dir=None`` computes without writing anything."""
    m = build_matrices(POINTS, cache_dir=None)
    assert m.provider == "haversine"
    assert not list(tmp_path.iterdir())
