"""Heating value of mixed municipal solid waste from its composition.

Routes to the lower heating value (LHV) as received, in MJ/kg:

* **Component tables.** Each component's dry higher heating value (HHV) and hydrogen content come from the
  standard engineering tables (Tchobanoglous, Theisen & Vigil, *Integrated Solid Waste Management*,
  McGraw-Hill 1993, Table 4-1 typical moisture, Table 4-3 ultimate analysis, Table 4-5 energy content as
  discarded). The as-discarded energy values are bomb-calorimeter (HHV) figures at the table's typical
  moisture, so the dry HHV is that value divided by ``1 - moisture``. The mixture's HHV as received is the
  dry-mass-weighted sum at the *actual* moisture.
* **Measured bulk heating value.** Laboratory values of clean, sorted components overstate the heating value of
  mixed waste as it is actually burnt: the tables describe clean material, while waste as fired also carries
  soiling and fines. Where a heating value of the mixed waste as fired has been measured or published (for US
  municipal waste, the US EPA default of 9.95 mmBtu per short ton, 40 CFR Part 98 Subpart C, Table C-1), every
  component's HHV is scaled by one common factor so the mixture matches it; the composition still sets the
  moisture, hydrogen and ash, and so the LHV, the Tanner triangle and the residues.
* **Elemental analysis (Dulong).** When an ultimate analysis of the waste is available, the modified Dulong
  formula (Tchobanoglous et al. 1993, Eq. 4-10, converted from Btu/lb to kJ/kg) gives the dry HHV.

In every route the LHV as received subtracts the latent heat of the water present (the moisture) and of the
water formed by burning the hydrogen: ``LHV = HHV_ar - 2.442 * (w + 8.937 * H_ar)`` (latent heat of water at
25 degC, 2.442 MJ/kg; 8.937 kg of water per kg of hydrogen), the basis used by EN ISO 18125 / ISO 1928.

Every function accepts NumPy arrays whose last axis runs over :data:`COMPONENTS`, so the Monte Carlo can
evaluate thousands of compositions at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from waste.errors import InputError

#: Waste components, in the order used by every array in the ``energy`` package.
COMPONENTS: tuple[str, ...] = (
    "food",
    "garden",
    "paper",
    "plastics",
    "textiles",
    "wood",
    "rubber_leather",
    "glass",
    "metals",
    "inerts",
)

#: Components that anaerobic digestion and composting can take (the organic fraction).
ORGANIC_COMPONENTS: tuple[str, ...] = ("food", "garden")

#: Latent heat of vaporisation of water at 25 degC, MJ/kg (steam tables; basis of EN ISO 18125).
LATENT_HEAT_MJ_PER_KG = 2.442

#: kg of water formed per kg of hydrogen burnt: 18.015 / 2.016.
WATER_PER_HYDROGEN = 8.937


@dataclass(frozen=True, slots=True)
class ComponentProperties:
    """Typical properties of one waste component.

    Attributes
    ----------
    moisture
        Typical moisture as discarded, mass fraction of the wet component (Tchobanoglous et al. 1993, Table
        4-1).
    hhv_as_discarded_mj_kg
        Typical energy content as discarded, MJ/kg wet (Tchobanoglous et al. 1993, Table 4-5).
    carbon, hydrogen, oxygen, nitrogen, sulfur, ash
        Ultimate analysis, mass fractions of the dry component (Tchobanoglous et al. 1993, Table 4-3).
    """

    moisture: float
    hhv_as_discarded_mj_kg: float
    carbon: float
    hydrogen: float
    oxygen: float
    nitrogen: float
    sulfur: float
    ash: float

    @property
    def hhv_dry_mj_kg(self) -> float:
        """Dry higher heating value, MJ/kg dry: the as-discarded value without its water."""
        return self.hhv_as_discarded_mj_kg / (1.0 - self.moisture)


# Tchobanoglous, Theisen & Vigil (1993): Table 4-1 (moisture), Table 4-5 (energy as discarded, kJ/kg ->
# MJ/kg), Table 4-3 (ultimate analysis, % dry). Merged categories are simple means of the table's rows:
# paper = mean(paper, cardboard); rubber_leather = mean(rubber, leather); metals = mean(tin cans, other metal)
# (their energy is labels and coatings); inerts = "dirt, ashes, brick".
COMPONENT_TABLE: dict[str, ComponentProperties] = {
    "food": ComponentProperties(0.70, 4.650, 0.480, 0.064, 0.376, 0.026, 0.004, 0.050),
    "garden": ComponentProperties(0.60, 6.500, 0.478, 0.060, 0.380, 0.034, 0.003, 0.045),
    "paper": ComponentProperties(0.055, 16.525, 0.4375, 0.0595, 0.443, 0.003, 0.002, 0.055),
    "plastics": ComponentProperties(0.02, 32.600, 0.600, 0.072, 0.228, 0.0, 0.0, 0.100),
    "textiles": ComponentProperties(0.10, 17.450, 0.550, 0.066, 0.312, 0.046, 0.0015, 0.0245),
    "wood": ComponentProperties(0.20, 18.600, 0.495, 0.060, 0.427, 0.002, 0.001, 0.015),
    "rubber_leather": ComponentProperties(0.06, 20.350, 0.690, 0.090, 0.058, 0.060, 0.002, 0.100),
    "glass": ComponentProperties(0.02, 0.140, 0.005, 0.001, 0.004, 0.001, 0.0, 0.989),
    "metals": ComponentProperties(0.03, 0.700, 0.045, 0.006, 0.043, 0.0, 0.0, 0.906),
    "inerts": ComponentProperties(0.08, 6.980, 0.263, 0.030, 0.020, 0.005, 0.002, 0.680),
}

_HHV_DRY = np.array([COMPONENT_TABLE[c].hhv_dry_mj_kg for c in COMPONENTS])
_HYDROGEN = np.array([COMPONENT_TABLE[c].hydrogen for c in COMPONENTS])
_ASH = np.array([COMPONENT_TABLE[c].ash for c in COMPONENTS])
_MOISTURE = np.array([COMPONENT_TABLE[c].moisture for c in COMPONENTS])


def default_moisture() -> NDArray[np.float64]:
    """Typical moisture of each component, fraction of wet mass, in :data:`COMPONENTS` order (Table 4-1)."""
    return _MOISTURE.copy()


@dataclass(frozen=True, slots=True)
class Composition:
    """Wet-mass composition of mixed waste and, optionally, measured moisture per component.

    Parameters
    ----------
    fractions
        Wet mass fraction of each component (keys from :data:`COMPONENTS`; missing keys are 0). They must sum
        to 1 within 1 %; they are then scaled to sum to exactly 1.
    moisture
        Moisture of a component as a fraction of its wet mass, where it was measured; the typical table value
        is used for the others. Tropical food waste is wetter than the table's 70 %, which is why this exists.
    source
        Where the figures come from, for reports and error messages.
    """

    fractions: Mapping[str, float]
    moisture: Mapping[str, float] = field(default_factory=dict)
    source: str = ""
    measured_hhv_mj_kg: float | None = None

    def __post_init__(self) -> None:
        where = self.source or None
        if self.measured_hhv_mj_kg is not None and not 2.0 <= float(self.measured_hhv_mj_kg) <= 40.0:
            msg = f"must be a heating value between 2 and 40 MJ/kg, got {self.measured_hhv_mj_kg!r}"
            raise InputError(msg, file=where, field="composition.measured_hhv_mj_kg")
        for name, table in (("composition", self.fractions), ("moisture", self.moisture)):
            for key, value in table.items():
                if key not in COMPONENTS:
                    msg = f"unknown waste component {key!r}; known: {', '.join(COMPONENTS)}"
                    raise InputError(msg, file=where, field=f"{name}.{key}")
                if not 0.0 <= float(value) <= 1.0 or (name == "moisture" and float(value) >= 1.0):
                    msg = f"must be a fraction between 0 and 1 (below 1 for moisture), got {value!r}"
                    raise InputError(msg, file=where, field=f"{name}.{key}")
        total = sum(float(v) for v in self.fractions.values())
        if abs(total - 1.0) > 0.01:
            msg = f"composition fractions must sum to 1 (within 1 %), they sum to {total:.4f}"
            raise InputError(msg, file=where, field="composition")

    def as_array(self) -> NDArray[np.float64]:
        """Wet mass fractions in :data:`COMPONENTS` order, scaled to sum to 1."""
        x = np.array([float(self.fractions.get(c, 0.0)) for c in COMPONENTS])
        return x / x.sum()

    def moisture_array(self) -> NDArray[np.float64]:
        """Moisture of each component (fraction of wet mass), measured where given, else the table value."""
        return np.array([float(self.moisture.get(c, COMPONENT_TABLE[c].moisture)) for c in COMPONENTS], dtype=float)

    @property
    def hhv_calibration(self) -> float:
        """Factor on every component's HHV that makes the mixture match the measured HHV (1 without one).

        The component tables describe clean, sorted material; a heating value measured on the mixed waste as
        fired is the better figure for the whole, while the composition still gives its moisture and hydrogen.
        """
        if self.measured_hhv_mj_kg is None:
            return 1.0
        table = float(hhv_as_received(self.as_array(), self.moisture_array()))
        return float(self.measured_hhv_mj_kg) / table

    @property
    def organic_share(self) -> float:
        """Wet mass fraction of food and garden waste together."""
        x = self.as_array()
        return float(sum(x[COMPONENTS.index(c)] for c in ORGANIC_COMPONENTS))


def with_organic_share(fractions: ArrayLike, organic_share: ArrayLike) -> NDArray[np.float64]:
    """Rescale a composition so food + garden make up ``organic_share``, keeping the other ratios.

    Used by the Monte Carlo: published figures for the organic share disagree (51-59 % for Santa Cruz), while
    the split of the rest is less uncertain than its total.

    Parameters
    ----------
    fractions
        Wet mass fractions, last axis over :data:`COMPONENTS`, summing to 1.
    organic_share
        Target wet fraction of food and garden together, broadcastable against ``fractions[..., 0]``.

    Returns
    -------
    numpy.ndarray
        Wet mass fractions, same shape as the broadcast inputs, summing to 1.
    """
    x = np.asarray(fractions, dtype=float)
    share = np.asarray(organic_share, dtype=float)[..., None]
    organic = np.zeros(len(COMPONENTS), dtype=bool)
    organic[[COMPONENTS.index(c) for c in ORGANIC_COMPONENTS]] = True
    org_total = np.where(organic, x, 0.0).sum(axis=-1, keepdims=True)
    rest_total = 1.0 - org_total
    return np.where(organic, x * share / org_total, x * (1.0 - share) / rest_total)


def lhv_from_hhv(hhv_ar_mj_kg: ArrayLike, moisture: ArrayLike, hydrogen_ar: ArrayLike) -> NDArray[np.float64]:
    """Lower heating value as received from the higher heating value as received.

    Parameters
    ----------
    hhv_ar_mj_kg
        Higher heating value of the wet waste, MJ/kg as received.
    moisture
        Water content, kg per kg as received.
    hydrogen_ar
        Hydrogen content, kg per kg as received (dry hydrogen fraction times ``1 - moisture``).

    Returns
    -------
    numpy.ndarray
        LHV as received, MJ/kg: the HHV less the latent heat of the moisture and of the water from hydrogen.
    """
    hhv = np.asarray(hhv_ar_mj_kg, dtype=float)
    return hhv - LATENT_HEAT_MJ_PER_KG * (np.asarray(moisture) + WATER_PER_HYDROGEN * np.asarray(hydrogen_ar))


def proximate(fractions: ArrayLike, moisture: ArrayLike | None = None) -> dict[str, NDArray[np.float64]]:
    """Moisture, ash and combustible mass fractions of the wet mixture.

    These are the three corners of the Tanner triangle used to judge whether waste burns without support fuel.

    Parameters
    ----------
    fractions
        Wet mass fractions, last axis over :data:`COMPONENTS`.
    moisture
        Moisture of each component (fraction of wet mass); table values when omitted.

    Returns
    -------
    dict
        ``moisture``, ``ash`` and ``combustibles``, each kg per kg of wet waste; they sum to 1.
    """
    x = np.asarray(fractions, dtype=float)
    w = _MOISTURE if moisture is None else np.asarray(moisture, dtype=float)
    dry = x * (1.0 - w)
    water = (x * w).sum(axis=-1)
    ash = (dry * _ASH).sum(axis=-1)
    return {"moisture": water, "ash": ash, "combustibles": 1.0 - water - ash}


def hhv_as_received(
    fractions: ArrayLike, moisture: ArrayLike | None = None, hhv_factor: ArrayLike = 1.0
) -> NDArray[np.float64]:
    """Higher heating value of mixed waste as received, MJ/kg, from the component tables.

    Parameters are as for :func:`lhv_as_received`; this is the bomb-calorimeter (gross) value, the basis on
    which US figures (Btu/lb, mmBtu/short ton) are published.
    """
    x = np.asarray(fractions, dtype=float)
    w = _MOISTURE if moisture is None else np.asarray(moisture, dtype=float)
    return (x * (1.0 - w) * _HHV_DRY).sum(axis=-1) * np.asarray(hhv_factor, dtype=float)


def lhv_as_received(
    fractions: ArrayLike, moisture: ArrayLike | None = None, hhv_factor: ArrayLike = 1.0
) -> NDArray[np.float64]:
    """Lower heating value of mixed waste as received, from the component tables.

    Parameters
    ----------
    fractions
        Wet mass fractions, last axis over :data:`COMPONENTS`, summing to 1.
    moisture
        Moisture of each component as a fraction of its wet mass, same shape or broadcastable; table values
        (Tchobanoglous et al. 1993, Table 4-1) when omitted.
    hhv_factor
        Multiplier on every component's dry HHV (1 = table values). The Monte Carlo uses it for the spread of
        the tables themselves (their ranges are roughly +/-10 % around the typical values).

    Returns
    -------
    numpy.ndarray
        LHV as received, MJ/kg; can be negative for very wet, poor waste (it then cannot burn at all).
    """
    x = np.asarray(fractions, dtype=float)
    w = _MOISTURE if moisture is None else np.asarray(moisture, dtype=float)
    dry = x * (1.0 - w)
    hhv_ar = hhv_as_received(x, w, hhv_factor)
    hydrogen_ar = (dry * _HYDROGEN).sum(axis=-1)
    water = (x * w).sum(axis=-1)
    return lhv_from_hhv(hhv_ar, water, hydrogen_ar)


def dulong_hhv(
    carbon: ArrayLike,
    hydrogen: ArrayLike,
    oxygen: ArrayLike,
    sulfur: ArrayLike = 0.0,
    nitrogen: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Dry higher heating value from an elemental (ultimate) analysis by the modified Dulong formula.

    ``HHV [kJ/kg] = 337 C + 1419 (H - O/8) + 93 S + 23 N`` with C, H, O, S, N in percent of dry mass
    (Tchobanoglous et al. 1993, Eq. 4-10: 145 C + 610 (H - O/8) + 40 S + 10 N in Btu/lb, times 2.326).

    Parameters
    ----------
    carbon, hydrogen, oxygen, sulfur, nitrogen
        Mass fractions of the dry sample (0-1).

    Returns
    -------
    numpy.ndarray
        Dry HHV, MJ/kg.
    """
    c, h, o = (np.asarray(v, dtype=float) * 100.0 for v in (carbon, hydrogen, oxygen))
    s, n = (np.asarray(v, dtype=float) * 100.0 for v in (sulfur, nitrogen))
    return (337.0 * c + 1419.0 * (h - o / 8.0) + 93.0 * s + 23.0 * n) / 1000.0


def dulong_lhv_as_received(
    carbon: float, hydrogen: float, oxygen: float, moisture: float, sulfur: float = 0.0, nitrogen: float = 0.0
) -> float:
    """LHV as received, MJ/kg, from a dry elemental analysis and the moisture of the sample.

    Parameters
    ----------
    carbon, hydrogen, oxygen, sulfur, nitrogen
        Mass fractions of the dry sample (0-1).
    moisture
        Water, kg per kg as received.
    """
    if not 0.0 <= moisture < 1.0:
        msg = f"moisture must be a fraction in [0, 1), got {moisture!r}"
        raise InputError(msg, field="moisture")
    hhv_dry = float(dulong_hhv(carbon, hydrogen, oxygen, sulfur, nitrogen))
    return float(lhv_from_hhv(hhv_dry * (1.0 - moisture), moisture, hydrogen * (1.0 - moisture)))
