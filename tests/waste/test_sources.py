"""Readers of the foreign fill-level logs: conversion to the long format and clear errors for bad input."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from waste.errors import InputError
from waste.sources import load_source, read_edinburgh, read_prague, read_readings, read_wyndham

SHARED = Path(os.environ.get("WASTE_SHARED_DATA") or Path(__file__).resolve().parents[2].parent / "shared")
SENSOR = SHARED / "sensor_data"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_readings_long_format(tmp_path: Path) -> None:
    """The project's own CSV is read, sorted by bin and time, with UTC times and float fill."""
    path = _write(
        tmp_path / "r.csv",
        "bin_id,ts,fill_pct,battery_v\nB2,2024-01-01T02:00:00Z,20,3.6\nB1,2024-01-01T01:00:00+01:00,10,3.5\n"
        "B1,2024-01-01T03:00:00Z,,3.5\n",
    )
    data = read_readings(path)
    r = data.readings
    assert list(r["bin_id"]) == ["B1", "B2"]
    assert str(r["ts"].dtype) == "datetime64[ns, UTC]"
    assert r["ts"].iloc[0] == pd.Timestamp("2024-01-01T00:00:00Z")
    assert r["fill_pct"].tolist() == [10.0, 20.0]
    assert "battery_v" in r.columns


@pytest.mark.parametrize(
    ("body", "row", "field"),
    [
        ("B1,2024-01-01T00:00:00Z,10\nB1,2024-01-01T01:00:00Z,120\n", 3, "fill_pct"),
        ("B1,yesterday,10\n", 2, "ts"),
        ("B1,2024-01-01T00:00:00Z,full\n", 2, "fill_pct"),
    ],
)
def test_readings_errors_name_line_and_field(tmp_path: Path, body: str, row: int, field: str) -> None:
    """A bad value raises InputError with the file, the 1-based line and the field."""
    path = _write(tmp_path / "r.csv", "bin_id,ts,fill_pct\n" + body)
    with pytest.raises(InputError) as info:
        read_readings(path)
    assert info.value.row == row
    assert info.value.field == field
    assert str(path) in str(info.value)


def test_missing_column_and_unknown_format(tmp_path: Path) -> None:
    """A missing column, an unknown format and a missing file are input errors."""
    path = _write(tmp_path / "r.csv", "bin_id,fill_pct\nB1,3\n")
    with pytest.raises(InputError, match="missing column 'ts'"):
        read_readings(path)
    with pytest.raises(InputError, match="unknown format"):
        load_source(path, "excel")
    with pytest.raises(InputError, match="no such file"):
        load_source(tmp_path / "absent.csv", "readings")


def test_wyndham_levels_overflow_and_order(tmp_path: Path) -> None:
    """Levels 0-8 become %, 10 becomes 100 % with the overflow flag; rows come out in time order."""
    path = _write(
        tmp_path / "w.csv",
        "Bin ID,Fullness,fullnessThreshold,timestamp,reason\n"
        "7,10,8,03-01-2019,ALERT\n7,2,8,01-01-2019,NOT_READY\n7,6,6,02-01-2019,FULLNESS\n",
    )
    data = read_wyndham(path)
    r = data.readings
    assert r["fill_pct"].tolist() == [25.0, 75.0, 100.0]
    assert r["overflow"].tolist() == [False, False, True]
    assert r["ts"].is_monotonic_increasing
    assert data.bins["kind"].iloc[0] == "compactor"
    assert data.bins["threshold_pct"].iloc[0] == 100.0


def test_wyndham_bad_level(tmp_path: Path) -> None:
    """A level outside 0, 2, ..., 10 is rejected with its line."""
    path = _write(tmp_path / "w.csv", "Bin ID,Fullness,fullnessThreshold,timestamp,reason\n7,3,8,01-01-2019,X\n")
    with pytest.raises(InputError) as info:
        read_wyndham(path)
    assert (info.value.row, info.value.field) == (2, "Fullness")


def test_prague_reader(tmp_path: Path) -> None:
    """Prague rows become PRG-<id> bins with their material from the type code."""
    path = _write(
        tmp_path / "p.csv",
        "container_id,type_code,folder,address,measured_at_utc,fill_pct\n"
        "12,5,Data_5_papir,Somewhere 1,2024-01-01T05:00:00Z,40\n"
        "12,5,Data_5_papir,Somewhere 1,2024-01-01T02:00:00Z,30\n",
    )
    data = read_prague(path)
    assert data.readings["fill_pct"].tolist() == [30.0, 40.0]
    assert data.bins.loc[0, "bin_id"] == "PRG-12"
    assert data.bins.loc[0, "material"] == "paper"


def test_edinburgh_local_time_to_utc(tmp_path: Path) -> None:
    """Edinburgh's local collection times (BST in summer) become UTC; each collection is two readings."""
    fill = "Fill level before collection (%) [Nb 100% is actually a bin that's 80% full]"
    path = _write(
        tmp_path / "e.csv",
        f"ID,Site,Date & Time of bin collection (Europe/London),{fill},Fill level after\n"
        "1,55,2016-06-10 07:42:32,62,0\n2,55,2016-06-11 08:00:00,30,0\n",
    )
    data = read_edinburgh(path)
    assert data.collections["ts"].iloc[0] == pd.Timestamp("2016-06-10T06:42:32Z")
    assert len(data.readings) == 4
    assert data.readings["fill_pct"].tolist() == [62.0, 0.0, 30.0, 0.0]


@pytest.mark.shared
@pytest.mark.skipif(not SENSOR.is_dir(), reason="shared sensor data (../shared or WASTE_SHARED_DATA) not present")
def test_shared_logs_read() -> None:
    """The shared Prague and Wyndham logs read into the long format with plausible content."""
    prague = load_source(SENSOR / "prague_golemio" / "readings_long.csv", "prague")
    assert prague.readings["bin_id"].nunique() == len(prague.bins) > 0
    assert prague.readings["fill_pct"].between(0, 100).all()
    wyndham = load_source(SENSOR / "wyndham" / "readings_raw.csv", "wyndham")
    assert set(np.unique(wyndham.readings["fill_pct"])) <= {0.0, 25.0, 50.0, 75.0, 100.0}
    assert (wyndham.readings.groupby("bin_id")["ts"].diff().dropna() > pd.Timedelta(0)).all()
