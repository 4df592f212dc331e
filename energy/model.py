"""The estimator's core: one vectorised evaluation of all three technologies for a city scenario.

:func:`design` sizes the plants once, from the base case (the most likely value of every input): grate lines,
digesters and engines. :func:`evaluate` then runs the plants that design would build for any number of input
draws at once (NumPy arrays with one entry per draw), which serves the base case (one draw), the Monte Carlo
(thousands) and the tornado chart (two draws per driver) alike.

Outputs, per technology, each an array with one value per draw (see :data:`OUTPUTS` for labels and units):
electricity and capacity are averages over the plant's life unless the label says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from energy import digestion as ad
from energy import incineration as inc
from energy import landfill_gas as lfg
from energy.composition import COMPONENTS, lhv_as_received, with_organic_share
from energy.costs import gate_fee_per_t, levelised_cost_per_mwh
from energy.projection import growth_perturbation, plant_years, project_tonnage, tonnage_from_records
from energy.scenario import Scenario
from energy.sizing import (
    Layout,
    co2e_avoided_t,
    design_rate_per_h,
    digester_layout,
    engine_layout,
    grate_layout,
    households_supplied,
)

#: Global warming potential of methane over 100 years (IPCC AR5 WG1, Table 8.7, without climate feedbacks).
GWP_CH4 = 28.0
#: Oxidation of uncaptured methane in the landfill cover (IPCC 2006 Vol. 5 Table 3.2, managed covered site).
COVER_OXIDATION = 0.1

#: Monte Carlo drivers: name -> (description, unit, default (low, high) when the scenario gives none, source).
DRIVERS: dict[str, tuple[str, str, tuple[float, float] | None, str]] = {
    "organic_share": ("food + garden share of the waste", "fraction", None, "scenario"),
    "food_moisture": (
        "moisture of food waste",
        "fraction",
        (0.65, 0.80),
        "Tchobanoglous 1993 Table 4-1 range",
    ),
    "hhv_factor": ("factor on component heating values", "-", (0.90, 1.10), "Tchobanoglous 1993 Table 4-5"),
    "population_growth": ("population growth", "1/yr", None, "scenario"),
    "per_capita_growth": ("growth of waste per person", "1/yr", None, "scenario"),
    "gross_efficiency": (
        "incinerator gross electrical efficiency",
        "fraction",
        (0.20, 0.28),
        "JRC 2019 BAT 20",
    ),
    "parasitic_fraction": ("incinerator own use", "fraction of gross", (0.10, 0.20), "World Bank 1999"),
    "methane_yield_factor": (
        "factor on digestion methane yields",
        "-",
        (0.80, 1.15),
        "Davidsson et al. 2007",
    ),
    "organics_capture": (
        "organics captured for digestion",
        "fraction",
        (0.30, 0.70),
        "IEA Bioenergy T37 2013",
    ),
    "collection_efficiency": (
        "landfill gas collection efficiency",
        "fraction",
        (0.40, 0.75),
        "US EPA AP-42 2.4",
    ),
    "decay_rate_factor": (
        "factor on IPCC decay rates",
        "-",
        (0.60, 1.50),
        "IPCC 2006 Vol. 5 Table 3.3 ranges",
    ),
    "cost_quantile": (
        "position within the published cost ranges",
        "quantile",
        (0.10, 0.90),
        "scenario costs",
    ),
    "power_price": ("electricity sale price", "USD/MWh", None, "scenario"),
    "discount_rate": ("real discount rate", "1/yr", None, "scenario"),
}

#: Output name -> (label, unit).
OUTPUTS: dict[str, tuple[str, str]] = {
    "t_per_day": ("Waste treated, life average", "t/day"),
    "capacity_t_per_day": ("Capacity (grate nameplate, digester feed, landfill intake)", "t/day"),
    "mw_gross": ("Electrical output, design year (landfill gas: peak year), gross", "MW"),
    "mw_net": ("Electrical output, design year (landfill gas: peak year), net", "MW"),
    "mwh_net_per_yr": ("Net electricity, life average", "MWh/yr"),
    "households": ("Households supplied", "households"),
    "co2e_avoided_t_per_yr": ("CO2e avoided from the grid", "t/yr"),
    "direct_co2e_t_per_yr": ("Direct CO2e emitted (fossil CO2 or uncaptured CH4)", "t/yr"),
    "residues_t_per_yr": ("Residues (bottom ash or digestate)", "t/yr"),
    "capex_musd": ("Capital cost", "M USD"),
    "opex_musd_per_yr": ("Operating cost", "M USD/yr"),
    "lcoe_usd_per_mwh": ("Levelised cost of electricity", "USD/MWh"),
    "gate_fee_usd_per_t": ("Gate fee needed to break even", "USD/t"),
    "lhv_mj_kg": ("Heating value (LHV) as received", "MJ/kg"),
    "burns_unassisted": ("Burns without support fuel (share of draws)", "fraction"),
    "engines_capped": ("Output held at the installed engines' rating (share of draws)", "fraction"),
}

#: Outputs that are yes/no per draw: the summary reports the share of draws that say yes.
SHARE_OUTPUTS: tuple[str, ...] = ("burns_unassisted", "engines_capped")

Draws = dict[str, NDArray[np.float64]]
Results = dict[str, dict[str, NDArray[np.float64]]]


@dataclass(frozen=True, slots=True)
class Design:
    """The plants the base case calls for.

    Attributes
    ----------
    years
        Calendar years of the plant life.
    base_tonnes
        Base-case waste available each year, t/yr.
    design_year
        Year the plants are sized for.
    lhv_mj_kg
        Base-case LHV as received, MJ/kg.
    grate
        Grate lines (t/h each).
    digesters, ad_engines, lfg_engines
        Digester tanks (m3 each) and gas engines (MW each).
    """

    years: NDArray[np.int64]
    base_tonnes: NDArray[np.float64]
    design_year: int
    lhv_mj_kg: float
    grate: Layout
    digesters: Layout
    ad_engines: Layout
    lfg_engines: Layout


def base_tonnage(scenario: Scenario) -> NDArray[np.float64]:
    """Base-case waste available in each year of the plant life, t/yr (from records when there are any)."""
    years = plant_years(scenario.start_year, scenario.life_years)
    if scenario.records is not None:
        frame = tonnage_from_records(scenario.records, years)
    else:
        frame = project_tonnage(scenario.projection, years)
    return frame["tonnes"].to_numpy(dtype=float)


def base_draws(scenario: Scenario) -> Draws:
    """Every driver at its base (most likely) value, as one-element arrays."""
    moisture = scenario.composition.moisture_array()[COMPONENTS.index("food")]
    base = {
        "organic_share": scenario.composition.organic_share,
        "food_moisture": moisture,
        "hhv_factor": 1.0,
        "population_growth": scenario.projection.population_growth,
        "per_capita_growth": scenario.projection.per_capita_growth,
        "gross_efficiency": scenario.incineration.gross_efficiency,
        "parasitic_fraction": scenario.incineration.parasitic_fraction,
        "methane_yield_factor": 1.0,
        "organics_capture": scenario.digestion.organics_capture,
        "collection_efficiency": scenario.landfill_gas.collection_efficiency,
        "decay_rate_factor": 1.0,
        "cost_quantile": np.nan,  # NaN: the most likely value of each cost range
        "power_price": scenario.grid.power_price_usd_per_mwh,
        "discount_rate": scenario.discount_rate,
    }
    return {k: np.array([v], dtype=float) for k, v in base.items()}


@dataclass(frozen=True, slots=True)
class Waste:
    """The waste of every draw: tonnes per year and its make-up.

    Attributes
    ----------
    tonnes
        Waste available, t/yr, shape (draws, years).
    fractions, moisture
        Wet-mass share and moisture of each component, shape (draws, components).
    lhv_mj_kg
        Heating value as received, MJ/kg, one per draw.
    """

    tonnes: NDArray[np.float64]
    fractions: NDArray[np.float64]
    moisture: NDArray[np.float64]
    lhv_mj_kg: NDArray[np.float64]


def waste_of_draws(
    scenario: Scenario, draws: Draws, years: NDArray[np.int64], base_tonnes: NDArray[np.float64]
) -> Waste:
    """Tonnage and composition of each draw: the base tonnage moved by the draw's growth rates."""
    tonnes = base_tonnes[None, :] * growth_perturbation(
        years,
        scenario.projection.base_year,
        draws["population_growth"],
        draws["per_capita_growth"],
        scenario.projection.population_growth,
        scenario.projection.per_capita_growth,
    )
    fractions = with_organic_share(scenario.composition.as_array(), draws["organic_share"])
    moisture = np.broadcast_to(scenario.composition.moisture_array(), fractions.shape).copy()
    moisture[:, COMPONENTS.index("food")] = draws["food_moisture"]
    lhv = lhv_as_received(fractions, moisture, draws["hhv_factor"] * scenario.composition.hhv_calibration)
    return Waste(tonnes=tonnes, fractions=fractions, moisture=moisture, lhv_mj_kg=lhv)


def design(scenario: Scenario) -> Design:
    """Size grate lines, digesters and engines for the base case in the design year."""
    years = plant_years(scenario.start_year, scenario.life_years)
    base = base_tonnage(scenario)
    draws = base_draws(scenario)
    waste = waste_of_draws(scenario, draws, years, base)
    fractions, moisture, lhv = waste.fractions, waste.moisture, waste.lhv_mj_kg
    i = min(scenario.design_year_offset, len(years) - 1)
    peak = scenario.seasonal_peak_factor
    inc_p, ad_p, lfg_p = scenario.incineration, scenario.digestion, scenario.landfill_gas
    grate = grate_layout(design_rate_per_h(base[i], inc_p.availability_h, peak), float(lhv[0]))
    feed, vs = ad.feed_and_vs(base[i], fractions[0], moisture[0], ad_p.organics_capture, ad_p.vs_purity)
    volume = ad.digester_volume_m3(vs.sum() / 365.0 * peak, feed / 365.0 * peak, ad_p)
    ad_mw = ad.methane_mwh(ad.methane_m3(vs)) * ad_p.engine_efficiency / ad_p.availability_h * peak
    k = lfg.decay_rates(scenario.climate_zone)
    ch4 = lfg.fod_methane_t(base, fractions[0], k, docf=lfg_p.docf, mcf=lfg_p.mcf)
    lfg_mw = lfg.methane_to_mwh(ch4.max() * lfg_p.collection_efficiency, lfg_p.engine_efficiency) / lfg_p.availability_h
    return Design(
        years=years,
        base_tonnes=base,
        design_year=int(years[i]),
        lhv_mj_kg=float(lhv[0]),
        grate=grate,
        digesters=digester_layout(float(volume)),
        ad_engines=engine_layout(float(ad_mw), min_units=2),
        lfg_engines=engine_layout(float(lfg_mw), min_units=1),
    )


def _common_outputs(
    scenario: Scenario,
    draws: Draws,
    treated_t_yr: NDArray[np.float64],
    net_mwh_yr: NDArray[np.float64],
    capex_usd: NDArray[np.float64],
    opex_usd_yr: NDArray[np.float64],
    revenue_usd_yr: NDArray[np.float64],
) -> dict[str, NDArray[np.float64]]:
    """Outputs every technology reports alike, from per-year tonnes and net MWh (shape: draws, years).

    ``capex_usd`` is per draw; ``opex_usd_yr`` and ``revenue_usd_yr`` are life averages per draw.
    """
    mwh = net_mwh_yr.mean(axis=1)
    treated = treated_t_yr.mean(axis=1)
    rate, life = draws["discount_rate"], scenario.life_years
    return {
        "t_per_day": treated / 365.0,
        "mwh_net_per_yr": mwh,
        "households": households_supplied(mwh, scenario.grid.household_mwh_per_yr),
        "co2e_avoided_t_per_yr": co2e_avoided_t(mwh, scenario.grid.emission_factor_t_per_mwh),
        "capex_musd": capex_usd / 1e6,
        "opex_musd_per_yr": opex_usd_yr / 1e6,
        "lcoe_usd_per_mwh": levelised_cost_per_mwh(capex_usd, opex_usd_yr, mwh, rate, life),
        "gate_fee_usd_per_t": gate_fee_per_t(capex_usd, opex_usd_yr, revenue_usd_yr, treated, rate, life),
    }


def evaluate_incineration(
    scenario: Scenario, plan: Design, draws: Draws, waste: Waste
) -> dict[str, NDArray[np.float64]]:
    """Incineration: throughput limited by the grate (t/h) and by the furnaces' heat input (MW)."""
    i = min(scenario.design_year_offset, len(plan.years) - 1)
    price = draws["power_price"][:, None]
    q = draws["cost_quantile"]
    costs = scenario.costs["incineration"]
    p = scenario.incineration
    lhv, fractions, moisture = waste.lhv_mj_kg, waste.fractions, waste.moisture
    cap_t_h = plan.grate.total
    # The furnaces' heat input is rated at the design LHV; waste of a lower LHV is limited by the grate instead.
    thermal_cap_mw = cap_t_h * plan.lhv_mj_kg / 3.6
    hours = p.availability_h
    lhv_col = np.maximum(lhv, 0.1)[:, None]
    burnt = np.minimum(np.minimum(waste.tonnes, cap_t_h * hours), thermal_cap_mw * 3.6 * hours / lhv_col)
    eta = p.electrical_efficiency(draws["gross_efficiency"])[:, None]
    own = draws["parasitic_fraction"][:, None]
    gross = inc.electricity_mwh(burnt, lhv_col, eta)
    net = gross * (1.0 - own)
    heat = burnt * lhv_col / 3.6 * p.heat_export_fraction
    capex = costs["capex_usd_per_t_yr"].at(q) * cap_t_h * hours
    opex = costs["opex_usd_per_t"].at(q) * burnt.mean(axis=1)
    revenue = (net * price + heat * scenario.grid.heat_price_usd_per_mwh).mean(axis=1)
    residues = inc.residues_kg_per_t(fractions, moisture, p)
    return {
        **_common_outputs(scenario, draws, burnt, net, capex, opex, revenue),
        "capacity_t_per_day": np.full(len(lhv), cap_t_h * 24.0),  # nameplate: t/h x 24 h
        "mw_gross": gross[:, i] / hours,
        "mw_net": net[:, i] / hours,
        "direct_co2e_t_per_yr": inc.fossil_co2_t_per_t(fractions, moisture) * burnt.mean(axis=1),
        "residues_t_per_yr": (residues["bottom_ash"] + residues["apc_residues"]) / 1000.0 * burnt.mean(axis=1),
        "lhv_mj_kg": lhv,
        "burns_unassisted": inc.burns_without_support_fuel(lhv, fractions, moisture).astype(float),
        "engines_capped": np.full(len(lhv), np.nan),
    }


def evaluate_digestion(scenario: Scenario, plan: Design, draws: Draws, waste: Waste) -> dict[str, NDArray[np.float64]]:
    """Anaerobic digestion of separately collected organics, limited by the digesters' loading rate."""
    i = min(scenario.design_year_offset, len(plan.years) - 1)
    q = draws["cost_quantile"]
    costs = scenario.costs["digestion"]
    d = scenario.digestion
    n = len(waste.lhv_mj_kg)
    feed, vs = ad.feed_and_vs(
        waste.tonnes,
        waste.fractions[:, None, :],
        waste.moisture[:, None, :],
        draws["organics_capture"][:, None],
        d.vs_purity,
    )
    vs_cap = plan.digesters.total * d.olr_kg_vs_m3_day / 1000.0 * 365.0 / scenario.seasonal_peak_factor
    share = np.minimum(1.0, vs_cap / np.maximum(vs.sum(axis=-1), 1e-9))
    methane = ad.methane_m3(vs, draws["methane_yield_factor"][:, None]) * share
    engine_mwh = plan.ad_engines.total * d.availability_h
    potential = ad.methane_mwh(methane) * d.engine_efficiency
    gross = np.minimum(potential, engine_mwh)
    net = gross * (1.0 - d.parasitic_fraction)
    treated = feed * share
    capacity_t_yr = treated.max(axis=1) * scenario.seasonal_peak_factor
    capex = costs["capex_usd_per_t_yr"].at(q) * capacity_t_yr
    opex = costs["opex_usd_per_t"].at(q) * treated.mean(axis=1)
    revenue = (net * draws["power_price"][:, None]).mean(axis=1)
    return {
        **_common_outputs(scenario, draws, treated, net, capex, opex, revenue),
        "capacity_t_per_day": capacity_t_yr / 365.0,
        "mw_gross": gross[:, i] / d.availability_h,
        "mw_net": net[:, i] / d.availability_h,
        "direct_co2e_t_per_yr": np.zeros(n),
        "residues_t_per_yr": ad.digestate_t(treated, methane, d.methane_share).mean(axis=1),
        "lhv_mj_kg": np.full(n, np.nan),
        "burns_unassisted": np.full(n, np.nan),
        "engines_capped": (potential[:, i] > engine_mwh).astype(float),
    }


def evaluate_landfill_gas(
    scenario: Scenario, plan: Design, draws: Draws, waste: Waste
) -> dict[str, NDArray[np.float64]]:
    """Landfill gas: everything landfilled, IPCC FOD methane, the captured share burnt in the installed engines.

    Output above the engines' rating is flared, so the peak-year MW of many draws equals the engines' total.
    """
    q = draws["cost_quantile"]
    costs = scenario.costs["landfill_gas"]
    g = scenario.landfill_gas
    n = len(waste.lhv_mj_kg)
    k = lfg.decay_rates(scenario.climate_zone)[None, :] * draws["decay_rate_factor"][:, None]
    ch4 = lfg.fod_methane_t(
        waste.tonnes, waste.fractions, k, docf=g.docf, mcf=g.mcf, methane_fraction=g.methane_fraction
    )
    captured = ch4 * draws["collection_efficiency"][:, None]
    hours = g.availability_h
    potential = lfg.methane_to_mwh(captured, g.engine_efficiency)
    gross = np.minimum(potential, plan.lfg_engines.total * hours)
    net = gross * (1.0 - g.parasitic_fraction)
    capex = costs["capex_usd_per_kw"].at(q) * gross.max(axis=1) / hours * 1000.0
    landfill = costs["landfill_usd_per_t"].at(q) * waste.tonnes.mean(axis=1)
    gas_opex = costs["opex_usd_per_mwh"].at(q) * gross.mean(axis=1)
    leaked = (ch4 - captured).mean(axis=1) * (1.0 - COVER_OXIDATION) * GWP_CH4
    revenue = (net * draws["power_price"][:, None]).mean(axis=1)
    out = _common_outputs(scenario, draws, waste.tonnes, net, capex, gas_opex + landfill, revenue)
    # LCOE of landfill gas covers the gas system only: the landfill is paid for by the waste it takes.
    out["lcoe_usd_per_mwh"] = levelised_cost_per_mwh(
        capex, gas_opex, net.mean(axis=1), draws["discount_rate"], scenario.life_years
    )
    return {
        **out,
        "capacity_t_per_day": waste.tonnes.max(axis=1) / 365.0,
        "mw_gross": gross.max(axis=1) / hours,
        "mw_net": net.max(axis=1) / hours,
        "direct_co2e_t_per_yr": leaked,
        "residues_t_per_yr": np.zeros(n),
        "lhv_mj_kg": np.full(n, np.nan),
        "burns_unassisted": np.full(n, np.nan),
        "engines_capped": (potential.max(axis=1) > plan.lfg_engines.total * hours).astype(float),
    }


def evaluate(scenario: Scenario, plan: Design, draws: Draws) -> Results:
    """Outputs of the designed plants for each draw of the drivers.

    Parameters
    ----------
    scenario
        The city.
    plan
        The plants, from :func:`design`.
    draws
        One array per driver in :data:`DRIVERS`, all of the same length (the number of draws).

    Returns
    -------
    dict
        ``results[technology][output]``: arrays with one value per draw; outputs as in :data:`OUTPUTS`.
    """
    waste = waste_of_draws(scenario, draws, plan.years, plan.base_tonnes)
    return {
        "incineration": evaluate_incineration(scenario, plan, draws, waste),
        "digestion": evaluate_digestion(scenario, plan, draws, waste),
        "landfill_gas": evaluate_landfill_gas(scenario, plan, draws, waste),
    }
