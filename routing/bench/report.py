"""Reports from ``results.csv``: a Markdown leaderboard, performance profiles and gap-over-time plots (PNG).

Only feasible runs are ranked: a run flagged by the checker counts as infeasible, a run a solver declined as not
applicable, and neither enters a mean gap, a win or a profile as anything but a failure.

Leaderboard columns, per family and solver: ``runs``; ``feasible``; ``mean gap %`` (over feasible runs with a
best-known cost); ``wins`` (instances on which the solver's best feasible cost over seeds is the lowest of all
solvers, ties shared); ``n/a`` (declined: a feature the backend cannot model, or not installed); ``infeasible``
(flagged, no solution, error or timeout).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Statuses that mean the solver declined the instance.
DECLINED = ("not_applicable", "unavailable")


def load(results_csv: str | Path) -> pd.DataFrame:
    """The results table with typed columns (``feasible`` as bool, costs and gaps as floats)."""
    frame = pd.read_csv(results_csv)
    frame["feasible"] = frame["feasible"].astype(str).str.lower().eq("true")
    for column in ("cost", "best_known", "gap_pct", "time_to_first_feasible_s", "runtime_s", "peak_memory_mb"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame


def _best_by_instance(frame: pd.DataFrame) -> pd.DataFrame:
    """Best feasible cost of each (family, instance, solver) over seeds; NaN when none."""
    ok = frame[frame["feasible"]]
    best = ok.groupby(["family", "instance", "solver"])["cost"].min()
    index = frame.groupby(["family", "instance", "solver"]).size().index
    return best.reindex(index).reset_index()


def leaderboard(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per family and solver; see the module docstring for the columns."""
    best = _best_by_instance(frame)
    lowest = best.groupby(["family", "instance"])["cost"].transform("min")
    best["win"] = best["cost"].notna() & np.isclose(best["cost"], lowest)
    rows = []
    for (family, solver), runs in frame.groupby(["family", "solver"], sort=True):
        declined = runs["status"].isin(DECLINED)
        feasible = runs["feasible"]
        wins = best[(best["family"] == family) & (best["solver"] == solver)]["win"].sum()
        gaps = runs.loc[feasible, "gap_pct"].dropna()
        rows.append(
            {
                "family": family,
                "solver": solver,
                "runs": len(runs),
                "feasible": int(feasible.sum()),
                "mean gap %": round(float(gaps.mean()), 2) if len(gaps) else None,
                "wins": int(wins),
                "n/a": int(declined.sum()),
                "infeasible": int((~feasible & ~declined).sum()),
            }
        )
    return pd.DataFrame(rows)


def markdown(frame: pd.DataFrame, title: str = "Solver leaderboard") -> str:
    """The leaderboard as Markdown, with the run settings and the reasons solvers declined instances."""
    board = leaderboard(frame)
    header = "| " + " | ".join(board.columns) + " |"
    lines = [f"# {title}", "", _settings(frame), "", header, "|" + "|".join(" --- " for _ in board.columns) + "|"]
    for row in board.itertuples(index=False):
        lines.append("| " + " | ".join("–" if v is None or v != v else str(v) for v in row) + " |")
    declined = frame[frame["status"].isin(DECLINED)].drop_duplicates(["family", "solver", "violations"])
    if len(declined):
        lines += ["", "Not applicable:", ""]
        lines += [f"- {r.family}, {r.solver}: {r.violations}" for r in declined.itertuples()]
    flagged = frame[~frame["feasible"] & ~frame["status"].isin(DECLINED)]
    if len(flagged):
        lines += ["", "Flagged (not ranked):", ""]
        lines += [
            f"- {r.instance} / {r.solver} / seed {r.seed}: {r.status}; {_short(r.violations)}"
            for r in flagged.itertuples()
        ]
    return "\n".join(lines) + "\n"


def _short(text: object, width: int = 160) -> str:
    text = "" if text is None or text != text else str(text)
    return text if len(text) <= width else text[: width - 3] + "..."


def _settings(frame: pd.DataFrame) -> str:
    budgets = ", ".join(f"{b:g}" for b in sorted(frame["budget_s"].dropna().unique()))
    versions = frame.dropna(subset=["solver_version"]).groupby("solver")["solver_version"].first()
    solvers = ", ".join(f"{s} {v}" for s, v in versions.items())
    instances = frame.groupby("family")["instance"].nunique()
    sets = ", ".join(f"{n} {f}" for f, n in instances.items())
    seeds = frame["seed"].nunique()
    return f"Budget {budgets} s per run, {seeds} seed(s), one core per run; instances: {sets}; solvers: {solvers}."


def _colours(frame: pd.DataFrame) -> dict[str, str]:
    """One colour per solver, the same in every panel and plot."""
    return {name: f"C{i % 10}" for i, name in enumerate(sorted(frame["solver"].unique()))}


def performance_profile(frame: pd.DataFrame, path: str | Path) -> Path:
    """Plot, per family, the share of instances each solver solves within a factor tau of the best (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = _colours(frame)
    best = _best_by_instance(frame)
    best["ratio"] = best["cost"] / best.groupby(["family", "instance"])["cost"].transform("min")
    families = sorted(best["family"].unique())
    fig, axes = plt.subplots(1, len(families), figsize=(4.5 * len(families), 3.6), squeeze=False)
    for ax, family in zip(axes[0], families, strict=True):
        part = best[best["family"] == family]
        top = max(1.05, float(np.nanmax(part["ratio"].to_numpy(dtype=float), initial=1.0)) * 1.02)
        taus = np.linspace(1.0, top, 200)
        for solver, rows in part.groupby("solver"):
            ratios = rows["ratio"].fillna(np.inf).to_numpy()
            share = [(ratios <= tau).mean() for tau in taus]
            ax.step(taus, share, where="post", label=solver, color=colours[solver])
        ax.set_title(family)
        ax.set_xlabel("tau: cost / best cost")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(loc="lower right")
    axes[0][0].set_ylabel("share of instances")
    return _save(fig, path)


def gap_over_time(progress_csv: str | Path, frame: pd.DataFrame, path: str | Path) -> Path:
    """Plot, per family, each solver's mean gap (%) to the best-known cost over time (PNG).

    Gaps come from the improving solutions solvers reported (``progress.csv``) on runs that ended feasible; a curve
    starts once every such run of the solver has a solution, so the mean is over the same instances throughout.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = pd.read_csv(progress_csv)
    ok = frame[frame["feasible"] & frame["best_known"].notna()][
        ["instance", "solver", "seed", "best_known", "budget_s"]
    ]
    steps = steps.merge(ok, on=["instance", "solver", "seed"])
    steps["gap"] = 100 * (steps["cost"] - steps["best_known"]) / steps["best_known"]
    families = sorted(frame["family"].unique())
    fig, axes = plt.subplots(1, len(families), figsize=(4.5 * len(families), 3.6), squeeze=False)
    budget = float(np.nanmax([frame["budget_s"].max(), frame["runtime_s"].max()]))
    grid = np.linspace(0, budget, 400)
    colours = _colours(frame)
    for ax, family in zip(axes[0], families, strict=True):
        part = steps[steps["family"] == family]
        for solver, rows in part.groupby("solver"):
            curves = []
            for _, run in rows.groupby(["instance", "seed"]):
                run = run.sort_values("time_s")
                idx = np.searchsorted(run["time_s"].to_numpy(), grid, side="right") - 1
                gaps = run["gap"].to_numpy()
                curves.append(np.where(idx >= 0, gaps[np.clip(idx, 0, None)], np.nan))
            stack = np.vstack(curves) if curves else np.full((1, len(grid)), np.nan)
            counts = (~np.isnan(stack)).sum(axis=0)
            mean = np.where(counts == len(stack), np.nansum(stack, axis=0) / np.maximum(counts, 1), np.nan)
            ax.step(grid, mean, where="post", label=solver, color=colours[solver])
        ax.set_title(family)
        ax.set_xlabel("time (s)")
        ax.set_yscale("symlog", linthresh=1.0)
        if ax.get_legend_handles_labels()[0]:  # no curve when no run has a best-known cost to compare with
            ax.legend(loc="upper right")
    axes[0][0].set_ylabel("mean gap to best known (%)")
    return _save(fig, path)


def _save(fig: Figure, path: str | Path) -> Path:
    """Lay out, write as PNG and close a figure; return where it went."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_reports(out_dir: str | Path) -> list[Path]:
    """Write ``leaderboard.md``, ``performance_profile.png`` and ``gap_over_time.png`` from the folder's CSVs."""
    out = Path(out_dir)
    frame = load(out / "results.csv")
    board = out / "leaderboard.md"
    board.write_text(markdown(frame), encoding="utf-8")
    paths = [board, performance_profile(frame, out / "performance_profile.png")]
    if (out / "progress.csv").exists():
        paths.append(gap_over_time(out / "progress.csv", frame, out / "gap_over_time.png"))
    return paths
