"""Solver backends behind one small interface, and a registry to pick one by name.

Every backend is a callable with the signature of :class:`Solver`::

    solve(problem, *, time_limit_s, seed, progress) -> Result

It returns the best solution found within the time limit, never raises because a must-go bin cannot be served (it
reports the bin in :attr:`Result.unserved` with a reason and routes the rest), and leaves checking to
:func:`routing.check.check`. Backends register under a name (:func:`register`); :func:`solve` runs one by name.
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
_REGISTRY: dict[str, str | Solver] = {"ortools": "routing.solvers.ortools:solve"}


def register(name: str, solver: Solver | str) -> None:
    """Make ``solver`` (a callable, or ``"module:attribute"`` imported on first use) available as ``name``."""
    _REGISTRY[name] = solver


def available() -> list[str]:
    """Names of the registered backends."""
    return sorted(_REGISTRY)


def get(name: str) -> Solver:
    """The backend called ``name``.

    Raises
    ------
    KeyError
        When no backend has that name.
    """
    try:
        entry = _REGISTRY[name]
    except KeyError:
        msg = f"unknown solver {name!r}; available: {', '.join(available())}"
        raise KeyError(msg) from None
    if isinstance(entry, str):
        module, attribute = entry.split(":")
        entry = getattr(importlib.import_module(module), attribute)
        _REGISTRY[name] = entry
    return entry


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


__all__ = ["DEFAULT_TIME_LIMIT_S", "ProgressCallback", "Result", "Solver", "available", "get", "register", "solve"]
