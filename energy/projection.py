"""Tonnage of waste available to a plant over its life.

Two routes, both giving the same table (one row per year):

* :func:`project_tonnage` builds it from population and its growth, waste per person and its growth, the share
  of people whose waste is collected (coverage) and the share recycled before disposal; coverage and recycling
  move in a straight line from today's value to a target value in a target year.
* :func:`tonnage_from_records` starts from the tonnes that collection plans recorded (a pandas Series indexed
  by year or by date, or a DataFrame with ``year`` or ``date`` and ``tonnes`` columns), totals them by year,
  fits the growth rate by least squares on the logarithm and extends it over the plant's life.

The result is a DataFrame with the columns

========================  =======  ==============================================================
column                    dtype    meaning
========================  =======  ==============================================================
``year``                  int64    calendar year
``population``            float64  people served by the municipality (NaN when from records)
``kg_per_person_day``     float64  waste generated per person, kg/day (NaN when from records)
``coverage``              float64  fraction of generated waste that is collected
``recycling``             float64  fraction of collected waste recycled before disposal
``tonnes``                float64  waste available for treatment, t/yr
========================  =======  ==============================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from waste.errors import InputError

PROJECTION_COLUMNS: tuple[str, ...] = (
    "year",
    "population",
    "kg_per_person_day",
    "coverage",
    "recycling",
    "tonnes",
)


@dataclass(frozen=True, slots=True)
class ProjectionInputs:
    """Drivers of waste tonnage; every rate is a fraction per year.

    Attributes
    ----------
    base_year
        Year the population and waste figures refer to.
    population
        People in the base year.
    population_growth
        Yearly growth of the population (0.01 = 1 %/yr).
    kg_per_person_day
        Waste generated per person per day in the base year, kg.
    per_capita_growth
        Yearly growth of waste per person.
    coverage, coverage_target, coverage_target_year
        Collected share of generated waste now and in the target year (linear in between, flat after).
    recycling, recycling_target, recycling_target_year
        Share of collected waste recycled or composted before disposal, now and in the target year.
    """

    base_year: int
    population: float
    population_growth: float
    kg_per_person_day: float
    per_capita_growth: float = 0.0
    coverage: float = 1.0
    coverage_target: float | None = None
    coverage_target_year: int | None = None
    recycling: float = 0.0
    recycling_target: float | None = None
    recycling_target_year: int | None = None


def _ramp(years: NDArray[np.int64], base_year: int, now: float, target: float | None, target_year: int | None):
    if target is None or target_year is None or target_year <= base_year:
        return np.full(years.shape, now, dtype=float)
    share = np.clip((years - base_year) / (target_year - base_year), 0.0, 1.0)
    return now + (target - now) * share


def plant_years(start_year: int, life_years: int) -> NDArray[np.int64]:
    """Calendar years of a plant's operating life."""
    if life_years < 1:
        msg = f"plant life must be at least one year, got {life_years}"
        raise InputError(msg, field="life_years")
    return np.arange(start_year, start_year + life_years, dtype=np.int64)


def project_tonnage(inputs: ProjectionInputs, years: ArrayLike) -> pd.DataFrame:
    """Waste available each year from population, waste per person, coverage and recycling.

    Parameters
    ----------
    inputs
        The drivers.
    years
        Calendar years to project.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PROJECTION_COLUMNS` (see the module docstring); ``tonnes`` in t/yr.
    """
    y = np.asarray(years, dtype=np.int64)
    dt = y - inputs.base_year
    population = inputs.population * (1.0 + inputs.population_growth) ** dt
    kg = inputs.kg_per_person_day * (1.0 + inputs.per_capita_growth) ** dt
    coverage = _ramp(y, inputs.base_year, inputs.coverage, inputs.coverage_target, inputs.coverage_target_year)
    recycling = _ramp(y, inputs.base_year, inputs.recycling, inputs.recycling_target, inputs.recycling_target_year)
    tonnes = population * kg * 365.0 / 1000.0 * coverage * (1.0 - recycling)
    return pd.DataFrame(
        {
            "year": y,
            "population": population,
            "kg_per_person_day": kg,
            "coverage": coverage,
            "recycling": recycling,
            "tonnes": tonnes,
        }
    )


def _yearly_totals(records: pd.Series | pd.DataFrame) -> pd.Series:
    """Tonnes per calendar year; partial years by date are scaled up to 365 days."""
    if isinstance(records, pd.DataFrame):
        if "tonnes" not in records.columns:
            msg = "tonnage records need a 'tonnes' column"
            raise InputError(msg, field="tonnes")
        if "year" in records.columns:
            series = pd.Series(records["tonnes"].to_numpy(), index=records["year"].to_numpy())
        elif "date" in records.columns:
            series = pd.Series(records["tonnes"].to_numpy(), index=pd.DatetimeIndex(records["date"]))
        else:
            msg = "tonnage records need a 'year' or a 'date' column"
            raise InputError(msg, field="year")
    else:
        series = records
    values = pd.to_numeric(series, errors="coerce")
    if values.isna().any() or (values < 0).any():
        msg = "tonnage records must be numbers of tonnes, 0 or more"
        raise InputError(msg, field="tonnes")
    if isinstance(values.index, pd.DatetimeIndex):
        frame = pd.DataFrame({"tonnes": values.to_numpy(), "year": values.index.year, "day": values.index.normalize()})
        grouped = frame.groupby("year")
        days = grouped["day"].nunique()
        return (grouped["tonnes"].sum() * 365.0 / days.clip(upper=365)).astype(float)
    return values.groupby(values.index.astype(int)).sum().astype(float)


def tonnage_from_records(
    records: pd.Series | pd.DataFrame, years: ArrayLike, *, default_growth: float = 0.0
) -> pd.DataFrame:
    """Waste available each year, extended from the tonnes that collection plans recorded.

    Parameters
    ----------
    records
        Recorded tonnes: a Series indexed by year (int) or by timestamp, or a DataFrame with ``tonnes`` and
        either ``year`` or ``date``. Dated records are totalled per year and scaled to a full year by the
        number of days that have records.
    years
        Calendar years to project.
    default_growth
        Yearly growth used when fewer than two years are recorded (fraction per year).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PROJECTION_COLUMNS`; population and per-person columns are NaN, coverage 1 and
        recycling 0 (records are what was actually collected for disposal).
    """
    totals = _yearly_totals(records)
    if totals.empty:
        msg = "no tonnage records to project from"
        raise InputError(msg, field="tonnes")
    record_years = totals.index.to_numpy(dtype=float)
    if len(totals) >= 2 and (totals > 0).all():
        slope, intercept = np.polyfit(record_years, np.log(totals.to_numpy()), 1)
        growth = float(np.expm1(slope))
        last_year = record_years.max()
        base = float(np.exp(intercept + slope * last_year))
    else:
        growth = default_growth
        last_year = record_years.max()
        base = float(totals.loc[int(last_year)])
    y = np.asarray(years, dtype=np.int64)
    tonnes = base * (1.0 + growth) ** (y - last_year)
    nan = np.full(y.shape, np.nan)
    return pd.DataFrame(
        {
            "year": y,
            "population": nan,
            "kg_per_person_day": nan,
            "coverage": np.ones(y.shape),
            "recycling": np.zeros(y.shape),
            "tonnes": tonnes,
        }
    )


def growth_perturbation(
    years: ArrayLike,
    base_year: int,
    population_growth: ArrayLike,
    per_capita_growth: ArrayLike,
    base_population_growth: float,
    base_per_capita_growth: float,
) -> NDArray[np.float64]:
    """Factor by which each year's tonnage changes when the growth rates differ from their base values.

    The Monte Carlo multiplies a base projection by this factor, so the same code serves projections from
    population and from records.

    Returns
    -------
    numpy.ndarray
        Shape ``(draws, years)`` for growth arrays of shape ``(draws,)``.
    """
    dt = np.asarray(years, dtype=float) - base_year
    gp = np.asarray(population_growth, dtype=float)[..., None]
    gw = np.asarray(per_capita_growth, dtype=float)[..., None]
    ratio = (1.0 + gp) * (1.0 + gw) / ((1.0 + base_population_growth) * (1.0 + base_per_capita_growth))
    return ratio**dt
