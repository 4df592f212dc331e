"""Loading a city's reference data (sites, bins, fleet) into the store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from waste.paths import city_dir
from waste.reference import CityFiles, CityInfo, read_city
from waste.store import Store


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What was loaded for one city."""

    city: str
    sites: int
    bins: int
    vehicle_types: int
    vehicles: int


def load_city_files(store: Store, city: str, files: CityFiles, info: CityInfo | None = None) -> LoadReport:
    """Check a city's three files and replace that city's reference data in the store with them.

    ``info`` (name, time zone, currency) overrides the files' ``city.toml``. Nothing is loaded when any file has
    a problem: the :class:`waste.errors.InputError` lists them all.
    """
    tables = read_city(files)
    info = info or tables.info
    store.replace_city(
        city,
        tables.sites,
        tables.bins,
        tables.fleet,
        name=info.name if info else city,
        timezone=info.timezone if info else "UTC",
        currency=info.currency if info else "USD",
    )
    return LoadReport(
        city=city,
        sites=len(tables.sites),
        bins=len(tables.bins),
        vehicle_types=len(tables.fleet),
        vehicles=int(tables.fleet["count"].sum()),
    )


def load_sample_city(store: Store, city: str) -> LoadReport:
    """Load one of the bundled sample cities (``baltimore``, ``santa_cruz``)."""
    return load_city_files(store, city, CityFiles.in_folder(city_dir(city)))


def sample_readings(city: str) -> Path:
    """The bundled readings file of a sample city."""
    return city_dir(city) / "readings.csv.gz"
