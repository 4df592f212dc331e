"""How one offer is chosen among a request's offers: cheapest (the default), fastest, or keep the haulers' shares.

``cheapest``
    Lowest price to the requester; among equal prices (a hauler's days of the span), the lowest marginal cost: the
    day that fits the hauler's routes best, which the requester accepted by giving the span. Then the earlier day.
``fastest``
    Earliest day and window; ties go to the lower price.
``share``
    The hauler furthest below its target share of the city's accepted pickups (``target_share`` of the hauler, equal
    shares when unset), so that no independent hauler is starved by a cheaper city fleet; ties go to the lower price.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from routing.matching.offers import Offer
from waste.errors import InputError

RULES = ("cheapest", "fastest", "share")
#: The benchmark's baseline, not a rule to run a platform by: the hauler whose depot is nearest by road, its
#: earliest day, whatever the price.
BASELINE = "nearest"


def choose(
    offers: Sequence[Offer],
    rule: str = "cheapest",
    *,
    accepted_by_hauler: Mapping[str, int] | None = None,
    target_share: Mapping[str, float] | None = None,
) -> Offer | None:
    """The offer ``rule`` picks, or ``None`` when there is none.

    Parameters
    ----------
    accepted_by_hauler
        Pickups each hauler holds already (for ``share``).
    target_share
        Each hauler's target fraction of pickups (for ``share``); missing haulers share what is left equally.
    """
    if not offers:
        return None
    if rule == "cheapest":
        return min(offers, key=lambda o: (o.price, o.marginal_cost, o.service_date))
    if rule == "fastest":
        return min(offers, key=lambda o: (o.service_date, o.arrival_s, o.price))
    if rule == BASELINE:
        return min(offers, key=lambda o: (o.road_km_from_depot, o.service_date, o.arrival_s))
    if rule == "share":
        held = dict(accepted_by_hauler or {})
        total = sum(held.values()) + 1
        haulers = {o.hauler_id for o in offers}
        targets = dict(target_share or {})
        left = max(0.0, 1.0 - sum(targets.get(h, 0.0) for h in haulers if h in targets))
        missing = [h for h in haulers if not targets.get(h)]
        for h in missing:
            targets[h] = left / len(missing) if left > 0 else 1.0 / len(haulers)
        return min(offers, key=lambda o: (held.get(o.hauler_id, 0) / total / max(targets[o.hauler_id], 1e-9), o.price))
    msg = f"unknown rule {rule!r}; known: {', '.join(RULES)} (and {BASELINE}, the benchmark's baseline)"
    raise InputError(msg, field="rule")
