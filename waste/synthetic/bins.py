"""The bin table (:data:`waste.model.BIN_COLUMNS`) and each bin's hidden fill parameters.

What a bin is follows from where it stands: street litter bins and solar compactors in the centre, shopping streets
and parks; roadside containers for households elsewhere. Its stream, size, service time, collection window and the
waste's density follow the kind; its mean fill rate follows kind, stream and area (the constants in
:mod:`waste.synthetic.calibration`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from waste.model import AREA_TYPES, BIN_COLUMNS, BIN_KINDS, STREAMS, column_names
from waste.synthetic import calibration as cal
from waste.synthetic.cities import CitySpec
from waste.synthetic.geography import Locations


@dataclass(frozen=True, slots=True)
class BinMix:
    """How one city equips its streets: shares of kinds by area, of streams by kind, sizes and densities.

    Shares are design choices for a sensor-equipped sample, not an inventory (no city publishes one); the sizes are
    the makes on sale in each market, the densities come from the sources named beside each city.
    """

    kind_by_area: dict[str, tuple[float, float, float]]  # litter, container, compactor
    container_streams: tuple[float, float, float]  # general, recycling, organic
    litter_streams: tuple[float, float, float]
    litter_l: tuple[tuple[float, float], ...]  # (litres, share)
    container_l: tuple[tuple[float, float], ...]
    density_kg_m3: tuple[float, float, float]  # loose, by stream
    rate_factor: float  # city-wide multiplier on fill rates
    window_centre: tuple[str, str]  # collection window on centre and shopping streets (local time)
    window_park: tuple[str, str]


#: Volume-to-weight: loose household waste ~90 kg/m3, commingled recyclables ~50 kg/m3, food scraps ~300 kg/m3
#: (US EPA, "Volume-to-Weight Conversion Factors", 2016, rounded). Litter: 70 kg/m3, the density Edinburgh's sensor
#: platform assumed for its litter bins (weight = 0.07 x litres on every row of its 2016 log).
LITTER_DENSITY_KG_M3 = 70.0

MIXES: dict[str, BinMix] = {
    "baltimore": BinMix(
        kind_by_area={
            "centre": (0.55, 0.25, 0.20),  # the city piloted solar compactor bins downtown
            "commercial": (0.45, 0.45, 0.10),
            "residential": (0.25, 0.75, 0.0),
            "suburban": (0.15, 0.85, 0.0),
            "park": (0.75, 0.15, 0.10),
        },
        container_streams=(0.60, 0.28, 0.12),
        litter_streams=(0.80, 0.20, 0.0),
        litter_l=((121.0, 0.60), (170.0, 0.25), (208.0, 0.15)),  # 32, 45 and 55 US gallon cans
        container_l=((764.0, 0.20), (1529.0, 0.45), (2294.0, 0.20), (3058.0, 0.15)),  # 1, 2, 3 and 4 yd3
        density_kg_m3=(90.0, 50.0, 300.0),
        rate_factor=1.0,
        window_centre=("06:00", "09:00"),  # before the morning rush; DPW routes start at 06:00
        window_park=("07:00", "14:00"),
    ),
    "santa_cruz": BinMix(
        kind_by_area={
            "centre": (0.45, 0.50, 0.05),
            "commercial": (0.30, 0.68, 0.02),
            "residential": (0.10, 0.90, 0.0),
            "suburban": (0.05, 0.95, 0.0),
            "park": (0.70, 0.30, 0.0),
        },
        container_streams=(0.72, 0.16, 0.12),
        litter_streams=(0.85, 0.15, 0.0),
        litter_l=((120.0, 0.60), (240.0, 0.40)),
        container_l=((660.0, 0.10), (1100.0, 0.50), (2400.0, 0.25), (3200.0, 0.15)),
        # General waste is about half food and garden waste (PMGIRS 2023: 50.84 % compostable), so denser and
        # wetter than in Baltimore.
        density_kg_m3=(150.0, 50.0, 350.0),
        # 1.2 kg per person a day (1,942 t/day for 1.6 million people, 2023) against Baltimore's ~0.9 (200,000 t/yr
        # for 585,708 people), and containers shared by more households.
        rate_factor=1.2,
        window_centre=("05:00", "08:00"),
        window_park=("07:00", "13:00"),
    ),
}

#: Sensor-to-bottom distance by nominal volume (mm): body height minus the sensor's mounting gap under the lid.
DEPTH_MM: dict[float, float] = {
    120.0: 700, 121.0: 700, 170.0: 850, 208.0: 900, 240.0: 1000, 660.0: 1050, 764.0: 1000, 1100.0: 1150,
    1529.0: 1150, 2294.0: 1350, 2400.0: 1400, 3058.0: 1550, 3200.0: 1600,
}  # fmt: skip
#: Solar compactor: 120 L body compacting about 5:1 (makers quote 5x to 8x; Bigbelly's HC5 "5x").
COMPACTOR_L = 120.0
COMPACTOR_RATIO = 5.0
COMPACTOR_DEPTH_MM = 850.0

#: Fill-rate multipliers by area (centre = 1) for each kind. Edinburgh's busiest streets (Princes St, Rose St)
#: dominate its log, so its median is a centre figure; the Prague paper containers stand in dense inner districts
#: (Vinohrady, Mala Strana, Holesovice); Wyndham's compactors stand in a suburban municipality.
AREA_RATE: dict[str, dict[str, float]] = {
    "litter": {"centre": 1.0, "commercial": 0.85, "residential": 0.45, "suburban": 0.30, "park": 0.70},
    "container": {"centre": 1.0, "commercial": 0.90, "residential": 0.55, "suburban": 0.40, "park": 0.40},
    "compactor": {"centre": 1.6, "commercial": 1.3, "residential": 1.0, "suburban": 1.0, "park": 1.2},
}
#: Multiplier of the fill rate by stream (general = 1). Recycling containers: 70 % take mixed recyclables at half
#: the paper rate, 30 % glass at :data:`~waste.synthetic.calibration.GLASS_RATE`. Organics: smaller volumes.
STREAM_RATE = {"general": 1.0, "recycling": 0.5, "organic": 0.6}
#: Time to empty one bin into the truck (s): litter bag swap, compactor bag removal, container lift by size.
SERVICE_S = {"litter": 40.0, "compactor": 75.0}


def _choose(rng: np.random.Generator, options: tuple[tuple[float, float], ...], n: int) -> np.ndarray:
    values = np.array([o[0] for o in options])
    p = np.array([o[1] for o in options])
    return values[rng.choice(len(values), size=n, p=p / p.sum())]


@dataclass(frozen=True, slots=True)
class BinParams:
    """Hidden truth of each bin, aligned with the bin table's rows.

    Attributes
    ----------
    rate_pct_day
        Mean fill rate, points of (compacted) volume per day, before hour and weekday factors.
    area_idx, kind_idx, stream_idx
        Indices into :data:`~waste.model.AREA_TYPES`, :data:`~waste.model.BIN_KINDS`, :data:`~waste.model.STREAMS`.
    event_share, jump_pct
        Share of the volume that arrives in lumps (a bag, a box) rather than steadily, and a lump's mean size (%).
    window_min
        Collection window in local minutes of the day ``(start, end)``, or ``(-1, -1)`` for none.
    """

    rate_pct_day: np.ndarray
    area_idx: np.ndarray
    kind_idx: np.ndarray
    stream_idx: np.ndarray
    event_share: np.ndarray
    jump_pct: np.ndarray
    window_min: np.ndarray


def _hhmm_to_min(s: str) -> int:
    h, m = s.split(":")
    return int(h) * 60 + int(m)


def make_bins(spec: CitySpec, where: Locations, rng: np.random.Generator) -> tuple[pd.DataFrame, BinParams]:
    """Equip each location with a bin and a sensor.

    Parameters
    ----------
    spec
        The city (its key selects the :data:`MIXES` entry; its prefixes make the ids).
    where
        Bin positions and area types.
    rng
        Random generator.

    Returns
    -------
    tuple of DataFrame and BinParams
        The bin table with exactly :data:`waste.model.BIN_COLUMNS`, and the hidden parameters per row.
    """
    mix = MIXES[spec.key]
    n = len(where.lat)
    area = where.area
    kind = np.empty(n, dtype=object)
    u = rng.random(n)
    for a in AREA_TYPES:
        sel = area == a
        p = np.cumsum(mix.kind_by_area[a])
        kind[sel] = np.where(u[sel] < p[0], "litter", np.where(u[sel] < p[1], "container", "compactor"))
    stream = np.empty(n, dtype=object)
    for k, shares in (
        ("litter", mix.litter_streams),
        ("compactor", mix.litter_streams),
        ("container", mix.container_streams),
    ):
        sel = kind == k
        stream[sel] = rng.choice(STREAMS, size=int(sel.sum()), p=np.array(shares) / sum(shares))

    capacity = np.where(kind == "litter", _choose(rng, mix.litter_l, n), _choose(rng, mix.container_l, n))
    capacity = np.where(kind == "compactor", COMPACTOR_L, capacity)
    ratio = np.where(kind == "compactor", COMPACTOR_RATIO, 1.0)
    depth = np.array([DEPTH_MM[c] for c in capacity])
    depth = np.where(kind == "compactor", COMPACTOR_DEPTH_MM, depth)

    container_s = np.select([capacity <= 1100, capacity <= 2400], [60.0, 90.0], 120.0)
    base_s = np.array([SERVICE_S.get(k, 0.0) for k in kind])
    service = np.where(kind == "container", container_s, base_s) * rng.uniform(0.85, 1.15, n)
    service = np.round(service / 5) * 5

    loose = np.array(mix.density_kg_m3)[[STREAMS.index(s) for s in stream]]
    loose = np.where(kind == "container", loose, np.where(stream == "general", LITTER_DENSITY_KG_M3, loose))
    density = np.round(loose * ratio)

    tw_start = np.full(n, "", dtype=object)
    tw_end = np.full(n, "", dtype=object)
    busy = np.isin(area, ["centre", "commercial"]) & (rng.random(n) < 0.35)
    tw_start[busy], tw_end[busy] = mix.window_centre
    leafy = (area == "park") & (rng.random(n) < 0.30)
    tw_start[leafy], tw_end[leafy] = mix.window_park
    window = np.full((n, 2), -1, dtype=np.int32)
    has_tw = tw_start != ""
    window[has_tw, 0] = [_hhmm_to_min(s) for s in tw_start[has_tw]]
    window[has_tw, 1] = [_hhmm_to_min(s) for s in tw_end[has_tw]]

    base = np.select([kind == "litter", kind == "compactor"], [cal.LITTER_RATE, cal.COMPACTOR_RATE], cal.CONTAINER_RATE)
    area_f = np.array([AREA_RATE[k][a] for k, a in zip(kind, area, strict=True)])
    stream_f = np.array([STREAM_RATE[s] for s in stream])
    glass = (kind == "container") & (stream == "recycling") & (rng.random(n) < 0.30)
    rate = base * area_f * stream_f * mix.rate_factor * rng.lognormal(0, cal.BETWEEN_BIN_LOG_SD, n)
    rate = np.where(glass, cal.GLASS_RATE * rng.lognormal(0, cal.BETWEEN_BIN_LOG_SD, n), rate)
    rate = np.minimum(rate, cal.MAX_RATE_PCT_DAY)
    event_share = np.where(kind == "container", 0.25, 0.10)
    jump = np.where(kind == "container", 8.0, 12.0)

    ids = np.array([f"{spec.id_prefix}-B{i + 1:05d}" for i in range(n)])
    # DevEUIs: the prefix, then a seeded random start stepping by an odd stride modulo 16**10: all distinct.
    start = int(rng.integers(0, 16**10))
    stride = 2 * int(rng.integers(1, 2**30)) + 1
    eui = [f"{spec.eui_prefix}{(start + i * stride) % 16**10:010X}" for i in range(n)]
    device = [f"{spec.id_prefix.lower()}-fill-{i + 1:05d}" for i in range(n)]

    table = pd.DataFrame(
        {
            "bin_id": ids,
            "lat": where.lat,
            "lon": where.lon,
            "stream": stream.astype(str),
            "capacity_l": capacity,
            "kind": kind.astype(str),
            "compaction_ratio": ratio,
            "depth_mm": depth,
            "service_s": service,
            "tw_start": tw_start.astype(str),
            "tw_end": tw_end.astype(str),
            "area": area.astype(str),
            "density_kg_m3": density,
            "device_id": device,
            "dev_eui": eui,
        }
    )[column_names(BIN_COLUMNS)]
    params = BinParams(
        rate_pct_day=rate,
        area_idx=np.array([AREA_TYPES.index(a) for a in area], dtype=np.int8),
        kind_idx=np.array([BIN_KINDS.index(k) for k in kind], dtype=np.int8),
        stream_idx=np.array([STREAMS.index(s) for s in stream], dtype=np.int8),
        event_share=event_share,
        jump_pct=jump,
        window_min=window,
    )
    return table, params
