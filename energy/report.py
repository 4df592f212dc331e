"""Planner's report of an assessment, in Markdown or HTML, with its PNG charts beside it.

The report is built as a list of blocks (headings, paragraphs, tables, images) and rendered to either format,
so both carry the same content: a summary in words, the side-by-side comparison with P10-P90 ranges, the
recommended plants, the main drivers, the existing facilities, and the methods and sources.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from energy.assessment import Assessment
from energy.charts import TECH_LABELS, write_charts
from energy.composition import COMPONENTS
from energy.scenario import TECHNOLOGIES
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
    """A figure rounded for reading: three significant digits, thousands separated."""
    if value != value:  # NaN
        return "-"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def layouts(a: Assessment) -> dict[str, str]:
    """Recommended capacity and layout of each technology, in words."""
    p = a.plan
    lhv = p.lhv_mj_kg
    return {
        "incineration": f"{p.grate.describe()} grate lines ({p.grate.total * 24:,.0f} t/day; "
        f"{p.grate.unit_size * lhv / 3.6:.0f} MW fuel input per line at {lhv:.1f} MJ/kg)",
        "digestion": f"{p.digesters.describe()} digesters, {p.ad_engines.describe()} gas engines",
        "landfill_gas": f"{p.lfg_engines.describe()} gas engines, installed in stages as gas builds up",
    }


def comparison_table(a: Assessment) -> pd.DataFrame:
    """Side-by-side comparison: one row per output, one column per technology, ``P50 (P10-P90)`` text."""
    rows = []
    s = a.summary.set_index(["technology", "output"])
    for output in TABLE_OUTPUTS:
        label, unit = s.loc[(TECHNOLOGIES[0], output), ["label", "unit"]]
        row = {"output": f"{label} ({unit})"}
        for tech in TECHNOLOGIES:
            r = s.loc[(tech, output)]
            row[TECH_LABELS[tech]] = (
                "-" if r["p50"] != r["p50"] else f"{fmt(r['p50'])} ({fmt(r['p10'])}-{fmt(r['p90'])})"
            )
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


def _summary_text(a: Assessment) -> list[str]:
    sc, p = a.scenario, a.plan
    v = a.value
    t0, t_design = p.base_tonnes[0] / 365, p.base_tonnes[min(sc.design_year_offset, len(p.years) - 1)] / 365
    burns = v("incineration", "burns_unassisted") >= 1
    best = max(TECHNOLOGIES, key=lambda t: v(t, "mwh_net_per_yr", "p50"))
    cheapest = min(TECHNOLOGIES, key=lambda t: v(t, "gate_fee_usd_per_t", "p50"))
    lines = [
        f"Waste available for treatment: {t0:,.0f} t/day in {p.years[0]}, {t_design:,.0f} t/day in the "
        "design "
        f"year {p.design_year} (base case).",
        f"Heating value as received: {v('incineration', 'lhv_mj_kg'):.1f} MJ/kg (P10-P90 "
        f"{v('incineration', 'lhv_mj_kg', 'p10'):.1f}-{v('incineration', 'lhv_mj_kg', 'p90'):.1f}); the "
        "waste "
        + (
            "burns without support fuel (World Bank minimum 7 MJ/kg, inside the Tanner triangle)."
            if burns
            else "does NOT burn reliably without support fuel (below 7 MJ/kg or outside the Tanner triangle)."
        ),
        f"Most electricity: {TECH_LABELS[best]}, {v(best, 'mwh_net_per_yr', 'p50'):,.0f} MWh/yr net (P50), "
        f"enough for {v(best, 'households', 'p50'):,.0f} households.",
        f"Lowest gate fee: {TECH_LABELS[cheapest]}, {v(cheapest, 'gate_fee_usd_per_t', 'p50'):,.0f} USD/t (P50).",
        "Anaerobic digestion treats only the separately collected organic fraction; the rest still needs "
        "landfill or incineration. Landfill gas leaves the uncaptured methane in the air (direct CO2e row).",
    ]
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
                "(Tchobanoglous et al. 1993, Tables 4-1, 4-3, 4-5) corrected to the actual moisture.",
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
                "sales) / t.",
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
        elif kind == "ul":
            parts.append("\n".join(f"- {item}" for item in payload))  # type: ignore[union-attr]
        elif kind == "table":
            parts.append(_md_table(payload))  # type: ignore[arg-type]
        elif kind == "img":
            alt, name = payload  # type: ignore[misc]
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
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in payload) + "</ul>")  # type: ignore[union-attr]
        elif kind == "table":
            parts.append(payload.to_html(index=False, escape=True))  # type: ignore[union-attr]
        elif kind == "img":
            alt, name = payload  # type: ignore[misc]
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
