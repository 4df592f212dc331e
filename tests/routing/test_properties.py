"""Property: every solution the solver returns on a random small problem passes the checker."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.check import check
from routing.problem import Break, Depot, DisposalSite, Problem, Stop, VehicleType
from routing.solvers import solve
from tests.routing.builders import H, matrices

STREAMS = ("general", "recycling")


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    """2 depots, 2 sites, 1-12 bins of random size, window, stream and mandatory flag; 1-3 truck types."""
    n = draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    xy = rng.uniform(-8000, 8000, (4 + n, 2))
    dist, dur = matrices([tuple(map(float, p)) for p in xy])
    depots = (Depot("D", 0, 5 * H, 20 * H), Depot("D2", 1))
    sites = (
        DisposalSite("L", 2, 6 * H, int(rng.integers(12, 20)) * H, 600, frozenset(STREAMS)),
        DisposalSite("T", 3, 7 * H, 16 * H, 300, frozenset({"recycling"})),
    )
    stops = []
    for i in range(n):
        start = int(rng.integers(5, 14)) * H
        windowed = rng.random() < 0.4
        stops.append(
            Stop(
                f"S{i}",
                4 + i,
                weight_kg=float(rng.uniform(0, 900)),
                volume_m3=float(rng.uniform(0, 8)),
                service_s=int(rng.integers(0, 600)),
                tw_start_s=start if windowed else 0,
                tw_end_s=start + int(rng.integers(0, 3 * H)) if windowed else 2 * 86_400,
                stream=str(rng.choice(STREAMS)),
                mandatory=bool(rng.random() < 0.6),
                penalty=float(rng.uniform(0, 80)),
                compaction_ratio=float(rng.choice([1.0, 1.0, 4.0])),
            )
        )
    types = []
    for k in range(draw(st.integers(1, 3))):
        streams = [frozenset(STREAMS), frozenset({"general"}), frozenset({"recycling"})][int(rng.integers(0, 3))]
        types.append(
            VehicleType(
                f"t{k}",
                int(rng.integers(0, 3)),
                capacity_kg=float(rng.uniform(500, 3000)),
                capacity_m3=float(rng.uniform(2, 12)),
                shift_start_s=int(rng.integers(5, 8)) * H,
                shift_end_s=int(rng.integers(12, 16)) * H,
                start_depot=str(rng.choice(["D", "D2"])),
                compaction_ratio=float(rng.choice([1.0, 2.5])),
                fixed_cost=float(rng.uniform(0, 200)),
                cost_per_km=float(rng.uniform(0, 3)),
                cost_per_h=float(rng.uniform(0, 60)),
                streams=streams,
                max_duration_s=int(rng.integers(4, 9)) * H if rng.random() < 0.3 else None,
                driver_break=Break(1800, 10 * H, 12 * H) if rng.random() < 0.3 else None,
                max_stops=int(rng.integers(1, 6)) if rng.random() < 0.2 else None,
            )
        )
    return Problem(depots, sites, tuple(stops), tuple(types), dist, dur)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_solver_solution_passes_the_checker(p: Problem):
    """Whatever the problem, the returned solution breaks no rule, and every must-go bin is served or reported."""
    result = solve(p, time_limit_s=0.5)
    assert check(p, result.solution) == []
    served = result.solution.served()
    reported = {u.stop for u in result.unserved}
    assert {i for i, s in enumerate(p.stops) if s.mandatory} <= served | reported
