"""Vehicle types and how many of each the sample bins need (:data:`waste.model.FLEET_COLUMNS`).

The fleet is sized for the generated bins, not for the whole city: each bin is served by one vehicle class (by kind
and stream) from its nearest depot, and each class gets enough trucks for its daily stops, volume and weight, plus
a 20 % reserve for breakdowns and peak days.

Costs are plausible estimates in the city's currency, built from published inputs:

Baltimore (USD)
    Crew at ~$38 an hour each (refuse collectors' wage ~$26/h, BLS OEWS 2023 Baltimore area, with ~45 % on-costs);
    diesel at ~$3.70 a US gallon (EIA, 2024-25) at 2.5-3 mpg for a packer; maintenance ~$0.60/km; a packer truck
    ~$300,000 written off over 8 years of ~250 working days, plus insurance and overheads.
Santa Cruz de la Sierra (BOB)
    Diesel at the regulated price of Bs 3.72 a litre; ~0.9 L/km for a compactor in stop-and-go work (consistent with
    180,000 L a week for 210 heavy units: EMACRUZ, 2024-11-06); crew at ~Bs 25 an hour (minimum wage Bs 2,750 a
    month in 2025 with ~30 % on-costs, drivers paid more); a compactor ~US$120,000 at the official Bs 6.96 per US
    dollar, written off over 8 years of ~300 working days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from waste.model import FLEET_COLUMNS, column_names
from waste.synthetic.bins import BinParams
from waste.synthetic.schedule import Rounds

#: Share of a reserve truck kept per class (breakdowns, peak days).
RESERVE = 0.2
#: Loads a truck tips per shift (it returns to the disposal site when full).
TRIPS_PER_SHIFT = 2
#: Share of a shift spent at stops and driving between them (the rest: to and from the depot and disposal site).
ROUTE_SHARE = 0.65
#: Driving between neighbouring stops (s).
BETWEEN_STOPS_S = 90.0
#: Working days a week.
WORK_DAYS = 6


@dataclass(frozen=True, slots=True)
class VehicleClass:
    """A type of truck and the bins it serves (``kinds`` x ``bin_streams``)."""

    name: str
    kinds: tuple[str, ...]
    bin_streams: tuple[str, ...]
    capacity_kg: float
    capacity_m3: float
    compaction_ratio: float
    shift_start: str
    shift_end: str
    fixed_cost: float
    cost_per_km: float
    cost_per_h: float
    streams: str


CLASSES: dict[str, tuple[VehicleClass, ...]] = {
    "baltimore": (
        # 25 yd3 rear loader, crew of three.
        VehicleClass("rear-loader-25yd", ("container",), ("general",), 9000, 19.1, 3.0, "06:00", "14:30",
                     220, 1.45, 115, "general"),
        # 28 yd3 automated side loader, one operator.
        VehicleClass("side-loader-28yd", ("container",), ("recycling",), 10000, 21.4, 3.0, "06:00", "14:30",
                     240, 1.45, 40, "recycling"),
        # 10 yd3 rear loader for food scraps, crew of two.
        VehicleClass("food-scrap-truck-10yd", ("container",), ("organic",), 4500, 7.6, 2.0, "06:00", "14:30",
                     150, 0.95, 78, "organic"),
        # 10 yd3 split-body packer for street litter cans and compactor bins, crew of two.
        VehicleClass("litter-packer-10yd", ("litter", "compactor"), ("general", "recycling"), 4000, 7.6, 2.5,
                     "06:00", "14:30", 150, 0.95, 78, "general;recycling"),
    ),
    "santa_cruz": (
        # 19 m3 compactor, driver and three loaders.
        VehicleClass("compactador-19m3", ("container",), ("general",), 9000, 19.0, 3.0, "05:00", "13:00",
                     520, 4.85, 100, "general"),
        # 12 m3 small compactor for the separate recyclables rounds.
        VehicleClass("recolector-diferenciado-12m3", ("container",), ("recycling",), 5000, 12.0, 2.5, "06:00",
                     "14:00", 380, 3.60, 75, "recycling"),
        # 12 m3 tipper truck (volqueta) for market and organic waste, no packer.
        VehicleClass("volqueta-12m3", ("container",), ("organic",), 12000, 12.0, 1.0, "06:00", "14:00",
                     400, 4.20, 75, "general;organic"),
        # 4 m3 light truck for street litter bins and compactor bins.
        VehicleClass("furgon-litter-4m3", ("litter", "compactor"), ("general", "recycling"), 1500, 4.0, 1.0,
                     "05:00", "13:00", 180, 1.80, 50, "general;recycling"),
    ),
}  # fmt: skip

#: Local start of the collection shift the rounds are planned from (minutes after midnight).
SHIFT_START_MIN = {"baltimore": 6 * 60, "santa_cruz": 5 * 60}


def _nearest(lat: np.ndarray, lon: np.ndarray, sites: pd.DataFrame) -> np.ndarray:
    kx = np.cos(np.radians(lat.mean()))
    d = np.hypot(
        (lon[:, None] - sites["lon"].to_numpy()[None, :]) * kx, lat[:, None] - sites["lat"].to_numpy()[None, :]
    )
    return np.argmin(d, axis=1)


def size_fleet(city: str, bins: pd.DataFrame, params: BinParams, rounds: Rounds, sites: pd.DataFrame) -> pd.DataFrame:
    """Vehicle types with the number of trucks the bins need, one row per class and home depot.

    Parameters
    ----------
    city
        Reference city key (selects :data:`CLASSES`).
    bins
        The bin table.
    params
        Hidden fill parameters (mean fill rate per bin, % a day).
    rounds
        Collection rounds (visits a week per bin).
    sites
        The site table; depots are the rows of kind ``depot``.

    Returns
    -------
    DataFrame
        Exactly :data:`waste.model.FLEET_COLUMNS`; ``vehicle_type`` is the class name with the depot's id.
    """
    depots = sites[sites["kind"] == "depot"].reset_index(drop=True)
    home = _nearest(bins["lat"].to_numpy(), bins["lon"].to_numpy(), depots)
    cap_m3 = bins["capacity_l"].to_numpy() / 1000.0
    daily_m3 = cap_m3 * params.rate_pct_day / 100.0  # in the bin (compacted for a compactor)
    daily_kg = daily_m3 * bins["density_kg_m3"].to_numpy()
    stops_day = rounds.days_mask.sum(axis=1) / rounds.period_weeks / WORK_DAYS
    kind = bins["kind"].to_numpy()
    stream = bins["stream"].to_numpy()
    rows = []
    for vc in CLASSES[city]:
        served = np.isin(kind, vc.kinds) & np.isin(stream, vc.bin_streams)
        for d, depot in depots.iterrows():
            sel = served & (home == d)
            if not sel.any():
                continue
            # Loose waste is packed by the truck; compactor bins arrive already packed.
            truck_m3 = np.where(kind[sel] == "compactor", daily_m3[sel], daily_m3[sel] / vc.compaction_ratio)
            h0, m0 = map(int, vc.shift_start.split(":"))
            h1, m1 = map(int, vc.shift_end.split(":"))
            shift_s = (h1 * 60 + m1 - h0 * 60 - m0) * 60
            per_stop = bins.loc[sel, "service_s"].mean() + BETWEEN_STOPS_S
            need = max(
                truck_m3.sum() / (vc.capacity_m3 * TRIPS_PER_SHIFT),
                daily_kg[sel].sum() / (vc.capacity_kg * TRIPS_PER_SHIFT),
                stops_day[sel].sum() / (shift_s * ROUTE_SHARE / per_stop),
            )
            rows.append(
                {
                    "vehicle_type": f"{vc.name}-{depot['site_id']}",
                    "count": max(1, math.ceil(need * (1 + RESERVE))),
                    "capacity_kg": float(vc.capacity_kg),
                    "capacity_m3": float(vc.capacity_m3),
                    "compaction_ratio": float(vc.compaction_ratio),
                    "shift_start": vc.shift_start,
                    "shift_end": vc.shift_end,
                    "depot_id": depot["site_id"],
                    "fixed_cost": float(vc.fixed_cost),
                    "cost_per_km": float(vc.cost_per_km),
                    "cost_per_h": float(vc.cost_per_h),
                    "streams": vc.streams,
                }
            )
    return pd.DataFrame(rows, columns=column_names(FLEET_COLUMNS))
