"""Emptying detection and cleaning on small hand-made series with known answers."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from waste.collections import (
    CleaningConfig,
    clean_readings,
    collection_history,
    detect_emptyings,
    match_emptyings,
)
from waste.errors import InputError

T0 = pd.Timestamp("2024-03-04T00:00:00Z")


def series(values: list[float], bin_id: str = "B1", step_h: float = 1.0) -> pd.DataFrame:
    """Readings of one bin every ``step_h`` hours from T0."""
    ts = T0 + pd.to_timedelta(np.arange(len(values)) * step_h, unit="h")
    return pd.DataFrame({"bin_id": bin_id, "ts": ts, "fill_pct": np.asarray(values, dtype=float)})


def sawtooth() -> list[float]:
    """Rise 1 %/h from 10 to 80, emptied to 2, rise again to 40."""
    return [10.0 + k for k in range(71)] + [2.0 + k for k in range(39)]


def test_planted_emptying_found() -> None:
    """One emptying, at the first reading after the drop, with the levels before and after."""
    result = clean_readings(series(sawtooth()))
    e = result.emptyings
    assert len(e) == 1
    assert e["ts"].iloc[0] == T0 + pd.Timedelta(hours=71)
    assert (e["fill_before_pct"].iloc[0], e["fill_after_pct"].iloc[0], e["kind"].iloc[0]) == (80.0, 2.0, "full")
    assert result.readings["cycle"].tolist() == [0] * 71 + [1] * 39


def test_planted_spike_cleaned_not_an_emptying() -> None:
    """A reading 40 points above its neighbours is flagged as a spike; the fall after it is no emptying."""
    values = sawtooth()
    values[30] += 40.0
    result = clean_readings(series(values))
    assert result.readings["flag"].iloc[30] == "spike"
    assert len(result.emptyings) == 1
    assert len(result.clean) == len(values) - 1


def test_dip_that_comes_back_is_not_an_emptying() -> None:
    """Two low readings followed by the old level are a dip (sensor), not a collection."""
    values = [50.0] * 10 + [5.0, 6.0] + [51.0] * 10
    result = clean_readings(series(values))
    assert result.emptyings.empty
    assert result.readings["flag"].iloc[10] == "dip"


def test_partial_emptying() -> None:
    """A fall from 90 to 40 is a partial emptying; a fall from 90 to 65 is noise."""
    partial = clean_readings(series([80.0 + k for k in range(11)] + [40.0] * 5)).emptyings
    assert partial["kind"].tolist() == ["partial"]
    noise = clean_readings(series([80.0 + k for k in range(11)] + [65.0] * 5)).emptyings
    assert noise.empty


def test_compactor_compaction_is_not_an_emptying() -> None:
    """In a solar compactor a fall that leaves it half full is the compactor pressing, not a collection."""
    readings = series([60.0, 70.0, 75.0, 50.0, 55.0, 60.0], step_h=24.0)
    bins = pd.DataFrame({"bin_id": ["B1"], "kind": ["compactor"]})
    assert clean_readings(readings, bins).emptyings.empty
    assert len(clean_readings(readings).emptyings) == 0  # 75 -> 50 is above half: noise for any bin
    emptied = series([60.0, 70.0, 75.0, 10.0, 15.0], step_h=24.0)
    assert len(clean_readings(emptied, bins).emptyings) == 1


def test_stuck_sensor_flagged() -> None:
    """A value repeated for more than two weeks is a stuck sensor: the repeats are flagged."""
    values = [10.0, 11.0] + [33.0] * 30 + [35.0]
    result = clean_readings(series(values, step_h=12.0))
    flags = result.readings["flag"].tolist()
    assert flags[2] == "ok"
    assert flags[3:32] == ["stuck"] * 29
    assert flags[-1] == "ok"


def test_duplicates_and_order() -> None:
    """Out-of-order readings are sorted; a second reading at the same time replaces the first."""
    frame = series(sawtooth()[:10])
    shuffled = pd.concat([frame.iloc[::-1], frame.iloc[[3]].assign(fill_pct=99.0)], ignore_index=True)
    result = clean_readings(shuffled)
    assert result.duplicates == 1
    assert result.readings["ts"].is_monotonic_increasing
    assert result.readings["fill_pct"].iloc[3] == 99.0


def test_bad_input() -> None:
    """Missing columns or naive times are input errors; bad settings are value errors."""
    with pytest.raises(InputError):
        clean_readings(pd.DataFrame({"bin_id": ["B"], "fill_pct": [1.0]}))
    with pytest.raises(InputError):
        clean_readings(pd.DataFrame({"bin_id": ["B"], "ts": [pd.Timestamp("2024-01-01")], "fill_pct": [1.0]}))
    with pytest.raises(ValueError, match="min_drop_pct"):
        CleaningConfig(min_drop_pct=0)


def test_history_and_matching() -> None:
    """Per-bin history counts collections; matching against the truth gives precision and recall."""
    readings = pd.concat([series(sawtooth(), "A"), series(sawtooth(), "B")], ignore_index=True)
    found = detect_emptyings(readings)
    history = collection_history(found)
    assert history["collections"].tolist() == [1, 1]
    truth = pd.DataFrame({"bin_id": ["A", "B", "B"], "ts": [T0 + pd.Timedelta(hours=70.5)] * 2 + [T0]})
    scores = match_emptyings(clean_readings(readings).emptyings, truth)
    assert scores["precision"] == 1.0
    assert scores["recall"] == pytest.approx(2 / 3)


@settings(max_examples=30, deadline=None)
@given(cycles=st.lists(st.tuples(st.floats(0.5, 5.0), st.integers(8, 40), st.floats(0.0, 8.0)), min_size=1, max_size=6))
def test_sawtooth_emptyings_all_found(cycles: list[tuple[float, int, float]]) -> None:
    """Noise-free sawtooth: every collection of a bin filled past 40 % is found, and nothing else."""
    values: list[float] = []
    planted = 0
    for rate, length, start in cycles:
        rise = [min(100.0, start + rate * k) for k in range(length)]
        if values and values[-1] >= 40.0:
            planted += 1
        elif values:
            continue
        values += rise
    result = clean_readings(series(values))
    assert len(result.emptyings) == planted


SHARED_DATA = Path(os.environ.get("WASTE_SAMPLE_DATA") or Path(__file__).resolve().parents[2] / "sample_data")


@pytest.mark.slow
@pytest.mark.parametrize("city", ["baltimore", "santa_cruz"])
def test_sample_city_emptyings_match_truth(city: str) -> None:
    """On a sample city the detector finds most true collections and few false ones."""
    folder = SHARED_DATA / city
    if not (folder / "readings.csv.gz").is_file() or not (folder / "collections_truth.csv.gz").is_file():
        pytest.skip(f"sample city {city} has no readings or collections truth yet")
    readings = pd.read_csv(folder / "readings.csv.gz", dtype={"bin_id": str}, nrows=60_000).dropna(subset=["fill_pct"])
    readings["ts"] = pd.to_datetime(readings["ts"], utc=True)
    ids = sorted(readings["bin_id"].unique())[:-1]  # the last bin may be cut short by nrows
    readings = readings[readings["bin_id"].isin(ids)]
    truth = pd.read_csv(folder / "collections_truth.csv.gz", dtype={"bin_id": str})
    truth["ts"] = pd.to_datetime(truth["ts"], utc=True)
    truth = truth[truth["bin_id"].isin(ids) & (truth["fill_before_pct"] - truth["fill_after_pct"] >= 20)]
    bins = pd.read_csv(folder / "bins.csv", dtype={"bin_id": str}) if (folder / "bins.csv").is_file() else None
    scores = match_emptyings(clean_readings(readings, bins).emptyings, truth)
    assert scores["precision"] > 0.8
    assert scores["recall"] > 0.7


def test_cleaning_in_chunks_gives_the_same_answer() -> None:
    """Cleaning chunk by chunk of whole bins equals cleaning all at once; compaction drops flagged readings."""
    from waste.forecasting.cleaning import clean_arrays, compact

    rng = np.random.default_rng(7)
    n_bins, n_h = 40, 24 * 30
    rate = rng.uniform(0.3, 2.0, n_bins)
    x = np.mod(rate[:, None] * np.arange(n_h)[None, :], 85.0) + rng.normal(0.0, 1.5, (n_bins, n_h))
    x[rng.random(x.shape) < 0.005] += 40.0  # spikes
    x[3, 100:500] = 42.0  # a stuck sensor
    x = np.clip(x, 0.0, 100.0).ravel()
    t = np.tile(np.arange(n_h, dtype=float), n_bins)
    code = np.repeat(np.arange(n_bins), n_h)
    whole = clean_arrays(code, t, x, np.zeros(n_bins, dtype=bool), chunk=10**9)
    parts = clean_arrays(code, t, x, np.zeros(n_bins, dtype=bool), chunk=1000)
    for name in ("flag", "cycle", "before", "after", "confirmed"):
        assert np.array_equal(getattr(whole, name), getattr(parts, name)), name
    assert (whole.flag == 3).sum() >= 300
    assert (whole.flag == 1).sum() > 0
    assert whole.after.size > 100
    keep = whole.flag == 0
    expected = (code[keep].copy(), x[keep].copy())
    kept_code, kept_x = compact(keep, code.copy(), x.copy(), chunk=777)
    assert np.array_equal(kept_code, expected[0])
    assert np.array_equal(kept_x, expected[1])
