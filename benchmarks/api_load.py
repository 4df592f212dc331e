"""Load on the readings API: batches posted from a loopback client at rising rates for 60 s, nothing lost.

A waitress server (``waste serve``'s server, 8 threads) runs in its own process on a fresh SQLite store holding
the Baltimore sample bins. The client posts batches of ``--batch`` readings to ``POST /api/readings`` from
several threads, stepping the offered rate up every ``--step`` seconds. For each step it records the readings
offered, accepted (stored) and failed, and the request latency. The sustained rate is the highest step whose
accepted rate kept up with the offered rate (at least 95 %) with no failed request. At the end the store's count
of readings must equal the count the server said it accepted: a lost reading fails the run.

The baseline, measured in the same process, is the same validation and insert called directly
(:func:`waste.ingest.ingest_records`) on the same batches with no HTTP: the ratio says what the web layer costs.

    python benchmarks/api_load.py [--seconds 60] [--batch 500]

Writes ``benchmarks/results/api_load.csv`` and ``api_load.md``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import socket
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from waste.ingest import ingest_records
from waste.load import load_sample_city
from waste.settings import Settings
from waste.store import open_store
from waste.validate import BinLookup

RESULTS = Path(__file__).resolve().parent / "results"
TOKEN = "load-test"
#: Offered rates (readings/s), one step each.
RATES = (1000, 2000, 4000, 8000, 12000, 16000, 24000, 32000)


def _serve(db_url: str, port: int) -> None:
    import logging

    import waitress

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # a queued request is the point of the test

    from web.app import create_app

    app = create_app(Settings(database_url=db_url, api_token=TOKEN))
    waitress.serve(app, host="127.0.0.1", port=port, threads=8, ident="waste", _quiet=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Readings:
    """Distinct readings (bin, second) for the bins of the store, handed out in batches across threads."""

    def __init__(self, bin_ids: list[str], start: pd.Timestamp, seed: int = 0) -> None:
        self.bin_ids = bin_ids
        self.start_s = int(start.timestamp())
        self.next = 0
        self.lock = threading.Lock()
        self.rng = np.random.default_rng(seed)

    def batch(self, size: int) -> list[dict]:
        """The next ``size`` readings, none repeated across calls or threads."""
        with self.lock:
            first = self.next
            self.next += size
            fills = self.rng.uniform(0, 100, size).round(1)
        n = len(self.bin_ids)
        return [
            {
                "bin_id": self.bin_ids[i % n],
                "ts": self.start_s + (i // n) * 60,  # one reading a minute per bin: distinct keys
                "fill_pct": float(fills[i - first]),
            }
            for i in range(first, first + size)
        ]


def _post(conn: http.client.HTTPConnection, body: bytes) -> tuple[int, dict]:
    conn.request(
        "POST",
        "/api/readings",
        body=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def _step(port: int, source: Readings, rate: float, seconds: float, batch: int, threads: int) -> dict:
    """Offer ``rate`` readings/s for ``seconds``; return what was offered, accepted, failed, and latencies."""
    interval = batch / rate * threads  # each thread sends one batch per interval
    stats = {"offered": 0, "accepted": 0, "failed_requests": 0, "latencies": []}
    lock = threading.Lock()
    end = time.perf_counter() + seconds

    def worker(offset: float) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        due = time.perf_counter() + offset
        while True:
            now = time.perf_counter()
            if now >= end:
                break
            if now < due:
                time.sleep(min(due - now, end - now))
                continue
            body = json.dumps(source.batch(batch)).encode()
            started = time.perf_counter()
            try:
                status, answer = _post(conn, body)
            except (OSError, http.client.HTTPException):
                status, answer = 0, {}
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            took = time.perf_counter() - started
            with lock:
                stats["offered"] += batch
                stats["latencies"].append(took)
                if status == 200:
                    stats["accepted"] += answer["accepted"]
                else:
                    stats["failed_requests"] += 1
            due += interval
        conn.close()

    workers = [threading.Thread(target=worker, args=(i * interval / threads,)) for i in range(threads)]
    clock = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - clock
    lat = np.array(stats["latencies"]) * 1000 if stats["latencies"] else np.array([np.nan])
    return {
        "offered_per_s": rate,
        "seconds": round(elapsed, 1),
        "offered": stats["offered"],
        "accepted": stats["accepted"],
        "accepted_per_s": round(stats["accepted"] / elapsed, 0),
        "failed_requests": stats["failed_requests"],
        "latency_p50_ms": round(float(np.percentile(lat, 50)), 1),
        "latency_p95_ms": round(float(np.percentile(lat, 95)), 1),
    }


def _baseline(db_url: str, batches: int, size: int, bin_ids: list[str], start: pd.Timestamp) -> float:
    """Readings/s of the same validation and insert called directly, no HTTP."""
    store = open_store(db_url)
    lookup = BinLookup.from_bins(store.bins())
    source = Readings(bin_ids, start, seed=1)
    clock = time.perf_counter()
    done = 0
    for _ in range(batches):
        report = ingest_records(store, source.batch(size), "baseline", bins=lookup)
        done += report.stored
    rate = done / (time.perf_counter() - clock)
    store.dispose()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="total time under load (s)")
    parser.add_argument("--batch", type=int, default=500, help="readings per request")
    parser.add_argument("--threads", type=int, default=8, help="client threads")
    args = parser.parse_args()
    step_s = args.seconds / len(RATES)

    with tempfile.TemporaryDirectory(prefix="waste-load-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'waste.sqlite'}"
        store = open_store(db_url)
        load_sample_city(store, "baltimore")
        bin_ids = store.bins()["bin_id"].tolist()
        store.dispose()
        start = pd.Timestamp.now(tz="UTC").normalize() - pd.Timedelta(days=300)

        base_url = f"sqlite:///{Path(tmp) / 'baseline.sqlite'}"
        base_store = open_store(base_url)
        load_sample_city(base_store, "baltimore")
        base_store.dispose()
        baseline = _baseline(base_url, 40, args.batch, bin_ids, start)
        print(f"baseline (direct ingest_records, batch {args.batch}): {baseline:,.0f} readings/s")

        port = _free_port()
        server = mp.get_context("spawn").Process(target=_serve, args=(db_url, port), daemon=True)
        server.start()
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        source = Readings(bin_ids, start)
        rows = []
        for rate in RATES:
            row = _step(port, source, rate, step_s, args.batch, args.threads)
            row["ratio_to_baseline"] = round(row["accepted_per_s"] / baseline, 2)
            rows.append(row)
            print(row)
        server.terminate()
        server.join()
        store = open_store(db_url)
        in_store = store.count_readings()
        store.dispose()

    frame = pd.DataFrame(rows)
    accepted = int(frame["accepted"].sum())
    kept_up = frame[(frame["accepted_per_s"] >= 0.95 * frame["offered_per_s"]) & (frame["failed_requests"] == 0)]
    sustained = float(kept_up["offered_per_s"].max()) if len(kept_up) else 0.0
    peak = float(frame["accepted_per_s"].max())
    lost = accepted - in_store
    RESULTS.mkdir(parents=True, exist_ok=True)
    frame.to_csv(RESULTS / "api_load.csv", index=False)
    lines = [
        "# Readings API under load",
        "",
        f"`python benchmarks/api_load.py` : {args.seconds:.0f} s in {len(RATES)} steps of {step_s:.0f} s, batches of "
        f"{args.batch} readings, {args.threads} loopback client threads, waitress with 8 threads, SQLite store, "
        "Baltimore's 3,000 bins.",
        "",
        "| offered /s | accepted /s | accepted | failed requests | p50 ms | p95 ms | ratio to direct ingest |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['offered_per_s']:,} | {r['accepted_per_s']:,.0f} | {r['accepted']:,} | {r['failed_requests']} | "
            f"{r['latency_p50_ms']} | {r['latency_p95_ms']} | {r['ratio_to_baseline']} |"
        )
    lines += [
        "",
        f"- Sustained: **{sustained:,.0f} readings/s** (highest step kept up with, no failed request); "
        f"peak accepted {peak:,.0f} readings/s.",
        f"- Direct `ingest_records` in one process (baseline): {baseline:,.0f} readings/s.",
        f"- Accepted by the API {accepted:,}; counted in the store {in_store:,}; lost {lost}.",
    ]
    (RESULTS / "api_load.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    if lost != 0:
        raise SystemExit(f"lost readings: accepted {accepted}, stored {in_store}")


if __name__ == "__main__":
    main()
