"""Anaerobic digestion of the source-separated organic fraction: biogas, electricity and digestate.

Parameters and sources:

* Feedstock: food and garden waste delivered separately; the share captured by separate collection is a
  scenario input (``organics_capture``), typically 0.3-0.7 of the organic fraction in the first years of a
  programme (IEA Bioenergy Task 37, *Source separation of MSW*, 2013).
* Total solids from the composition's moisture; volatile solids = 1 - ash of the dry matter (Tchobanoglous
  et al. 1993, Table 4-3: food 95 %, garden 95.5 % of dry mass) times 0.92 for grit, bones and packaging that
  separate collection brings in (a documented allowance; source-separated biowaste typically has VS/TS of
  0.80-0.90, Davidsson et al., *Waste Management* 27 (2007) 406-414).
* Practical methane yield, m3 CH4 (0 degC, 1 atm) per kg VS: food 0.40, garden 0.20. Davidsson et al. (2007)
  measured 0.30-0.40 for source-sorted food waste; Owens & Chynoweth, *Water Sci. Technol.* 27 (1993) 1-14,
  about 0.14-0.21 for yard waste (lignin limits it). The Monte Carlo multiplies both by 0.8-1.15.
* Methane share of biogas 0.60 (range 0.55-0.65, same sources).
* Gas engine CHP: electrical efficiency 0.40 on LHV (range 0.36-0.42 for 0.5-4 MW engines; IRENA, *Biomass for
  Power Generation*, 2012, Section 3), own use 8 % of gross (pumps, mixers, pre-treatment).
* Digester loading 3 kg VS/m3/day, mesophilic single-stage wet process, and at least 20 days retention
  (Vandevivere, De Baere & Verstraete, in *Biomethanization of the OFMSW*, IWA 2003, Ch. 4).
* Digestate = feed - mass of biogas (CH4 0.717 kg/m3, CO2 1.977 kg/m3 at 0 degC).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from energy.composition import COMPONENT_TABLE, COMPONENTS
from energy.landfill_gas import METHANE_KG_PER_M3, METHANE_LHV_MJ_PER_M3

CO2_KG_PER_M3 = 1.977

#: Practical methane yield, m3 CH4 per kg volatile solids (see module docstring).
METHANE_YIELD_M3_PER_KG_VS: dict[str, float] = {"food": 0.40, "garden": 0.20}


@dataclass(frozen=True, slots=True)
class DigestionParams:
    """Anaerobic digestion plant parameters; defaults and sources in the module docstring.

    Attributes
    ----------
    organics_capture
        Fraction of the food and garden waste that separate collection delivers to the plant (-).
    vs_purity
        Factor on the table's VS/TS for contaminants in separately collected biowaste (-).
    methane_share
        Volume fraction of methane in the biogas (-).
    engine_efficiency
        Electrical efficiency of the gas engines on methane LHV (-).
    parasitic_fraction
        Share of gross electricity used by the plant (-).
    olr_kg_vs_m3_day
        Organic loading rate of the digesters, kg VS per m3 of digester per day.
    min_retention_days
        Minimum hydraulic retention time, days.
    availability_h
        Engine running hours a year (h).
    """

    organics_capture: float = 0.5
    vs_purity: float = 0.92
    methane_share: float = 0.60
    engine_efficiency: float = 0.40
    parasitic_fraction: float = 0.08
    olr_kg_vs_m3_day: float = 3.0
    min_retention_days: float = 20.0
    availability_h: float = 8000.0


def _organic_index() -> list[int]:
    return [COMPONENTS.index(c) for c in METHANE_YIELD_M3_PER_KG_VS]


def feed_and_vs(
    tonnes_mixed: ArrayLike, fractions: ArrayLike, moisture: ArrayLike, capture: ArrayLike, vs_purity: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Organic feed and its volatile solids, tonnes, from tonnes of mixed waste.

    Parameters
    ----------
    tonnes_mixed
        Mixed waste, tonnes (any shape ``S``).
    fractions, moisture
        Wet mass fractions and component moisture, last axis over :data:`COMPONENTS`, broadcastable to ``S``.
    capture
        Fraction of the organic fraction delivered, broadcastable to ``S``.
    vs_purity
        Factor on VS/TS (see :class:`DigestionParams`).

    Returns
    -------
    tuple of numpy.ndarray
        ``(feed_t, vs_t_by_component)``; the second has a trailing axis over the organic components.
    """
    idx = _organic_index()
    x = np.asarray(fractions, dtype=float)[..., idx]
    w = np.asarray(moisture, dtype=float)[..., idx]
    vs_ts = np.array([1.0 - COMPONENT_TABLE[COMPONENTS[i]].ash for i in idx]) * vs_purity
    feed_by_comp = np.asarray(tonnes_mixed, dtype=float)[..., None] * np.asarray(capture)[..., None] * x
    vs = feed_by_comp * (1.0 - w) * vs_ts
    return feed_by_comp.sum(axis=-1), vs


def methane_m3(vs_t_by_component: ArrayLike, yield_factor: ArrayLike = 1.0) -> NDArray[np.float64]:
    """Methane, m3 at 0 degC, from tonnes of VS per organic component (last axis) times a yield factor."""
    yields = np.array(list(METHANE_YIELD_M3_PER_KG_VS.values())) * 1000.0  # m3 per t VS
    vs = np.asarray(vs_t_by_component, dtype=float)
    return (vs * yields).sum(axis=-1) * np.asarray(yield_factor, dtype=float)


def methane_mwh(methane: ArrayLike) -> NDArray[np.float64]:
    """Energy content (LHV) of methane, MWh, from m3 at 0 degC."""
    return np.asarray(methane, dtype=float) * METHANE_LHV_MJ_PER_M3 / 3600.0


def digestate_t(feed_t: ArrayLike, methane: ArrayLike, methane_share: float) -> NDArray[np.float64]:
    """Digestate, tonnes: feed less the mass of biogas (methane and CO2) leaving as gas."""
    ch4 = np.asarray(methane, dtype=float)
    co2 = ch4 * (1.0 - methane_share) / methane_share
    gas_t = (ch4 * METHANE_KG_PER_M3 + co2 * CO2_KG_PER_M3) / 1000.0
    return np.asarray(feed_t, dtype=float) - gas_t


def digester_volume_m3(vs_t_per_day: ArrayLike, feed_t_per_day: ArrayLike, params: DigestionParams) -> NDArray:
    """Working digester volume, m3: the larger of the loading-rate volume and the retention-time volume.

    The retention volume assumes a feed density of 1 t/m3 after dilution (wet process).
    """
    by_loading = np.asarray(vs_t_per_day, dtype=float) * 1000.0 / params.olr_kg_vs_m3_day
    by_retention = np.asarray(feed_t_per_day, dtype=float) * params.min_retention_days
    return np.maximum(by_loading, by_retention)
