"""Forecasts over a Dask cluster: the bins split by groups of similar bins, the same numbers as a local run.

How pooling survives the split. The model borrows from other bins in two ways only (see
:mod:`waste.forecasting.base`): per-group sums (a group's fill rate, its weekday and hour-of-day profile, its error
quantiles) and all-bins quantities (the rate every group is pooled toward, the error quantiles every group is
shrunk toward). So:

* each partition holds **whole groups** (bins of the same stream and area type by default, numbered over all
  bins before the split), so every per-group quantity is computed from exactly the bins a local run would use;
* the all-bins quantities are built from **additive** pieces: each partition returns its per-group sums
  (:meth:`~waste.forecasting.base.FillModel.pooled_stats`) and its histogram of calibration errors (integer
  counts, errors rounded to 0.01 points); the client adds them up and sends the totals back.

Three rounds of tasks, one per stage of :class:`waste.forecast.Part`: clean and pack, then fit with the pooled sums,
then calibrate with the summed histogram and forecast. Each partition's readings travel to a worker once; the
pooled sums and the histogram (a few hundred kB) travel back and forth. Partitions are balanced by number of
readings (largest group first onto the lightest partition); a group larger than a fair share stays whole.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from waste.forecasting.base import FillModel
from waste.forecasting.panel import bin_groups

if TYPE_CHECKING:
    from waste.forecast import ForecastConfig


def assign_partitions(group: np.ndarray, weight: np.ndarray, n_parts: int) -> np.ndarray:
    """Partition of each group: whole groups, heaviest first onto the lightest partition.

    Parameters
    ----------
    group
        Per bin: its group index.
    weight
        Per bin: its cost (readings).
    n_parts
        Number of partitions wanted (fewer are used when there are fewer groups).

    Returns
    -------
    numpy.ndarray
        Per group (0..max(group)): its partition.
    """
    n_groups = int(group.max()) + 1 if group.size else 0
    load = np.bincount(group, weights=weight, minlength=n_groups) + 1.0  # +1: bins without readings cost a bit
    part_of = np.zeros(n_groups, dtype=np.int64)
    totals = np.zeros(max(1, min(n_parts, n_groups)))
    for g in np.argsort(-load, kind="stable"):  # loop over groups (tens), never over bins
        k = int(np.argmin(totals))
        part_of[g] = k
        totals[k] += load[g]
    return part_of


def _client(scheduler: str | Any) -> tuple[Any, bool]:
    """A ``distributed.Client`` for an address (owned: closed afterwards) or the client given."""
    try:
        from distributed import Client
    except ImportError as exc:  # the optional extra
        from waste.errors import ConfigError

        msg = "--scheduler needs Dask: pip install 'waste-optimiser[dask]'"
        raise ConfigError(msg) from exc
    if isinstance(scheduler, Client):
        return scheduler, False
    return Client(scheduler), True


def _sum(items: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Per-group sums of all partitions: each group is non-zero in one partition only, so the sum is exact."""
    return {k: np.sum([d[k] for d in items], axis=0) for k in items[0]}


def run_partitioned(
    window: pd.DataFrame,
    bins: pd.DataFrame | None,
    at_h: float,
    config: ForecastConfig,
    factory: Callable[[], FillModel],
    scheduler: str | Any,
    partitions: int | None = None,
) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Forecast tables and emptyings of every partition (see the module docstring); called by ``run_forecast``.

    Raises
    ------
    waste.errors.ConfigError
        When Dask is not installed.
    """
    from waste.forecast import Part, bin_ids_of

    client, owned = _client(scheduler)
    try:
        ids = bin_ids_of(window, bins)
        groups = bin_groups(ids, bins, config.group_columns)
        group = pd.Series(groups).reindex(ids).to_numpy(np.int64)
        n_groups = int(group.max()) + 1 if group.size else 1
        counts = window["bin_id"].astype(str).value_counts().reindex(ids, fill_value=0).to_numpy(dtype=float)
        n_parts = partitions or 2 * max(1, len(client.scheduler_info().get("workers", {})))
        part_of_bin = assign_partitions(group, counts, n_parts)[group]
        id_index = pd.Index(ids)
        read_part = part_of_bin[id_index.get_indexer(window["bin_id"].astype(str))]
        bin_part = part_of_bin[id_index.get_indexer(bins["bin_id"].astype(str))] if bins is not None else None
        built = []
        for k in np.unique(part_of_bin):  # loop over partitions
            sub_bins = bins[bin_part == k] if bins is not None else None
            sub = client.scatter(window[read_part == k])
            built.append(client.submit(Part.build, sub, sub_bins, at_h, config, factory(), groups, n_groups))
        pooled = _sum(client.gather([client.submit(Part.stats, p) for p in built]))
        fitted = [client.submit(Part.fit_local, p, pooled) for p in built]
        hists = client.gather([client.submit(operator.getitem, f, 1) for f in fitted])
        histogram = np.sum(hists, axis=0)
        parts = [client.submit(operator.getitem, f, 0) for f in fitted]
        done = client.gather([client.submit(Part.finish, p, histogram) for p in parts])
    finally:
        if owned:
            client.close()
    return [d[0] for d in done], [d[1] for d in done]
