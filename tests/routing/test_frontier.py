"""The frontier of truck-km against overflow: Pareto points, reading a front at an overflow level, the verdicts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from routing.operations.frontier import (
    default_points,
    km_at_overflow,
    pareto,
    plot_frontiers,
    point_means,
    summary_markdown,
)


def _runs() -> pd.DataFrame:
    rows = [
        # policy, knob, default, seed, km, overflow
        ("fixed", -1.0, False, 0, 800.0, 300.0),
        ("fixed", 0.0, True, 0, 1000.0, 100.0),
        ("fixed", 0.0, True, 1, 1000.0, 140.0),
        ("fixed", 1.0, False, 0, 1300.0, 40.0),
        ("threshold", 75.0, True, 0, 900.0, 150.0),
        ("smart", 1.0, False, 0, 500.0, 200.0),
        ("smart", 2.0, True, 0, 550.0, 110.0),
        ("smart", 4.0, False, 0, 700.0, 60.0),
        ("smart", 8.0, False, 0, 900.0, 70.0),  # beaten by knob 4 on both: off the front
    ]
    frame = pd.DataFrame(rows, columns=["policy", "knob", "default", "seed", "truck_km", "overflow_bin_h"])
    return frame.assign(overflow_events=1.0, cost=1.0, trucks_used=1.0, driving_h=1.0, overflowed_m3=1.0, wall_s=1.0)


def test_pareto_keeps_only_points_no_other_beats() -> None:
    smart = _runs()[lambda r: r["policy"] == "smart"]
    assert pareto(smart)["knob"].tolist() == [4.0, 2.0, 1.0]


def test_km_at_an_overflow_level_interpolates_the_front() -> None:
    smart = _runs()[lambda r: r["policy"] == "smart"]
    assert np.isnan(km_at_overflow(smart, 50.0))  # below the front's least overflow
    assert km_at_overflow(smart, 85.0) == 625.0  # halfway between (60, 700) and (110, 550)
    assert km_at_overflow(smart, 500.0) == 500.0


def test_means_over_seeds_and_the_verdicts(tmp_path: Path) -> None:
    means = point_means(_runs(), ["fixed", "threshold", "smart"])
    fixed = default_points(means)["fixed"]
    assert fixed["truck_km"] == 1000.0
    assert fixed["overflow_bin_h"] == 120.0
    assert fixed["runs"] == 2
    text = summary_markdown(means, "test city", "cmd")
    assert "0.55 x the km, 0.92 x the overflow" in text
    assert "at most 0.70 x the km with no more overflow: **met**" in text
    assert "dominates: **yes**" in text
    assert "smart needs 544 km = 0.54 x fixed's km; target at most 0.60 x: **met**" in text
    path = plot_frontiers(means, tmp_path / "f.png", "test city")
    assert path.stat().st_size > 0
