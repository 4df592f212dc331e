"""A simulated month of the matching platform in both sample cities: the matching against a nearest-hauler baseline.

Runs, on each city with the same seed (so every variant faces the same requesters, requests asked and sensor readings):

* ``nearest`` (the baseline, run first in the same process): each request goes to the hauler whose depot is
  nearest by road among those that can serve it, on its earliest feasible day, whatever the price;
* ``cheapest``: request by request, the cheapest feasible offer (the platform's default);
* ``batch``: each day's new requests matched jointly (an assignment with the haulers' capacities).

Totals: the price requesters paid (credits deducted; also per matched request), the haulers' route cost of the
days as solved and checked by the routing engine (trucks' day cost, km and hours; also per collected pickup), km
driven, and requests matched within their days out of those some hauler could serve. Ratios are per request and
per pickup, against ``nearest``; "solved / insertion" is the cost of the days as the solver planned them over their
cost as insertion built them while matching. The machine may be shared: the run times are noisy.

Usage::

    python benchmarks/matching_month.py [--days 30] [--requesters 300] [--seed 0] [--cities baltimore,santa_cruz]
        [--tag _name]

Writes ``benchmarks/results/matching_month<tag>.csv`` and ``matching_month<tag>.md``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from routing.matching.simulate import MonthConfig, simulate_month
from waste.store import open_store

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
#: (name, mode, rule); the first is the baseline.
VARIANTS = (("nearest", "single", "nearest"), ("cheapest", "single", "cheapest"), ("batch", "batch", "cheapest"))
RATIOS = ("price_total", "route_cost_total", "route_km_total")


def run(cities: list[str], days: int, requesters: int, seed: int) -> pd.DataFrame:
    """Every variant on every city; one row per (city, variant) with ratios to the baseline."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="matching-month-") as folder:
        for city in cities:
            base = None
            for name, mode, rule in VARIANTS:
                store = open_store(f"sqlite:///{Path(folder) / f'{city}_{name}.sqlite'}")
                config = MonthConfig(city, days=days, requesters=requesters, mode=mode, rule=rule, seed=seed)
                row = {"variant": name, **simulate_month(store, config).row()}
                store.dispose()
                base = base or row
                for key in RATIOS:
                    row[f"{key}_ratio"] = round(row[key] / base[key], 4) if base[key] else float("nan")
                print(
                    f"{city} {name}: price {row['price_total']:,.0f} route cost {row['route_cost_total']:,.0f} "
                    f"{row['currency']}, matched {row['matched_in_days']}/{row['servable']}, {row['runtime_s']:.0f} s",
                    flush=True,
                )
                rows.append(row)
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame, days: int, requesters: int, seed: int) -> str:
    """The results table as Markdown."""
    lines = [
        "# Matching platform: a simulated month against the nearest-hauler baseline",
        "",
        f"`python benchmarks/matching_month.py --days {days} --requesters {requesters} --seed {seed}`; "
        "ratios are to `nearest` on the same city, seed and requests. Run on a shared 2-core machine: times are noisy.",
        "",
        "Sensor-raised requests depend on when earlier pickups happened, so the variants do not serve exactly the same "
        "number of requests: compare the price per matched request and the route cost per collected pickup. Route "
        "costs come from time-limited solves (0.5 s per hauler day) on a shared machine and vary by a few per cent "
        "between runs.",
        "",
        "| city | variant | requests (sensor) | matched in days / servable | collected | missed (recovered) | "
        "price paid | per request | ratio | hauler route cost | per pickup | ratio | km | solved / insertion | run s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    frame = frame.assign(
        price_per_request=frame["price_total"] / frame["matched"],
        cost_per_pickup=frame["route_cost_total"] / frame["collected"],
    )
    base = frame.groupby("city")[["price_per_request", "cost_per_pickup"]].transform("first")
    frame = frame.assign(
        price_ratio=frame["price_per_request"] / base["price_per_request"],
        cost_ratio=frame["cost_per_pickup"] / base["cost_per_pickup"],
    )
    for r in frame.to_dict("records"):
        lines.append(
            f"| {r['city']} | {r['variant']} | {r['requests']} ({r['sensor_requests']}) | "
            f"{r['matched_in_days']} / {r['servable']} | {r['collected']} | {r['missed']} ({r['recovered']}) | "
            f"{r['price_total']:,.0f} {r['currency']} | {r['price_per_request']:,.2f} | {r['price_ratio']:.3f} | "
            f"{r['route_cost_total']:,.0f} | {r['cost_per_pickup']:,.2f} | {r['cost_ratio']:.3f} | "
            f"{r['route_km_total']:,.0f} | {r['route_cost_total'] / r['insertion_cost_total']:.3f} | "
            f"{r['runtime_s']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse the options, run, write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--requesters", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cities", default="baltimore,santa_cruz")
    parser.add_argument("--tag", default="", help="suffix of the result files")
    parser.add_argument("--report-only", action="store_true", help="rewrite the Markdown from the CSV of a run")
    args = parser.parse_args()
    if args.report_only:
        frame = pd.read_csv(RESULTS / f"matching_month{args.tag}.csv")
        (RESULTS / f"matching_month{args.tag}.md").write_text(markdown(frame, args.days, args.requesters, args.seed))
        return
    frame = run(args.cities.split(","), args.days, args.requesters, args.seed)
    RESULTS.mkdir(parents=True, exist_ok=True)
    frame.to_csv(RESULTS / f"matching_month{args.tag}.csv", index=False)
    (RESULTS / f"matching_month{args.tag}.md").write_text(markdown(frame, args.days, args.requesters, args.seed))
    print(f"wrote {RESULTS / f'matching_month{args.tag}.md'}")


if __name__ == "__main__":
    main()
