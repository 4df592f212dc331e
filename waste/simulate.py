"""Seeded, reproducible generator of realistic sample cities: sites, bins, fleet, sensor readings, true emptyings.

``simulate_city("baltimore")`` lays out bins over the city's real extent, sizes a fleet, then runs the true fill
process step by step (10 minutes) with collections emptying bins on their rounds, while each bin's sensor reports as
a real one does. ``write_city`` writes the files of ``sample_data/<city>/``. The same seed, city, size and end date
give the same data on any machine (and byte-identical files with the same zlib); nothing depends on the wall clock.

Examples
--------
>>> sim = simulate_city("santa_cruz", bins=200, days=14, seed=1)  # doctest: +SKIP
>>> write_city(sim, Path("out/santa_cruz"))  # doctest: +SKIP
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from waste.errors import InputError
from waste.model import READING_COLUMNS, column_names
from waste.synthetic.bins import make_bins
from waste.synthetic.calendar import STEP_S, make_calendar
from waste.synthetic.cities import CitySpec, city_spec
from waste.synthetic.climate import air_temperature
from waste.synthetic.fill import FillProcess
from waste.synthetic.fleet import SHIFT_START_MIN, size_fleet
from waste.synthetic.geography import locate_bins
from waste.synthetic.output import iso_minutes, write_csv, write_csv_gz
from waste.synthetic.schedule import Emptyings, plan_rounds, plan_visits
from waste.synthetic.sensors import SensorArray
from waste.synthetic.sites import site_table

#: Seed of the committed sample data.
DEFAULT_SEED = 20261120
#: Days of readings in the committed sample data (a day more than the 60 asked for, so every bin spans 60 full days
#: whatever its sensor's phase).
DEFAULT_DAYS = 61
#: End of the simulated period (exclusive, UTC): fixed so the sample does not depend on when it is generated.
DEFAULT_END = pd.Timestamp("2026-11-20T00:00Z")
#: Columns of the ground-truth emptyings file.
COLLECTION_COLUMNS = ("bin_id", "ts", "fill_before_pct", "fill_after_pct", "kind")
#: Files ``write_city`` writes, in order.
FILES = ("city.toml", "sites.csv", "bins.csv", "fleet.csv", "readings.csv.gz", "collections_truth.csv.gz")

Progress = Callable[[int, int], object]


@dataclass(frozen=True, slots=True)
class SimulatedCity:
    """A generated city: its tables (schemas of :mod:`waste.model`) and how it was made.

    Attributes
    ----------
    spec
        The city's geography and climate.
    sites, bins, fleet
        Tables with exactly :data:`~waste.model.SITE_COLUMNS`, :data:`~waste.model.BIN_COLUMNS`,
        :data:`~waste.model.FLEET_COLUMNS`.
    readings
        :data:`~waste.model.READING_COLUMNS`, sorted by bin then time; ``ts`` is UTC at minute precision (a
        categorical of ISO 8601 strings such as ``2026-09-01T04:07Z``); ``fill_pct`` whole percent; ``distance_mm``
        empty (the sensors report fill %).
    collections
        Ground-truth emptyings: ``bin_id``, ``ts`` (as above), ``fill_before_pct`` and ``fill_after_pct`` (true
        level, whole %, before capped at 100), ``kind`` (``full`` or ``partial``). Missed visits are not listed.
    seed, days, end
        Generation settings.
    """

    spec: CitySpec
    sites: pd.DataFrame
    bins: pd.DataFrame
    fleet: pd.DataFrame
    readings: pd.DataFrame
    collections: pd.DataFrame
    seed: int
    days: int
    end: pd.Timestamp


def _check(bins: int | None, days: int, end: pd.Timestamp) -> None:
    if bins is not None and bins < 1:
        raise InputError(f"number of bins must be at least 1, got {bins}", field="bins")
    if days < 1 or days > 3660:
        raise InputError(f"days must be between 1 and 3660, got {days}", field="days")
    if end.tzinfo is None:
        raise InputError("end must carry a time zone (UTC), e.g. 2026-11-20T00:00Z", field="end")


def simulate_city(
    city: str,
    *,
    bins: int | None = None,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    end: pd.Timestamp = DEFAULT_END,
    progress: Progress | None = None,
) -> SimulatedCity:
    """Generate a sample city.

    Parameters
    ----------
    city
        ``baltimore`` or ``santa_cruz``.
    bins
        Number of bins; the city's sample size (3,000 and 5,000) by default.
    days
        Days of readings, ending at ``end``.
    seed
        Random seed; each city derives its own streams from it, so both cities differ under one seed.
    end
        End of the readings (exclusive), timezone-aware.
    progress
        Called as ``progress(done, total)`` with simulation steps, for a progress display.

    Raises
    ------
    ConfigError
        For an unknown city.
    InputError
        For a non-positive number of bins or days, or a naive ``end``.
    """
    spec = city_spec(city)
    _check(bins, days, end)
    n = spec.default_bins if bins is None else bins
    streams = np.random.SeedSequence([seed, zlib.crc32(spec.key.encode())]).spawn(7)
    rng_geo, rng_bins, rng_rounds, rng_visits, rng_climate, rng_fill, rng_sensor = (
        np.random.default_rng(s) for s in streams
    )

    where = locate_bins(spec, n, rng_geo)
    bin_table, params = make_bins(spec, where, rng_bins)
    sites = site_table(spec.key)
    rounds = plan_rounds(params, SHIFT_START_MIN[spec.key], rng_rounds)
    fleet = size_fleet(spec.key, bin_table, params, rounds, sites)

    calendar = make_calendar(end, days, spec.timezone)
    visits = plan_visits(calendar, rounds, rng_visits)
    air = air_temperature(spec, calendar, rng_climate)
    fill = FillProcess(params, rng_fill)
    sensors = SensorArray(where.lat, where.lon, calendar, rng_sensor)
    log = Emptyings.new()

    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("bin", "t", "fill", "volt", "temp")}
    dt_h = STEP_S / 3600
    total = calendar.n_steps
    for k in range(total):
        t0 = int(calendar.t_s[k])
        fill.advance(float(calendar.hour[k]), int(calendar.weekday[k]), int(calendar.day[k]), dt_h)
        sl = visits.between(t0, t0 + STEP_S)
        pos = np.arange(sl.start, sl.stop)
        # A visit before the sensor's measurement in this step shows in it; a later one in the next step.
        early = visits.t_s[pos] < t0 + sensors.offset_s[visits.bin_idx[pos]]
        log.record(fill, visits, pos[early])
        rep = sensors.observe(t0, fill.level, float(air[k]), float(calendar.hour[k]))
        log.record(fill, visits, pos[~early])
        if t0 + STEP_S > calendar.record_from_s:
            keep = rep.t_s >= calendar.record_from_s
            parts["bin"].append(rep.bin_idx[keep])
            parts["t"].append(rep.t_s[keep])
            parts["fill"].append(rep.fill_pct[keep])
            parts["volt"].append(rep.battery_v[keep])
            parts["temp"].append(rep.temperature_c[keep])
        if progress is not None and (k % 144 == 0 or k == total - 1):
            progress(k + 1, total)

    ids = bin_table["bin_id"].to_numpy()
    readings = _readings_frame(ids, {k: np.concatenate(v) for k, v in parts.items()})
    collections = _collections_frame(ids, log.arrays(), calendar.record_from_s)
    return SimulatedCity(
        spec=spec,
        sites=sites,
        bins=bin_table,
        fleet=fleet,
        readings=readings,
        collections=collections,
        seed=seed,
        days=days,
        end=end,
    )


def _readings_frame(ids: np.ndarray, cols: dict[str, np.ndarray]) -> pd.DataFrame:
    order = np.lexsort((cols["t"], cols["bin"]))
    df = pd.DataFrame(
        {
            "bin_id": pd.Categorical.from_codes(cols["bin"][order].astype(np.int32), categories=pd.Index(ids)),
            "ts": iso_minutes(cols["t"][order]),
            "fill_pct": cols["fill"][order].astype(np.int16),
            "distance_mm": np.full(len(order), np.nan),
            "battery_v": cols["volt"][order],
            "temperature_c": pd.array(cols["temp"][order], dtype="Int16"),
        }
    )
    return df[column_names(READING_COLUMNS)]


def _collections_frame(ids: np.ndarray, log: dict[str, np.ndarray], record_from_s: int) -> pd.DataFrame:
    keep = log["t_s"] >= record_from_s
    t = log["t_s"][keep].astype(np.int64)
    b = log["bin_idx"][keep].astype(np.int64)
    order = np.lexsort((t, b))
    return pd.DataFrame(
        {
            "bin_id": ids[b[order]],
            "ts": iso_minutes(t[order]),
            "fill_before_pct": np.rint(np.minimum(log["before"][keep][order], 100)).astype(np.int16),
            "fill_after_pct": np.rint(np.minimum(log["after"][keep][order], 100)).astype(np.int16),
            "kind": np.where(log["partial"][keep][order].astype(bool), "partial", "full"),
        },
        columns=list(COLLECTION_COLUMNS),
    )


def city_toml(sim: SimulatedCity) -> str:
    """The ``city.toml`` text: identity of the city and how its sample was generated."""
    s = sim.spec
    return (
        f'name = "{s.name}"\n'
        f'key = "{s.key}"\n'
        f'country = "{s.country}"\n'
        f'timezone = "{s.timezone}"\n'
        f'currency = "{s.currency}"\n'
        f"centre_lat = {s.centre[0]}\n"
        f"centre_lon = {s.centre[1]}\n"
        "\n[generated]\n"
        'generator = "waste.simulate"\n'
        f"seed = {sim.seed}\n"
        f"bins = {len(sim.bins)}\n"
        f"days = {sim.days}\n"
        f'end = "{sim.end.tz_convert("UTC").strftime("%Y-%m-%dT%H:%MZ")}"\n'
    )


def write_city(sim: SimulatedCity, folder: Path) -> dict[str, int]:
    """Write a generated city's files into ``folder`` (created if missing), leaving other files alone.

    Returns
    -------
    dict
        Size in bytes of each file written, by file name (see :data:`FILES`).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sizes = {}
    toml = city_toml(sim).encode("utf-8")
    (folder / "city.toml").write_bytes(toml)
    sizes["city.toml"] = len(toml)
    sizes["sites.csv"] = write_csv(sim.sites, folder / "sites.csv")
    sizes["bins.csv"] = write_csv(sim.bins, folder / "bins.csv")
    sizes["fleet.csv"] = write_csv(sim.fleet, folder / "fleet.csv")
    sizes["readings.csv.gz"] = write_csv_gz(sim.readings, folder / "readings.csv.gz", float_format="%.2f")
    sizes["collections_truth.csv.gz"] = write_csv_gz(sim.collections, folder / "collections_truth.csv.gz")
    return sizes
