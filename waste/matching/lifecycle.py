"""The lifecycle of a request: which status may follow which, and who may make each change.

::

    requested -> offered -> accepted -> scheduled -> collected
        |           |           |           |
        +-----------+-----------+-----------+--> cancelled     (requester or city, before collection)
                                |           +--> missed        (hauler, city, or the day's plan)
                                +--> missed, or collected before the plan made it scheduled

A requested or offered request goes back to ``requested`` when its offers lapse (a re-offer). ``collected``,
``cancelled`` and ``missed`` are final for the request; a missed pickup gets a recovery pickup (a new request
linked by ``recovery_of``) or a credit, by the rule in :mod:`routing.matching.missed`.
"""

from __future__ import annotations

from waste.errors import InputError
from waste.matching.accounts import Account

TRANSITIONS: dict[str, frozenset[str]] = {
    "requested": frozenset({"offered", "accepted", "cancelled"}),
    "offered": frozenset({"accepted", "requested", "cancelled"}),
    # A hauler may collect an accepted pickup before the day's plan makes it scheduled.
    "accepted": frozenset({"scheduled", "collected", "missed", "cancelled"}),
    "scheduled": frozenset({"collected", "missed", "cancelled"}),
    "collected": frozenset(),
    "missed": frozenset(),
    "cancelled": frozenset(),
}

#: Changes each kind of account may make (the city and the system may make any allowed change).
ALLOWED_BY: dict[str, frozenset[str]] = {
    "requester": frozenset({"accepted", "cancelled"}),
    "hauler": frozenset({"scheduled", "collected", "missed"}),
}

#: Statuses in which a request still holds a place in a hauler's day.
ACTIVE = frozenset({"accepted", "scheduled"})


def check_transition(current: str, new: str, *, field: str = "status") -> None:
    """Raise :class:`InputError` when ``new`` may not follow ``current``."""
    if new not in TRANSITIONS:
        raise InputError(f"{new!r} is not a status; known: {', '.join(TRANSITIONS)}", field=field)
    if new not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (final)"
        raise InputError(f"a request that is {current} cannot become {new}; allowed: {allowed}", field=field)


def may_change(account: Account | None, new: str) -> bool:
    """Whether ``account`` (``None`` for the system itself) may move a request it can see to ``new``."""
    if account is None or account.is_city:
        return True
    role = "requester" if account.is_requester else "hauler"
    return new in ALLOWED_BY[role]
