"""Landfill gas: methane generation by the IPCC 2006 first-order decay (FOD) model and power from it.

Method: IPCC 2006 Guidelines for National Greenhouse Gas Inventories, Vol. 5 (Waste), Ch. 3, Eqs. 3.2-3.6:

* decomposable degradable organic carbon deposited: ``DDOCm = W * DOC * DOCf * MCF``;
* accumulated: ``DDOCma_T = DDOCmd_T + DDOCma_(T-1) * exp(-k)``;
* decomposed in year T: ``DDOCm_decomp_T = DDOCma_(T-1) * (1 - exp(-k))``;
* methane generated: ``CH4_T = DDOCm_decomp_T * F * 16/12``.

Waste deposited in year T starts to decompose in year T+1 (the equations as written, without the optional
six-month delay of the IPCC spreadsheet). Each component decays at its own rate (the multi-phase option).

Parameters and their sources:

* DOC, wet basis (Vol. 5 Table 2.4 defaults): food 0.15, garden 0.20, paper 0.40, wood 0.43, textiles 0.24.
  Rubber and leather (table: 0.39) are set to 0 because, as the table's note says, natural rubber hardly
  degrades under anaerobic conditions; plastics, glass, metals and inerts hold no DOC.
* DOCf = 0.5 (Vol. 5 Section 3.2.3 default), MCF = 1.0 for a managed anaerobic landfill (Table 3.1), F = 0.5
  (Section 3.2.3 default fraction of CH4 in generated landfill gas).
* Decay rates k, 1/yr, by climate zone (Vol. 5 Table 3.3 defaults): see :data:`DECAY_RATES`.
* Collection efficiency: 0.60 over the life of the site, range 0.40-0.75 (US EPA AP-42 Section 2.4 assumes
  75 % for sites with a well-designed collection system; lifetime averages of 50-60 % are usual because cells
  are open before capping; US EPA LMOP, *LFG Energy Project Development Handbook*, 2021, Ch. 2).
* Engine electrical efficiency 0.35 on LHV: reciprocating engines' heat rate of about 10,800 Btu/kWh on HHV
  (LMOP Handbook, Ch. 3), i.e. 31.6 % on HHV, 35 % on LHV (methane HHV/LHV = 39.8/35.8).
* Own use (blowers, gas treatment) 7 % of gross output (LMOP Handbook, Ch. 3: parasitic loads of 5-10 %).
* Methane: 0.717 kg/m3 and LHV 35.8 MJ/m3 at 0 degC, 1 atm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from energy.composition import COMPONENTS
from waste.errors import InputError

#: Methane density at 0 degC and 101.325 kPa, kg/m3.
METHANE_KG_PER_M3 = 0.717
#: Methane lower heating value at 0 degC and 101.325 kPa, MJ/m3.
METHANE_LHV_MJ_PER_M3 = 35.8

#: Degradable organic carbon, fraction of wet mass (IPCC 2006 Vol. 5 Table 2.4; rubber set to 0, see module
#: doc).
DOC_WET: dict[str, float] = {
    "food": 0.15,
    "garden": 0.20,
    "paper": 0.40,
    "plastics": 0.0,
    "textiles": 0.24,
    "wood": 0.43,
    "rubber_leather": 0.0,
    "glass": 0.0,
    "metals": 0.0,
    "inerts": 0.0,
}

# IPCC 2006 Vol. 5 Table 3.3 groups: slowly degrading (paper, textiles), slowly degrading (wood), moderately
# degrading (garden), rapidly degrading (food).
_K_GROUP = {"food": "food", "garden": "garden", "paper": "paper", "textiles": "paper", "wood": "wood"}

#: Default decay rate k (1/yr) by climate zone and waste type (IPCC 2006 Vol. 5 Table 3.3). Boreal and
#: temperate zones have mean annual temperature <= 20 degC, tropical > 20 degC; "wet" means MAP/PET > 1
#: (temperate) or MAP >= 1000 mm (tropical).
DECAY_RATES: dict[str, dict[str, float]] = {
    "temperate_dry": {"paper": 0.04, "wood": 0.02, "garden": 0.05, "food": 0.06},
    "temperate_wet": {"paper": 0.06, "wood": 0.03, "garden": 0.10, "food": 0.185},
    "tropical_dry": {"paper": 0.045, "wood": 0.025, "garden": 0.065, "food": 0.085},
    "tropical_wet": {"paper": 0.07, "wood": 0.035, "garden": 0.17, "food": 0.40},
}
CLIMATE_ZONES: tuple[str, ...] = tuple(DECAY_RATES)


@dataclass(frozen=True, slots=True)
class LandfillGasParams:
    """Landfill and gas-to-power parameters; defaults and sources in the module docstring.

    Attributes
    ----------
    climate_zone
        One of :data:`CLIMATE_ZONES`; picks the decay rates.
    docf
        Fraction of DOC that decomposes (-).
    mcf
        Methane correction factor of the site (-).
    methane_fraction
        Volume fraction of methane in generated landfill gas (-).
    collection_efficiency
        Fraction of generated methane captured over the life of the site (-).
    engine_efficiency
        Gross electrical efficiency of the gas engines on methane LHV (-).
    parasitic_fraction
        Share of gross output used on site (-).
    availability_h
        Hours a year the gas engines run, h/yr (about 91 %: planned maintenance and well-field outages).
    """

    climate_zone: str = "temperate_wet"
    docf: float = 0.5
    mcf: float = 1.0
    methane_fraction: float = 0.5
    collection_efficiency: float = 0.60
    engine_efficiency: float = 0.35
    parasitic_fraction: float = 0.07
    availability_h: float = 8000.0

    def __post_init__(self) -> None:
        if self.climate_zone not in DECAY_RATES:
            msg = f"unknown climate zone {self.climate_zone!r}; known: {', '.join(CLIMATE_ZONES)}"
            raise InputError(msg, field="climate_zone")


def decay_rates(climate_zone: str) -> NDArray[np.float64]:
    """Decay rate k (1/yr) of each component in :data:`COMPONENTS` order; 0 for components without DOC."""
    if climate_zone not in DECAY_RATES:
        msg = f"unknown climate zone {climate_zone!r}; known: {', '.join(CLIMATE_ZONES)}"
        raise InputError(msg, field="climate_zone")
    table = DECAY_RATES[climate_zone]
    return np.array([table[_K_GROUP[c]] if c in _K_GROUP else 0.0 for c in COMPONENTS])


def doc_array() -> NDArray[np.float64]:
    """DOC (fraction of wet mass) of each component in :data:`COMPONENTS` order."""
    return np.array([DOC_WET[c] for c in COMPONENTS])


def fod_methane_t(
    deposits_t: ArrayLike,
    fractions: ArrayLike,
    k_per_yr: ArrayLike,
    *,
    docf: float = 0.5,
    mcf: float = 1.0,
    methane_fraction: float = 0.5,
    years_after: int = 0,
) -> NDArray[np.float64]:
    """Methane generated each year by waste deposited over several years (IPCC 2006 FOD, multi-phase).

    Parameters
    ----------
    deposits_t
        Wet tonnes deposited each year, shape ``(..., years)``.
    fractions
        Wet mass fractions of the waste, last axis over :data:`COMPONENTS`, broadcastable to ``(..., n)``.
    k_per_yr
        Decay rate of each component, 1/yr, broadcastable to ``(..., n)``.
    docf, mcf, methane_fraction
        IPCC DOCf, MCF and F.
    years_after
        Extra years to follow after the last deposit (the site keeps producing gas after closure).

    Returns
    -------
    numpy.ndarray
        Methane generated, tonnes per year, shape ``(..., years + years_after)``; year 0 is the first year of
        deposit (no methane yet, as deposits start to decompose the year after).
    """
    w = np.asarray(deposits_t, dtype=float)
    x = np.asarray(fractions, dtype=float)
    k = np.asarray(k_per_yr, dtype=float)
    n_years = w.shape[-1] + years_after
    w = np.concatenate([w, np.zeros((*w.shape[:-1], years_after))], axis=-1)
    ddoc = w[..., :, None] * (x * doc_array() * docf * mcf)[..., None, :]  # (..., years, n)
    keep = np.exp(-k)
    shape = np.broadcast_shapes(ddoc.shape[:-2] + ddoc.shape[-1:], keep.shape)
    accumulated = np.zeros(shape)
    methane = np.zeros((*shape[:-1], n_years))
    for year in range(n_years):
        decomposed = accumulated * (1.0 - keep)
        methane[..., year] = decomposed.sum(axis=-1) * methane_fraction * 16.0 / 12.0
        accumulated = ddoc[..., year, :] + accumulated * keep
    return methane


def single_deposit_methane_closed_form(
    ddocm_t: float, k_per_yr: float, years: int, methane_fraction: float = 0.5
) -> NDArray[np.float64]:
    """Methane, t/yr, from one deposit of ``ddocm_t`` tonnes of decomposable DOC, by the closed form.

    Year 0 is the year of deposit; year n >= 1 generates
    ``DDOCm * exp(-k (n-1)) * (1 - exp(-k)) * F * 16/12``. Kept for tests: the recursive model must match it.
    """
    n = np.arange(years)
    decomposed = np.where(n >= 1, ddocm_t * np.exp(-k_per_yr * (n - 1)) * (1.0 - np.exp(-k_per_yr)), 0.0)
    return decomposed * methane_fraction * 16.0 / 12.0


def methane_to_mwh(methane_t: ArrayLike, efficiency: ArrayLike) -> NDArray[np.float64]:
    """Electricity, MWh, from tonnes of methane burnt in engines of the given LHV efficiency."""
    energy_gj = np.asarray(methane_t, dtype=float) * 1000.0 / METHANE_KG_PER_M3 * METHANE_LHV_MJ_PER_M3 / 1000.0
    return energy_gj / 3.6 * np.asarray(efficiency, dtype=float)
