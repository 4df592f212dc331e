"""The city an operations simulation runs on: its reference tables, read from its folder, never from the store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from routing.frames import hhmm_to_s
from routing.operations.prizes import city_overflow_cost
from waste.paths import city_dir
from waste.reference import CityFiles, read_city


@dataclass(frozen=True, slots=True)
class CityTables:
    """A city's reference tables and identity, as the simulator needs them.

    ``overflow_cost_per_h`` is the city's ``[collection] overflow_cost_per_h`` (currency), the value of sparing a bin
    an hour of overflowing
    that the smart policy weighs against driving (:mod:`routing.operations.prizes`); ``None`` when unset.
    """

    key: str
    name: str
    timezone: str
    currency: str
    sites: pd.DataFrame
    bins: pd.DataFrame
    fleet: pd.DataFrame
    overflow_cost_per_h: float | None = None

    @property
    def shift_start_s(self) -> int:
        """Earliest shift start of the fleet, seconds after local midnight."""
        return min(hhmm_to_s(v) or 0 for v in self.fleet["shift_start"])

    @property
    def shift_h(self) -> float:
        """Longest shift of the fleet (h); a shift ending before it starts runs past midnight."""
        longest = 0.0
        for start, end in zip(self.fleet["shift_start"], self.fleet["shift_end"], strict=True):
            s, e = hhmm_to_s(start) or 0, hhmm_to_s(end) or 0
            longest = max(longest, ((e - s) % 86_400 or 86_400) / 3600.0)
        return longest


def read_city_tables(city: str | Path) -> CityTables:
    """A sample city by name (``baltimore``, ``santa_cruz``) or any city folder laid out like ``sample_data/<city>/``.

    Raises
    ------
    ConfigError
        When no sample city has that name.
    InputError
        When a file of the city is missing or wrong (naming file, line and field).
    """
    folder = Path(city) if Path(city).is_dir() else city_dir(str(city))
    tables = read_city(CityFiles.in_folder(folder))
    info = tables.info
    return CityTables(
        key=folder.name,
        name=info.name if info else folder.name,
        timezone=info.timezone if info else "UTC",
        currency=info.currency if info else "USD",
        sites=tables.sites.reset_index(drop=True),
        bins=tables.bins.reset_index(drop=True),
        fleet=tables.fleet.reset_index(drop=True),
        overflow_cost_per_h=city_overflow_cost(folder),
    )
