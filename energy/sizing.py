"""Plant sizing: design throughput, number and size of lines or units, and what the output means to a city.

* Design throughput: the tonnage of the design year, spread over the plant's operating hours, times a seasonal
  peak factor (the busiest month's tonnage over the average month's). It is a scenario input because it depends
  on the city: where monthly weighbridge records exist, take it from them; the sample scenarios mark their
  10 % as an assumption.
* Grate lines come in standard sizes of 10-40 t/h, and a line of mixed municipal waste is rarely above about
  110 MW of fuel heat input (JRC 2019 BREF Waste Incineration, Section 2.3.1: grate capacities up to 50 t/h
  and roughly 100-120 MW thermal per line). At least two lines keep the plant receiving waste during the
  yearly maintenance of one (World Bank 1999, Section 4: "two or more furnace lines").
* Gas engines for biogas and landfill gas come in classes of about 0.5-4.5 MW (manufacturers' ranges, e.g. the
  Jenbacher type 2-6 series); digesters are built as several tanks of 2,000-8,000 m3.
* Households supplied: net electricity divided by a household's yearly consumption (a scenario input).
* CO2-equivalent avoided: net electricity times the grid's emission factor (a scenario input).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from waste.errors import InputError

#: Standard grate-line sizes, t/h of waste.
GRATE_LINE_SIZES_T_H: tuple[float, ...] = (10.0, 12.5, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0)
#: Largest fuel heat input of one grate line, MW.
MAX_LINE_THERMAL_MW = 110.0
#: Spare installed capacity accepted, over the least possible, to have fewer and larger units.
SPARE_TOLERANCE = 0.15
#: Gas-engine size classes, MW electrical.
ENGINE_SIZES_MW: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0, 3.0, 4.5)
#: Digester tank sizes, m3 working volume.
DIGESTER_SIZES_M3: tuple[float, ...] = (2000.0, 3000.0, 4000.0, 5000.0, 6000.0, 8000.0)


@dataclass(frozen=True, slots=True)
class Layout:
    """A number of identical units.

    Attributes
    ----------
    count
        Number of units.
    unit_size
        Size of each unit, in ``unit``.
    unit
        Unit of ``unit_size`` (``"t/h"``, ``"MW"``, ``"m3"``).
    """

    count: int
    unit_size: float
    unit: str

    @property
    def total(self) -> float:
        """Installed size of all units together, in ``unit``."""
        return self.count * self.unit_size

    def describe(self) -> str:
        """Short text such as ``"3 x 35 t/h"``."""
        size = f"{self.unit_size:g}" if self.unit_size < 100 else f"{self.unit_size:,.0f}"
        return f"{self.count} x {size} {self.unit}"


def design_rate_per_h(annual_t: float, availability_h: float, peak_factor: float) -> float:
    """Design throughput, t/h: the design year's tonnage over the operating hours, times the peak factor."""
    if availability_h <= 0:
        msg = f"availability must be a positive number of hours, got {availability_h}"
        raise InputError(msg, field="availability_h")
    return annual_t / availability_h * peak_factor


def choose_units(
    required: float, sizes: Sequence[float], unit: str, *, min_count: int = 1, max_count: int = 8
) -> Layout:
    """Fewest identical standard units whose total meets ``required``, preferring the least spare capacity.

    Among counts from ``min_count`` to ``max_count``, each count takes the smallest standard size that covers
    ``required / count``; the layout with the smallest installed total wins, ties going to fewer units. When
    even ``max_count`` of the largest size are too few, more of the largest size are used.
    """
    if required <= 0:
        return Layout(0, 0.0, unit)
    options: list[tuple[float, int, float]] = []
    for count in range(min_count, max_count + 1):
        fitting = [s for s in sizes if s * count >= required]
        if fitting:
            size = min(fitting)
            options.append((size * count, count, size))
    if not options:
        largest = max(sizes)
        return Layout(max(min_count, math.ceil(required / largest)), largest, unit)
    smallest = min(total for total, _, _ in options)
    near = [o for o in options if o[0] <= smallest * (1.0 + SPARE_TOLERANCE)]
    _, count, size = min(near, key=lambda o: (o[1], o[0]))
    return Layout(count, size, unit)


def grate_layout(design_t_h: float, lhv_mj_kg: float, *, min_lines: int = 2) -> Layout:
    """Grate lines for a design throughput, each within the standard sizes and the thermal limit per line."""
    allowed = [s for s in GRATE_LINE_SIZES_T_H if s * max(lhv_mj_kg, 0.0) / 3.6 <= MAX_LINE_THERMAL_MW]
    return choose_units(design_t_h, allowed or GRATE_LINE_SIZES_T_H[:1], "t/h", min_count=min_lines)


def engine_layout(mw: float, *, min_units: int = 1) -> Layout:
    """Gas engines to carry ``mw`` of electrical output."""
    return choose_units(mw, ENGINE_SIZES_MW, "MW", min_count=min_units, max_count=12)


def digester_layout(volume_m3: float) -> Layout:
    """Digester tanks for a working volume, at least two so one can be emptied for maintenance."""
    return choose_units(volume_m3, DIGESTER_SIZES_M3, "m3", min_count=2, max_count=12)


def households_supplied(mwh_per_yr: ArrayLike, household_mwh_per_yr: float) -> NDArray[np.float64]:
    """Number of households whose yearly consumption the net electricity covers."""
    return np.asarray(mwh_per_yr, dtype=float) / household_mwh_per_yr


def co2e_avoided_t(mwh_per_yr: ArrayLike, grid_t_per_mwh: ArrayLike) -> NDArray[np.float64]:
    """Tonnes of CO2e a year avoided by displacing grid electricity with the plant's net output."""
    return np.asarray(mwh_per_yr, dtype=float) * np.asarray(grid_t_per_mwh, dtype=float)
