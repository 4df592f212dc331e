"""Check the incineration estimate against real plants.

For each plant in ``energy_data/plants_validation.csv`` (in the shared data folder beside the project), the
estimator predicts electricity from the plant's own throughput and its region's typical waste, with the
default :class:`energy.incineration.IncinerationParams`, and compares like with like:

* a published *annual energy* (``observed_energy_mwh``) is compared with the estimate for the published
  tonnage; "produced" is gross, "sold" or "net" is net of own use;
* otherwise a *rated power* (``rated_mw``) is compared with the estimate at the rated throughput
  (``capacity_value`` in short tons a day, or the yearly tonnage spread over the default 8,000 operating
  hours when no daily capacity is given), gross or net as the basis says;
* plants with neither figure (Amager Bakke / CopenHill: only its efficiency is given) are listed, not scored.

Plants that export steam or heat (Baltimore RESCO, Hennepin) are compared on their rated *gross* turbine
output, which is what the generator can give when no steam is sent out, so a power-only estimate is like with
like; their yearly electricity would be lower.

The region's waste, for the United States:

* composition: US EPA *Facts and Figures 2018*, municipal solid waste landfilled by material (the residual
  stream that US plants burn; same figures as ``sample_data/baltimore/scenario.toml``);
* heating value: the US EPA default higher heating value of municipal solid waste burnt in combustors, 9.95
  mmBtu per short ton (40 CFR Part 98 Subpart C, Table C-1; repeated in EPA's *Emission Factors for Greenhouse
  Gas Inventories*, Table 1), that is 11.57 MJ/kg. The component tables alone give 13.5 MJ/kg for the same
  composition: laboratory values of clean, sorted components overstate waste as it is actually fired, so the
  published as-fired figure sets the level and the composition its moisture and hydrogen (see
  :attr:`energy.composition.Composition.hhv_calibration`). The same figure serves every US plant.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from energy.composition import Composition, lhv_as_received
from energy.incineration import IncinerationParams, electricity_mwh
from waste.errors import ConfigError, InputError

SHORT_TON_T = 0.9072
#: MJ in one mmBtu (10^6 international-table Btu).
MJ_PER_MMBTU = 1055.056


@dataclass(frozen=True, slots=True)
class RegionWaste:
    """A region's typical waste for the validation.

    Attributes
    ----------
    composition
        Wet-mass composition, with the published as-fired heating value where there is one.
    source
        Where the composition and heating value come from.
    """

    composition: Composition
    source: str

    @property
    def lhv_mj_kg(self) -> float:
        """LHV as received, MJ/kg: component tables scaled to the published HHV, less the latent heat."""
        comp = self.composition
        return float(lhv_as_received(comp.as_array(), comp.moisture_array(), comp.hhv_calibration))


#: Typical waste by country code.
REGION_WASTE: dict[str, RegionWaste] = {
    "US": RegionWaste(
        Composition(
            {
                "food": 0.241,
                "garden": 0.072,
                "paper": 0.118,
                "plastics": 0.185,
                "textiles": 0.072,
                "rubber_leather": 0.039,
                "wood": 0.083,
                "metals": 0.095,
                "glass": 0.052,
                "inerts": 0.043,
            },
            source="US EPA Facts and Figures 2018, MSW landfilled by material",
            measured_hhv_mj_kg=9.95 * MJ_PER_MMBTU / (SHORT_TON_T * 1000.0),
        ),
        "US EPA Facts and Figures 2018, MSW landfilled by material; HHV 9.95 mmBtu/short ton, "
        "40 CFR Part 98 Subpart C, Table C-1",
    ),
}

#: Columns of the validation table.
VALIDATION_COLUMNS: tuple[str, ...] = (
    "plant",
    "country",
    "compared",
    "basis",
    "unit",
    "reported",
    "estimated",
    "error_pct",
    "scored",
    "note",
)


def shared_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Shared data folder beside the project (``../shared``), or ``WASTE_SHARED_DATA`` when set."""
    override = (os.environ if env is None else env).get("WASTE_SHARED_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1].parent / "shared"


def plants_file(env: Mapping[str, str] | None = None) -> Path:
    """Path of ``plants_validation.csv``.

    Raises
    ------
    ConfigError
        When the file is not there.
    """
    path = shared_data_dir(env) / "energy_data" / "plants_validation.csv"
    if not path.is_file():
        msg = f"validation data not found at {path} (set WASTE_SHARED_DATA to the shared data folder)"
        raise ConfigError(msg)
    return path


def _tonnes(value: float, unit: str) -> float:
    if unit.startswith("short_ton"):
        return value * SHORT_TON_T
    if unit.startswith("tonne"):
        return value
    msg = f"unknown tonnage unit {unit!r}"
    raise InputError(msg, field="unit")


def _is_net(basis: str) -> bool:
    return any(word in basis for word in ("net", "sold", "sale"))


def validate(plants: pd.DataFrame, params: IncinerationParams | None = None) -> pd.DataFrame:
    """Estimate every plant and compare with its published figure.

    Parameters
    ----------
    plants
        The validation table (columns as in ``plants_validation.csv``).
    params
        Incineration parameters; the documented defaults when omitted.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`VALIDATION_COLUMNS`: ``compared`` is ``"annual energy"`` or ``"rated power"``,
        ``unit`` ``MWh`` or ``MW``, ``error_pct`` = 100 (estimated - reported) / reported, ``scored`` whether
        the row counts in the error statistics.
    """
    params = params or IncinerationParams()
    rows = []
    for plant in plants.to_dict("records"):
        country = str(plant["country"])
        row = {"plant": plant["name"], "country": country, "scored": False, "note": ""}
        if country not in REGION_WASTE:
            rows.append({**row, "note": f"no typical composition for {country} in this estimator"})
            continue
        lhv = REGION_WASTE[country].lhv_mj_kg
        eta = params.gross_efficiency
        if pd.notna(plant["observed_energy_mwh"]):
            basis = str(plant["observed_energy_basis"])
            own = params.parasitic_fraction if _is_net(basis) else 0.0
            tonnes = _tonnes(float(plant["observed_throughput_value"]), str(plant["observed_throughput_unit"]))
            estimate = float(electricity_mwh(tonnes, lhv, eta, own))
            row |= {
                "compared": "annual energy",
                "unit": "MWh",
                "reported": float(plant["observed_energy_mwh"]),
            }
        elif pd.notna(plant["rated_mw"]):
            basis = str(plant["rated_mw_basis"])
            own = params.parasitic_fraction if _is_net(basis) else 0.0
            if pd.notna(plant["capacity_value"]):
                t_h = _tonnes(float(plant["capacity_value"]), str(plant["capacity_unit"])) / 24.0
            else:
                yearly = _tonnes(float(plant["observed_throughput_value"]), str(plant["observed_throughput_unit"]))
                t_h = yearly / params.availability_h
                row["note"] = "rated throughput taken as yearly tonnes / 8,000 h; "
            estimate = float(electricity_mwh(t_h, lhv, eta, own))
            row |= {"compared": "rated power", "unit": "MW", "reported": float(plant["rated_mw"])}
        else:
            rows.append({**row, "note": "no electricity or rated power published in the data set: not scored"})
            continue
        error = 100.0 * (estimate - row["reported"]) / row["reported"]
        row |= {"basis": basis, "estimated": estimate, "error_pct": error, "scored": True}
        rows.append(row)
    return pd.DataFrame(rows).reindex(columns=list(VALIDATION_COLUMNS))


def error_summary(table: pd.DataFrame) -> dict[str, float]:
    """Median and largest absolute error (%) and number of scored plants."""
    scored = table[table["scored"].astype(bool)]["error_pct"].abs()
    return {
        "median_abs_pct": float(scored.median()),
        "max_abs_pct": float(scored.max()),
        "plants": len(scored),
    }


def run_validation(env: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read the shared validation file and return :func:`validate`'s table."""
    return validate(pd.read_csv(plants_file(env)))
