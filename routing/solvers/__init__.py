"""Solver backends behind one small interface, and a registry to pick one by name.

Every backend is a callable with the signature of :class:`Solver`::

    solve(problem, *, time_limit_s, seed, progress) -> Result

It returns the best solution found within the time limit, never raises because a must-go bin cannot be served (it
reports the bin in :attr:`Result.unserved` with a reason and routes the rest), and leaves checking to
:func:`routing.check.check`. Backends register under a name (:func:`register`); :func:`solve` runs one by name.

Built in: ``ortools``, ``pyvrp`` and ``vroom`` (optional extras, imported on first use); ``pyvrp-streams`` (one
PyVRP model per waste stream); ``portfolio``, which runs those that apply side by side and keeps the best checked
solution; and ``city-day`` (the default of the daily plan), which runs PyVRP variants beside today's planner and
repairs and completes their answers. Other packages
add backends through the entry-point group ``waste.solvers``: the entry point names the backend and loads a callable
with the :class:`Solver` signature, which may carry a ``supports(problem) -> str | None`` attribute (see
:func:`supports`). A backend declares the problem features it models (:mod:`routing.solvers.features`) and
:func:`supports` says why it cannot take a problem, so that no backend solves a simpler problem than asked.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from routing.problem import Problem
from routing.solution import Solution, Unserved

#: Called with the seconds elapsed and the objective of each improving solution (currency).
ProgressCallback = Callable[[float, float], None]

#: Default time limit of a daily plan (s).
DEFAULT_TIME_LIMIT_S = 60.0


@dataclass(frozen=True, slots=True, eq=False)
class Result:
    """What a solver returns.

    Attributes
    ----------
    solution
        The best solution found; its :attr:`~routing.solution.Solution.unserved` lists must-go bins left out.
    objective
        The solver's own objective (currency): route costs, penalties of optional bins left out, and the large
        penalties it puts on must-go bins left out.
    solver
        Backend name and version, e.g. ``"ortools 9.15.6755"``.
    runtime_s
        Wall time of the call (s), model building included.
    status
        The backend's final status in words.
    """

    solution: Solution
    objective: float
    solver: str
    runtime_s: float
    status: str = ""

    def __post_init__(self) -> None:
        if self.runtime_s < 0:
            msg = f"runtime_s={self.runtime_s} must be >= 0"
            raise ValueError(msg)

    @property
    def unserved(self) -> tuple[Unserved, ...]:
        """Must-go bins that could not be served, with reasons."""
        return self.solution.unserved

    def cost(self) -> float:
        """Cost of the solution recomputed from the problem (currency); see :meth:`Solution.cost`."""
        return self.solution.cost()

    def summary(self) -> str:
        """The solution's summary headed by solver, status and time."""
        head = f"{self.solver}: {self.status or 'done'} in {self.runtime_s:.1f} s, objective {self.objective:.2f}"
        return f"{head}\n{self.solution.summary()}"


class Solver(Protocol):
    """The interface every backend implements."""

    def __call__(
        self,
        problem: Problem,
        *,
        time_limit_s: float = DEFAULT_TIME_LIMIT_S,
        seed: int = 0,
        progress: ProgressCallback | None = None,
    ) -> Result:
        """Solve ``problem`` within ``time_limit_s`` seconds; see the module docstring."""
        ...


#: Backends by name: a module path and attribute, imported on first use so that optional backends cost nothing.
_REGISTRY: dict[str, str | Solver] = {
    "ortools": "routing.solvers.ortools:solve",
    "pyvrp": "routing.solvers.pyvrp:solve",
    "pyvrp-streams": "routing.solvers.by_stream:solve",
    "vroom": "routing.solvers.vroom:solve",
    "portfolio": "routing.solvers.portfolio:solve",
    "city-day": "routing.solvers.city_day:solve",
}
#: Feature checks of the built-in backends, importable without the backends' libraries.
_SUPPORTS: dict[str, str] = {
    "ortools": "routing.solvers.features:ortools_supports",
    "pyvrp": "routing.solvers.pyvrp:supports",
    "pyvrp-streams": "routing.solvers.pyvrp:supports",
    "vroom": "routing.solvers.vroom:supports",
    "portfolio": "routing.solvers.portfolio:supports",
    "city-day": "routing.solvers.city_day:supports",
}
#: Entry-point group through which other packages add backends.
ENTRY_POINT_GROUP = "waste.solvers"
#: The backend ``waste plan`` uses unless told otherwise: the city day's engine, which runs PyVRP variants beside
#: today's planner and keeps the best checked plan (:mod:`routing.solvers.city_day`).
DEFAULT_SOLVER = "city-day"


def _entry_points() -> dict[str, object]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def register(name: str, solver: Solver | str) -> None:
    """Make ``solver`` (a callable, or ``"module:attribute"`` imported on first use) available as ``name``."""
    _REGISTRY[name] = solver
    _SUPPORTS.pop(name, None)


def available() -> list[str]:
    """Names of the registered backends, those of installed plugins included."""
    return sorted(set(_REGISTRY) | set(_entry_points()))


def get(name: str) -> Solver:
    """The backend called ``name``.

    Raises
    ------
    KeyError
        When no backend has that name.
    """
    if name not in _REGISTRY:
        plugin = _entry_points().get(name)
        if plugin is None:
            msg = f"unknown solver {name!r}; available: {', '.join(available())}"
            raise KeyError(msg)
        _REGISTRY[name] = plugin.load()  # type: ignore[attr-defined]
    entry = _REGISTRY[name]
    if isinstance(entry, str):
        module, attribute = entry.split(":")
        entry = getattr(importlib.import_module(module), attribute)
        _REGISTRY[name] = entry
    return entry


def supports(name: str, problem: Problem) -> str | None:
    """Why the backend called ``name`` cannot model ``problem``, or ``None`` when it can.

    Built-in backends answer without importing their solver library; a plugin answers through a ``supports``
    attribute of its callable, and is trusted to model everything when it has none.
    """
    if name in _SUPPORTS:
        module, attribute = _SUPPORTS[name].split(":")
        return getattr(importlib.import_module(module), attribute)(problem)
    check = getattr(get(name), "supports", None)
    return check(problem) if callable(check) else None


def solve(
    problem: Problem,
    *,
    solver: str = "ortools",
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    seed: int = 0,
    progress: ProgressCallback | None = None,
) -> Result:
    """Solve ``problem`` with the backend called ``solver``.

    Parameters
    ----------
    problem
        The day's problem.
    solver
        Registered backend name (see :func:`available`).
    time_limit_s
        Wall-time budget (s); the best solution found by then is returned.
    seed
        Seed for backends that randomise.
    progress
        Called with (elapsed s, objective) at each improving solution.
    """
    if time_limit_s <= 0:
        msg = f"time_limit_s={time_limit_s} must be > 0"
        raise ValueError(msg)
    return get(solver)(problem, time_limit_s=time_limit_s, seed=seed, progress=progress)


__all__ = [
    "DEFAULT_SOLVER",
    "DEFAULT_TIME_LIMIT_S",
    "ENTRY_POINT_GROUP",
    "ProgressCallback",
    "Result",
    "Solver",
    "available",
    "get",
    "register",
    "solve",
    "supports",
]
