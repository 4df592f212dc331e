"""City scenario files: everything the estimator needs to know about one city, read from TOML.

A scenario file has these tables (units in the key names; see the sample files
``sample_data/<city>/scenario.toml`` for a complete, sourced example):

``[city]`` name, country, climate_zone (``tropical_wet``, ``tropical_dry``, ``temperate_wet``,
``temperate_dry``). ``[population]`` base_year, count, growth_per_yr. ``[waste]`` kg_per_person_day,
per_capita_growth_per_yr, coverage, coverage_target, coverage_target_year, recycling, recycling_target,
recycling_target_year, seasonal_peak_factor, records (optional CSV of recorded tonnes, ``year,tonnes`` or
``date,tonnes``, relative to the scenario file). ``[composition]`` wet mass fraction of each component, a
``source`` and optionally ``measured_hhv_mj_kg``, a heating value measured on the mixed waste as fired.
``[moisture]`` (optional) measured moisture per component. ``[plant]`` start_year, life_years,
design_year_offset, discount_rate. ``[grid]`` emission_factor_t_per_mwh, power_price_usd_per_mwh,
heat_price_usd_per_mwh, household_mwh_per_yr. ``[incineration]``, ``[digestion]``, ``[landfill_gas]``
(optional) override technology parameters by field name. ``[costs.<technology>]`` cost ranges as
``[low, most_likely, high]``. ``[uncertainty]`` ``[low, high]`` ranges around the base value of each Monte
Carlo driver (see :data:`energy.model.DRIVERS`). ``[[existing]]`` facilities already serving the city.

Any missing or bad value raises :class:`waste.errors.InputError` naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from energy.composition import COMPONENTS, Composition
from energy.costs import CostRange
from energy.digestion import DigestionParams
from energy.incineration import IncinerationParams
from energy.landfill_gas import CLIMATE_ZONES, LandfillGasParams
from energy.projection import ProjectionInputs
from waste.errors import InputError
from waste.paths import city_dir

#: Cost keys each technology needs, USD.
COST_KEYS: dict[str, tuple[str, ...]] = {
    "incineration": ("capex_usd_per_t_yr", "opex_usd_per_t"),
    "digestion": ("capex_usd_per_t_yr", "opex_usd_per_t"),
    "landfill_gas": ("capex_usd_per_kw", "opex_usd_per_mwh", "landfill_usd_per_t"),
}
TECHNOLOGIES: tuple[str, ...] = tuple(COST_KEYS)


@dataclass(frozen=True, slots=True)
class Grid:
    """The electricity system the plant feeds.

    Attributes
    ----------
    emission_factor_t_per_mwh
        CO2e emitted per MWh of grid electricity that the plant displaces, t/MWh.
    power_price_usd_per_mwh
        Price the plant's electricity sells for, USD/MWh.
    heat_price_usd_per_mwh
        Price of exported heat, USD/MWh (0 where no heat network exists).
    household_mwh_per_yr
        Electricity a household uses in a year, MWh.
    """

    emission_factor_t_per_mwh: float
    power_price_usd_per_mwh: float
    household_mwh_per_yr: float
    heat_price_usd_per_mwh: float = 0.0


@dataclass(frozen=True, slots=True)
class Existing:
    """A facility that already serves the city (shown beside the estimate, not modelled)."""

    name: str
    kind: str
    capacity_t_per_day: float | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything known about one city for sizing waste-to-energy plants.

    Attributes
    ----------
    name, country
        The city and its country.
    source_file
        Path of the scenario file, for messages.
    climate_zone
        IPCC climate zone for landfill decay rates.
    projection
        Population and waste drivers.
    records
        Recorded tonnes (``year``/``date`` and ``tonnes`` columns) to project from instead, or None.
    composition
        Wet-mass composition of the waste collected for disposal.
    start_year, life_years, design_year_offset
        First operating year, plant life (years) and which year of the life the plant is sized for.
    seasonal_peak_factor
        Ratio of the peak month's tonnage to the average month's.
    discount_rate
        Real discount rate for annualising capital (fraction per year).
    grid
        Electricity system.
    incineration, digestion, landfill_gas
        Technology parameters.
    costs
        ``costs[technology][key]`` cost ranges, keys as in :data:`COST_KEYS`.
    uncertainty
        ``(low, high)`` of each Monte Carlo driver that the file sets.
    existing
        Facilities already serving the city.
    """

    name: str
    country: str
    source_file: str
    climate_zone: str
    projection: ProjectionInputs
    composition: Composition
    start_year: int
    life_years: int
    design_year_offset: int
    seasonal_peak_factor: float
    discount_rate: float
    grid: Grid
    incineration: IncinerationParams
    digestion: DigestionParams
    landfill_gas: LandfillGasParams
    costs: dict[str, dict[str, CostRange]]
    uncertainty: dict[str, tuple[float, float]] = field(default_factory=dict)
    existing: tuple[Existing, ...] = ()
    records: pd.DataFrame | None = field(default=None, compare=False)


class _Reader:
    """Typed access to a parsed TOML document that names the file and key in every error."""

    def __init__(self, data: dict[str, Any], path: Path) -> None:
        self.data = data
        self.path = path

    def fail(self, key: str, reason: str) -> InputError:
        return InputError(reason, file=str(self.path), field=key)

    def table(self, key: str, *, required: bool = True) -> dict[str, Any]:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if required:
                    raise self.fail(key, "missing table")
                return {}
            node = node[part]
        if not isinstance(node, dict):
            raise self.fail(key, "must be a table")
        return node

    def number(self, section: str, key: str, *, default: float | None = None, lo=None, hi=None) -> float:
        table = self.table(section, required=default is None)
        full = f"{section}.{key}"
        if key not in table:
            if default is None:
                raise self.fail(full, "missing value")
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(full, f"must be a number, got {value!r}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise self.fail(full, f"must be between {lo} and {hi}, got {value!r}")
        return float(value)

    def integer(self, section: str, key: str, *, default: int | None = None, lo: int | None = None) -> int:
        value = self.number(section, key, default=None if default is None else float(default), lo=lo)
        if value != int(value):
            raise self.fail(f"{section}.{key}", f"must be a whole number, got {value!r}")
        return int(value)

    def optional(self, section: str, key: str, **limits: float) -> float | None:
        """A number that may be left out (None then)."""
        return self.number(section, key, **limits) if key in self.table(section, required=False) else None

    def optional_year(self, section: str, key: str) -> int | None:
        """A whole number that may be left out (None then)."""
        return self.integer(section, key) if key in self.table(section, required=False) else None

    def text(self, section: str, key: str, *, default: str | None = None) -> str:
        table = self.table(section, required=default is None)
        if key not in table:
            if default is None:
                raise self.fail(f"{section}.{key}", "missing value")
            return default
        if not isinstance(table[key], str):
            raise self.fail(f"{section}.{key}", f"must be text, got {table[key]!r}")
        return table[key]

    def pair(self, section: str, key: str, size: int) -> tuple[float, ...]:
        value = self.table(section)[key]
        full = f"{section}.{key}"
        if (
            not isinstance(value, list)
            or len(value) != size
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            raise self.fail(full, f"must be a list of {size} numbers, got {value!r}")
        if list(value) != sorted(value):
            raise self.fail(full, f"values must be in increasing order, got {value!r}")
        return tuple(float(v) for v in value)


#: Keys allowed in the fixed tables; anything else is a typo worth reporting.
_KNOWN_KEYS: dict[str, set[str]] = {
    "city": {"name", "country", "climate_zone", "currency"},
    "population": {"base_year", "count", "growth_per_yr"},
    "waste": {
        "kg_per_person_day",
        "per_capita_growth_per_yr",
        "coverage",
        "coverage_target",
        "coverage_target_year",
        "recycling",
        "recycling_target",
        "recycling_target_year",
        "seasonal_peak_factor",
        "records",
    },
    "plant": {"start_year", "life_years", "design_year_offset", "discount_rate"},
    "grid": {
        "emission_factor_t_per_mwh",
        "power_price_usd_per_mwh",
        "heat_price_usd_per_mwh",
        "household_mwh_per_yr",
    },
}
_KNOWN_TABLES = {
    *_KNOWN_KEYS,
    "composition",
    "moisture",
    "incineration",
    "digestion",
    "landfill_gas",
    "costs",
}
_KNOWN_TABLES |= {"uncertainty", "existing"}


def _check_keys(reader: _Reader) -> None:
    for key in reader.data:
        if key not in _KNOWN_TABLES:
            raise reader.fail(key, f"unknown table; known: {', '.join(sorted(_KNOWN_TABLES))}")
    for section, known in _KNOWN_KEYS.items():
        for key in reader.table(section, required=False):
            if key not in known:
                raise reader.fail(f"{section}.{key}", f"unknown key; known: {', '.join(sorted(known))}")


def _params(reader: _Reader, section: str, cls: type, **fixed: Any) -> Any:
    table = reader.table(section, required=False)
    names = {f.name for f in dataclasses.fields(cls)} - set(fixed)
    values: dict[str, Any] = dict(fixed)
    for key in table:
        if key not in names:
            raise reader.fail(f"{section}.{key}", f"unknown parameter; known: {', '.join(sorted(names))}")
        values[key] = reader.number(section, key)
    return cls(**values)


def _records(reader: _Reader, path: Path) -> pd.DataFrame | None:
    name = reader.table("waste").get("records")
    if name is None:
        return None
    if not isinstance(name, str):
        raise reader.fail("waste.records", f"must be a file name, got {name!r}")
    records_path = (path.parent / name).resolve()
    if not records_path.is_file():
        raise reader.fail("waste.records", f"no such file: {records_path}")
    frame = pd.read_csv(records_path)
    if "tonnes" not in frame.columns or not ({"year", "date"} & set(frame.columns)):
        msg = "tonnage records need columns 'tonnes' and either 'year' or 'date'"
        raise InputError(msg, file=str(records_path), row=1)
    return frame


def load_scenario(path: str | Path) -> Scenario:
    """Read and check a scenario file.

    Raises
    ------
    InputError
        When the file is missing, is not valid TOML, or has a missing or bad value (named by its key).
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("scenario file not found", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", file=str(path)) from None
    r = _Reader(data, path)
    _check_keys(r)
    zone = r.text("city", "climate_zone")
    if zone not in CLIMATE_ZONES:
        raise r.fail("city.climate_zone", f"unknown climate zone {zone!r}; known: {', '.join(CLIMATE_ZONES)}")
    frac = {"lo": 0.0, "hi": 1.0}
    rate = {"lo": -0.2, "hi": 0.2}
    projection = ProjectionInputs(
        base_year=r.integer("population", "base_year"),
        population=r.number("population", "count", lo=1.0),
        population_growth=r.number("population", "growth_per_yr", **rate),
        kg_per_person_day=r.number("waste", "kg_per_person_day", lo=0.01, hi=20.0),
        per_capita_growth=r.number("waste", "per_capita_growth_per_yr", default=0.0, **rate),
        coverage=r.number("waste", "coverage", default=1.0, **frac),
        coverage_target=r.optional("waste", "coverage_target", **frac),
        coverage_target_year=r.optional_year("waste", "coverage_target_year"),
        recycling=r.number("waste", "recycling", default=0.0, **frac),
        recycling_target=r.optional("waste", "recycling_target", **frac),
        recycling_target_year=r.optional_year("waste", "recycling_target_year"),
    )
    comp_table = r.table("composition")
    fractions = {}
    for key in comp_table:
        if key in ("source", "measured_hhv_mj_kg"):
            continue
        if key not in COMPONENTS:
            raise r.fail(f"composition.{key}", f"unknown waste component; known: {', '.join(COMPONENTS)}")
        fractions[key] = r.number("composition", key, **frac)
    moisture = {k: r.number("moisture", k, lo=0.0, hi=0.95) for k in r.table("moisture", required=False)}
    measured_hhv = r.optional("composition", "measured_hhv_mj_kg", lo=2.0, hi=40.0)
    try:
        composition = Composition(fractions, moisture, source=str(path), measured_hhv_mj_kg=measured_hhv)
    except InputError as exc:
        raise r.fail(exc.field or "composition", exc.reason) from None
    costs: dict[str, dict[str, CostRange]] = {}
    for tech, keys in COST_KEYS.items():
        costs[tech] = {}
        for key in keys:
            section = f"costs.{tech}"
            if key not in r.table(section):
                raise r.fail(f"{section}.{key}", "missing cost range [low, most_likely, high]")
            low, mode, high = r.pair(section, key, 3)
            costs[tech][key] = CostRange(low, mode, high, source=f"{path}: {section}.{key}")
    uncertainty: dict[str, tuple[float, float]] = {}
    for key in r.table("uncertainty", required=False):
        low, high = r.pair("uncertainty", key, 2)
        uncertainty[key] = (low, high)
    existing = tuple(
        Existing(
            name=str(item.get("name", "")),
            kind=str(item.get("kind", "")),
            capacity_t_per_day=float(item["capacity_t_per_day"]) if "capacity_t_per_day" in item else None,
            note=str(item.get("note", "")),
        )
        for item in data.get("existing", [])
    )
    return Scenario(
        name=r.text("city", "name"),
        country=r.text("city", "country"),
        source_file=str(path),
        climate_zone=zone,
        projection=projection,
        composition=composition,
        start_year=r.integer("plant", "start_year"),
        life_years=r.integer("plant", "life_years", lo=1),
        design_year_offset=r.integer("plant", "design_year_offset", default=10, lo=0),
        seasonal_peak_factor=r.number("waste", "seasonal_peak_factor", default=1.1, lo=1.0, hi=2.0),
        discount_rate=r.number("plant", "discount_rate", lo=0.0, hi=0.5),
        grid=Grid(
            emission_factor_t_per_mwh=r.number("grid", "emission_factor_t_per_mwh", lo=0.0, hi=2.0),
            power_price_usd_per_mwh=r.number("grid", "power_price_usd_per_mwh", lo=0.0),
            household_mwh_per_yr=r.number("grid", "household_mwh_per_yr", lo=0.01),
            heat_price_usd_per_mwh=r.number("grid", "heat_price_usd_per_mwh", default=0.0, lo=0.0),
        ),
        incineration=_params(r, "incineration", IncinerationParams),
        digestion=_params(r, "digestion", DigestionParams),
        landfill_gas=_params(r, "landfill_gas", LandfillGasParams, climate_zone=zone),
        costs=costs,
        uncertainty=uncertainty,
        existing=existing,
        records=_records(r, path),
    )


def load_city_scenario(city: str) -> Scenario:
    """The scenario of a sample city (``sample_data/<city>/scenario.toml``).

    Raises
    ------
    ConfigError
        For an unknown city.
    InputError
        For a missing or bad scenario file.
    """
    return load_scenario(city_dir(city) / "scenario.toml")
