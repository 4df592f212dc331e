"""The frontier of truck-km against overflow: each policy swept over its own knob, on both sample cities, over seeds.

One point of a policy says little: a fixed schedule with one more collection a week overflows less and drives more.
A policy is judged by its frontier (Pareto front of truck-km against bin-hours overflowing), so this sweeps

- ``fixed``: the city's rounds (each bin's fewest visits a week that keep a bin of its mean rate below 90 %), and
  the same with one collection a week fewer and one more (``--fixed-shifts``);
- ``threshold``: the fill (%) from which a bin is collected (``--thresholds``);
- ``smart``: the cost of a bin-hour overflowing, in truck-hours of the city's fleet (``--overflow-truck-h``; the
  city's own setting is converted the same way and marked as its default);

for ``--days`` days and each seed in ``--seeds`` (every policy of one seed faces the same waste), and writes per city

- ``simulate_frontier_<city><tag>.csv``: one row per run (policy, knob, seed) with its totals and wall time;
  rows already there for the same days and time limit are kept and not run again, so an interrupted sweep resumes;
- ``simulate_frontier_<city><tag>.md``: the mean over seeds of each point, the defaults against each other and the
  targets (smart at most 0.7 x fixed's km with no more overflow; smart no worse than threshold on both; on the
  frontier, at fixed's overflow level, smart at most 0.6 x fixed's km);
- ``simulate_frontier_<city><tag>.png``: the three frontiers (truck-km against bin-hours overflowing, mean over
  seeds), the defaults marked.

The defaults are the full protocol (28 days, 3 seeds, 5 s a day, both cities): on a shared 2-core machine that is
many hours, so shorter runs say so in their title (days, seeds, time limit).

Usage::

    python benchmarks/simulate_frontier.py [--days 28] [--seeds 0,1,2] [--time-limit 5]
        [--cities baltimore,santa_cruz] [--solver ortools] [--fixed-shifts -1,0,1] [--thresholds 60,75,90]
        [--overflow-truck-h 0.05,0.1,0.2,0.5] [--policies fixed,threshold,smart] [--tag _name]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from routing.operations.city import read_city_tables
from routing.operations.frontier import FIGURES, plot_frontiers, point_means, summary_markdown
from routing.operations.policies import policy_factory, smart_overflow_cost
from routing.operations.prizes import PrizeRule, truck_hour_cost
from routing.operations.report import totals
from routing.operations.routes import RouteSettings
from routing.operations.run import RunSettings, simulate_operations

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
#: Default knob values of fixed and threshold: the city's rounds, 75 % full (smart's is the city's, see
#: :func:`defaults`).
DEFAULTS = {"fixed": 0.0, "threshold": 75.0}


def defaults(key: str) -> dict[str, float]:
    """Each policy's default knob value on city ``key``; smart's is the city's overflow cost in truck-hours."""
    city = read_city_tables(key)
    return {**DEFAULTS, "smart": round(smart_overflow_cost(city) / truck_hour_cost(city.fleet), 3)}


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def run_point(
    key: str, policy: str, knob: float, seed: int, days: int, time_limit_s: float, solver: str = "ortools"
) -> dict[str, float]:
    """One run of one policy at one knob value and seed; its totals and wall time."""
    city = read_city_tables(key)
    route_settings = RouteSettings(time_limit_s=time_limit_s, seed=seed, solver=solver)
    if policy == "fixed":
        make = policy_factory("fixed", route_settings, fixed_rounds_shift=int(knob))
    elif policy == "threshold":
        make = policy_factory("threshold", route_settings, threshold_pct=knob)
    else:
        cost = knob * truck_hour_cost(city.fleet)
        make = policy_factory("smart", route_settings, prize_rule=PrizeRule(overflow_cost_per_h=cost))
    started = time.perf_counter()
    run = simulate_operations(city, make, RunSettings(days=days, seed=seed))
    wall_s = time.perf_counter() - started
    row = totals({policy: run}).iloc[0]
    out = {name: float(row[name]) for name in FIGURES if name in row.index}
    out["trucks_used"] = float(run.daily["trucks_used"].sum())
    out["bins_collected"] = float(row["bins_collected"])
    out["mean_fill_at_collection_pct"] = float(row["mean_fill_at_collection_pct"])
    out["plan_s"] = float(run.daily["plan_s"].sum())
    out["wall_s"] = wall_s
    return out


def main() -> None:
    """Parse options, sweep each city (resuming), write the CSV, table and plot per city."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--cities", default="baltimore,santa_cruz")
    parser.add_argument("--solver", default="ortools", help="solver backend of each day's routes")
    parser.add_argument("--policies", default="fixed,threshold,smart")
    parser.add_argument("--fixed-shifts", default="-1,0,1")
    parser.add_argument("--thresholds", default="60,75,90")
    parser.add_argument("--overflow-truck-h", default="0.05,0.1,0.2,0.5")
    parser.add_argument("--tag", default="", help="suffix of the result files, for runs with other settings")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    knobs = {"fixed": _floats(args.fixed_shifts), "threshold": _floats(args.thresholds)}
    knobs["smart"] = _floats(args.overflow_truck_h)
    policies = args.policies.split(",")
    command = (
        f"python benchmarks/simulate_frontier.py --days {args.days} --seeds {args.seeds} --time-limit "
        f"{args.time_limit:g} --cities {args.cities} --policies {args.policies} --fixed-shifts {args.fixed_shifts} "
        f"--thresholds {args.thresholds} --overflow-truck-h {args.overflow_truck_h}"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for key in args.cities.split(","):
        default_knob = defaults(key)
        knobs_here = {**knobs, "smart": sorted({*knobs["smart"], default_knob["smart"]})}
        csv = RESULTS / f"simulate_frontier_{key}{args.tag}.csv"
        done = pd.read_csv(csv) if csv.is_file() else pd.DataFrame()
        rows = done.to_dict("records")
        # seeds outermost, so that an interrupted sweep has whole frontiers of the first seeds
        for seed in seeds:
            for policy in policies:
                for knob in knobs_here[policy]:
                    same = [
                        r
                        for r in rows
                        if r["policy"] == policy
                        and r["knob"] == knob
                        and r["seed"] == seed
                        and r["days"] == args.days
                        and r["time_limit_s"] == args.time_limit
                    ]
                    if same:
                        continue
                    figures = run_point(key, policy, knob, seed, args.days, args.time_limit, args.solver)
                    row = {"policy": policy, "knob": knob, "seed": seed, "days": args.days}
                    rows.append(
                        {**row, "time_limit_s": args.time_limit, "default": knob == default_knob[policy], **figures}
                    )
                    pd.DataFrame(rows).round(3).to_csv(csv, index=False)
                    print(
                        f"{key} {policy} {knob:g} seed {seed}: {figures['truck_km']:,.0f} km, "
                        f"{figures['overflow_bin_h']:,.0f} bin-h overflowing, {figures['wall_s']:.0f} s "
                        f"({time.perf_counter() - started:.0f} s so far)",
                        flush=True,
                    )
        table = pd.DataFrame(rows)
        table["default"] = [k == default_knob[p] for p, k in zip(table["policy"], table["knob"], strict=True)]
        table.round(3).to_csv(csv, index=False)
        table = table[(table["days"] == args.days) & (table["time_limit_s"] == args.time_limit)]
        table = table[table["seed"].isin(seeds)]
        means = point_means(table, ["fixed", "threshold", "smart"])
        name = read_city_tables(key).name
        title = f"{name}: {args.days} days, seeds {args.seeds}, {args.time_limit:g} s a day"
        md = RESULTS / f"simulate_frontier_{key}{args.tag}.md"
        md.write_text(summary_markdown(means, title, command), encoding="utf-8")
        plot_frontiers(means, RESULTS / f"simulate_frontier_{key}{args.tag}.png", title)
        print(md.read_text(encoding="utf-8"), flush=True)


if __name__ == "__main__":
    main()
