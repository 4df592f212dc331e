"""``waste bench`` results as the benchmark page and API read them: the files the command writes, nothing more.

The folder holds ``results.csv`` (one row per run), ``progress.csv``, ``leaderboard.md`` and the PNG plots; the
leaderboard is recomputed from ``results.csv`` with the same function the command uses, so the page and the
Markdown file cannot disagree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from routing.bench.report import leaderboard, load

#: Plots ``waste bench`` writes, in the order the page shows them.
PLOTS = ("performance_profile.png", "gap_over_time.png")


def bench_results(folder: Path) -> dict[str, Any]:
    """Leaderboard rows, every run, the plots present and the folder; empty lists when nothing was run yet."""
    results = folder / "results.csv"
    if not results.is_file():
        return {"folder": str(folder), "leaderboard": [], "runs": [], "plots": [], "notes": ""}
    frame = load(results)
    board = leaderboard(frame)
    notes_file = folder / "leaderboard.md"
    notes = notes_file.read_text(encoding="utf-8") if notes_file.is_file() else ""
    return {
        "folder": str(folder),
        "leaderboard": _rows(board),
        "runs": _rows(frame),
        "plots": [name for name in PLOTS if (folder / name).is_file()],
        "notes": notes,
    }


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    data = frame.astype(object).where(frame.notna(), None)
    return data.to_dict("records")
