"""Four weeks of collection on both sample cities under the three policies: what sensors and the smart plan save.

Runs ``fixed`` (the baseline, in the same process), ``threshold`` and ``smart`` for ``--days`` days on each city with
the same seed, so every policy faces exactly the same waste, and writes per city the daily figures, the totals, a
comparison table and a plot, plus a summary of ``smart`` and ``threshold`` against ``fixed``. ``smart-threshold``
(the daily plan's selection before routing) can be added with ``--policies``.

The per-day solver budget (``--time-limit``, 5 s by default) is chosen so that the whole run (2 cities x 3 policies
x 28 days, with the fixed rounds' routes built once at six times that budget) fits in 30 minutes on a 2-core machine
(1,288 s on a shared one): the forecast is fitted once a morning, sector days share one pool of solver workers for
the whole run, and a day smaller than a sector gets a share of the budget.

Usage::

    python benchmarks/simulate_ops.py [--days 28] [--time-limit 5] [--seed 0] [--cities baltimore,santa_cruz]
        [--policies fixed,threshold,smart] [--solver ortools] [--must-go-probability 0.1] [--may-go-fill 50]
        [--tag _name]

Writes ``benchmarks/results/simulate_ops_<city><tag>.{md,csv,png}``, ``simulate_ops_<city><tag>_daily.csv`` and
``simulate_ops<tag>.md``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from routing.operations.city import read_city_tables
from routing.operations.policies import DEFAULT_POLICIES, POLICIES, policy_factory
from routing.operations.report import comparison_markdown, plot_daily, totals
from routing.operations.routes import RouteSettings
from routing.operations.run import RunSettings, simulate_operations
from routing.selection import SelectionRule

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
#: Figures compared against the fixed schedule in the summary.
RATIOS = ("truck_km", "driving_h", "cost", "co2_t", "overflow_bin_h", "overflow_events", "overflowed_m3")


def run_city(
    key: str,
    days: int,
    time_limit_s: float,
    seed: int,
    policies: list[str],
    rule: SelectionRule,
    tag: str,
    solver: str = "ortools",
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Run the policies on one city; write its files; return its totals and wall time per policy."""
    city = read_city_tables(key)
    route_settings = RouteSettings(time_limit_s=time_limit_s, seed=seed, solver=solver)
    settings = RunSettings(days=days, seed=seed)
    runs, wall = {}, {}
    for name in policies:
        started = time.perf_counter()

        def progress(policy: str, done: int, total: int, row: dict[str, float], started: float = started) -> None:
            print(
                f"{key} {policy} day {done}/{total}: {row['truck_km']:,.0f} km, {row['bins_collected']} bins, "
                f"{row['bins_dropped']} dropped, {row['overflow_bin_h']:,.0f} bin-h overflowing "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )

        make = policy_factory(name, route_settings, rule=rule)
        runs[name] = simulate_operations(city, make, settings, progress=progress)
        wall[name] = time.perf_counter() - started
    table = totals(runs)
    title = f"{city.name}: {days} days from {settings.start}, seed {seed}, {time_limit_s:g} s per day"
    if rule != SelectionRule():
        title += f", smart must-go from p={rule.must_go_probability:g}, may-go from {rule.may_go_min_fill_pct:g} %"
    daily = pd.concat([r.daily for r in runs.values()], ignore_index=True)
    daily.round(3).to_csv(RESULTS / f"simulate_ops_{key}{tag}_daily.csv", index=False)
    table.assign(wall_s=[wall[p] for p in table["policy"]]).round(3).to_csv(
        RESULTS / f"simulate_ops_{key}{tag}.csv", index=False
    )
    (RESULTS / f"simulate_ops_{key}{tag}.md").write_text(
        comparison_markdown(table, title, city.currency), encoding="utf-8"
    )
    plot_daily(daily, RESULTS / f"simulate_ops_{key}{tag}.png", city.name)
    return table, wall


def main() -> None:
    """Parse options, run both cities, write the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cities", default="baltimore,santa_cruz")
    parser.add_argument(
        "--policies", default=",".join(DEFAULT_POLICIES), help=f"of {', '.join(POLICIES)}; fixed (the baseline) first"
    )
    parser.add_argument("--solver", default="ortools", help="solver backend of each day's routes")
    parser.add_argument("--must-go-probability", type=float, default=SelectionRule().must_go_probability)
    parser.add_argument("--may-go-fill", type=float, default=SelectionRule().may_go_min_fill_pct)
    parser.add_argument("--tag", default="", help="suffix of the result files, for runs with other settings")
    args = parser.parse_args()
    policies = args.policies.split(",")
    if "fixed" not in policies or any(p not in POLICIES for p in policies):
        parser.error(f"the policies must be of {', '.join(POLICIES)} and include fixed, the baseline")
    rule = SelectionRule(must_go_probability=args.must_go_probability, may_go_min_fill_pct=args.may_go_fill)
    RESULTS.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Operations simulation: smart and threshold against fixed rounds",
        "",
        f"`python benchmarks/simulate_ops.py --days {args.days} --time-limit {args.time_limit:g} --seed {args.seed}"
        f" --policies {args.policies} --must-go-probability {rule.must_go_probability:g}"
        f" --may-go-fill {rule.may_go_min_fill_pct:g}`",
        "",
        "| city | policy | truck-km | " + " | ".join(f"{r} vs fixed" for r in RATIOS) + " | wall (s) |",
        "|" + "---|" * (len(RATIOS) + 4),
    ]
    started = time.perf_counter()
    for key in args.cities.split(","):
        table, wall = run_city(key, args.days, args.time_limit, args.seed, policies, rule, args.tag, args.solver)
        by = table.set_index("policy")
        for policy in policies:
            ratios = [by.at[policy, r] / by.at["fixed", r] if by.at["fixed", r] else float("nan") for r in RATIOS]
            cells = " | ".join(f"{x:.2f}" for x in ratios)
            lines.append(f"| {key} | {policy} | {by.at[policy, 'truck_km']:,.0f} | {cells} | {wall[policy]:.0f} |")
            print(lines[-1], flush=True)
    lines += ["", f"Whole run: {time.perf_counter() - started:.0f} s.", ""]
    (RESULTS / f"simulate_ops{args.tag}.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
