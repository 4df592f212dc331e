"""The planner's report: figures rounded for reading, and one consistent account of the heating value."""

from __future__ import annotations

from pathlib import Path

import pytest

from energy.assessment import assess
from energy.report import blocks, comparison_table, fmt, fmt_range, layouts


@pytest.mark.parametrize(
    ("value", "text"),
    [(402_746.3, "403,000"), (1_914.6, "1,910"), (228.4, "228"), (85.71, "85.7"), (8.314, "8.31"), (0.0, "0")],
)
def test_figures_keep_three_significant_digits(value, text):
    """Large figures are not printed to the last MWh: three significant digits, thousands separated."""
    assert fmt(value) == text


def test_a_fixed_design_quantity_has_no_range():
    """A nameplate that does not vary between draws is shown once, not as '2,880 (2,880-2,880)'."""
    assert fmt_range(2880.0, 2880.0, 2880.0) == "2,880"
    assert fmt_range(10.0, 9.0, 11.0) == "10.0 (9.00-11.0)"
    assert fmt_range(float("nan"), float("nan"), float("nan")) == "-"


@pytest.fixture(scope="module")
def santa_cruz_summary(santa_cruz) -> list[str]:
    content = blocks(assess(santa_cruz, runs=200, seed=0), charts=_FakeCharts())
    return next(payload for kind, payload in content if kind == "ul")


class _FakeCharts(dict):
    """Chart paths without drawing them: the text does not depend on the images."""

    def __missing__(self, key: str) -> Path:
        return Path(f"{key}.png")


def test_summary_gives_base_and_p50_heating_value_and_its_basis(santa_cruz_summary):
    """The heating value line names the base case and the P50 apart, and says there is no measured value."""
    line = next(text for text in santa_cruz_summary if text.startswith("Heating value"))
    assert "in the base case" in line
    assert "P50" in line
    assert "no heating value measured" in line


def test_summary_sets_costs_against_the_power_price(santa_cruz, santa_cruz_summary):
    """Incineration's cost of electricity is read against the city's power price, with the gate fee it needs."""
    line = next(text for text in santa_cruz_summary if text.startswith("Incineration: electricity costs"))
    assert f"{santa_cruz.grid.power_price_usd_per_mwh:g} USD/MWh" in line
    assert "gate fee" in line


def test_engines_that_cap_the_output_are_said_to(santa_cruz):
    """Where the gas engines hold the peak output back, the layout says how often, and the P90 sits at the cap."""
    a = assess(santa_cruz, runs=200, seed=0)
    share = a.value("landfill_gas", "engines_capped", "p50")
    assert 0.0 < share <= 1.0
    assert a.value("landfill_gas", "mw_gross", "p90") == pytest.approx(a.plan.lfg_engines.total, rel=1e-9)
    assert f"cap the peak output in {share:.0%} of the draws" in layouts(a)["landfill_gas"]
    assert "cap" not in layouts(a)["incineration"]


def test_household_row_names_the_consumption_it_assumes(baltimore):
    """'Households supplied' is only meaningful with the consumption per household beside it."""
    a = assess(baltimore, runs=100, seed=0)
    table = comparison_table(a)
    assert f"at {baltimore.grid.household_mwh_per_yr:g} MWh/yr each" in " ".join(table["output"])


def test_the_furnace_rating_is_explained_against_the_median(santa_cruz_summary):
    """The heat-input rating sits at the base case's LHV; the summary says where that is against the P50."""
    line = next(text for text in santa_cruz_summary if "heat input is rated" in text)
    assert "above the P50 of the draws" in line
    assert "of the rated heat input" in line
