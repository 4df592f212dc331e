"""Planner's report of an assessment, in Markdown or HTML, with its PNG charts beside it.

The report is built as a list of blocks (headings, paragraphs, tables, images) and rendered to either format,
so both carry the same content: a summary in words, the side-by-side comparison with P10-P90 ranges, the
recommended plants, the main drivers, the existing facilities, and the methods and sources.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import pandas as pd

from energy.assessment import Assessment
from energy.charts import TECH_LABELS, write_charts
from energy.composition import COMPONENTS
from energy.scenario import TECHNOLOGIES
from energy.validation import REGION_WASTE
from waste.errors import InputError

FORMATS: tuple[str, ...] = ("md", "html")

#: Rows of the comparison table, in order.
TABLE_OUTPUTS: tuple[str, ...] = (
    "t_per_day",
    "capacity_t_per_day",
    "mw_gross",
    "mw_net",
    "mwh_net_per_yr",
    "households",
    "co2e_avoided_t_per_yr",
    "direct_co2e_t_per_yr",
    "residues_t_per_yr",
    "capex_musd",
    "opex_musd_per_yr",
    "lcoe_usd_per_mwh",
    "gate_fee_usd_per_t",
    "lhv_mj_kg",
)


def fmt(value: float) -> str:
    """A figure rounded for reading: three significant digits, thousands separated ("403,000", "8.31")."""
    if value != value:  # NaN
        return "-"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 100:
        digits = math.floor(math.log10(magnitude)) - 2
        return f"{round(value, -digits):,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def fmt_range(p50: float, p10: float, p90: float) -> str:
    """``P50 (P10-P90)``, or the single figure when the range is empty (a fixed design quantity)."""
    if p50 != p50:
        return "-"
    if fmt(p10) == fmt(p90):
        return fmt(p50)
    return f"{fmt(p50)} ({fmt(p10)}-{fmt(p90)})"


def _capped_text(a: Assessment, technology: str) -> str:
    """How often the installed engines hold back the output, or nothing when they never do."""
    share = a.value(technology, "engines_capped", "p50")
    if not share > 0:
        return ""
    return f"; they cap the peak output in {share:.0%} of the draws, the gas above it is flared"


def layouts(a: Assessment) -> dict[str, str]:
    """Recommended capacity and layout of each technology, in words."""
    p = a.plan
    lhv = p.lhv_mj_kg
    return {
        "incineration": f"{p.grate.describe()} grate lines ({p.grate.total * 24:,.0f} t/day; "
        f"{p.grate.unit_size * lhv / 3.6:.0f} MW fuel input per line at the base case's {lhv:.1f} MJ/kg)",
        "digestion": f"{p.digesters.describe()} digesters, {p.ad_engines.describe()} gas engines"
        + _capped_text(a, "digestion"),
        "landfill_gas": f"{p.lfg_engines.describe()} gas engines ({p.lfg_engines.total:g} MW), installed in stages "
        "as gas builds up" + _capped_text(a, "landfill_gas"),
    }


def comparison_table(a: Assessment) -> pd.DataFrame:
    """Side-by-side comparison: one row per output, one column per technology, ``P50 (P10-P90)`` text."""
    rows = []
    s = a.summary.set_index(["technology", "output"])
    for output in TABLE_OUTPUTS:
        label, unit = s.loc[(TECHNOLOGIES[0], output), ["label", "unit"]]
        if output == "households":
            label = f"{label} (at {a.scenario.grid.household_mwh_per_yr:g} MWh/yr each)"
        row = {"output": label if unit.lower() in label.lower() else f"{label} ({unit})"}
        for tech in TECHNOLOGIES:
            r = s.loc[(tech, output)]
            row[TECH_LABELS[tech]] = fmt_range(r["p50"], r["p10"], r["p90"])
        rows.append(row)
    burns = a.value("incineration", "burns_unassisted")
    share = a.value("incineration", "burns_unassisted", "p50")
    rows.append(
        {
            "output": "Burns without support fuel",
            TECH_LABELS["incineration"]: f"{'yes' if burns >= 1 else 'no'} ({share:.0%} of draws)",
            TECH_LABELS["digestion"]: "-",
            TECH_LABELS["landfill_gas"]: "-",
        }
    )
    plan = layouts(a)
    rows.append({"output": "Recommended capacity and layout", **{TECH_LABELS[t]: plan[t] for t in TECHNOLOGIES}})
    return pd.DataFrame(rows)


def heating_value_source(a: Assessment) -> str:
    """Where the heating value comes from, and how far to trust it, in one sentence."""
    comp = a.scenario.composition
    if comp.measured_hhv_mj_kg is not None:
        return (
            f"component tables scaled by {comp.hhv_calibration:.2f} to the measured as-fired HHV of "
            f"{comp.measured_hhv_mj_kg:.1f} MJ/kg given in the scenario"
        )
    us = REGION_WASTE["US"].composition
    return (
        "component tables only: no heating value measured on this city's waste is known. For US waste the "
        f"same tables give {1 / us.hhv_calibration - 1:.0%} more than the published as-fired value, so treat "
        "this as an upper estimate and measure it before committing to incineration"
    )


def _rating_text(design_lhv: float, p50_lhv: float) -> str:
    """Why the furnaces' heat input is rated at the base case's LHV, and what that means for the P50 waste."""
    if design_lhv > 1.01 * p50_lhv:
        where = f"above the P50 of the draws ({p50_lhv:.1f})"
    elif design_lhv < 0.99 * p50_lhv:
        where = f"below the P50 of the draws ({p50_lhv:.1f})"
    else:
        where = f"at about the P50 of the draws ({p50_lhv:.1f})"
    return (
        f"The furnaces' heat input is rated at the base case's LHV ({design_lhv:.1f} MJ/kg, every input at its "
        f"most likely value), {where}. Waste with an LHV up to that rating is limited by the grate's tonnage "
        "alone, so rating the furnaces at the most likely waste rather than a lower one keeps the full tonnage "
        f"when the waste burns hotter; on the P50 waste they use {min(p50_lhv / design_lhv, 1.0):.0%} of the "
        "rated heat input."
    )


def _summary_text(a: Assessment) -> list[str]:
    sc, p = a.scenario, a.plan
    v = a.value
    i = min(sc.design_year_offset, len(p.years) - 1)
    t0, t_design, t_last = (p.base_tonnes[k] / 365 for k in (0, i, -1))
    hours = sc.incineration.availability_h
    yearly_cap = p.grate.total * hours / 365.0
    share_burns = v("incineration", "burns_unassisted", "p50")
    burns = v("incineration", "burns_unassisted") >= 1
    best = max(TECHNOLOGIES, key=lambda t: v(t, "mwh_net_per_yr", "p50"))
    cheapest = min(TECHNOLOGIES, key=lambda t: v(t, "gate_fee_usd_per_t", "p50"))
    lhv = ("lhv_mj_kg", "p50"), ("lhv_mj_kg", "p10"), ("lhv_mj_kg", "p90")
    lhv50, lhv10, lhv90 = (v("incineration", *k) for k in lhv)
    burn_text = (
        "burns without support fuel in the base case (World Bank minimum 7 MJ/kg, inside the Tanner triangle)"
        if burns
        else "does NOT burn reliably without support fuel (below 7 MJ/kg or outside the Tanner triangle)"
    )
    lines = [
        f"Waste available for treatment (base case): {fmt(t0)} t/day in {p.years[0]}, {fmt(t_design)} t/day "
        f"in the design year {p.design_year}, {fmt(t_last)} t/day in {p.years[-1]}.",
        f"Incinerator: {p.grate.describe()} grate lines, {fmt(p.grate.total * 24)} t/day nameplate, sized for "
        f"the design year plus a {sc.seasonal_peak_factor - 1:.0%} seasonal peak; at {hours:,.0f} operating "
        f"hours a year it takes about {fmt(yearly_cap)} t/day on average. "
        + (
            "Waste above that in later years goes to landfill."
            if t_last > yearly_cap
            else "It has room for the base-case waste over its whole life."
        ),
        f"Heating value as received (LHV): {p.lhv_mj_kg:.1f} MJ/kg in the base case, P50 {lhv50:.1f} "
        f"(P10-P90 {lhv10:.1f}-{lhv90:.1f}) over the uncertain composition, moisture and heating values; "
        f"{heating_value_source(a)}. The waste {burn_text}; it does in {share_burns:.0%} of the draws.",
        _rating_text(p.lhv_mj_kg, lhv50),
        f"Most electricity: {TECH_LABELS[best]}, {fmt(v(best, 'mwh_net_per_yr', 'p50'))} MWh/yr net (P50), "
        f"the yearly use of about {fmt(v(best, 'households', 'p50'))} households at "
        f"{sc.grid.household_mwh_per_yr:g} MWh each.",
    ]
    price = sc.grid.power_price_usd_per_mwh
    landfill = sc.costs["landfill_gas"]["landfill_usd_per_t"]
    for tech in ("incineration", "digestion"):
        lines.append(
            f"{TECH_LABELS[tech]}: electricity costs {fmt(v(tech, 'lcoe_usd_per_mwh', 'p50'))} USD/MWh (P50) "
            f"against a sale price of {price:g} USD/MWh, so the plant needs a gate fee of "
            f"{fmt(v(tech, 'gate_fee_usd_per_t', 'p50'))} USD/t (P10-P90 "
            f"{fmt(v(tech, 'gate_fee_usd_per_t', 'p10'))}-{fmt(v(tech, 'gate_fee_usd_per_t', 'p90'))})."
        )
    lines += [
        f"Landfill with gas recovery costs {fmt(v('landfill_gas', 'gate_fee_usd_per_t', 'p50'))} USD/t net "
        f"of power sales (landfilling itself {landfill.low:g}-{landfill.high:g} USD/t in the scenario)"
        + (", the cheapest per tonne" if cheapest == "landfill_gas" else "")
        + ", but it leaves the uncaptured methane in the air (direct CO2e row) and takes land that incineration "
        "would save.",
        "Anaerobic digestion treats only the separately collected organic fraction; the rest still needs "
        "landfill or incineration, so it complements either rather than replacing them.",
    ]
    sized = [(e, e.capacity_t_per_day) for e in sc.existing if e.capacity_t_per_day]
    if sized:
        named = "; ".join(f"{e.name} ({e.kind}, {fmt(t_per_day)} t/day)" for e, t_per_day in sized)
        lines.append(
            f"Already serving the city: {named}. The figures above are for new plants sized on the city's own "
            "waste: compare them with extending, replacing or contracting these facilities."
        )
    return lines


def blocks(a: Assessment, charts: dict[str, Path]) -> list[tuple[str, object]]:
    """The report's content as ``(kind, payload)`` blocks: h1, h2, p, ul, table or img."""
    sc = a.scenario
    out: list[tuple[str, object]] = [
        ("h1", f"Waste-to-energy options for {sc.name}, {sc.country}"),
        (
            "p",
            f"Scenario file: {sc.source_file}. Plant life "
            f"{sc.start_year}-{sc.start_year + sc.life_years - 1}; "
            f"{a.runs:,} Monte Carlo draws (seed {a.seed}). Figures are P50 with the P10-P90 range in "
            "brackets; "
            "money in US dollars, real terms.",
        ),
        ("h2", "Summary"),
        ("ul", _summary_text(a)),
        ("h2", "Side-by-side comparison"),
        ("table", comparison_table(a)),
        ("img", ("Comparison of the technologies", charts["comparison"].name)),
        ("h2", "Waste available and its composition"),
        ("img", ("Waste available over the plant life", charts["tonnage"].name)),
        ("img", ("Composition", charts["composition"].name)),
        ("h2", "What drives the results"),
        ("p", "Each driver moved alone to its 10th and 90th percentile, the others at their base values."),
    ]
    for tech in TECHNOLOGIES:
        top = a.tornadoes[(tech, "mwh_net_per_yr")]
        names = ", ".join(top[top["swing"] > 0]["label"].head(3))
        out.append(("p", f"{TECH_LABELS[tech]}: electricity depends most on {names}."))
        out.append(("img", (f"{TECH_LABELS[tech]} drivers", charts[f"tornado_{tech}"].name)))
    existing = pd.DataFrame(
        [
            {
                "facility": e.name,
                "kind": e.kind,
                "t/day": "-" if e.capacity_t_per_day is None else f"{e.capacity_t_per_day:,.0f}",
                "note": e.note,
            }
            for e in sc.existing
        ]
    )
    if not existing.empty:
        out += [("h2", "Existing facilities"), ("table", existing)]
    comp = ", ".join(
        f"{c.replace('_', ' ')} {x:.1%}" for c, x in zip(COMPONENTS, sc.composition.as_array(), strict=True)
    )
    out += [
        ("h2", "Methods and sources"),
        (
            "ul",
            [
                f"Composition ({sc.composition.source}): {comp}. Heating value from component tables "
                "(Tchobanoglous et al. 1993, Tables 4-1, 4-3, 4-5) at the actual moisture; "
                f"{heating_value_source(a)}.",
                "Incineration: gross electrical efficiency and own use from the EU BREF on waste "
                "incineration "
                "(JRC 2019) and the World Bank Technical Guidance Report (1999); minimum LHV 7 MJ/kg (World "
                "Bank).",
                "Anaerobic digestion: methane yields of source-separated food and garden waste (Davidsson et "
                "al. "
                "2007; Owens & Chynoweth 1993), gas engines at 40 % electrical efficiency.",
                f"Landfill gas: IPCC 2006 Vol. 5 first-order decay, climate zone {sc.climate_zone}, "
                "collection "
                "efficiency per US EPA AP-42 and LMOP; uncaptured methane at GWP 28 (IPCC AR5).",
                "Costs: ranges from the studies cited in the scenario file; capital annualised at the "
                "scenario's "
                "discount rate over the plant life. Gate fee = (annual capital + operating cost - power "
                "sales) / t. For landfill gas the LCOE covers the gas wells and engines only, while its gate "
                "fee also pays for landfilling the waste.",
            ],
        ),
    ]
    return out


def _md_table(frame: pd.DataFrame) -> str:
    cells = [[str(c) for c in frame.columns], *[[str(v) for v in row] for row in frame.to_numpy()]]
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(cells[0])]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in cells[1:]]
    return "\n".join(lines)


def render_markdown(content: list[tuple[str, object]]) -> str:
    """Markdown text of report blocks."""
    parts = []
    for kind, payload in content:
        if kind == "h1":
            parts.append(f"# {payload}")
        elif kind == "h2":
            parts.append(f"## {payload}")
        elif kind == "p":
            parts.append(str(payload))
        elif kind == "ul" and isinstance(payload, list):
            parts.append("\n".join(f"- {item}" for item in payload))
        elif kind == "table" and isinstance(payload, pd.DataFrame):
            parts.append(_md_table(payload))
        elif kind == "img" and isinstance(payload, tuple):
            alt, name = (str(part) for part in payload)
            parts.append(f"![{alt}]({name})")
    return "\n\n".join(parts) + "\n"


def render_html(content: list[tuple[str, object]]) -> str:
    """Standalone HTML page of report blocks."""
    esc = html.escape
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">']
    title = next(str(p) for k, p in content if k == "h1")
    parts.append(f"<title>{esc(title)}</title>")
    parts.append(
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;font-size:.9em}"
        "img{max-width:100%}</style></head><body>"
    )
    for kind, payload in content:
        if kind in {"h1", "h2", "p"}:
            parts.append(f"<{kind}>{esc(str(payload))}</{kind}>")
        elif kind == "ul" and isinstance(payload, list):
            parts.append("<ul>" + "".join(f"<li>{esc(str(i))}</li>" for i in payload) + "</ul>")
        elif kind == "table" and isinstance(payload, pd.DataFrame):
            parts.append(payload.to_html(index=False, escape=True))
        elif kind == "img" and isinstance(payload, tuple):
            alt, name = (str(part) for part in payload)
            parts.append(f'<p><img src="{esc(name)}" alt="{esc(alt)}"></p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(a: Assessment, folder: str | Path, fmt_: str = "md") -> Path:
    """Write the charts and the report (``report.md`` or ``report.html``) into ``folder``; return its path."""
    if fmt_ not in FORMATS:
        msg = f"unknown report format {fmt_!r}; known: {', '.join(FORMATS)}"
        raise InputError(msg, field="format")
    folder = Path(folder)
    charts = write_charts(a, folder)
    content = blocks(a, charts)
    path = folder / f"report.{fmt_}"
    text = render_markdown(content) if fmt_ == "md" else render_html(content)
    path.write_text(text, encoding="utf-8")
    return path
