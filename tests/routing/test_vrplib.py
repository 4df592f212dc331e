"""VRPLIB export: the ``vrplib`` package reads back what was written."""

from __future__ import annotations

import numpy as np
import pytest

from routing.problem import Break
from routing.vrplib import export_vrplib
from tests.routing.builders import H, problem, truck

vrplib = pytest.importorskip("vrplib")


def test_round_trip(tmp_path):
    """Depots and sites first, times as edge weights, two-column demands and capacities, windows, prizes, reloads."""
    types = (truck(count=2, compaction_ratio=2.0, driver_break=Break(1800, 11 * H, 12 * H)),)
    sites = ((0, 5000, {}), (0, -5000, {"streams": frozenset({"recycling"})}))
    bins = [{"tw_start_s": 7 * H, "tw_end_s": 9 * H}, {"mandatory": False, "penalty": 9.0}]
    p = problem([(1000, 0), (2000, 0)], bins, vehicle_types=types, sites=sites)
    path = export_vrplib(p, tmp_path / "day.vrp")
    inst = vrplib.read_instance(path)
    assert inst["dimension"] == 5
    assert inst["vehicles"] == 2
    assert list(inst["depot"]) == [0, 1, 2]
    np.testing.assert_array_equal(inst["edge_weight"], p.duration_s)
    np.testing.assert_array_equal(inst["distance"], p.distance_m)
    # 200 kg and 0.5 m3 loose packed 2x: 250 L; a 10 m3 body at the fleet's strongest packer: 10,000 L.
    np.testing.assert_array_equal(inst["demand"][3:], [[200, 250], [200, 250]])
    np.testing.assert_array_equal(inst["capacity"], [[1000, 10_000], [1000, 10_000]])
    np.testing.assert_array_equal(inst["time_window"][3], [7 * H, 9 * H])
    np.testing.assert_array_equal(inst["time_window"][1], [6 * H, 18 * H - 300])
    np.testing.assert_array_equal(inst["service_time"], [0, 300, 300, 60, 60])
    # must-go: prize 0 (required); optional: 9 currency at 36 per hour = 900 s.
    np.testing.assert_array_equal(inst["prize"], [0, 0, 0, 0, 900])
    np.testing.assert_array_equal(inst["vehicles_depot"], [1, 1])
    np.testing.assert_array_equal(inst["vehicles_reload_depot"], [2, 2])
    np.testing.assert_array_equal(inst["vehicles_max_duration"], [8 * H, 8 * H])
    np.testing.assert_array_equal(inst["vehicles_break"], [[11 * H, 12 * H, 1800]] * 2)
    assert inst["type"] == "MTVRPTWR"
