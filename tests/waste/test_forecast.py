"""Fill forecasts: known answers on hand-made series, interval and probability properties, the command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from waste.collections import clean_readings
from waste.commands.forecast import forecast, parse_duration_h, print_forecast
from waste.errors import InputError
from waste.forecast import ForecastConfig, fill_curve, forecast_bins
from waste.forecasting.base import prob_at_least
from waste.forecasting.baselines import LastValue, LinearCycle, PreviousCycle, SeasonalNaive
from waste.forecasting.ets import AutoETSBaseline, statsforecast_available
from waste.forecasting.fillrate import FillRateModel
from waste.forecasting.panel import build_panel
from waste.forecasting.timebase import from_hours, to_hours, week_position

T0 = pd.Timestamp("2024-03-04T00:00:00Z")  # a Monday


def linear(bin_id: str, rate: float, hours: int, start: float = 0.0, noise: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """Hourly readings rising ``rate`` %/h from ``start``, emptied to ``start`` whenever they pass 90 %."""
    rng = np.random.default_rng(seed)
    t = np.arange(hours, dtype=float)
    level = start + np.mod(rate * t, 90.0 - start)
    level = level + rng.normal(0.0, noise, hours) if noise else level
    return pd.DataFrame({"bin_id": bin_id, "ts": T0 + pd.to_timedelta(t, unit="h"), "fill_pct": np.clip(level, 0, 100)})


def panel_of(readings: pd.DataFrame, bins: pd.DataFrame | None = None):
    return build_panel(clean_readings(readings, bins).clean, bins)


def test_timebase_round_trip() -> None:
    """Hours since the epoch round-trip; Monday 00:00 UTC is week position 0."""
    h = to_hours(pd.Series([T0]))
    assert from_hours(h)[0] == T0
    assert week_position(h)[0] == pytest.approx(0.0)


def test_linear_fill_time_to_full() -> None:
    """A bin rising 2 %/h without noise: forecast +10 h is +20 points and full is reached in (100 - level) / 2 h."""
    readings = linear("B1", 2.0, 30, start=10.0)
    table = forecast_bins(readings, config=ForecastConfig(horizon_h=10.0))
    row = table.iloc[0]
    assert row["status"] == "ok"
    assert row["last_fill_pct"] == pytest.approx(68.0)
    assert row["fill_pct"] == pytest.approx(88.0, abs=1.0)
    assert row["hours_to_threshold"] == pytest.approx(16.0, abs=0.5)
    assert row["threshold_ts"] == T0 + pd.Timedelta(hours=29 + row["hours_to_threshold"])
    assert row["rate_pct_per_h"] == pytest.approx(2.0, rel=0.05)


def test_threshold_per_stream() -> None:
    """A stream's threshold moves the time to threshold."""
    readings = linear("B1", 2.0, 30, start=10.0)
    bins = pd.DataFrame({"bin_id": ["B1"], "stream": ["organic"]})
    table = forecast_bins(readings, bins, config=ForecastConfig(thresholds={"organic": 80.0}))
    assert table["hours_to_threshold"].iloc[0] == pytest.approx(6.0, abs=0.5)


def test_intervals_widen_with_horizon() -> None:
    """With noisy readings the 80 % interval is wider at 72 h than at 6 h, and contains the median."""
    readings = pd.concat([linear(f"B{i}", 0.1, 24 * 21, noise=2.0, seed=i) for i in range(3)], ignore_index=True)
    curve = fill_curve(readings, horizons_h=(1, 6, 24, 72))
    width = (curve["p90"] - curve["p10"]).to_numpy().reshape(3, 4)
    assert (np.diff(width, axis=1) >= -1e-9).all()
    assert (width[:, -1] > width[:, 0]).all()
    assert ((curve["p10"] <= curve["p50"]) & (curve["p50"] <= curve["p90"])).all()


@settings(max_examples=25, deadline=None)
@given(times=st.lists(st.floats(0.5, 200.0), min_size=2, max_size=8), threshold=st.floats(20.0, 100.0))
def test_probability_monotone_in_time(times: list[float], threshold: float) -> None:
    """P(reaching the threshold by t) never falls as t grows."""
    model = FillRateModel().fit(panel_of(linear("B1", 0.7, 24 * 10, noise=1.5)))
    o = np.array([model.panel_.t.size - 1])
    ts = np.sort(np.asarray(times)) + model.panel_.t[-1]
    p = np.array([model.prob_reach(o, np.array([t]), np.array([threshold]))[0] for t in ts])
    assert (np.diff(p) >= -1e-9).all()
    assert ((p >= 0) & (p <= 1)).all()


def test_prob_at_least_edges() -> None:
    """Probability from quantiles: 1 below the lowest, 0 above the highest, 0.5 at the median."""
    q = np.tile(np.linspace(10, 90, 13), (3, 1))
    p = prob_at_least(q, np.array([5.0, 50.0, 95.0]))
    assert p.tolist() == pytest.approx([1.0, 0.5, 0.0])


def test_nearest_reading_matches_brute_force() -> None:
    """The per-bin search finds the nearest reading within the tolerance, with a right, wrong or no guess."""
    rng = np.random.default_rng(4)
    frames = [
        pd.DataFrame({"bin_id": f"B{b}", "ts": T0 + pd.to_timedelta(np.sort(rng.uniform(0, 200, n)), unit="h")})
        for b, n in enumerate((0, 1, 5, 60, 300))
        if n
    ]
    readings = pd.concat(frames, ignore_index=True).assign(fill_pct=10.0)
    panel = build_panel(readings, bin_ids=["B0", "B1", "B2", "B3", "B4"])
    code = rng.integers(0, panel.n_bins, 500)
    target = float(to_hours(T0)) + rng.uniform(-20, 220, 500)
    expected = np.full(500, -1)
    for k, (c, x) in enumerate(zip(code, target, strict=True)):  # brute force, reading by reading
        idx = np.arange(panel.indptr[c], panel.indptr[c + 1])
        if idx.size:
            best = idx[np.argmin(np.abs(panel.t[idx] - x))]
            expected[k] = best if abs(panel.t[best] - x) <= 3.0 else -1
    right = panel.insertion(code, target)
    for guess in (None, right, right + rng.integers(-3, 4, 500), rng.integers(-5, panel.t.size + 5, 500)):
        assert np.array_equal(panel.nearest(code, target, 3.0, guess=guess), expected)
        if guess is not None:
            assert np.array_equal(panel.insertion(code, target, guess), right)


def test_silent_and_stuck_sensors_say_so() -> None:
    """A bin silent for days, or repeating one value for weeks, gets a status and no numbers."""
    live = linear("LIVE", 1.0, 24 * 20)
    silent = linear("SILENT", 1.0, 24 * 10)
    stuck = pd.DataFrame(
        {"bin_id": "STUCK", "ts": T0 + pd.to_timedelta(np.arange(40) * 12.0, unit="h"), "fill_pct": 42.0}
    )
    bins = pd.DataFrame({"bin_id": ["LIVE", "SILENT", "STUCK", "NEW"]})
    table = forecast_bins(pd.concat([live, silent, stuck], ignore_index=True), bins).set_index("bin_id")
    assert table.loc["LIVE", "status"] == "ok"
    assert table.loc["SILENT", "status"] == "silent"
    assert table.loc["STUCK", "status"] == "stuck"
    assert table.loc["NEW", "status"] == "no_data"
    for b in ("SILENT", "STUCK", "NEW"):
        assert np.isnan(table.loc[b, ["fill_pct", "p_overflow", "hours_to_threshold"]].to_numpy(float)).all()
    assert table.index[0] == "LIVE"


def test_silence_is_judged_by_each_sensor_s_own_cadence(capsys: pytest.CaptureFixture[str]) -> None:
    """A 15-minute sensor quiet for 30 h is silent; a daily one quiet as long is not; silence is never guessed."""
    fast = linear("FAST", 0.25, 24 * 12 * 4)
    fast = fast.assign(ts=T0 + pd.to_timedelta(np.arange(len(fast)) * 0.25, unit="h"))
    fast = fast[fast["ts"] <= T0 + pd.Timedelta(hours=24 * 12 - 30)]
    daily = linear("DAILY", 1.0, 24 * 12).iloc[::24]
    daily = daily[daily["ts"] <= T0 + pd.Timedelta(hours=24 * 11 - 6)]
    live = linear("LIVE", 1.0, 24 * 12)
    readings = pd.concat([fast, daily, live], ignore_index=True)
    table = forecast_bins(readings).set_index("bin_id")
    assert table.loc["FAST", "status"] == "silent"
    assert table.loc["DAILY", "status"] == "ok"
    assert table.loc["LIVE", "status"] == "ok"
    # the silent bin keeps what is known (its last reading and when), and nothing that would be a guess
    assert table.loc["FAST", "last_ts"] == fast["ts"].max()
    assert table.loc["FAST", "last_fill_pct"] == pytest.approx(fast["fill_pct"].iloc[-1])
    cols = ["fill_now_pct", "fill_pct", "fill_p10_pct", "fill_p90_pct", "hours_to_threshold", "p_overflow"]
    assert np.isnan(table.loc["FAST", cols].to_numpy(float)).all()
    assert pd.isna(table.loc["FAST", "threshold_ts"])
    # a forecast made long after every reading: every sensor is silent, none is guessed
    late = forecast_bins(readings, at=T0 + pd.Timedelta(days=30))
    assert set(late["status"]) == {"silent"}
    assert late[cols].isna().all().all()
    print_forecast(table.reset_index(), limit=10)
    assert "no forecast (nothing recent to forecast from): 1 silent" in capsys.readouterr().out


def test_short_history_borrows_from_its_group() -> None:
    """A bin with a few hours of history takes its group's rate; a long-running one keeps its own."""
    old = [linear(f"OLD{i}", 1.0, 24 * 14) for i in range(3)]
    new = linear("NEW", 3.0, 3)
    bins = pd.DataFrame({"bin_id": ["OLD0", "OLD1", "OLD2", "NEW"], "stream": "general", "area": "centre"})
    model = FillRateModel().fit(panel_of(pd.concat([*old, new], ignore_index=True), bins))
    rate = dict(zip(model.panel_.bin_ids, model.rate_, strict=True))
    assert rate["OLD0"] == pytest.approx(1.0, rel=0.05)
    assert 1.0 < rate["NEW"] < 1.3


def test_compaction_pools_in_loose_litres() -> None:
    """A new compactor (ratio 4) borrows a quarter of the %-rate of open bins of the same size."""
    old = [linear(f"OPEN{i}", 2.0, 24 * 14) for i in range(3)]
    new = linear("COMP", 0.0, 2)
    bins = pd.DataFrame(
        {"bin_id": ["OPEN0", "OPEN1", "OPEN2", "COMP"], "capacity_l": 240.0, "compaction_ratio": [1, 1, 1, 4.0]}
    )
    model = FillRateModel(pool_h=1e6).fit(panel_of(pd.concat([*old, new], ignore_index=True), bins))
    rate = dict(zip(model.panel_.bin_ids, model.rate_, strict=True))
    assert rate["COMP"] == pytest.approx(rate["OPEN0"] / 4.0, rel=0.1)


def test_hour_of_day_profile() -> None:
    """A bin that fills only in daytime (08-20 UTC) is forecast flat overnight and rising by day."""
    t = np.arange(24 * 21, dtype=float)
    hour = np.mod(t, 24)
    rise = np.where((hour >= 8) & (hour < 20), 1.0, 0.0)
    level = np.mod(np.cumsum(rise), 80.0)
    readings = pd.DataFrame({"bin_id": "D", "ts": T0 + pd.to_timedelta(t, unit="h"), "fill_pct": level})
    model = FillRateModel().fit(panel_of(readings))
    assert model.hour_factor_[0, 2] < 0.5 < 1.5 < model.hour_factor_[0, 12]


def test_model_shape_and_guards() -> None:
    """Every model predicts a dict of (bins, horizons) arrays; predicting before fitting raises."""
    panel = panel_of(pd.concat([linear("A", 1.0, 24 * 9), linear("B", 0.5, 24 * 9)], ignore_index=True))
    for cls in (FillRateModel, LastValue, LinearCycle, SeasonalNaive, PreviousCycle):
        with pytest.raises(ValueError, match="fit"):
            cls().predict([6.0])
        out = cls().fit(panel).predict([6.0, 24.0], level=(80,))
        assert set(out) == {"mean", "lo-80", "hi-80"}
        assert out["mean"].shape == (2, 2)
        assert (out["lo-80"] <= out["hi-80"]).all()
    with pytest.raises(ValueError, match="level"):
        LastValue().fit(panel).predict([6.0], level=(33,))


def test_baselines_known_values() -> None:
    """Last value stays, the cycle line extrapolates the slope, seasonal naive repeats last week."""
    readings = linear("A", 0.25, 24 * 10)
    panel = panel_of(readings)
    o = np.array([panel.t.size - 1])
    target = panel.t[o] + 8.0
    assert LastValue().fit(panel).forecast_at(o, target)[0][0] == pytest.approx(panel.x[-1])
    assert LinearCycle().fit(panel).forecast_at(o, target)[0][0] == pytest.approx(panel.x[-1] + 2.0)
    week_ago = panel.x[panel.t.size - 1 + 8 - 168]
    assert SeasonalNaive().fit(panel).forecast_at(o, target)[0][0] == pytest.approx(week_ago)


@pytest.mark.skipif(not statsforecast_available(), reason="statsforecast (the 'forecast' extra) is not installed")
def test_autoets_baseline_runs() -> None:
    """AutoETS forecasts from each bin's last reading, within 0-100 %."""
    panel = panel_of(linear("A", 0.5, 24 * 8, noise=1.0))
    model = AutoETSBaseline(max_horizon_h=24).fit(panel)
    point, q = model.forecast_at(np.array([panel.t.size - 1]), np.array([panel.t[-1] + 12]))
    assert 0 <= point[0] <= 100
    assert (np.diff(q[0]) >= 0).all()
    with pytest.raises(ValueError, match="last reading"):
        model.forecast_at(np.array([0]), np.array([panel.t[0] + 1]))


def test_parse_duration() -> None:
    """Durations on the command line."""
    assert parse_duration_h("72h") == 72.0
    assert parse_duration_h("3d") == 72.0
    assert parse_duration_h("90min") == 1.5
    with pytest.raises(InputError):
        parse_duration_h("soon")


class _FakeStore:
    def __init__(self, readings: pd.DataFrame) -> None:
        self._readings = readings

    def bins(self, city: str | None = None) -> pd.DataFrame:
        return pd.DataFrame({"bin_id": ["A", "B"], "stream": "general", "area": "centre"})

    def readings(self, bin_ids=None, since=None, until=None, *, city=None) -> pd.DataFrame:
        r = self._readings
        return r if until is None else r[r["ts"] <= until]

    def save_collections(self, frame: pd.DataFrame) -> int:
        return len(frame)


@pytest.fixture
def fake_store(monkeypatch: pytest.MonkeyPatch) -> None:
    readings = pd.concat([linear("A", 1.0, 24 * 5), linear("B", 0.2, 24 * 5)], ignore_index=True)
    monkeypatch.setattr("waste.commands.forecast.store_from", lambda url: _FakeStore(readings))


@pytest.mark.usefixtures("fake_store")
def test_forecast_command_table_and_files(tmp_path: Path) -> None:
    """``waste forecast`` prints a table, or writes CSV / Parquet; a bad --out is a clean error."""
    runner = CliRunner()
    result = runner.invoke(forecast, ["--horizon", "24h"])
    assert result.exit_code == 0, result.output
    assert "fill forecast" in result.output
    assert "A" in result.output
    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"f{suffix}"
        result = runner.invoke(forecast, ["--out", str(out), "--at", "2024-03-08T00:00:00Z"])
        assert result.exit_code == 0, result.output
        frame = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
        assert set(frame["bin_id"]) == {"A", "B"}
    result = runner.invoke(forecast, ["--out", str(tmp_path / "f.xlsx")])
    assert result.exit_code != 0
    assert isinstance(result.exception, InputError)
