"""The Problem validates itself, and builds from the project's tables with the documented demand rule."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routing.check import check
from routing.problem import Break, DisposalSite, Problem, Stop
from routing.solvers import solve
from tests.routing.builders import H, problem, truck
from waste.errors import InputError

TINY = Path(__file__).resolve().parent.parent / "data" / "tiny_city"


def test_sizes_and_lookups():
    """Counts, depot look-up and the trucks as (type, index) pairs."""
    p = problem([(1000, 0), (2000, 0)], vehicle_types=(truck(count=2), truck(name="b", count=1)))
    assert (p.num_locations, p.num_stops, p.num_vehicles) == (4, 2, 3)
    assert p.vehicles() == [(0, 0), (0, 1), (1, 0)]
    assert p.depot_index("D") == 0
    assert p.compatible_types(0) == [0, 1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"distance_m": np.zeros((3, 3), dtype=np.int64)}, "same shape"),
        ({"distance_m": np.zeros((4, 3), dtype=np.int64)}, "square"),
        ({"duration_s": -np.ones((4, 4), dtype=np.int64)}, "negative"),
        ({"distance_m": np.zeros((4, 4))}, "integers"),
        ({"vehicle_types": (truck(start_depot="X"),)}, "unknown depot 'X'"),
        ({"stops": (Stop("S", 9, 1.0, 1.0),)}, "location 9 outside"),
        ({"stops": (Stop("S", 2, 1.0, 1.0), Stop("S", 3, 1.0, 1.0))}, "ids must be unique"),
        ({"depots": ()}, "at least one depot"),
    ],
)
def test_problem_validation(change, message):
    """Wrong shapes, negative or non-integer matrices, unknown depots and bad locations are refused."""
    p = problem([(1000, 0), (2000, 0)])
    with pytest.raises(ValueError, match=message):
        replace(p, **change)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Stop("S", 0, -1.0, 1.0), "must be finite and >= 0"),
        (lambda: Stop("S", 0, 1.0, 1.0, tw_start_s=10, tw_end_s=5), "window"),
        (lambda: Stop("S", 0, 1.0, 1.0, compaction_ratio=0.5), "compaction_ratio"),
        (lambda: truck(capacity_kg=0), "capacity_kg"),
        (lambda: truck(shift_start_s=10 * H, shift_end_s=9 * H), "window"),
        (lambda: truck(streams=frozenset()), "serves no stream"),
        (lambda: DisposalSite("L", 0, 0, 100, 200), "fit in the opening hours"),
        (lambda: Break(0, 0, 10), "duration_s"),
    ],
)
def test_part_validation(build, message):
    """Each part checks its own fields with a message naming the part and field."""
    with pytest.raises(ValueError, match=message):
        build()


def test_matrices_are_read_only():
    """The problem's matrices cannot be changed behind its back."""
    p = problem([(1000, 0)])
    with pytest.raises(ValueError, match="read-only"):
        p.distance_m[0, 1] = 5


def test_streams_from_text():
    """Streams may be given as ``a;b`` text."""
    assert truck(streams="general;recycling").streams == frozenset({"general", "recycling"})  # type: ignore[arg-type]


def tiny_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return tuple(pd.read_csv(TINY / f"{name}.csv") for name in ("sites", "bins", "fleet"))  # type: ignore[return-value]


def test_from_frames_demand_rule():
    """Demand = fill x size x density, loose volume x bin ratio, body volume / max(truck ratio, bin ratio).

    B4 is a 120 L solar compactor (ratio 5) at 60 %: 0.072 m3 in the bin at 300 kg/m3 = 21.6 kg, 0.36 m3 loose;
    the rear loader (ratio 3.5) cannot pack it further, so it takes 0.072 m3 of body. B2, a plain 1,100 L
    container at 90 %, 110 kg/m3: 108.9 kg, 0.99 m3 loose, 0.99 / 3.5 m3 of body.
    """
    sites, bins, fleet = tiny_frames()
    visits = pd.DataFrame({"bin_id": ["B2", "B4"], "fill_pct": [90.0, 60.0], "mandatory": [True, False]})
    p = Problem.from_frames(sites, bins, fleet, visits, name="tiny")
    b2, b4 = p.stops
    vt = p.vehicle_types[0]
    assert (b4.weight_kg, b4.volume_m3, b4.compaction_ratio) == pytest.approx((21.6, 0.36, 5.0))
    assert vt.truck_volume_m3(b4) == pytest.approx(0.072)
    assert (b2.weight_kg, b2.volume_m3) == pytest.approx((108.9, 0.99))
    assert vt.truck_volume_m3(b2) == pytest.approx(0.99 / 3.5)
    assert (b2.tw_start_s, b2.tw_end_s) == (6 * H, 10 * H)
    assert not b4.mandatory
    assert [d.id for d in p.depots] == ["D1"]
    assert p.disposal_sites[0].unload_s == 900
    assert p.disposal_sites[0].streams == frozenset({"general"})
    assert (vt.shift_start_s, vt.shift_end_s, vt.count) == (6 * H, 14 * H + 1800, 2)
    assert p.coords_deg is not None
    assert p.coords_deg.shape == (4, 2)


def test_from_frames_to_checked_solution():
    """Frames -> problem -> solve -> check, on the tiny city; the recycling bin has no site to go to."""
    sites, bins, fleet = tiny_frames()
    visits = pd.DataFrame({"bin_id": bins["bin_id"], "fill_pct": [80.0, 90.0, 70.0, 60.0]})
    p = Problem.from_frames(sites, bins, fleet, visits)
    result = solve(p, time_limit_s=1)
    assert check(p, result.solution) == []
    assert [(p.stops[u.stop].id, u.reason) for u in result.unserved] == [("B3", "no_disposal")]
    frame = result.solution.to_frame()
    assert list(frame["kind"].iloc[[0, -1]]) == ["depot", "depot"]
    assert set(frame.loc[frame["kind"] == "stop", "id"]) == {"B1", "B2", "B4"}


def test_from_frames_unknown_bin():
    """A visit of a bin not in the bins table is an input error naming the bin."""
    sites, bins, fleet = tiny_frames()
    with pytest.raises(InputError, match="unknown bin"):
        Problem.from_frames(sites, bins, fleet, pd.DataFrame({"bin_id": ["B9"], "fill_pct": [50.0]}))


def test_from_frames_unknown_depot():
    """A fleet row at a depot the sites table lacks is an input error."""
    sites, bins, fleet = tiny_frames()
    fleet = fleet.assign(depot_id="NOPE")
    with pytest.raises(InputError, match="unknown depot"):
        Problem.from_frames(sites, bins, fleet, pd.DataFrame({"bin_id": ["B1"], "fill_pct": [50.0]}))
