"""A request's offers: one per hauler and day that can serve it, priced by its list, costed by insertion.

A hauler can offer a day when its service area holds the place, it takes the stream and container, it works that
day, and the stop fits its routes that day (window, truck volume, shift, daily pickups; :mod:`routing.matching.day`).
Each hauler offers its cheapest feasible day of the request's span, and, when faster, its earliest one too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from routing.matching.day import DayStop, HaulerDay, Insertion, clock, promised_window
from waste.matching.haulers import Hauler
from waste.matching.model import SERVICE_S, days_between, estimated_weight_kg


@dataclass(frozen=True, slots=True)
class Offer:
    """One hauler's offer for one request on one day: price to the requester, marginal cost to the hauler."""

    request_id: int
    hauler_id: str
    service_date: str
    window_start: str
    window_end: str
    price: float
    marginal_cost: float
    road_km_from_depot: float
    arrival_s: int
    insertion: Insertion

    def record(self) -> dict[str, Any]:
        """The columns the ``offers`` table stores."""
        return {
            "hauler_id": self.hauler_id,
            "service_date": self.service_date,
            "window_start": self.window_start,
            "window_end": self.window_end,
            "price": round(self.price, 2),
            "marginal_cost": round(self.marginal_cost, 2),
            "road_km_from_depot": round(self.road_km_from_depot, 2),
        }


def price(hauler: Hauler, stream: str, volume_m3: float, road_km: float) -> float:
    """The hauler's price for one pickup (its currency): per pickup, per m3, per estimated tonne, per km outside."""
    tonnes = estimated_weight_kg(stream, volume_m3) / 1000.0
    outside_km = max(0.0, road_km - float(hauler.base_radius_km))
    return (
        float(hauler.price_per_pickup)
        + float(hauler.price_per_m3) * volume_m3
        + float(hauler.price_per_tonne) * tonnes
        + float(hauler.price_per_km_outside) * outside_km
    )


def day_stop(request: dict[str, Any], window_s: tuple[int, int]) -> DayStop:
    """The stop a request makes in a hauler's day, with a window (s)."""
    return DayStop(
        request_id=int(request["request_id"]),
        lat=float(request["lat"]),
        lon=float(request["lon"]),
        volume_m3=float(request["volume_m3"]),
        service_s=SERVICE_S[str(request["container"])],
        window_start_s=window_s[0],
        window_end_s=window_s[1],
    )


def can_serve(hauler: Hauler, request: dict[str, Any]) -> bool:
    """Area, stream and container: whether the hauler could ever take this request."""
    return hauler.can_take(str(request["stream"]), str(request["container"])) and hauler.covers(
        float(request["lat"]), float(request["lon"])
    )


def make_offers(
    request: dict[str, Any],
    haulers: Iterable[Hauler],
    day_of: Callable[[Hauler, str], HaulerDay],
    *,
    days: list[str] | None = None,
    only: str | None = None,
) -> list[Offer]:
    """Offers for ``request`` (a row of the requests table) from ``haulers``, cheapest first.

    Parameters
    ----------
    day_of
        The hauler's current day on a date (routes with the stops it holds already).
    days
        Dates to consider; the request's ``earliest`` to ``latest`` by default.
    only
        Only this hauler (a recovery pickup stays with the hauler that missed).
    """
    span = days or days_between(str(request["earliest"]), str(request["latest"]))
    out: list[Offer] = []
    for hauler in haulers:
        if (only is not None and hauler.hauler_id != only) or not can_serve(hauler, request):
            continue
        mine: list[Offer] = []
        for day in span:
            if not hauler.works_on(day):
                continue
            book = day_of(hauler, day)
            stop = day_stop(request, book.shift_s)
            where = book.cheapest_insertion(stop)
            if where is None:
                continue
            km = book.road_km_from_depot(stop.lat, stop.lon)
            start, end = promised_window(where.arrival_s, book.shift_s)
            mine.append(
                Offer(
                    request_id=int(request["request_id"]),
                    hauler_id=hauler.hauler_id,
                    service_date=day,
                    window_start=clock(start),
                    window_end=clock(end),
                    price=price(hauler, str(request["stream"]), float(request["volume_m3"]), km),
                    marginal_cost=where.marginal_cost,
                    road_km_from_depot=km,
                    arrival_s=where.arrival_s,
                    insertion=where,
                )
            )
        if mine:
            cheapest = min(mine, key=lambda o: (o.marginal_cost, o.service_date))
            out.append(cheapest)
            if mine[0] is not cheapest:
                out.append(mine[0])  # the earliest day, for a requester in a hurry
    return sorted(out, key=lambda o: (o.price, o.service_date, o.marginal_cost))
