"""Mass-burn incineration with energy recovery: electricity (and heat), combustion check and residues.

Parameters and sources:

* Gross electrical efficiency, power-only, on the waste's LHV: 0.25 (range 0.20-0.28). The EU Best Available
  Techniques Reference Document for Waste Incineration (JRC, 2019), BAT 20, gives BAT-associated gross
  electrical efficiencies of 20-35 % for existing and 25-35 % for new municipal waste plants; US mass-burn
  plants of the 1985-1995 generation, with steam at about 400 degC and 45 bar, sit in the lower half.
* Own consumption (station service): 15 % of gross (range 10-20 %; World Bank, *Municipal Solid Waste
  Incineration: Technical Guidance Report*, 1999, Section 5; air-cooled condensers sit at the top).
* Combined heat and power: each unit of heat exported costs 1/Z units of electricity, with Z = 6 for district
  heating at 80-100 degC from an extraction-condensing turbine (Danish Energy Agency, *Technology Data for
  Energy Plants*, waste-to-energy CHP chapter; typical Z of 5-8). Heat efficiency up to 0.65 without and 0.85
  with flue-gas condensation.
* Availability: 8,000 operating hours a year (World Bank 1999: "at least 7,500 h"; typical plants
  8,000-8,300 h).
* Stable combustion: LHV at least 6 MJ/kg at all times and 7 MJ/kg on the yearly average (World Bank 1999,
  Section 2, "waste as fuel"); Tanner triangle: moisture <= 50 %, ash <= 60 %, combustibles >= 25 % (Tanner,
  *Schweizerische Bauzeitung* 1965, as used by World Bank 1999).
* Residues: bottom ash is the waste's inert mass (component ash from the composition tables) plus 15 % quench
  water and 3 % unburnt matter (JRC 2019 BREF: bottom ash 150-250 kg/t, about 20 % water after quenching);
  air-pollution-control residues 30 kg/t (BREF: 20-40 kg/t with dry or semi-dry lime scrubbing).
* Fossil CO2: IPCC 2006 Vol. 5 Table 2.4 carbon content and fossil carbon fraction of dry matter, oxidation
  100 % (Vol. 5 Table 5.2, municipal waste incinerators).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from energy.composition import COMPONENT_TABLE, COMPONENTS, proximate

#: IPCC 2006 Vol. 5 Table 2.4: (total carbon, fossil carbon fraction), both of dry matter.
_CARBON: dict[str, tuple[float, float]] = {
    "food": (0.38, 0.0),
    "garden": (0.49, 0.0),
    "paper": (0.46, 0.01),
    "plastics": (0.75, 1.0),
    "textiles": (0.50, 0.20),
    "wood": (0.50, 0.0),
    "rubber_leather": (0.67, 0.20),
    "glass": (0.0, 0.0),
    "metals": (0.0, 0.0),
    "inerts": (0.03, 1.0),
}
_FOSSIL_C = np.array([_CARBON[c][0] * _CARBON[c][1] for c in COMPONENTS])
_ASH = np.array([COMPONENT_TABLE[c].ash for c in COMPONENTS])

#: World Bank (1999) limits for stable combustion without support fuel, MJ/kg.
MIN_LHV_ANNUAL_MJ_KG = 7.0
MIN_LHV_ALWAYS_MJ_KG = 6.0


@dataclass(frozen=True, slots=True)
class IncinerationParams:
    """Incineration plant parameters; defaults and sources in the module docstring.

    Attributes
    ----------
    gross_efficiency
        Gross electrical efficiency in power-only operation, on LHV (-).
    parasitic_fraction
        Share of gross electricity used by the plant itself (-).
    heat_export_fraction
        Heat delivered to a district-heating or steam network, as a fraction of the fuel's LHV (0 = power
        only).
    z_factor
        Electricity lost per unit of heat extracted, inverse (-): MJ heat per MJ electricity forgone.
    availability_h
        Operating hours a year at full load (h).
    quench_water_fraction, unburnt_fraction
        Water and unburnt matter in the bottom ash, as fractions of the wet bottom ash (-).
    apc_residue_kg_per_t
        Air-pollution-control residues, kg per tonne of waste.
    """

    gross_efficiency: float = 0.25
    parasitic_fraction: float = 0.15
    heat_export_fraction: float = 0.0
    z_factor: float = 6.0
    availability_h: float = 8000.0
    quench_water_fraction: float = 0.15
    unburnt_fraction: float = 0.03
    apc_residue_kg_per_t: float = 30.0

    def electrical_efficiency(self, gross_efficiency: ArrayLike | None = None) -> NDArray[np.float64]:
        """Gross electrical efficiency after heat export (CHP reduces it by heat / Z), on LHV."""
        eta = np.asarray(self.gross_efficiency if gross_efficiency is None else gross_efficiency, dtype=float)
        return np.maximum(eta - self.heat_export_fraction / self.z_factor, 0.0)


def thermal_mw(tonnes_per_h: ArrayLike, lhv_mj_kg: ArrayLike) -> NDArray[np.float64]:
    """Fuel heat input, MW, of waste burnt at ``tonnes_per_h`` with an LHV of ``lhv_mj_kg``.

    1 t/h at 1 MJ/kg is 1 GJ/h, that is 1/3.6 MW.
    """
    return np.asarray(tonnes_per_h, dtype=float) * np.asarray(lhv_mj_kg, dtype=float) / 3.6


def electricity_mwh(
    tonnes: ArrayLike, lhv_mj_kg: ArrayLike, efficiency: ArrayLike, parasitic_fraction: ArrayLike = 0.0
) -> NDArray[np.float64]:
    """Electricity, MWh, from ``tonnes`` of waste: tonnes * LHV (GJ/t) / 3.6 * efficiency * (1 - own use)."""
    gj = np.asarray(tonnes, dtype=float) * np.asarray(lhv_mj_kg, dtype=float)
    return gj / 3.6 * np.asarray(efficiency, dtype=float) * (1.0 - np.asarray(parasitic_fraction, dtype=float))


def burns_without_support_fuel(
    lhv_mj_kg: ArrayLike, fractions: ArrayLike, moisture: ArrayLike | None = None
) -> NDArray[np.bool_]:
    """Whether waste can be burnt in a grate furnace without support fuel.

    True when the yearly-average LHV reaches 7 MJ/kg (World Bank 1999) and the waste lies inside the Tanner
    triangle (moisture <= 50 %, ash <= 60 %, combustibles >= 25 %).
    """
    p = proximate(fractions, moisture)
    tanner = (p["moisture"] <= 0.50) & (p["ash"] <= 0.60) & (p["combustibles"] >= 0.25)
    return (np.asarray(lhv_mj_kg) >= MIN_LHV_ANNUAL_MJ_KG) & tanner


def residues_kg_per_t(
    fractions: ArrayLike, moisture: ArrayLike | None = None, params: IncinerationParams | None = None
) -> dict[str, NDArray[np.float64]]:
    """Bottom ash and air-pollution-control residues, kg per tonne of waste burnt.

    Returns
    -------
    dict
        ``bottom_ash`` (wet, after quenching) and ``apc_residues``, kg/t.
    """
    params = params or IncinerationParams()
    inert = proximate(fractions, moisture)["ash"]
    bottom = inert / (1.0 - params.quench_water_fraction - params.unburnt_fraction) * 1000.0
    return {
        "bottom_ash": np.asarray(bottom),
        "apc_residues": np.full_like(bottom, params.apc_residue_kg_per_t),
    }


def fossil_co2_t_per_t(fractions: ArrayLike, moisture: ArrayLike | None = None) -> NDArray[np.float64]:
    """Fossil CO2 released by burning one tonne of waste, t CO2/t (IPCC 2006 Vol. 5 Eq. 5.1, oxidation 1)."""
    x = np.asarray(fractions, dtype=float)
    w = np.array([COMPONENT_TABLE[c].moisture for c in COMPONENTS]) if moisture is None else np.asarray(moisture)
    dry = x * (1.0 - w)
    return (dry * _FOSSIL_C).sum(axis=-1) * 44.0 / 12.0
