"""Threads and chunks of bins: the forecaster's numbers do not depend on how the work is cut or run."""

from __future__ import annotations

import itertools
import os

import numpy as np
import pytest

from waste.forecasting import base, calibration
from waste.forecasting.calibration import calibrate_local, finish_calibration, histogram_quantiles
from waste.forecasting.cleaning import clean_arrays, clean_compact, compact
from waste.forecasting.fillrate import FillRateModel
from waste.forecasting.panel import Panel
from waste.forecasting.parallel import (
    WORKERS_ENV,
    bin_chunks,
    dask_task_threads,
    default_workers,
    iter_chunks,
    resolve_workers,
)

T0_H = 473_352.0  # 2024-01-01 00:00 UTC in hours since the epoch


def readings(n_bins: int = 60, days: int = 21, seed: int = 3) -> tuple[np.ndarray, ...]:
    """Sawtooth fills of bins read every 1 to 6 hours, with noise, spikes, a stuck sensor and empty bins."""
    rng = np.random.default_rng(seed)
    codes, ts, xs = [], [], []
    for b in range(n_bins):
        if b % 17 == 5:
            continue  # a bin without readings
        step = rng.choice([1.0, 2.0, 6.0])
        t = np.arange(0.0, days * 24.0, step) + rng.uniform(0, 0.3)
        x = np.mod(rng.uniform(5, 60) + rng.uniform(0.2, 2.0) * t, 85.0) + rng.normal(0.0, 1.5, t.size)
        x[rng.random(t.size) < 0.01] += 40.0
        if b == 7:
            x[40:200] = 42.0
        codes.append(np.full(t.size, b))
        ts.append(T0_H + t)
        xs.append(np.clip(x, 0.0, 100.0))
    return np.concatenate(codes), np.concatenate(ts), np.concatenate(xs), rng.integers(0, 4, n_bins)


def panel_of(code: np.ndarray, t: np.ndarray, x: np.ndarray, group: np.ndarray) -> Panel:
    c, t, x, cycle = clean_compact(code.copy(), t.copy(), x.copy(), np.zeros(group.size, dtype=bool))
    n = group.size
    return Panel(
        bin_ids=np.array([f"B{b:03d}" for b in range(n)]),
        indptr=np.searchsorted(c, np.arange(n + 1)).astype(np.int64),
        code=c,
        t=t,
        x=x,
        cycle=cycle,
        group=group,
        litres_per_pct=np.full(n, 2.4),
        threshold_pct=np.full(n, 100.0),
    )


def test_cleaning_is_the_same_on_any_number_of_threads() -> None:
    """Chunks cleaned side by side give the flags of one pass; cleaning with compaction keeps the same readings."""
    code, t, x, group = readings()
    whole = clean_arrays(code, t, x, np.zeros(group.size, dtype=bool), chunk=10**9, workers=1)
    assert (whole.flag > 0).sum() > 10
    for workers in (1, 3):
        parts = clean_arrays(code, t, x, np.zeros(group.size, dtype=bool), chunk=300, workers=workers)
        for name in ("flag", "cycle", "before", "after", "confirmed"):
            assert np.array_equal(getattr(whole, name), getattr(parts, name)), name
        kept = clean_compact(
            code.copy(), t.copy(), x.copy(), np.zeros(group.size, dtype=bool), chunk=300, workers=workers
        )
        expected = compact(whole.flag == 0, code.copy(), t.copy(), x.copy(), whole.cycle.copy())
        for got, want in zip(kept, expected, strict=True):
            assert np.array_equal(got, want)


def test_fit_is_the_same_on_any_number_of_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rates, calibration and forecasts do not change with the chunks or the threads, to the last bit."""
    panel = panel_of(*readings())
    one = FillRateModel()
    one.workers = 1
    one.fit(panel)
    steps = one._steps_of(panel, chunk=10**9)
    many = FillRateModel()
    many.workers = 3
    many.fit(panel)
    many._steps_cache = None
    for key, value in many._steps_of(panel, chunk=200).items():
        assert np.array_equal(value, steps[key]), key
    assert np.array_equal(one.errors_, many.errors_)
    # calibration in chunks of a few bins, with the group histogram or (many groups) the sorted errors
    whole = calibrate_local(one, panel, chunk=10**9, workers=1)
    expected = finish_calibration(panel, whole, histogram_quantiles(whole.horizon_hist), workers=1)
    assert np.array_equal(expected, one.errors_)
    for cells in (calibration._MAX_HISTOGRAM_CELLS, 0):
        monkeypatch.setattr(calibration, "_MAX_HISTOGRAM_CELLS", cells)
        parts = calibrate_local(one, panel, chunk=40, workers=3)
        assert np.array_equal(parts.q_bin, whole.q_bin, equal_nan=True)
        assert np.array_equal(parts.n_bin, whole.n_bin)
        assert np.array_equal(parts.horizon_hist, whole.horizon_hist)
        q = finish_calibration(panel, parts, histogram_quantiles(parts.horizon_hist), workers=3)
        assert np.array_equal(q, expected)
    # forecasts in chunks of pairs
    origin = np.repeat(panel.indptr[1:][panel.indptr[1:] > panel.indptr[:-1]] - 1, 5)
    target = panel.t[origin] + np.tile([1.0, 5.0, 24.0, 60.0, 200.0], origin.size // 5)
    point, q = one.forecast_at(origin, target, monotone=True)
    monkeypatch.setattr(base, "_FORECAST_CHUNK", 7)
    for model in (one, many):
        got_point, got_q = model.forecast_at(origin, target, monotone=True)
        assert np.array_equal(got_point, point)
        assert np.array_equal(got_q, q)
    assert np.array_equal(panel.median_step_h(workers=3), panel.median_step_h(workers=1), equal_nan=True)


def test_chunks_of_whole_bins() -> None:
    """Chunks cover every bin once, in order, each about the size asked (a bigger bin alone)."""
    indptr = np.r_[0, np.cumsum([5, 0, 3, 40, 2, 2, 0, 9, 1])]
    chunks = bin_chunks(indptr, 8)
    assert chunks[0][0] == 0
    assert chunks[-1][1] == indptr.size - 1
    assert all(a[1] == b[0] for a, b in itertools.pairwise(chunks))
    assert all(b0 < b1 for b0, b1 in chunks)
    assert bin_chunks(np.zeros(1, dtype=np.int64), 8) == []


def test_results_come_in_order_and_workers_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Results keep the order of the items; the default follows WASTE_WORKERS, bad settings are refused."""
    assert list(iter_chunks(lambda k: k * k, range(50), workers=4)) == [k * k for k in range(50)]
    with pytest.raises(ValueError, match="workers"):
        resolve_workers(0)
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert default_workers() == 3
    assert resolve_workers(None) == 3
    monkeypatch.setenv(WORKERS_ENV, "many")
    with pytest.raises(ValueError, match=WORKERS_ENV):
        default_workers()
    monkeypatch.delenv(WORKERS_ENV)
    assert default_workers() >= 1


def test_threads_are_shared_among_a_dask_workers_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside a Dask worker with k task threads, each task's default is the cores divided by k (at least 1)."""
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(8)), raising=False)
    assert dask_task_threads() == 1
    assert default_workers() == 8
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=4, processes=False, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert client.submit(dask_task_threads, pure=False).result() == 4
        assert client.submit(default_workers, pure=False).result() == 2
