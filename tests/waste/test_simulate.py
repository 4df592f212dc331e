"""Tests of the sample-city generator (``waste.simulate``), its parts and the ``waste simulate`` command."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from waste.cli import cli
from waste.errors import ConfigError, InputError
from waste.model import (
    AREA_TYPES,
    BIN_COLUMNS,
    BIN_KINDS,
    FLEET_COLUMNS,
    READING_COLUMNS,
    SITE_COLUMNS,
    SITE_KINDS,
    STREAMS,
    column_names,
)
from waste.paths import sample_data_root
from waste.simulate import COLLECTION_COLUMNS, FILES, SimulatedCity, simulate_city, write_city
from waste.synthetic.cities import CITIES
from waste.synthetic.fill import FillProcess
from waste.synthetic.geography import on_land

END = pd.Timestamp("2026-11-20T00:00Z")
MINIMUM_BINS = {"baltimore": 3000, "santa_cruz": 5000}


@pytest.fixture(scope="module", params=["baltimore", "santa_cruz"])
def small(request: pytest.FixtureRequest) -> SimulatedCity:
    """A small city: 150 bins over 10 days."""
    return simulate_city(request.param, bins=150, days=10, seed=7)


def _ts(col: pd.Series) -> pd.Series:
    return pd.to_datetime(col.astype(str), format="%Y-%m-%dT%H:%MZ", utc=True)


def _check_streams(values: pd.Series) -> None:
    for v in values:
        assert v, "streams must not be empty"
        assert set(v.split(";")) <= set(STREAMS)


def check_tables(sites: pd.DataFrame, bins: pd.DataFrame, fleet: pd.DataFrame, readings: pd.DataFrame) -> None:
    """The four tables have exactly the model's columns and values in range."""
    assert list(sites.columns) == column_names(SITE_COLUMNS)
    assert list(bins.columns) == column_names(BIN_COLUMNS)
    assert list(fleet.columns) == column_names(FLEET_COLUMNS)
    assert list(readings.columns) == column_names(READING_COLUMNS)

    assert sites["site_id"].is_unique
    assert set(sites["kind"]) <= set(SITE_KINDS)
    assert {"depot", "landfill"} <= set(sites["kind"])
    assert sites["source"].str.len().gt(20).all()
    _check_streams(sites["streams"])

    assert bins["bin_id"].is_unique
    assert set(bins["stream"]) == set(STREAMS)
    assert set(bins["kind"]) <= set(BIN_KINDS)
    assert set(bins["area"]) <= set(AREA_TYPES)
    assert bins["capacity_l"].between(100, 3200).all()
    litter = bins[bins["kind"] == "litter"]
    assert litter["capacity_l"].between(120, 240).all()
    compactor = bins[bins["kind"] == "compactor"]
    assert (compactor["compaction_ratio"] > 1).all()
    assert (bins.loc[bins["kind"] != "compactor", "compaction_ratio"] == 1).all()
    assert (bins["depth_mm"] > 0).all()
    assert (bins["service_s"] > 0).all()
    assert (bins["density_kg_m3"] > 0).all()
    assert bins["dev_eui"].str.fullmatch(r"[0-9A-F]{16}").all()
    assert bins["dev_eui"].is_unique
    assert bins["device_id"].is_unique
    tw = bins["tw_start"].fillna("").astype(str) != ""
    assert (tw == (bins["tw_end"].fillna("").astype(str) != "")).all()
    assert (bins.loc[tw, "tw_start"] < bins.loc[tw, "tw_end"]).all()

    assert (fleet["count"] >= 1).all()
    assert set(fleet["depot_id"]) <= set(sites.loc[sites["kind"] == "depot", "site_id"])
    assert (fleet["shift_start"] < fleet["shift_end"]).all()
    _check_streams(fleet["streams"])
    for stream in STREAMS:
        assert fleet["streams"].str.contains(stream).any(), f"no truck collects {stream}"

    assert readings["fill_pct"].between(0, 100).all()
    assert readings["distance_mm"].isna().all()
    volts = readings["battery_v"].dropna()
    assert len(volts) > 0
    assert volts.between(3.0, 3.8).all()
    temps = readings["temperature_c"].dropna()
    assert len(temps) > 0
    assert temps.between(-25, 60).all()
    assert set(readings["bin_id"].astype(str)) <= set(bins["bin_id"])


def test_tables_follow_the_schema(small: SimulatedCity) -> None:
    """Every table has exactly the columns of waste.model, and values in range."""
    check_tables(small.sites, small.bins, small.fleet, small.readings)
    assert list(small.collections.columns) == list(COLLECTION_COLUMNS)
    assert set(small.collections["kind"]) <= {"full", "partial"}


def test_same_seed_same_files(tmp_path: Path) -> None:
    """Two runs with the same settings write byte-identical files; another seed writes different ones."""
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        write_city(simulate_city("santa_cruz", bins=60, days=4, seed=seed), tmp_path / name)
    for f in FILES:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    assert (tmp_path / "a" / "readings.csv.gz").read_bytes() != (tmp_path / "c" / "readings.csv.gz").read_bytes()


def test_written_files_read_back(tmp_path: Path) -> None:
    """The CSV files read back into the same tables (the in-memory ts is the written ISO string)."""
    sim = simulate_city("baltimore", bins=40, days=3, seed=1)
    write_city(sim, tmp_path)
    readings = pd.read_csv(tmp_path / "readings.csv.gz")
    assert len(readings) == len(sim.readings)
    assert readings["ts"].tolist() == sim.readings["ts"].astype(str).tolist()
    assert readings["ts"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ").all()
    bins = pd.read_csv(tmp_path / "bins.csv", keep_default_na=False)
    assert bins["bin_id"].tolist() == sim.bins["bin_id"].tolist()
    toml = tomllib.loads((tmp_path / "city.toml").read_text())
    assert toml["timezone"] == "America/New_York"
    assert toml["currency"] == "USD"


def test_readings_sorted_and_cover_the_window(small: SimulatedCity) -> None:
    """Readings are sorted by bin then time, inside the window, every bin from its start to its end."""
    r = small.readings
    ts = _ts(r["ts"])
    bin_id = r["bin_id"].astype(str)
    assert (bin_id.to_numpy()[1:] >= bin_id.to_numpy()[:-1]).all()
    same = bin_id.to_numpy()[1:] == bin_id.to_numpy()[:-1]
    assert (np.diff(ts.to_numpy())[same] >= np.timedelta64(0, "s")).all()
    start = END - pd.Timedelta(days=small.days)
    assert ts.min() >= start
    assert ts.max() < END + pd.Timedelta(minutes=2)
    span = ts.groupby(bin_id).agg(["min", "max"])
    assert len(span) == len(small.bins)
    # A night without heartbeats lasts up to ~12 h (15 h with a lost uplink): each bin reports within 16 h of both ends.
    assert (span["min"] <= start + pd.Timedelta(hours=16)).all()
    assert (span["max"] >= END - pd.Timedelta(hours=16)).all()


def test_rhythm_and_artefacts(small: SimulatedCity) -> None:
    """Sensors report every few hours, with extra reports on level changes, censoring at 100 and gaps."""
    r = small.readings
    ts = _ts(r["ts"])
    gap_min = ts.groupby(r["bin_id"].astype(str)).diff().dt.total_seconds().dropna() / 60
    assert 150 <= gap_min.median() <= 190
    assert (gap_min < 60).mean() > 0.02
    assert (r["fill_pct"] == 100).mean() > 0.01
    per_bin_day = len(r) / len(small.bins) / small.days
    assert 4 <= per_bin_day <= 12


def test_truth_emptyings_line_up_with_drops(small: SimulatedCity) -> None:
    """Large true emptyings show as drops between the readings around them."""
    r = small.readings.assign(t=_ts(small.readings["ts"]), b=small.readings["bin_id"].astype(str))
    c = small.collections.assign(t=_ts(small.collections["ts"]))
    big = c[c["fill_before_pct"] - c["fill_after_pct"] >= 40]
    assert len(big) > 20
    seen = checked = 0
    groups = dict(tuple(r.groupby("b")))
    for row in big.itertuples():
        g = groups[row.bin_id]
        before = g[(g["t"] <= row.t) & (g["t"] > row.t - pd.Timedelta(hours=4))]
        after = g[(g["t"] >= row.t) & (g["t"] < row.t + pd.Timedelta(minutes=40))]
        if before.empty or after.empty:
            continue
        checked += 1
        seen += int(after["fill_pct"].iloc[0] <= before["fill_pct"].iloc[-1] - 20)
    assert checked > 10
    assert seen / checked > 0.85
    assert (small.collections["fill_after_pct"] <= small.collections["fill_before_pct"]).all()


def test_fill_process_is_vectorised_and_bounded() -> None:
    """The true fill process only rises between emptyings and empties down, never up."""
    from waste.synthetic.bins import make_bins
    from waste.synthetic.geography import locate_bins

    spec = CITIES["baltimore"]
    rng = np.random.default_rng(0)
    _, params = make_bins(spec, locate_bins(spec, 200, rng), rng)
    fill = FillProcess(params, np.random.default_rng(1))
    start = fill.level.copy()
    for step in range(144):
        fill.advance(step / 6, 2, 0, 1 / 6)
    assert (fill.level >= start).all()
    assert (fill.level <= 150).all()
    idx = np.arange(0, 200, 2)
    untouched = fill.level[1::2].copy()
    before = fill.empty(idx, np.full(len(idx), 3.0))
    assert (fill.level[idx] == np.minimum(before, 3.0)).all()
    assert (fill.level[1::2] == untouched).all()


def test_bins_stand_on_land(small: SimulatedCity) -> None:
    """Bins lie inside the city outline and outside its water."""
    assert on_land(small.spec, small.bins["lon"].to_numpy(), small.bins["lat"].to_numpy()).all()


def test_baltimore_sites_are_the_real_facilities() -> None:
    """Baltimore's sites are its yards, landfill, waste-to-energy plant and transfer station."""
    sim = simulate_city("baltimore", bins=10, days=1, seed=0)
    names = " ".join(sim.sites["name"])
    for part in ("Reedbird", "Bowleys", "Quarantine", "BRESCO", "Reisterstown"):
        assert part in names
    wte = sim.sites.set_index("kind").loc["wte"]
    assert (wte["lat"], wte["lon"]) == (39.26996, -76.63039)


def test_bad_arguments_raise_domain_errors() -> None:
    """Unknown cities and impossible sizes are user errors, not crashes."""
    with pytest.raises(ConfigError, match="atlantis"):
        simulate_city("atlantis")
    with pytest.raises(InputError, match="bins"):
        simulate_city("baltimore", bins=0)
    with pytest.raises(InputError, match="days"):
        simulate_city("baltimore", days=0)


def test_cli_writes_a_city(tmp_path: Path) -> None:
    """``waste simulate`` writes every file and prints a summary."""
    out = tmp_path / "scz"
    result = CliRunner().invoke(
        cli, ["simulate", "--city", "santa_cruz", "--bins", "30", "--days", "2", "--seed", "5", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    for f in FILES:
        assert (out / f).is_file(), f
    assert "30 bins" in result.output
    assert "readings.csv.gz" in result.output


def test_cli_reports_user_errors(tmp_path: Path) -> None:
    """A bad option ends with a one-line error and exit code 1."""
    result = CliRunner().invoke(cli, ["simulate", "--bins", "0", "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "bins" in result.output
    result = CliRunner().invoke(cli, ["simulate", "--city", "atlantis", "--out", str(tmp_path)])
    assert result.exit_code == 2


def test_cli_has_help() -> None:
    """``waste simulate --help`` documents its options."""
    result = CliRunner().invoke(cli, ["simulate", "--help"])
    assert result.exit_code == 0
    for option in ("--city", "--bins", "--days", "--seed", "--out"):
        assert option in result.output


@pytest.mark.parametrize("city", ["baltimore", "santa_cruz"])
def test_committed_sample_data(city: str) -> None:
    """The bundled sample: every file present, the schema, >= the minimum bins, >= 60 days for every bin."""
    folder = sample_data_root() / city
    for f in FILES:
        assert (folder / f).is_file(), f"missing {folder / f}"
    sites = pd.read_csv(folder / "sites.csv", keep_default_na=False)
    bins = pd.read_csv(folder / "bins.csv", keep_default_na=False)
    fleet = pd.read_csv(folder / "fleet.csv", keep_default_na=False)
    readings = pd.read_csv(folder / "readings.csv.gz", dtype={"bin_id": "category"})
    check_tables(sites, bins, fleet, readings)
    assert len(bins) >= MINIMUM_BINS[city]
    assert on_land(CITIES[city], bins["lon"].to_numpy(), bins["lat"].to_numpy()).all()
    ts = _ts(readings["ts"])
    span = ts.groupby(readings["bin_id"], observed=True).agg(["min", "max"])
    assert len(span) == len(bins)
    assert ((span["max"] - span["min"]) >= pd.Timedelta(days=60)).all()
    truth = pd.read_csv(folder / "collections_truth.csv.gz")
    assert list(truth.columns) == list(COLLECTION_COLUMNS)
    assert len(truth) > len(bins) * 10
    toml = tomllib.loads((folder / "city.toml").read_text())
    assert toml["timezone"] == CITIES[city].timezone


def test_committed_sample_data_is_small() -> None:
    """All committed sample files together stay under 20 MB."""
    root = sample_data_root()
    total = sum(p.stat().st_size for city in CITIES for p in (root / city).iterdir() if p.is_file())
    assert total < 20_000_000


@pytest.mark.parametrize("bins", [1, 10, 36])
def test_tiny_cities_can_be_drawn(bins: int) -> None:
    """A city too small to draw any background points still gets its bins."""
    assert len(simulate_city("baltimore", bins=bins, days=1).bins) == bins
