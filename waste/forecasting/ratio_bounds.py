"""How far a backtest's MAE ratio can be trusted, and how low the data let it go.

A ratio of our MAE to the best naive baseline's is measured on a handful of bins: fifteen containers in a real
log are fifteen independent series, not hundreds of independent targets, since the targets of one bin share its
fill pattern and its sensor. Two readings of a backtest's predictions answer the questions a target on that ratio
raises:

* :func:`bin_bootstrap_ratio`: a percentile interval of the ratio from resampling whole bins with replacement
  (a cluster bootstrap). The best naive baseline is picked again in every resample, as in the ratio itself;
* :func:`level_only_bound`: on a coarse sensor (a few discrete levels), the ratio of the best forecast that
  knows only the bin and its last reading, fitted on the scored targets themselves: for each bin and last level,
  the median of the observed fill. No forecaster that uses only that information can have a lower MAE on those
  targets, so a ratio target below this bound can only be met with information of another kind (the time of day,
  the age of the fill cycle, other bins). On a continuous sensor nearly every (bin, level) cell holds one target
  and the bound says nothing; it is not computed there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: A sensor reporting at most this many distinct levels counts as coarse for :func:`level_only_bound`.
COARSE_LEVELS = 12
_KEY = ["bin_id", "origin_ts", "ts", "horizon_h"]


def _abs_errors(predictions: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """Absolute error per target (rows) and model (columns), on targets every model scored."""
    p = predictions[predictions["model"].isin(models)]
    err = (p["point"] - p["observed"]).abs().rename("abs_err")
    table = pd.concat([p[[*_KEY, "model"]], err], axis=1).pivot_table(index=_KEY, columns="model", values="abs_err")
    return table.dropna()


def bin_bootstrap_ratio(
    predictions: pd.DataFrame,
    ours: str,
    naive: list[str],
    *,
    level: float = 0.9,
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Percentile interval of the MAE ratio (``ours`` over the best of ``naive``) per horizon, resampling bins.

    Parameters
    ----------
    predictions
        A backtest's predictions (``model, bin_id, origin_ts, ts, horizon_h, observed, point``).
    ours, naive
        Our model's name and the naive baselines' names (those missing from ``predictions`` are ignored).
    level
        Coverage of the interval.
    n_boot, seed
        Resamples and the seed of their generator (the interval is reproducible).

    Returns
    -------
    pandas.DataFrame
        ``horizon_h, bins, ratio_lo, ratio_hi``; NaN bounds where fewer than two bins were scored.
    """
    scored = set(predictions["model"])
    present = [m for m in naive if m in scored]
    if ours not in scored or not present:
        return pd.DataFrame(columns=["horizon_h", "bins", "ratio_lo", "ratio_hi"])
    rng = np.random.default_rng(seed)
    rows = []
    table = _abs_errors(predictions, [ours, *present]).reset_index()
    for h, g in table.groupby("horizon_h", sort=True):
        sums = g.groupby("bin_id")[[ours, *present]].sum().to_numpy()  # (bins, models): error sums per bin
        counts = g.groupby("bin_id").size().to_numpy(dtype=float)
        n = sums.shape[0]
        lo = hi = np.nan
        if n >= 2:
            # how often each bin is drawn in each resample: one matrix product gives every resample's sums
            draws = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)
            mae = (draws @ sums) / (draws @ counts)[:, None]
            best_naive = mae[:, 1:].min(axis=1)
            ratio = np.divide(mae[:, 0], best_naive, out=np.full(n_boot, np.nan), where=best_naive > 0)
            tail = (1.0 - level) / 2.0
            lo, hi = np.nanquantile(ratio, [tail, 1.0 - tail])
        rows.append({"horizon_h": h, "bins": n, "ratio_lo": float(lo), "ratio_hi": float(hi)})
    return pd.DataFrame(rows)


def level_only_bound(predictions: pd.DataFrame, naive: list[str], last_value: str = "LastValue") -> pd.DataFrame:
    """Per horizon, the lowest MAE ratio any forecast from (bin, last reading) alone reaches on these targets.

    The last reading is ``last_value``'s point forecast. For each bin and last level the median of the observed
    fill minimises the summed absolute error of that cell, so the bound is exact for the scored targets.

    Returns
    -------
    pandas.DataFrame
        ``horizon_h, levels, level_only_mae, level_only_ratio``; empty when ``last_value`` was not scored or the
        sensor is not coarse (more than :data:`COARSE_LEVELS` distinct last readings).
    """
    cols = ["horizon_h", "levels", "level_only_mae", "level_only_ratio"]
    present = [m for m in naive if m in set(predictions["model"])]
    if last_value not in present:
        return pd.DataFrame(columns=cols)
    table = _abs_errors(predictions, present)
    last = predictions[predictions["model"] == last_value].set_index(_KEY)
    last = last.loc[table.index]
    levels = last["point"].round(6)
    if levels.nunique() > COARSE_LEVELS:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame({"level": levels.to_numpy(), "observed": last["observed"].to_numpy()}, index=last.index)
    frame = frame.reset_index()
    median = frame.groupby(["horizon_h", "bin_id", "level"])["observed"].transform("median")
    frame["oracle_err"] = (median - frame["observed"]).abs()
    rows = []
    naive_mae = table.groupby(level="horizon_h").mean()
    for h, g in frame.groupby("horizon_h", sort=True):
        best = float(naive_mae.loc[h].min())
        mae = float(g["oracle_err"].mean())
        rows.append(
            {
                "horizon_h": h,
                "levels": int(g["level"].nunique()),
                "level_only_mae": mae,
                "level_only_ratio": mae / best if best > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)
