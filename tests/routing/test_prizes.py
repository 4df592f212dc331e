"""The smart policy's prizes: required only when overflow is near-certain, a prize that grows with the risk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routing.operations.prizes import (
    PrizeRule,
    city_overflow_cost,
    default_overflow_cost,
    marginal_costs,
    prize_visits,
)
from waste.errors import InputError
from waste.forecast import ForecastConfig, fit_forecast, forecast_bins, forecast_horizons
from waste.store import Store

START = pd.Timestamp("2026-11-02T06:00:00Z")


def _sawtooth(bin_id: str, rate_pct_per_h: float, last_fill: float, days: int = 14) -> pd.DataFrame:
    """Hourly readings rising at ``rate`` and emptied at 100 %, ending at ``last_fill`` % at 2026-11-01 22:00 UTC."""
    hours = np.arange(days * 24)
    ts = pd.Timestamp("2026-11-01T22:00:00Z") - pd.to_timedelta(hours[::-1], unit="h")
    fill = (last_fill - rate_pct_per_h * hours[::-1]) % 100.0
    return pd.DataFrame({"bin_id": bin_id, "ts": ts, "fill_pct": np.round(fill, 1)})


def _readings() -> pd.DataFrame:
    return pd.concat(
        [
            _sawtooth("B1", 4.0, 85.0),  # overflows within hours: near-certain
            _sawtooth("B2", 1.0, 66.0),  # may overflow before tomorrow's visit
            _sawtooth("B3", 0.2, 10.0),  # nearly empty and slow: not offered
            _sawtooth("B4", 0.5, 60.0)[lambda r: r["ts"] < pd.Timestamp("2026-10-29T00:00:00Z")],  # silent
        ],
        ignore_index=True,
    )


def test_risk_decides_required_optional_and_left(tiny_sqlite_store: Store) -> None:
    bins, fleet = tiny_sqlite_store.bins("tiny"), tiny_sqlite_store.fleet("tiny")
    rule = PrizeRule(min_probability=0.02, required_probability=0.9)
    visits = prize_visits(_readings(), bins, fleet, start=START, shift_h=8.5, rule=rule, overflow_cost_per_h=300.0)
    by = visits.set_index("bin_id")
    assert bool(by.at["B1", "mandatory"])
    assert not bool(by.at["B2", "mandatory"])
    assert 0.02 <= by.at["B2", "p_overflow"] < 0.9
    assert 0 < by.at["B2", "hours_full"] < 24.0
    assert by.at["B2", "penalty"] == pytest.approx(300.0 * by.at["B2", "hours_full"])
    assert "B3" not in by.index  # negligible risk
    assert "B4" not in by.index  # silent sensor: nothing to forecast from


def test_prize_scales_with_the_overflow_cost_and_later_visits_add_to_it(tiny_sqlite_store: Store) -> None:
    bins, fleet = tiny_sqlite_store.bins("tiny"), tiny_sqlite_store.fleet("tiny")
    args = {"start": START, "shift_h": 8.5}
    low = prize_visits(_readings(), bins, fleet, rule=PrizeRule(), overflow_cost_per_h=100.0, **args).set_index(
        "bin_id"
    )
    high = prize_visits(_readings(), bins, fleet, rule=PrizeRule(), overflow_cost_per_h=400.0, **args).set_index(
        "bin_id"
    )
    assert high.at["B2", "penalty"] == pytest.approx(4 * low.at["B2", "penalty"])
    later = prize_visits(
        _readings(), bins, fleet, rule=PrizeRule(later_visit_share=1.0), overflow_cost_per_h=100.0, **args
    ).set_index("bin_id")
    assert later.at["B2", "penalty"] > low.at["B2", "penalty"]
    assert later.at["B1", "penalty"] == 0.0  # a required bin has no prize


def test_forecast_at_several_horizons_equals_one_forecast_per_horizon() -> None:
    readings = _readings()
    tables = forecast_horizons(readings, horizons_h=(4.0, 32.5), at=START)
    for table, horizon in zip(tables, (4.0, 32.5), strict=True):
        alone = forecast_bins(readings, at=START, config=ForecastConfig(horizon_h=horizon))
        pd.testing.assert_frame_equal(table, alone)


def test_overflow_cost_comes_from_city_toml_or_the_fleet(tmp_path: Path, tiny_sqlite_store: Store) -> None:
    assert city_overflow_cost(tmp_path) is None
    (tmp_path / "city.toml").write_text('name = "X"\n\n[collection]\noverflow_cost_per_h = 250\n', encoding="utf-8")
    assert city_overflow_cost(tmp_path) == 250.0
    (tmp_path / "city.toml").write_text('[collection]\noverflow_cost_per_h = "lots"\n', encoding="utf-8")
    with pytest.raises(InputError, match="overflow_cost"):
        city_overflow_cost(tmp_path)
    fleet = tiny_sqlite_store.fleet("tiny")
    assert default_overflow_cost(fleet) > 0
    with pytest.raises(InputError, match="probabilit"):
        PrizeRule(min_probability=0.5, required_probability=0.4)


def test_marginal_cost_grows_with_distance_to_the_nearest_candidate(tiny_sqlite_store: Store) -> None:
    bins, fleet = tiny_sqlite_store.bins("tiny"), tiny_sqlite_store.fleet("tiny")
    general = bins[bins["stream"] == bins["stream"].iloc[0]].head(3).copy()
    general["lat"] = [40.0, 40.0001, 40.05]  # two neighbours 11 m apart, one 5.5 km away
    general["lon"] = [-75.0, -75.0, -75.0]
    general["service_s"] = 60.0
    cost = marginal_costs(general, fleet)
    assert cost[0] == pytest.approx(cost[1])
    assert cost[2] > 10 * cost[0]


def test_optional_bins_whose_prize_cannot_pay_are_not_offered(tiny_sqlite_store: Store) -> None:
    bins, fleet = tiny_sqlite_store.bins("tiny"), tiny_sqlite_store.fleet("tiny")
    args = {"start": START, "shift_h": 8.5, "overflow_cost_per_h": 0.001}
    cheap = prize_visits(_readings(), bins, fleet, rule=PrizeRule(), **args).set_index("bin_id")
    assert "B2" not in cheap.index  # its prize, a fraction of a cent, pays for no detour
    assert bool(cheap.at["B1", "mandatory"])  # a required bin is offered whatever it costs
    everything = prize_visits(_readings(), bins, fleet, rule=PrizeRule(offer_unpaid=True), **args)
    assert "B2" in set(everything["bin_id"])


def test_full_risk_grows_with_the_span_and_takes_one_span_per_bin() -> None:
    fitted = fit_forecast(_readings(), at=START)
    day = fitted.full_risk(4.0, 28.0)
    week = fitted.full_risk(4.0, pd.Series({"B1": 172.0, "B2": 172.0, "B3": 172.0, "B4": 172.0}))
    assert (week["hours_full"].drop("B4") >= day["hours_full"].drop("B4")).all()
    assert week.at["B2", "hours_full"] > 10 * day.at["B2", "hours_full"]  # full from tomorrow for most of the week
    assert (day["hours_full"].drop("B4") <= 24.0).all()
    assert ((day["p_full"] >= 0) & (day["p_full"] <= 1)).drop("B4").all()
    with pytest.raises(ValueError, match="from_h"):
        fitted.full_risk(10.0, 5.0)
