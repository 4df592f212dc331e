"""How long the fill forecast takes for a large city: 100,000 bins with 60 days of hourly readings.

Generates the readings with NumPy (a sawtooth per bin: its own rate, a day/night profile, noise of 1.5 points,
emptied at 85 %, 0.1 % spikes) straight into the flat arrays the forecaster works on, sorted by bin and time as
the store returns them. Then times, in one process:

* **clean**: spikes, dips, emptyings and stuck sensors, the flagged readings dropped in place
  (:func:`waste.forecasting.cleaning.clean_compact`), and the panel of clean readings;
* **fit**: :class:`~waste.forecasting.fillrate.FillRateModel` (rates, profiles, pooling, interval calibration);
* **forecast**: every bin's fill at +24 h with its interval, P(full by +24 h) and hours to full;
* the global model (:class:`~waste.forecasting.gbm.GlobalBoostedModel`, with the ``forecast`` extra) is trained
  weekly, not daily: its training on ``--train-bins`` bins is timed apart, and the daily run forecasts with it;

against baselines run in the same process: the same pipeline with the ``LastValue`` model (what any forecast
costs: cleaning, calibration and the same forecasts), the same run on a tenth of the bins (how it scales) and on
one thread (what the threads of :mod:`waste.forecasting.parallel` buy; the numbers are the same). Wall time and
the process's CPU time are both reported, with the machine's load and the CPU time other work used meanwhile:
on a machine shared with other work the wall time also counts waiting for a core. Peak memory is the process's maximum
resident set size. The DataFrame entry points (``forecast_bins``) add the conversion from the store's long table,
which is not timed here.

Usage::

    python benchmarks/forecast_scale.py [--bins 100000] [--days 60] [--workers N]

Writes ``benchmarks/results/forecast_scale.{md,csv}``.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from waste.forecasting.base import FillModel
from waste.forecasting.baselines import LastValue
from waste.forecasting.cleaning import clean_compact
from waste.forecasting.fillrate import FillRateModel
from waste.forecasting.gbm import GlobalBoostedModel, lightgbm_available
from waste.forecasting.panel import Panel
from waste.forecasting.parallel import resolve_workers

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
T0_H = 473_352.0  # 2024-01-01 00:00 UTC in hours since the epoch
N_GROUPS = 12  # streams x area types


def synthetic(n_bins: int, days: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Hourly readings of ``n_bins`` bins: (code int32, t hours float64, fill % float64, group per bin)."""
    rng = np.random.default_rng(seed)
    n_h = days * 24
    rate = rng.uniform(0.2, 2.0, n_bins).astype(np.float32)  # % per hour, on average
    phase = rng.uniform(0.0, 80.0, n_bins).astype(np.float32)
    hours = np.arange(n_h, dtype=np.float32)
    day = np.where((hours % 24 >= 7) & (hours % 24 < 22), 1.5, 0.2).astype(np.float32)
    profile = np.cumsum(day) / day.mean()
    x = np.mod(phase[:, None] + rate[:, None] * profile[None, :], 85.0)
    x += rng.standard_normal(x.shape, dtype=np.float32) * 1.5
    spikes = rng.random(x.shape, dtype=np.float32) < 0.001
    x[spikes] += 40.0
    x = np.clip(x, 0.0, 100.0).ravel().astype(np.float64)
    t = np.broadcast_to(T0_H + np.arange(n_h, dtype=np.float64), (n_bins, n_h)).ravel()
    code = np.repeat(np.arange(n_bins, dtype=np.int32), n_h)
    return code, t, x, rng.integers(0, N_GROUPS, n_bins)


def clean_panel(code: np.ndarray, t: np.ndarray, x: np.ndarray, group: np.ndarray, workers: int | None = None) -> Panel:
    """Clean the readings and pack the clean ones into a panel."""
    n_bins = group.size
    # drop the flagged readings in place as each chunk is cleaned: no second copy of the panel
    c, t, x, cycle = clean_compact(code, t, x, np.zeros(n_bins, dtype=bool), workers=workers)
    return Panel(
        bin_ids=np.char.add("B", np.arange(n_bins).astype(str)),
        indptr=np.searchsorted(c, np.arange(n_bins + 1, dtype=c.dtype)).astype(np.int64),  # same dtype: no copy of c
        code=c,
        t=t,
        x=x,
        cycle=cycle,
        group=group,
        litres_per_pct=np.full(n_bins, 2.4),
        threshold_pct=np.full(n_bins, 100.0),
    )


def forecast(model: FillModel, horizon_h: float = 24.0) -> np.ndarray:
    """Fill at +horizon with its interval, P(full by then), and hours to full (ours) for every bin."""
    p = model.panel_
    origin = p.indptr[1:] - 1
    at = p.t[origin]
    _, q = model.forecast_at(origin, at + horizon_h)
    prob = model.prob_reach(origin, at + horizon_h, p.threshold_pct)
    if hasattr(model, "hours_to_reach"):
        model.hours_to_reach(origin, at, p.threshold_pct)
    return np.column_stack([q, prob])


def run(
    n_bins: int, days: int, factory: Callable[[], FillModel], workers: int | None = None, train_bins: int = 0
) -> dict[str, float]:
    """Time clean, fit and forecast; a global model is trained first on ``train_bins`` bins, timed apart."""
    code, t, x, group = synthetic(n_bins, days)
    threads = resolve_workers(workers)
    timings: dict[str, float] = {"bins": n_bins, "readings": code.size, "threads": threads, "train_s": 0.0}
    trained = None
    if train_bins:
        # the weekly training, apart from the daily run: on a sample of bins, the same panel code cleans them
        stop = int(np.searchsorted(code, train_bins))
        mark = time.perf_counter()
        sample = clean_panel(code[:stop], t[:stop], x[:stop], group[:train_bins], threads)
        trained = factory()
        trained.config = replace(trained.config, threads=threads)
        trained.fit(sample)
        timings["train_s"] = time.perf_counter() - mark
        del sample
    timings["load_1min"] = os.getloadavg()[0]
    busy = machine_busy_s()
    start, cpu = time.perf_counter(), time.process_time()
    panel = clean_panel(code, t, x, group, threads)
    del code, t, x
    timings["clean_s"] = time.perf_counter() - start
    mark = time.perf_counter()
    if trained is not None:
        model = trained.reuse(panel)  # forecasting with the week's training: no fit on the day's panel
    else:
        model = factory()
        model.workers = threads
        model = model.fit(panel)
    timings["fit_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    forecast(model)
    timings["forecast_s"] = time.perf_counter() - mark
    timings["total_s"] = time.perf_counter() - start
    # CPU time of the process: what the run costs when other work shares the machine's cores
    timings["cpu_s"] = time.process_time() - cpu
    # what the rest of the machine used meanwhile (other processes, the hypervisor): cores this run did not get
    timings["other_cpu_s"] = max(machine_busy_s() - busy - timings["cpu_s"], 0.0)
    return timings


def machine_busy_s() -> float:
    """CPU seconds every process on the machine has used since boot (Linux ``/proc/stat``; NaN elsewhere)."""
    try:
        ticks = [int(v) for v in Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return float("nan")
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and waiting for I/O


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bins", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--workers", type=int, default=None, help="threads (default: every core this process may use)")
    parser.add_argument("--train-bins", type=int, default=2000, help="bins the global model is trained on")
    parser.add_argument("--no-global", action="store_true", help="leave out the global model")
    args = parser.parse_args()
    rows = []
    runs: list[tuple[str, int, Callable[[], FillModel], int | None, int]] = [
        ("FillRate, a tenth of the bins", args.bins // 10, FillRateModel, args.workers, 0),
        ("LastValue (baseline)", args.bins, LastValue, args.workers, 0),
        ("FillRate, one thread", args.bins, FillRateModel, 1, 0),
    ]
    if lightgbm_available() and not args.no_global:
        runs.append(
            (
                f"GlobalGBM (trained on {args.train_bins:,} bins)",
                args.bins,
                GlobalBoostedModel,
                args.workers,
                args.train_bins,
            )
        )
    runs.append(("FillRate", args.bins, FillRateModel, args.workers, 0))
    for label, n, factory, workers, train_bins in runs:
        row = {"run": label, **run(n, args.days, factory, workers, train_bins)}
        row["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        print({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
        rows.append(row)
    table = pd.DataFrame(rows)
    ours = table.iloc[-1]["total_s"]
    table["ratio_to_ours"] = table["total_s"] / ours
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.to_csv(RESULTS / "forecast_scale.csv", index=False, float_format="%.3f")
    lines = [
        "# Forecast at scale: clean + fit + forecast, one process",
        "",
        f"{args.bins:,} bins x {args.days * 24:,} hourly readings ({args.bins * args.days * 24 / 1e6:.0f} M), "
        f"`python benchmarks/forecast_scale.py`, {os.cpu_count()} cores; peak RSS is cumulative over the runs (one "
        "process). Load: the 1-minute load average when the run starts (this benchmark's earlier runs included); "
        "other CPU s: CPU time the rest of the machine used during the run (other processes, the hypervisor).",
        "",
        "The global model is trained once a week, apart from the daily run: its training (on a sample of bins) is "
        "the train s column, not counted in the total; its fit s is attaching the day's panel.",
        "",
        "| run | bins | readings | threads | load | train s | clean s | fit s | forecast s | total s | CPU s "
        "| other CPU s | peak RSS GB | time / ours |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in table.itertuples(index=False):
        lines.append(
            f"| {r.run} | {r.bins:,} | {r.readings:,} | {r.threads} | {r.load_1min:.1f} | {r.train_s:.1f} "
            f"| {r.clean_s:.1f} "
            f"| {r.fit_s:.1f} | {r.forecast_s:.1f} | {r.total_s:.1f} | {r.cpu_s:.1f} | {r.other_cpu_s:.1f} "
            f"| {r.peak_rss_gb:.1f} | {r.ratio_to_ours:.2f} |"
        )
    (RESULTS / "forecast_scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
