"""The bins' true fill levels during an operations simulation, and the ledger of where every litre of waste went.

The fill process is the sample generator's (:class:`waste.synthetic.fill.FillProcess`), so bins fill here as they
did in the sample data: by local hour and weekday of their area, busy days in runs, lumps. Each bin's hidden mean
rate comes from the same calibrated distributions (kind, area, stream of the bin table, the city's rate factor), so
any city laid out in the project's bin format can be simulated, not only the two samples.

One difference from the generator: a bin holds at most 100 %. Waste thrown in beyond that lands beside the bin and
is counted as *overflowed* (litres not collected in time): a collection round does not pick it up (street cleaning
does, at its own cost). That keeps the ledger exact::

    waste in bins at the start + waste generated = collected + still in bins + overflowed
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from waste.model import AREA_TYPES, BIN_KINDS, STREAMS
from waste.synthetic import calibration as cal
from waste.synthetic.bins import AREA_RATE, MIXES, STREAM_RATE, BinParams
from waste.synthetic.fill import FillProcess

#: Share of recycling containers that take glass (slow), as in the sample generator.
GLASS_SHARE = 0.30


def _minutes(value: object) -> int:
    """Minutes after midnight of an ``HH:MM`` window bound; -1 where the bin has no window."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return -1
    text = str(value).strip()
    if not text or text.lower() == "nan":
        return -1
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def bin_params_from_table(bins: pd.DataFrame, city_key: str, rng: np.random.Generator) -> BinParams:
    """Hidden fill parameters of a bin table's bins (:data:`waste.model.BIN_COLUMNS`), drawn as the generator does.

    Parameters
    ----------
    bins
        The city's bins; ``kind``, ``area`` and ``stream`` choose each bin's mean rate.
    city_key
        Selects the city's rate factor (1.2 for Santa Cruz); an unknown city gets 1.
    rng
        Draws the between-bin spread of rates and which recycling containers take glass.
    """
    kind = bins["kind"].astype(str).to_numpy()
    area = bins["area"].astype(str).to_numpy()
    stream = bins["stream"].astype(str).to_numpy()
    n = len(bins)
    factor = MIXES[city_key].rate_factor if city_key in MIXES else 1.0
    base = np.select([kind == "litter", kind == "compactor"], [cal.LITTER_RATE, cal.COMPACTOR_RATE], cal.CONTAINER_RATE)
    area_f = np.array([AREA_RATE.get(k, AREA_RATE["container"]).get(a, 1.0) for k, a in zip(kind, area, strict=True)])
    stream_f = np.array([STREAM_RATE.get(s, 1.0) for s in stream])
    spread = rng.lognormal(0.0, cal.BETWEEN_BIN_LOG_SD, n)
    glass = (kind == "container") & (stream == "recycling") & (rng.random(n) < GLASS_SHARE)
    rate = np.where(glass, cal.GLASS_RATE * spread, base * area_f * stream_f * factor * spread)
    window = np.array([[_minutes(s), _minutes(e)] for s, e in zip(bins["tw_start"], bins["tw_end"], strict=True)])
    return BinParams(
        rate_pct_day=np.minimum(rate, cal.MAX_RATE_PCT_DAY),
        area_idx=np.array([AREA_TYPES.index(a) if a in AREA_TYPES else 0 for a in area], dtype=np.int8),
        kind_idx=np.array([BIN_KINDS.index(k) if k in BIN_KINDS else 0 for k in kind], dtype=np.int8),
        stream_idx=np.array([STREAMS.index(s) if s in STREAMS else 0 for s in stream], dtype=np.int8),
        event_share=np.where(kind == "container", 0.25, 0.10),
        jump_pct=np.where(kind == "container", 8.0, 12.0),
        window_min=window.reshape(n, 2).astype(np.int32),
    )


class GroundTruth:
    """True levels of a city's bins and the ledger of their waste, in loose litres.

    Parameters
    ----------
    bins
        The bin table; ``capacity_l`` and ``compaction_ratio`` turn percent into loose litres.
    params
        Hidden fill parameters (see :func:`bin_params_from_table`).
    rng
        The fill process's own generator: its draws do not depend on the levels, so every policy run with the same
        seed sees exactly the same waste thrown in.

    Attributes
    ----------
    litres_per_pct
        Loose litres per percent of each bin.
    generated_l, collected_l, overflowed_l
        Litres thrown in, collected by trucks, and left beside a full bin, per bin, since :meth:`open_ledger`.
    overflow_events, overflow_bin_h
        Times a bin became full, and hours it spent full, per bin, since :meth:`open_ledger`.
    """

    def __init__(self, bins: pd.DataFrame, params: BinParams, rng: np.random.Generator) -> None:
        self.fill = FillProcess(params, rng)
        self.litres_per_pct = (
            bins["capacity_l"].to_numpy(dtype=float) * bins["compaction_ratio"].to_numpy(dtype=float) / 100.0
        )
        self.full = self.fill.level >= 100.0
        self.open_ledger()

    @property
    def level(self) -> np.ndarray:
        """Current true level of each bin (%), 0-100."""
        return self.fill.level

    def open_ledger(self) -> None:
        """Start counting from now: the waste in the bins now is the opening stock."""
        n = len(self.litres_per_pct)
        self.opening_l = self.level * self.litres_per_pct
        self.generated_l = np.zeros(n)
        self.collected_l = np.zeros(n)
        self.overflowed_l = np.zeros(n)
        self.overflow_events = np.zeros(n, dtype=np.int64)
        self.overflow_bin_h = np.zeros(n)

    def advance(self, hour: float, weekday: int, day: int, dt_h: float) -> None:
        """Let one step of waste be thrown in; what a full bin cannot hold overflows."""
        before = self.fill.level.copy()
        added = self.fill.advance(hour, weekday, day, dt_h)
        raw = before + added
        excess = np.maximum(raw - 100.0, 0.0)
        self.fill.level = np.minimum(raw, 100.0)
        full = raw >= 100.0
        self.generated_l += added * self.litres_per_pct
        self.overflowed_l += excess * self.litres_per_pct
        self.overflow_events += full & ~self.full
        self.overflow_bin_h += full * dt_h
        self.full = full

    def empty(self, idx: np.ndarray, residue_pct: np.ndarray) -> np.ndarray:
        """Empty bins ``idx`` down to ``residue_pct`` (never up); returns their levels before (%)."""
        before = self.fill.empty(idx, residue_pct)
        self.collected_l[idx] += (before - self.fill.level[idx]) * self.litres_per_pct[idx]
        self.full[idx] = False
        return before

    def balance_l(self) -> float:
        """Opening stock plus generated minus collected, still in bins and overflowed (L): zero up to rounding."""
        in_bins = self.level * self.litres_per_pct
        return float(
            self.opening_l.sum()
            + self.generated_l.sum()
            - self.collected_l.sum()
            - in_bins.sum()
            - self.overflowed_l.sum()
        )
