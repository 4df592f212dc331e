"""Road datasets and in-process OSRM tables, against the real engine on the downtown Baltimore extract.

The session fixture prepares ``../shared/city_data/baltimore/downtown.osm.pbf`` (about 1 s per profile) with the
``osrm-bindings`` tools; ``osrm-routed`` is started on a free loopback port for the HTTP comparison. No imitation
server: where OSRM (CPython 3.12+) or the shared data is missing, the tests are skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from routing.matrix import build_matrices, haversine_m, osrm_matrices
from routing.roads import MANIFEST_NAME, REUSED, build_roads, truck_profile
from routing.roads_server import serve_roads
from tests.conftest import SHARED
from waste.errors import ConfigError, InputError

DOWNTOWN = SHARED / "city_data" / "baltimore" / "downtown.osm.pbf"

pytestmark = [pytest.mark.shared, pytest.mark.slow]

#: Kerbside points in the extract (latitude, longitude), each within 30 m of a street.
#: 0 and 1 are on South Wolfe Street, one-way southbound (OSM, about 2015): 0 is 133 m north of 1.
POINTS = np.array(
    [
        [39.2858, -76.5900],  # S Wolfe St, north
        [39.2846, -76.5900],  # S Wolfe St, south
        [39.2882, -76.5870],  # S Chester St
        [39.2882, -76.5915],  # S Ann St
        [39.2900, -76.6000],
        [39.2830, -76.5950],
        [39.2800, -76.5800],
        [39.2920, -76.5850],
    ]
)
#: In the Atlantic, 550 km from any road of the extract.
FAR = np.array([[39.0, -70.0]])


@pytest.fixture(scope="session")
def roads_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The downtown extract prepared with the car profile."""
    pytest.importorskip("osrm", reason="osrm-bindings is not installed (it needs CPython 3.12+)")
    if not DOWNTOWN.is_file():
        pytest.skip(f"shared city data not found at {DOWNTOWN} (set WASTE_SHARED_DATA)")
    out = tmp_path_factory.mktemp("roads") / "car"
    build_roads(DOWNTOWN, out, "car")
    return out


@pytest.fixture(scope="session")
def routed_url(roads_dir: Path) -> Iterator[str]:
    """``osrm-routed`` serving the prepared dataset on a free loopback port; stopped afterwards."""
    with serve_roads(roads_dir, log=roads_dir.parent / "osrm-routed.log", start_timeout_s=20) as url:
        yield url


def test_build_then_reuse(roads_dir: Path) -> None:
    manifest = roads_dir / MANIFEST_NAME
    stamp = manifest.stat().st_mtime_ns
    steps: list[str] = []
    dataset = build_roads(DOWNTOWN, roads_dir, "car", lambda step, done, total: steps.append(step))
    assert dataset == roads_dir / "roads.osrm"
    assert steps == [REUSED]
    assert manifest.stat().st_mtime_ns == stamp


def test_truck_profile_builds_and_is_slower(roads_dir: Path, tmp_path: Path) -> None:
    steps: list[str] = []
    truck = build_roads(DOWNTOWN, tmp_path / "truck", "truck", lambda step, done, total: steps.append(step))
    assert REUSED not in steps
    assert len(steps) == 3
    lua = (tmp_path / "truck" / "profile" / "truck.lua").read_text()
    assert "vehicle_weight = 26000" in lua
    assert "'hgv'," in lua
    lat, lon = np.meshgrid(np.linspace(39.276, 39.299, 10), np.linspace(-76.604, -76.571, 12))
    grid = np.c_[lat.ravel(), lon.ravel()]
    car = build_matrices(grid, osrm_data=roads_dir, cache_dir=None)
    hgv = build_matrices(grid, osrm_data=truck.parent, cache_dir=None)
    # Slower on the whole (80 km/h cap, slower service ways and living streets), never faster.
    assert hgv.duration_s.sum() > car.duration_s.sum()


def test_truck_patch_notices_a_changed_car_profile() -> None:
    with pytest.raises(ConfigError, match="truck profile"):
        truck_profile("api_version = 4\n")


@pytest.mark.parametrize(
    ("content", "match"),
    [(None, "no such"), (b"", "empty"), (b"not a protocol buffer" * 50, "osrm-extract")],
    ids=["missing", "empty", "corrupt"],
)
def test_bad_extract_is_an_input_error(roads_dir: Path, tmp_path: Path, content: bytes | None, match: str) -> None:
    pbf = tmp_path / "city.osm.pbf"
    if content is not None:
        pbf.write_bytes(content)
    with pytest.raises(InputError, match=match) as info:
        build_roads(pbf, tmp_path / "out", "car")
    assert info.value.file == str(pbf)
    assert not (tmp_path / "out" / MANIFEST_NAME).exists()


def test_truncated_extract_is_an_input_error(roads_dir: Path, tmp_path: Path) -> None:
    pbf = tmp_path / "cut.osm.pbf"
    pbf.write_bytes(DOWNTOWN.read_bytes()[:200_000])
    with pytest.raises(InputError, match="osrm-extract"):
        build_roads(pbf, tmp_path / "out", "car")


def test_in_process_table_is_sane(roads_dir: Path) -> None:
    m = build_matrices(POINTS, osrm_data=roads_dir, cache_dir=None)
    assert m.provider == "osrm-local"
    assert m.fallback_points == 0
    assert m.unreachable == 0
    assert m.snap_m is not None
    assert (m.snap_m < 30).all()
    lat, lon = POINTS[:, 0], POINTS[:, 1]
    straight = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    off = ~np.eye(len(POINTS), dtype=bool)
    # Snapping may shorten a trip by up to twice the snapping distance.
    assert (m.distance_m[off] >= straight[off] - 2 * 30).all()
    assert (m.duration_s[off] > 0).all()
    # Symmetric-ish: a return trip is rarely more than three times the outward one, except on one-way streets.
    ratio = m.distance_m[off] / m.distance_m.T[off]
    assert np.median(ratio) == pytest.approx(1.0, abs=0.2)
    # South Wolfe Street is one-way southbound: 133 m down it, about 1 km around the block back.
    assert m.distance_m[0, 1] < 200
    assert m.distance_m[1, 0] > 3 * m.distance_m[0, 1]
    assert m.circuity is not None
    assert 1.0 <= m.circuity < 2.0


def test_far_point_gets_the_calibrated_straight_line(roads_dir: Path) -> None:
    coords = np.vstack([POINTS, FAR])
    m = build_matrices(coords, osrm_data=roads_dir, cache_dir=None)
    assert m.fallback_points == 1
    assert m.snap_m is not None
    assert m.snap_m[-1] > 100_000
    assert m.unreachable == 2 * len(POINTS)
    straight = haversine_m(coords[:-1, 0], coords[:-1, 1], FAR[0, 0], FAR[0, 1])
    np.testing.assert_allclose(m.distance_m[:-1, -1], straight * m.circuity, atol=1)
    np.testing.assert_allclose(m.distance_m[-1, :-1], straight * m.circuity, atol=1)
    # Pairs between covered points are still the engine's.
    covered = build_matrices(POINTS, osrm_data=roads_dir, cache_dir=None)
    np.testing.assert_array_equal(m.distance_m[:-1, :-1], covered.distance_m)


def test_chunks_give_the_same_table(roads_dir: Path) -> None:
    from routing.osrm_local import osrm_local_matrices

    whole = osrm_local_matrices(POINTS, roads_dir)
    blocks = osrm_local_matrices(POINTS, roads_dir, chunk=3)
    np.testing.assert_array_equal(whole.distance_m, blocks.distance_m)
    np.testing.assert_array_equal(whole.duration_s, blocks.duration_s)
    np.testing.assert_allclose(whole.snap_m, blocks.snap_m)


def test_cache_keeps_snapping_and_knows_the_dataset(roads_dir: Path, tmp_path: Path) -> None:
    first = build_matrices(POINTS, osrm_data=roads_dir, cache_dir=tmp_path)
    second = build_matrices(POINTS, osrm_data=roads_dir, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    np.testing.assert_array_equal(first.distance_m, second.distance_m)
    np.testing.assert_allclose(first.snap_m, second.snap_m)
    assert second.circuity == pytest.approx(first.circuity)
    assert second.provider == "osrm-local"
    build_matrices(POINTS, cache_dir=tmp_path)  # haversine: a different key
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_http_server_and_in_process_agree(roads_dir: Path, routed_url: str) -> None:
    local = build_matrices(POINTS, osrm_data=roads_dir, cache_dir=None)
    http = osrm_matrices(POINTS, routed_url, max_table_size=6)  # several blocks
    assert http.unreachable == 0
    np.testing.assert_allclose(http.distance_m, local.distance_m, atol=1)
    np.testing.assert_allclose(http.duration_s, local.duration_s, atol=1)
    np.testing.assert_allclose(http.snap_m, local.snap_m, atol=0.5)


def test_http_far_point_gets_the_same_fallback(roads_dir: Path, routed_url: str) -> None:
    coords = np.vstack([POINTS, FAR])
    local = build_matrices(coords, osrm_data=roads_dir, cache_dir=None)
    http = osrm_matrices(coords, routed_url)
    assert http.fallback_points == 1
    assert http.unreachable == 2 * len(POINTS)
    assert http.circuity == pytest.approx(local.circuity, rel=1e-3)
    np.testing.assert_allclose(http.distance_m, local.distance_m, atol=1)


def test_http_error_answer_is_a_config_error(routed_url: str) -> None:
    """The server refuses a table larger than its ``--max-table-size`` (100): its message reaches the user."""
    lat, lon = np.meshgrid(np.linspace(39.28, 39.29, 12), np.linspace(-76.60, -76.58, 12))
    grid = np.column_stack([lat.ravel(), lon.ravel()])
    with pytest.raises(ConfigError, match="TooBig"):
        osrm_matrices(grid, routed_url, max_table_size=len(grid) * 2)


def test_http_cache_hit_makes_no_request(routed_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = build_matrices(POINTS, osrm_url=routed_url, cache_dir=tmp_path)
    monkeypatch.setattr("routing.matrix._get_json", _no_request)
    second = build_matrices(POINTS, osrm_url=routed_url, cache_dir=tmp_path)
    np.testing.assert_array_equal(first.distance_m, second.distance_m)
    np.testing.assert_allclose(first.snap_m, second.snap_m)
    assert second.provider == "osrm"


def _no_request(*args: object, **kwargs: object) -> None:
    raise AssertionError("the cache should have answered")


def test_missing_dataset_is_a_config_error(roads_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="waste roads build"):
        build_matrices(POINTS, osrm_data=tmp_path, cache_dir=None)


def test_cli_builds_then_reuses(roads_dir: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from routing.roads_cli import roads

    args = ["build", "--pbf", str(DOWNTOWN), "--out", str(tmp_path / "roads")]
    first = CliRunner().invoke(roads, args)
    assert first.exit_code == 0, first.output
    assert "Roads ready" in first.output
    second = CliRunner().invoke(roads, args)
    assert "Roads reused" in second.output
    bad = CliRunner().invoke(roads, ["build", "--pbf", str(tmp_path / "none.pbf"), "--out", str(tmp_path / "x")])
    assert isinstance(bad.exception, InputError)  # shown as "Error: ..." by the waste group


def test_plan_on_real_roads(roads_dir: Path, tiny_sqlite_store, tmp_path: Path) -> None:
    """``PlanOptions.osrm_data`` plans on the prepared roads, and the routes still pass the checker."""
    from routing.check import check
    from routing.matrix import haversine_matrices
    from routing.plan import PlanOptions, plan_day
    from tests.routing.test_plan import _ingest, _readings

    _ingest(tiny_sqlite_store, _readings())
    options = PlanOptions(time_limit_s=2, cache_dir=tmp_path / "cache", osrm_data=roads_dir)
    plan = plan_day(tiny_sqlite_store, "tiny", options)
    assert check(plan.problem, plan.result.solution) == []
    straight = haversine_matrices(plan.problem.coords_deg)
    assert not np.array_equal(plan.problem.distance_m, straight.distance_m)
    assert plan.matrix_provider == "osrm-local"
    # The tiny city's landfill (39.20 N) lies south of the downtown extract: it is costed by the straight line.
    assert plan.off_road_points >= 1
    assert plan.circuity is not None
    # Route lines run from the depot back to it (the tiny city lies at the extract's western edge, so its legs are
    # mostly off the road data and straight; street geometry itself is checked in the next test).
    from routing.plan_outputs import plan_geojson, route_sheets

    routes = [f for f in plan_geojson(plan)["features"] if f["properties"]["kind"] == "route"]
    sheets = list(route_sheets(plan).values())
    assert routes
    assert len(routes[0]["geometry"]["coordinates"]) >= len(sheets[0])
    assert routes[0]["geometry"]["coordinates"][-1] == routes[0]["geometry"]["coordinates"][0]
    assert routes[0]["geometry"]["coordinates"][0] == [
        round(sheets[0]["lon"].iloc[0], 6),
        round(sheets[0]["lat"].iloc[0], 6),
    ]


def test_street_line_draws_off_road_legs_straight(roads_dir: Path) -> None:
    """A leg to a place far off the extract is a straight segment; legs on the extract follow streets."""
    from routing.route_lines import street_line

    on_road = [(float(lon), float(lat)) for lat, lon in POINTS[:3]]
    line = street_line(roads_dir, on_road)
    assert len(line) > len(on_road)
    far = (float(FAR[0, 1]), float(FAR[0, 0]))
    with_far = street_line(roads_dir, [on_road[0], far])
    assert with_far == [list(on_road[0]), list(far)]


def test_street_line_over_http_matches_the_engine(roads_dir: Path, routed_url: str) -> None:
    """The server's ``/route`` service draws the same line as the in-process engine, far legs straight."""
    from routing.route_lines import street_line, street_line_http

    lonlat = [(float(lon), float(lat)) for lat, lon in POINTS[:4]] + [(float(FAR[0, 1]), float(FAR[0, 0]))]
    http = street_line_http(routed_url, lonlat)
    np.testing.assert_allclose(http, street_line(roads_dir, lonlat), atol=1e-5)
    assert http[-1] == list(lonlat[-1])
    assert len(http) > 2 * len(lonlat)


def test_plan_over_http_reports_off_road_places(routed_url: str, tiny_sqlite_store, tmp_path: Path) -> None:
    """A plan on an OSRM server says how many places lay off its roads, and its lines come from the server."""
    from routing.check import check
    from routing.plan import PlanOptions, plan_day
    from routing.plan_outputs import plan_geojson
    from tests.routing.test_plan import _ingest, _readings

    _ingest(tiny_sqlite_store, _readings())
    plan = plan_day(tiny_sqlite_store, "tiny", PlanOptions(time_limit_s=2, cache_dir=None, osrm_url=routed_url))
    assert check(plan.problem, plan.result.solution) == []
    assert plan.matrix_provider == "osrm"
    assert plan.off_road_points >= 1  # the landfill south of the extract
    assert plan.circuity is not None
    routes = [f for f in plan_geojson(plan)["features"] if f["properties"]["kind"] == "route"]
    assert routes


def test_city_larger_than_its_extract_gets_a_whole_table(roads_dir: Path) -> None:
    """Baltimore's sample bins spread past the downtown extract: every entry is a usable, non-negative time.

    On these bins the engine answers one pair with a negative distance (two points snapped onto one segment,
    target behind source); the plan used to stop there with "distance_m must not hold negative values".
    """
    import pandas as pd

    from routing.problem import _frozen_matrix

    bins = pd.read_csv(Path(__file__).parents[2] / "sample_data" / "baltimore" / "bins.csv")
    coords = bins[["lat", "lon"]].to_numpy()[:400]
    m = build_matrices(coords, osrm_data=roads_dir, cache_dir=None)
    assert m.fallback_points > 0  # bins beyond the extract are costed by the calibrated straight line
    assert m.distance_m.min() >= 0
    assert m.duration_s.min() >= 0
    _frozen_matrix("distance_m", m.distance_m)  # what Problem requires of its matrices
    far = m.snap_m > 250
    lat, lon = coords[:, 0], coords[:, 1]
    straight = haversine_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    i, j = np.flatnonzero(far)[:2]
    assert m.distance_m[i, j] == pytest.approx(straight[i, j] * m.circuity, abs=1)


def test_street_line_draws_an_unroutable_leg_straight(monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process engine raises on a leg no road joins; the line draws it straight, as the server's does."""
    pytest.importorskip("osrm", reason="osrm-bindings is not installed (it needs CPython 3.12+)")
    import routing.route_lines as lines

    class NoRoads:
        def Route(self, params: object) -> dict:  # noqa: N802 - the engine's method name
            raise RuntimeError("NoRoute - No route found between points")

    monkeypatch.setattr(lines, "_engine", lambda path: NoRoads())
    monkeypatch.setattr(lines, "engine_dataset", lambda dataset: dataset)
    line = lines.street_line(Path("unused"), [(-76.59, 39.28), (-76.60, 39.29)])
    assert line == [[-76.59, 39.28], [-76.60, 39.29]]
