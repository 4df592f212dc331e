"""Operations simulator: the waste ledger, the fixed rounds, the policies and the day loop on a small city."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from routing.operations.city import CityTables, read_city_tables
from routing.operations.policies import DEFAULT_POLICIES, POLICIES, Morning, Policy, fixed_rounds, policy_factory
from routing.operations.report import comparison_markdown, totals
from routing.operations.routes import DayRoutes, RouteSettings
from routing.operations.run import RunSettings, simulate_operations
from routing.operations.truth import GroundTruth, bin_params_from_table
from waste.cli import cli
from waste.errors import InputError
from waste.simulate import simulate_city, write_city
from waste.synthetic.schedule import LONGEST_GAP_D

FAST = RouteSettings(time_limit_s=0.3)  # the fixed rounds build their routes at six times this


@pytest.fixture(scope="module")
def small_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated Baltimore of 40 bins with its own fleet, written as a city folder."""
    folder = tmp_path_factory.mktemp("city") / "baltimore"
    write_city(simulate_city("baltimore", bins=40, days=1, seed=5), folder)
    return folder


@pytest.fixture(scope="module")
def city(small_city: Path) -> CityTables:
    return read_city_tables(small_city)


def test_ledger_counts_overflow_and_collection_exactly(city: CityTables) -> None:
    rng = np.random.default_rng(0)
    truth = GroundTruth(city.bins, bin_params_from_table(city.bins, "baltimore", rng), rng)
    truth.fill.level[:] = 99.9
    truth.open_ledger()
    for step in range(12):  # two hours at midday: bins fill past 100 % and stay full
        truth.advance(12.0 + step / 6, 2, 0, 1 / 6)
    assert (truth.level <= 100.0).all()
    became_full = truth.overflow_bin_h > 0
    assert became_full.sum() >= 30
    assert (truth.overflow_events == became_full).all()  # one event per bin however long it stays full
    full_steps = truth.overflow_bin_h[became_full] * 6
    assert np.allclose(full_steps, np.round(full_steps))
    assert (full_steps >= 1).all()
    before = truth.empty(np.array([0, 1]), np.array([2.0, 2.0]))
    assert np.allclose(truth.collected_l[[0, 1]], (before - 2.0) * truth.litres_per_pct[[0, 1]])
    assert not truth.full[[0, 1]].any()
    assert abs(truth.balance_l()) < 1e-6 * truth.opening_l.sum()


def test_fixed_rounds_keep_a_mean_bin_below_the_target(city: CityTables) -> None:
    rate = np.linspace(5.0, 95.0, len(city.bins))
    per_week, mask = fixed_rounds(city.bins, rate, target_pct=90.0)
    assert (mask.sum(axis=1) == per_week).all()
    gaps = np.array([LONGEST_GAP_D[int(k)] for k in per_week])
    assert (rate * gaps <= 90.0)[per_week < 7].all()
    # a bin on fewer visits a week would pass the target: the round is the fewest that keeps it below
    fewer = {7: 6, 6: 3, 3: 2, 2: 1}
    for i, k in enumerate(per_week):
        if int(k) in fewer:
            assert rate[i] * LONGEST_GAP_D[fewer[int(k)]] > 90.0


def test_unknown_policy_and_bad_threshold_are_input_errors() -> None:
    with pytest.raises(InputError, match="unknown policy"):
        policy_factory("random", FAST)
    with pytest.raises(InputError, match="threshold"):
        policy_factory("threshold", FAST, threshold_pct=0.0)


@pytest.mark.slow
def test_every_policy_conserves_waste_and_faces_the_same_waste(city: CityTables) -> None:
    settings = RunSettings(days=3, warmup_days=5, seed=3)
    runs = {name: simulate_operations(city, policy_factory(name, FAST), settings) for name in POLICIES}
    generated = None
    for name, run in runs.items():
        daily = run.daily
        assert len(daily) == 3
        total = run.opening_l + daily["generated_l"].sum()
        gone = daily["collected_l"].sum() + run.still_in_bins_l + daily["overflowed_l"].sum()
        assert total == pytest.approx(gone, rel=1e-9), name
        assert abs(run.balance_l) < 1e-6 * total
        assert (daily["bins_collected"] + daily["bins_dropped"] == daily["bins_chosen"]).all()
        assert daily["bins_collected"].sum() == len(run.collections)
        assert (daily["truck_km"] >= 0).all()
        assert (daily["overflow_bin_h"] >= 0).all()
        if generated is None:
            generated = daily["generated_l"].to_numpy()
        np.testing.assert_allclose(daily["generated_l"].to_numpy(), generated)  # same seed, same waste
    assert runs["smart"].daily["bins_collected"].sum() > 0
    table = totals(runs)
    text = comparison_markdown(table, "small", "USD")
    assert "| truck-km |" in text
    assert "smart vs fixed" in text


@dataclass
class _Recorder:
    """Wraps a policy and keeps what it decided each day."""

    inner: Policy
    name: str = "threshold"
    days: list[DayRoutes] = field(default_factory=list)

    def plan(self, morning: Morning) -> DayRoutes:
        routes = self.inner.plan(morning)
        self.days.append(routes)
        return routes


@dataclass
class _Replay:
    """Drives the routes recorded by :class:`_Recorder`, day by day."""

    days: list[DayRoutes]
    name: str = "threshold"

    def plan(self, morning: Morning) -> DayRoutes:
        return self.days[morning.day]


def test_same_seed_and_same_visits_give_the_same_figures(city: CityTables) -> None:
    settings = RunSettings(days=3, warmup_days=5, seed=11)
    make = policy_factory("threshold", FAST, threshold_pct=60.0)
    recorder: list[_Recorder] = []

    def record(c: CityTables, rate: np.ndarray) -> Policy:
        recorder.append(_Recorder(make(c, rate)))
        return recorder[-1]

    first = simulate_operations(city, record, settings)
    again = simulate_operations(city, lambda c, r: _Replay(recorder[0].days), settings)
    columns = [c for c in first.daily.columns if c != "plan_s"]
    pd.testing.assert_frame_equal(first.daily[columns], again.daily[columns])
    pd.testing.assert_frame_equal(first.collections, again.collections)
    other = simulate_operations(
        city, lambda c, r: _Replay(recorder[0].days), RunSettings(days=3, warmup_days=5, seed=12)
    )
    assert not np.allclose(other.daily["generated_l"], first.daily["generated_l"])


@pytest.mark.slow
def test_command_writes_table_csv_and_plot(small_city: Path, tmp_path: Path) -> None:
    out = tmp_path / "ops"
    args = ["simulate-ops", "--city", str(small_city), "--days", "2", "--warmup", "4", "--time-limit", "0.3"]
    result = CliRunner().invoke(cli, [*args, "--policy", "all", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    for name in ("daily.csv", "totals.csv", "comparison.md", "daily.png"):
        assert (out / name).stat().st_size > 0
    daily = pd.read_csv(out / "daily.csv")
    assert sorted(daily["policy"].unique()) == sorted(DEFAULT_POLICIES)
    assert "bin-hours overflowing" in (out / "comparison.md").read_text(encoding="utf-8")


def test_command_names_a_missing_city() -> None:
    result = CliRunner().invoke(cli, ["simulate-ops", "--city", "atlantis", "--days", "1"])
    assert result.exit_code == 1
    assert "atlantis" in result.output


def test_a_search_without_a_first_solution_is_run_again_longer(
    city: CityTables, monkeypatch: pytest.MonkeyPatch
) -> None:
    import routing.operations.routes as routes_module
    from routing.solution import Solution
    from routing.solvers import Result, solve

    budgets: list[float] = []

    def flaky(problem, *, solver, time_limit_s, seed):  # type: ignore[no-untyped-def]
        budgets.append(time_limit_s)
        if len(budgets) == 1:  # the first search runs out of time before any solution
            return Result(Solution(problem, ()), 0.0, "flaky", 0.0, "no solution")
        return solve(problem, solver=solver, time_limit_s=time_limit_s, seed=seed)

    monkeypatch.setattr(routes_module, "solve", flaky)
    ids = city.bins["bin_id"].to_numpy()[:5]
    visits = pd.DataFrame({"bin_id": ids, "fill_pct": 80.0, "mandatory": True, "penalty": 0.0})
    day = routes_module.route_day(city.sites, city.bins, city.fleet, visits, FAST)
    assert len(budgets) == 2
    assert budgets[1] == pytest.approx(routes_module.RETRY_FACTOR * FAST.time_limit_s)
    assert sorted(day.bin_ids) == sorted(ids)


def test_smart_rounds_price_a_bin_until_its_round_comes_again(city: CityTables) -> None:
    from routing.operations.policies import SmartPolicy
    from routing.operations.prizes import PrizeRule

    rate = np.full(len(city.bins), 30.0)  # 3 visits a week: Monday, Wednesday, Friday or Tuesday, Thursday, Saturday
    policy = SmartPolicy(city, FAST, rule=PrizeRule(rounds=True), rate_pct_day=rate)
    monday, sunday = policy.round_gap_d(0), policy.round_gap_d(6)
    assert set(np.unique(monday)) == {0.0, 2.0}  # off round today, or back on Wednesday
    assert (sunday == 0).all()
    assert set(np.unique(policy.round_gap_d(4))) == {0.0, 3.0}  # Friday's bins come back on Monday
