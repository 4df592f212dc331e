"""Fleet and bin status at a moment: what the dispatcher sees before planning the day.

For each stream: how many bins, how many report, how full they are, how much waste sits in them, and how many
sensors are stale or low on battery; for each vehicle type: how many trucks, what they carry and from where.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from waste.errors import ConfigError
from waste.store import Store

#: A sensor silent for longer than this is stale: it needs a visit or its readings are not to be trusted.
STALE_AFTER = pd.Timedelta(hours=24)
#: Below this a Li-SOCl2 primary cell (3.6 V nominal, as most bin sensors use) is near its end.
LOW_BATTERY_V = 3.3
#: Fill % at which a bin counts as nearly full, and as full.
NEARLY_FULL_PCT = 80.0
FULL_PCT = 100.0


@dataclass(frozen=True, slots=True)
class CityStatus:
    """Status tables of one city at one moment.

    Attributes
    ----------
    as_of
        The moment described (UTC).
    streams
        One row per stream: ``bins``, ``reporting``, ``mean_fill_pct``, ``nearly_full``, ``full``,
        ``waste_t`` (tonnes in the bins now), ``stale``, ``low_battery``.
    fleet
        One row per vehicle type: ``vehicle_type``, ``count``, ``capacity_kg``, ``capacity_m3``, ``depot``,
        ``shift``, ``streams``, ``day_capacity_t`` (one load per truck).
    """

    city: str
    as_of: pd.Timestamp
    streams: pd.DataFrame
    fleet: pd.DataFrame
    timezone: str = "UTC"

    @property
    def as_of_local(self) -> pd.Timestamp:
        """:attr:`as_of` on the city's clock."""
        return self.as_of.tz_convert(self.timezone)


def city_status(store: Store, city: str, as_of: pd.Timestamp | None = None) -> CityStatus:
    """Status of ``city`` at ``as_of`` (default: the newest reading of the city, so old data reads sensibly).

    Raises
    ------
    ConfigError
        When the city has no bins in the store.
    """
    bins = store.bins(city)
    if bins.empty:
        known = ", ".join(store.cities()) or "none"
        msg = f"no bins for city {city!r} in {store.url}; load it first (waste load --city {city}); loaded: {known}"
        raise ConfigError(msg)
    latest = store.latest_readings(city)
    if as_of is None:
        as_of = latest["ts"].max() if len(latest) else pd.Timestamp.now(tz="UTC")
    merged = bins.merge(latest, on="bin_id", how="left")
    fresh = merged["ts"].notna() & (merged["ts"] > as_of - STALE_AFTER) & (merged["ts"] <= as_of)
    fill = merged["fill_pct"].where(fresh)
    waste_kg = fill / 100.0 * merged["capacity_l"] / 1000.0 * merged["density_kg_m3"]
    per_bin = pd.DataFrame(
        {
            "stream": merged["stream"],
            "reporting": fresh,
            "fill": fill,
            "nearly_full": fill >= NEARLY_FULL_PCT,
            "full": fill >= FULL_PCT,
            "waste_t": waste_kg / 1000.0,
            "stale": ~fresh,
            "low_battery": merged["battery_v"] < LOW_BATTERY_V,
        }
    )
    grouped = per_bin.groupby("stream", sort=True)
    streams = pd.DataFrame(
        {
            "bins": grouped.size(),
            "reporting": grouped["reporting"].sum(),
            "mean_fill_pct": grouped["fill"].mean(),
            "nearly_full": grouped["nearly_full"].sum(),
            "full": grouped["full"].sum(),
            "waste_t": grouped["waste_t"].sum(),
            "stale": grouped["stale"].sum(),
            "low_battery": grouped["low_battery"].sum(),
        }
    ).reset_index()
    return CityStatus(
        city=city,
        as_of=as_of,
        streams=streams,
        fleet=_fleet_table(store, city),
        timezone=store.city_info(city)["timezone"],
    )


def _fleet_table(store: Store, city: str) -> pd.DataFrame:
    fleet = store.fleet(city)
    depots = store.sites(city).set_index("site_id")["name"]
    return pd.DataFrame(
        {
            "vehicle_type": fleet["vehicle_type"],
            "count": fleet["count"].astype(int),
            "capacity_kg": fleet["capacity_kg"],
            "capacity_m3": fleet["capacity_m3"],
            "depot": fleet["depot_id"].map(depots).fillna(fleet["depot_id"]),
            "shift": fleet["shift_start"] + "-" + fleet["shift_end"],
            "streams": fleet["streams"].str.replace(";", ", "),
            "day_capacity_t": np.round(fleet["count"] * fleet["capacity_kg"] / 1000.0, 1),
        }
    )
