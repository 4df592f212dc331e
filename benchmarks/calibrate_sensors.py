"""Measure real bin-sensor logs to calibrate the sample-city generator.

Reads three public logs (their provenance is documented beside them) and prints the figures that
``waste/synthetic/calibration.py`` uses as constants; writes them to ``benchmarks/results/sensor_calibration.md``:

- Prague (Golemio / Sensoneo ultrasonic sensors on sorted-waste containers, 2023-2025): sampling rhythm, gaps,
  emptyings, fill rates, noise, spikes, stuck values, hour-of-day and weekday profiles.
- Edinburgh 2016 litter-bin trial (City of Edinburgh Council, OGL v3): fill level before each collection and the
  interval between collections.
- Wyndham City solar compactor bins (data.gov.au): daily fullness on a 0-8(10) scale.

Usage::

    python benchmarks/calibrate_sensors.py [--shared ../shared/sensor_data] [--out benchmarks/results/...]

It is run once by a maintainer (the logs are not shipped with the project); the generator does not read them.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
import pandas as pd

#: A drop of at least this many points, confirmed by the next reading, counts as an emptying (points).
DROP_PTS = 30
#: Residual (points) from the median of a reading and its two neighbours beyond which a reading is a spike.
SPIKE_PTS = 15
#: Signal figures of the Prague series (all containers, paper only), filled in by :func:`prague`.
SIGNALS: dict[str, dict[str, float]] = {}
#: Identical values lasting at least this long while the level is mid-range count as a stuck sensor (hours).
STUCK_H = 24

FOLDER_LABEL = {
    "Data_1_bsklo": "glass",
    "Data_3_plast": "plastic/metal",
    "Data_5_papir": "paper",
}


def _q(s: pd.Series, qs: tuple[float, ...] = (0.25, 0.5, 0.75)) -> str:
    """Quantiles of ``s`` as ``a / b / c``, rounded."""
    return " / ".join(f"{v:.1f}" for v in s.quantile(list(qs)).to_numpy())


def prague_emptyings(g: pd.DataFrame) -> pd.DataFrame:
    """Emptyings of one container: a drop of >= DROP_PTS that the next reading confirms (not a one-off dip).

    Returns one row per emptying: time, level before and after (%).
    """
    p = g["fill_pct"].to_numpy()
    t = g["measured_at_utc"].to_numpy()
    rows = []
    for i in range(1, len(p) - 1):
        if p[i - 1] - p[i] >= DROP_PTS and p[i + 1] <= p[i] + 15:
            rows.append((t[i], p[i - 1], p[i]))
    return pd.DataFrame(rows, columns=["ts", "before", "after"])


def prague(path: Path) -> tuple[list[str], dict[str, float]]:
    """Figures from the Prague Golemio readings: markdown lines and the key numbers."""
    d = pd.read_csv(path, parse_dates=["measured_at_utc"])
    d = d.sort_values(["container_id", "measured_at_utc"]).reset_index(drop=True)
    d["stream"] = d["folder"].map(FOLDER_LABEL)
    d["gap_min"] = d.groupby("container_id")["measured_at_utc"].diff().dt.total_seconds() / 60
    out: list[str] = ["## Prague: Sensoneo ultrasonic sensors (Golemio)", ""]
    key: dict[str, float] = {}

    out += [
        "| stream | containers | readings | days | gap p25 / p50 / p75 (min) | gaps < 60 min | "
        "gaps > 12 h per 100 days | gaps > 24 h per 100 days | longest gap (days) | readings at 100 % | "
        "equal to previous |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for stream, g in d.groupby("stream"):
        days = g.groupby("container_id")["measured_at_utc"].agg(lambda s: (s.max() - s.min()).days).sum()
        gap = g["gap_min"].dropna()
        out.append(
            f"| {stream} | {g.container_id.nunique()} | {len(g)} | {days} | {_q(gap)} | "
            f"{(gap < 60).mean():.1%} | {(gap > 720).sum() / days * 100:.2f} | "
            f"{(gap > 1440).sum() / days * 100:.2f} | {gap.max() / 1440:.1f} | {(g.fill_pct == 100).mean():.1%} | "
            f"{(g.groupby('container_id')['fill_pct'].diff() == 0).mean():.0%} |"
        )
    gap = d["gap_min"].dropna()
    key["gap_median_min"] = float(gap.median())
    key["gap_short_share"] = float((gap < 60).mean())
    total_days = d.groupby("container_id")["measured_at_utc"].agg(lambda s: (s.max() - s.min()).days).sum()
    key["gaps_12h_per_100d"] = float((gap > 720).sum() / total_days * 100)
    key["gap_12h_median_h"] = float(gap[gap > 720].median() / 60)
    key["gaps_24h_per_100d"] = float((gap > 1440).sum() / total_days * 100)
    out.append("")

    # Emptyings, fill rates and levels before/after.
    out += [
        "| stream | emptyings | interval p25 / p50 / p75 (h) | before p50 | before = 100 | after p50 / p90 | "
        "after > 20 % | emptyings 04-12 UTC | fill rate p25 / p50 / p75 (pts/day) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for stream, g in d.groupby("stream"):
        ems, rates = [], []
        for _, c in g.groupby("container_id"):
            e = prague_emptyings(c)
            if e.empty:
                continue
            e["interval_h"] = e["ts"].diff().dt.total_seconds() / 3600
            ems.append(e)
            # Fill rate of each cycle: rise from the level after an emptying to the last reading below 95 %.
            ts = c["measured_at_utc"].to_numpy()
            p = c["fill_pct"].to_numpy()
            bounds = np.searchsorted(ts, e["ts"].to_numpy())
            for a, b in itertools.pairwise(bounds):
                seg_t, seg_p = ts[a:b], p[a:b]
                below = np.flatnonzero(seg_p < 95)
                if len(below) < 4:
                    continue
                last = below[-1]
                hours = (seg_t[last] - seg_t[0]) / np.timedelta64(1, "h")
                if hours >= 6:
                    rates.append((seg_p[last] - seg_p[0]) / hours * 24)
        e = pd.concat(ems, ignore_index=True)
        r = pd.Series(rates)
        hour = e["ts"].dt.hour
        interval = e["interval_h"].dropna()
        out.append(
            f"| {stream} | {len(e)} | {_q(interval)} | {e.before.median():.0f} | {(e.before == 100).mean():.0%} | "
            f"{e.after.median():.0f} / {e.after.quantile(0.9):.0f} | {(e.after > 20).mean():.1%} | "
            f"{((hour >= 4) & (hour < 12)).mean():.0%} | {_q(r)} |"
        )
        key[f"{stream}_rate_pts_day"] = float(r.median())
        key[f"{stream}_interval_h"] = float(interval.median())
        key[f"{stream}_after_p50"] = float(e.after.median())
        key[f"{stream}_after_gt20"] = float((e.after > 20).mean())
        key[f"{stream}_before_p50"] = float(e.before.median())
        key[f"{stream}_before_100"] = float((e.before == 100).mean())
    out.append("")

    # Noise and spikes: residual from the running median of three readings, outside emptyings.
    p = d["fill_pct"].to_numpy(dtype=float)
    same = d["container_id"].to_numpy()
    prev, nxt = np.roll(p, 1), np.roll(p, -1)
    inner = (np.roll(same, 1) == same) & (np.roll(same, -1) == same)
    med = np.median(np.stack([prev, p, nxt]), axis=0)
    res = (p - med)[inner]
    calm = np.abs(nxt - prev)[inner] <= 5  # neighbours agree: no emptying or fast fill around this reading
    res_calm = res[calm]
    spikes_up = float((res_calm > SPIKE_PTS).mean() * 1000)
    spikes_down = float((res_calm < -SPIKE_PTS).mean() * 1000)
    mad = float(np.median(np.abs(res_calm)) * 1.4826)
    small = res_calm[np.abs(res_calm) <= SPIKE_PTS]
    key.update(spikes_up_per_1000=spikes_up, spikes_down_per_1000=spikes_down, noise_sd=float(small.std()))
    for label, sub in (("all", d), ("paper", d[d["stream"] == "paper"])):
        sub = sub.reset_index(drop=True)
        m = signal_metrics(sub["container_id"].to_numpy(), sub["measured_at_utc"], sub["fill_pct"].to_numpy())
        SIGNALS[label] = m
    out += [
        f"- Residual from the running median of 3 readings where the neighbours agree within 5 points "
        f"({calm.sum()} readings): robust SD {mad:.2f} pts, SD of residuals within +-{SPIKE_PTS} pts "
        f"{small.std():.2f} pts.",
        f"- Spikes (> {SPIKE_PTS} pts off both agreeing neighbours): {spikes_up:.2f} up and {spikes_down:.2f} down "
        "per 1,000 readings.",
    ]

    # Stuck: the same value for >= STUCK_H hours while the level is mid-range (5-95 %).
    stuck_runs, stuck_hours = 0, 0.0
    for _, c in d.groupby("container_id"):
        v = c["fill_pct"].to_numpy()
        t = c["measured_at_utc"].to_numpy()
        change = np.flatnonzero(np.diff(v) != 0) + 1
        starts = np.r_[0, change]
        ends = np.r_[change, len(v)] - 1
        for a, b in zip(starts, ends, strict=True):
            h = (t[b] - t[a]) / np.timedelta64(1, "h")
            if h >= STUCK_H and 5 < v[a] < 95:
                stuck_runs += 1
                stuck_hours += h
    key["stuck_per_100d"] = stuck_runs / total_days * 100
    out += [
        f"- Flat runs (same value >= {STUCK_H} h at 5-95 %): {stuck_runs} runs, "
        f"{stuck_runs / total_days * 100:.2f} per 100 container-days, mean {stuck_hours / max(stuck_runs, 1):.0f} h "
        "(includes genuinely idle glass/metal containers, so an upper bound for stuck sensors).",
        "",
    ]

    # Hour-of-day and weekday profiles of filling (paper: fastest, most regular), Prague local time.
    paper = d[d["stream"] == "paper"].copy()
    paper["inc"] = paper.groupby("container_id")["fill_pct"].diff()
    paper["hours"] = paper["gap_min"] / 60
    ok = (paper["inc"] >= 0) & (paper["inc"] < 30) & (paper["hours"] > 0) & (paper["hours"] <= 3.5)
    paper = paper[ok]
    local = paper["measured_at_utc"].dt.tz_convert("Europe/Prague")
    rate = paper["inc"] / paper["hours"]
    by_hour = rate.groupby(local.dt.hour).mean()
    by_hour = by_hour / by_hour.mean()
    by_day = rate.groupby(local.dt.day_of_week).mean()
    by_day = by_day / by_day.mean()
    out += [
        "Hour-of-day profile of filling (paper, Prague local time, mean rise per hour / daily mean; readings "
        "ending at that hour):",
        "",
        "| " + " | ".join(f"{h:02d}" for h in by_hour.index) + " |",
        "| " + " | ".join("---" for _ in by_hour.index) + " |",
        "| " + " | ".join(f"{v:.2f}" for v in by_hour.to_numpy()) + " |",
        "",
        "Weekday profile (Mon..Sun): " + ", ".join(f"{v:.2f}" for v in by_day.to_numpy()),
        "",
    ]
    return out, key


def signal_metrics(ids: np.ndarray, t: pd.Series, p: np.ndarray) -> dict[str, float]:
    """Sampling and signal figures of a long series sorted by id then time (t: UTC timestamps, p: fill %)."""
    ids = np.asarray(ids)
    p = np.asarray(p, dtype=float)
    same_prev = np.r_[False, ids[1:] == ids[:-1]]
    gap = (t.diff().dt.total_seconds() / 60).to_numpy()[same_prev]
    days = pd.Series(t.to_numpy()).groupby(ids).agg(lambda s: (s.max() - s.min()) / pd.Timedelta(days=1)).sum()
    prev, nxt = np.roll(p, 1), np.roll(p, -1)
    inner = same_prev & np.r_[ids[1:] == ids[:-1], False]
    res = (p - np.median(np.stack([prev, p, nxt]), axis=0))[inner]
    calm = (np.abs(nxt - prev) <= 5)[inner]
    res_calm = res[calm]
    small = res_calm[np.abs(res_calm) <= SPIKE_PTS]
    return {
        "gap_p50_min": float(np.median(gap)),
        "gaps_lt_60min": float((gap < 60).mean()),
        "gaps_gt_12h_per_100d": float((gap > 720).sum() / days * 100),
        "at_100": float((p == 100).mean()),
        "equal_to_previous": float((np.diff(p)[same_prev[1:]] == 0).mean()),
        "spikes_up_per_1000": float((res_calm > SPIKE_PTS).mean() * 1000),
        "spikes_down_per_1000": float((res_calm < -SPIKE_PTS).mean() * 1000),
        "residual_sd": float(small.std()),
    }


def generated(folder: Path) -> dict[str, float]:
    """The same figures for a generated sample city (readings and true emptyings)."""
    r = pd.read_csv(folder / "readings.csv.gz", usecols=["bin_id", "ts", "fill_pct"])
    t = pd.to_datetime(r["ts"], format="%Y-%m-%dT%H:%MZ", utc=True)
    key = signal_metrics(r["bin_id"].to_numpy(), t, r["fill_pct"].to_numpy())
    c = pd.read_csv(folder / "collections_truth.csv.gz")
    ct = pd.to_datetime(c["ts"], format="%Y-%m-%dT%H:%MZ", utc=True)
    interval = (ct.groupby(c["bin_id"]).diff().dt.total_seconds() / 3600).dropna()
    key.update(
        before_p50=float(c["fill_before_pct"].median()),
        before_100=float((c["fill_before_pct"] == 100).mean()),
        after_p50=float(c["fill_after_pct"].median()),
        partial_share=float((c["kind"] == "partial").mean()),
        interval_p50_h=float(interval.median()),
    )
    return key


def comparison(
    prague_all: dict[str, float],
    prague_paper: dict[str, float],
    edin: dict[str, float],
    samples: dict[str, dict[str, float]],
) -> list[str]:
    """Markdown table: real logs against the generated samples, metric by metric."""
    rows = [
        ("median gap between readings (min)", "gap_p50_min", "{:.0f}"),
        ("gaps < 60 min (extra reports)", "gaps_lt_60min", "{:.1%}"),
        ("gaps > 12 h per 100 sensor-days", "gaps_gt_12h_per_100d", "{:.2f}"),
        ("readings at 100 %", "at_100", "{:.1%}"),
        ("reading equal to the previous", "equal_to_previous", "{:.0%}"),
        ("spikes up per 1,000 readings", "spikes_up_per_1000", "{:.2f}"),
        ("spikes down per 1,000 readings", "spikes_down_per_1000", "{:.2f}"),
        ("SD of residuals (pts)", "residual_sd", "{:.2f}"),
        ("level before emptying, median (%)", "before_p50", "{:.0f}"),
        ("emptyings finding the bin at 100 %", "before_100", "{:.0%}"),
        ("level after emptying, median (%)", "after_p50", "{:.0f}"),
        ("partial emptyings (> 20 % left)", "partial_share", "{:.1%}"),
        ("interval between emptyings, median (h)", "interval_p50_h", "{:.0f}"),
    ]
    cols = [("Prague, all", prague_all), ("Prague, paper", prague_paper), ("Edinburgh", edin), *samples.items()]
    out = [
        "## Generated samples against the real logs",
        "",
        "| figure | " + " | ".join(c for c, _ in cols) + " |",
        "| --- |" + " --- |" * len(cols),
    ]
    for label, k, fmt in rows:
        out.append(f"| {label} | " + " | ".join(fmt.format(d[k]) if k in d else "" for _, d in cols) + " |")
    out += [
        "",
        "Generated emptyings come from the ground truth (`collections_truth.csv.gz`), real ones from drops "
        "(Prague) or the collection log (Edinburgh).",
        "",
    ]
    return out


def edinburgh(path: Path) -> tuple[list[str], dict[str, float]]:
    """Figures from the Edinburgh 2016 litter-bin collection log."""
    d = pd.read_csv(path)
    ts_col = next(c for c in d.columns if c.startswith("Date & Time"))
    lvl_col = next(c for c in d.columns if c.startswith("Fill level before"))
    d["ts"] = pd.to_datetime(d[ts_col])
    d = d.sort_values(["Site", "ts"])
    d["interval_h"] = d.groupby("Site")["ts"].diff().dt.total_seconds() / 3600
    lvl = d[lvl_col]
    ok = d["interval_h"].between(1, 24 * 7)
    rate = (lvl[ok] / d.loc[ok, "interval_h"] * 24).clip(upper=300)
    hour = d["ts"].dt.hour
    key = {
        "interval_h": float(d["interval_h"].median()),
        "before_p50": float(lvl.median()),
        "before_100": float((lvl == 100).mean()),
        "rate_pts_day": float(rate.median()),
    }
    out = [
        "## Edinburgh 2016: litter bins, fill level at each collection",
        "",
        f"- {len(d)} collections at {d.Site.nunique()} bins; interval between collections p25 / p50 / p75: "
        f"{_q(d['interval_h'].dropna())} h.",
        f"- Fill before collection p25 / p50 / p75: {_q(lvl)} %; {(lvl == 100).mean():.1%} at 100 % "
        "(the file notes 100 % = 80 % full by volume).",
        f"- Implied fill rate (level before / interval, intervals 1 h-7 days) p25 / p50 / p75: {_q(rate)} pts/day.",
        f"- Collections by local hour: 05-09 {(hour.between(5, 8)).mean():.0%}, "
        f"09-13 {(hour.between(9, 12)).mean():.0%}, 13-17 {(hour.between(13, 16)).mean():.0%}, "
        f"other {(~hour.between(5, 16)).mean():.0%}.",
        "- Collections by weekday (Mon..Sun): "
        + ", ".join(f"{v:.0%}" for v in d["ts"].dt.day_of_week.value_counts(normalize=True).sort_index().to_numpy()),
        "",
    ]
    return out, key


def wyndham(path: Path) -> tuple[list[str], dict[str, float]]:
    """Figures from the Wyndham solar-compactor daily log (fullness 0-8, 10 = above full)."""
    d = pd.read_csv(path)
    d["day"] = pd.to_datetime(d["timestamp"], format="%d-%m-%Y")
    d = d.sort_values(["Bin ID", "day", "Fullness"]).groupby(["Bin ID", "day"], as_index=False).last()
    d["pct"] = d["Fullness"] / 8 * 100
    d["dday"] = d.groupby("Bin ID")["day"].diff().dt.days
    d["inc"] = d.groupby("Bin ID")["pct"].diff()
    daily = d[d["dday"] == 1]
    drops = daily["inc"] <= -50
    rises = daily.loc[~drops & (daily["inc"] >= 0) & (daily["pct"] < 100), "inc"]
    bin_days = d.groupby("Bin ID")["day"].agg(lambda s: (s.max() - s.min()).days).sum()
    key = {
        "rate_pts_day": float(rises.mean()),
        "drops_per_100d": float(drops.sum() / bin_days * 100),
        "above_full_share": float((d["Fullness"] == 10).mean()),
    }
    out = [
        "## Wyndham: solar compactor bins, daily fullness",
        "",
        f"- {len(d)} bin-days at {d['Bin ID'].nunique()} bins; fullness 0 / 2 / 4 / 6 / 8 / 10: "
        + ", ".join(f"{(d['Fullness'] == v).mean():.0%}" for v in (0, 2, 4, 6, 8, 10)),
        f"- Mean day-to-day rise while below full: {rises.mean():.1f} pts/day of compacted volume "
        f"(fullness x 12.5); drops of >= 50 pts (emptyings): {drops.sum() / bin_days * 100:.1f} per 100 bin-days.",
        "",
    ]
    return out, key


def main() -> None:
    """Run the calibration and write the markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[1]
    parser.add_argument("--shared", type=Path, default=root.parent / "shared" / "sensor_data")
    parser.add_argument("--samples", type=Path, default=root / "sample_data", help="generated cities to compare")
    parser.add_argument("--out", type=Path, default=root / "benchmarks" / "results" / "sensor_calibration.md")
    args = parser.parse_args()

    lines = [
        "# Sensor calibration: figures from real bin-sensor logs",
        "",
        "Made by `python benchmarks/calibrate_sensors.py` from the logs under `shared/sensor_data/` (Prague Golemio "
        "readings, Edinburgh 2016 litter-bin collections, Wyndham solar compactors). The generator "
        "(`waste/synthetic/calibration.py`) carries the resulting constants; this file is their derivation.",
        "",
    ]
    keys: dict[str, float] = {}
    for name, fn, rel in (
        ("prague", prague, "prague_golemio/readings_long.csv"),
        ("edinburgh", edinburgh, "edinburgh_2016/collections.csv"),
        ("wyndham", wyndham, "wyndham/readings_raw.csv"),
    ):
        out, key = fn(args.shared / rel)
        lines += out
        keys.update({f"{name}.{k}": v for k, v in key.items()})
    samples = {}
    for city in ("baltimore", "santa_cruz"):
        folder = args.samples / city
        if (folder / "readings.csv.gz").is_file():
            samples[f"sample {city}"] = generated(folder)
    if samples:
        edin = {
            "before_p50": keys["edinburgh.before_p50"],
            "before_100": keys["edinburgh.before_100"],
            "after_p50": 0.0,
            "interval_p50_h": keys["edinburgh.interval_h"],
        }
        paper = dict(SIGNALS["paper"])
        paper.update(
            before_p50=keys["prague.paper_before_p50"],
            before_100=keys["prague.paper_before_100"],
            after_p50=keys["prague.paper_after_p50"],
            partial_share=keys["prague.paper_after_gt20"],
            interval_p50_h=keys["prague.paper_interval_h"],
        )
        lines += comparison(SIGNALS["all"], paper, edin, samples)
    lines += ["## Key figures", "", "| figure | value |", "| --- | --- |"]
    lines += [f"| `{k}` | {v:.3f} |" for k, v in keys.items()]
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
