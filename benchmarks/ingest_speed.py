"""Bulk ingest speed: one million CSV readings into SQLite (and PostgreSQL where a server answers).

Each run is set against a baseline measured in the same process on the same file, since these machines are noisy:
``pandas.read_csv`` + ``DataFrame.to_sql`` into SQLite, with no validation at all, which is what a first attempt
at "load the CSV into the database" looks like. Our ingest validates every row (bins, times, ranges, duplicates,
clock) and skips rows already stored, so matching the baseline's speed is the aim.

Usage::

    python benchmarks/ingest_speed.py [--rows 1000000] [--bins 5000] [--postgres URL]

Writes ``benchmarks/results/ingest_speed.csv`` and ``.md``.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from waste.ingest import ingest_file
from waste.store import Store, open_store

RESULTS = Path(__file__).parent / "results"


def make_bins(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """A city of ``n`` plain bins: enough for validation to look up, nothing more."""
    return pd.DataFrame(
        {
            "bin_id": [f"BIN-{i:06d}" for i in range(n)],
            "lat": 39.29 + rng.normal(0, 0.03, n),
            "lon": -76.61 + rng.normal(0, 0.03, n),
            "stream": "general",
            "capacity_l": 240.0,
            "kind": "litter",
            "compaction_ratio": 1.0,
            "depth_mm": 1000.0,
            "service_s": 60.0,
            "tw_start": None,
            "tw_end": None,
            "area": "residential",
            "density_kg_m3": 90.0,
            "device_id": [f"dev-{i:06d}" for i in range(n)],
            "dev_eui": [f"{i:016X}" for i in range(n)],
        }
    )


def write_readings(path: Path, bins: pd.DataFrame, rows: int, rng: np.random.Generator) -> None:
    """``rows`` hourly readings spread over the bins, sorted by bin then time, as a sensor export would be."""
    per_bin = int(np.ceil(rows / len(bins)))
    ids = np.repeat(bins["bin_id"].to_numpy(), per_bin)[:rows]
    hours = np.tile(np.arange(per_bin), len(bins))[:rows]
    start = pd.Timestamp("2026-06-01T00:00:00Z")
    ts = (start + pd.to_timedelta(hours * 3600 + rng.integers(0, 600, rows), unit="s")).strftime("%Y-%m-%dT%H:%M:%SZ")
    frame = pd.DataFrame(
        {
            "bin_id": ids,
            "ts": ts,
            "fill_pct": rng.integers(0, 101, rows),
            "battery_v": np.round(rng.uniform(3.3, 3.7, rows), 2),
            "temperature_c": rng.integers(-5, 35, rows),
        }
    )
    frame.to_csv(path, index=False)


def baseline_to_sql(path: Path, folder: Path) -> float:
    """Seconds for pandas read_csv + to_sql into a fresh SQLite file, no validation."""
    started = time.perf_counter()
    frame = pd.read_csv(path)
    with sqlite3.connect(folder / f"baseline-{uuid.uuid4().hex}.sqlite") as conn:
        frame.to_sql("readings", conn, index=False, chunksize=100_000)
    return time.perf_counter() - started


def timed_ingest(store: Store, bins: pd.DataFrame, path: Path) -> tuple[float, int]:
    """Seconds for our validated ingest into ``store``, and rows stored."""
    store.replace_city("bench", _empty_sites(), bins, _fleet())
    started = time.perf_counter()
    report = ingest_file(store, path, now=pd.Timestamp("2026-11-25T00:00:00Z"))
    return time.perf_counter() - started, report.stored


def _fleet() -> pd.DataFrame:
    return pd.DataFrame(columns=["vehicle_type"])


def _empty_sites() -> pd.DataFrame:
    return pd.DataFrame(columns=["site_id"])


def main() -> None:
    """Run the benchmark and write its tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bins", type=int, default=5_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    bins = make_bins(args.bins, rng)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "readings.csv"
        write_readings(path, bins, args.rows, rng)
        print(f"{args.rows:,} readings, {path.stat().st_size / 1e6:.0f} MB CSV, {args.bins:,} bins")
        base_s = baseline_to_sql(path, folder)
        rows.append(("pandas read_csv + to_sql (no validation), SQLite", base_s, args.rows))
        sqlite_store = open_store(f"sqlite:///{folder / 'waste.sqlite'}")
        seconds, stored = timed_ingest(sqlite_store, bins, path)
        assert stored == args.rows, f"stored {stored} of {args.rows}"
        rows.append(("waste ingest (validated), SQLite", seconds, stored))
        again, stored_again = timed_ingest(sqlite_store, bins, path)
        rows.append(("waste ingest of the same file again (all already stored), SQLite", again, args.rows))
        assert stored_again == 0
        pg = _postgres_store(args.postgres)
        if pg is not None:
            store, drop = pg
            try:
                seconds, stored = timed_ingest(store, bins, path)
                rows.append(("waste ingest (validated), PostgreSQL", seconds, stored))
            finally:
                drop()
        else:
            print("PostgreSQL: no server answers; skipped")
    table = pd.DataFrame(rows, columns=["run", "seconds", "rows"])
    table["rows_per_s"] = (table["rows"] / table["seconds"]).round(0)
    table["speed_vs_baseline"] = (base_s / table["seconds"]).round(2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.to_csv(RESULTS / "ingest_speed.csv", index=False)
    (RESULTS / "ingest_speed.md").write_text(
        f"# Ingest speed ({args.rows:,} CSV readings, {args.bins:,} bins)\n\n"
        + table.to_markdown(index=False, floatfmt=",.2f")
        + "\n\nspeed_vs_baseline > 1 is faster than the baseline run in the same process.\n"
    )
    print(table.to_string(index=False))


def _postgres_store(url: str) -> tuple[Store, object] | None:
    import sqlalchemy as sa

    try:
        admin = sa.create_engine(url)
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except (ImportError, sa.exc.OperationalError) as exc:
        print(f"PostgreSQL unavailable: {exc.__class__.__name__}")
        return None
    store = open_store(f"{url}?options=-csearch_path%3D{schema}")

    def drop() -> None:
        store.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))

    return store, drop


if __name__ == "__main__":
    main()
