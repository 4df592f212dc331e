"""The matching service on the store: offers for a request, accepting one, batch matching, scheduling a day.

:class:`Matcher` keeps each hauler's day (:class:`~routing.matching.day.HaulerDay`) in memory, rebuilt from the
store's accepted and scheduled requests the first time a day is needed, so offers are priced against the routes as
they stand. One matcher per city and per unit of work (an API call, a simulated month); the store stays the truth.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from routing.frames import hhmm_to_s
from routing.matching.batch import BatchResult, assign
from routing.matching.day import HaulerDay, MatrixFunction, haversine_only
from routing.matching.offers import Offer, day_stop, make_offers
from routing.matching.rules import choose
from routing.matching.schedule import ScheduledDay, schedule_day
from waste.errors import InputError
from waste.matching import tables
from waste.matching.accounts import Account
from waste.matching.haulers import Hauler, load_haulers
from waste.matching.lifecycle import ACTIVE
from waste.matching.requests import (
    accept_offer,
    change_status,
    get_request,
    list_requests,
    offers_of,
    save_offers,
)
from waste.store import Store


class Matcher:
    """Offers, acceptance, batch matching and daily schedules for one city's requests.

    Parameters
    ----------
    store
        Holds the haulers, requests and offers.
    city
        The city matched.
    matrices
        Travel matrices over a list of points (haversine by default; pass
        ``functools.partial(build_matrices, osrm_url=...)`` for road distances).
    """

    def __init__(self, store: Store, city: str, *, matrices: MatrixFunction = haversine_only) -> None:
        self.store = store
        self.city = city
        self.matrices = matrices
        self.haulers = {h.hauler_id: h for h in load_haulers(store, city)}
        if not self.haulers:
            msg = f"no haulers in {city!r}: load them first (waste haulers load --city {city})"
            raise InputError(msg, field="city")
        self.days: dict[tuple[str, str], HaulerDay] = {}

    # -- hauler days ------------------------------------------------------------------------------------------

    def day_of(self, hauler: Hauler, date: str) -> HaulerDay:
        """The hauler's day, built from the store's accepted and scheduled requests the first time."""
        key = (hauler.hauler_id, date)
        if key not in self.days:
            day = HaulerDay(hauler, date, self.matrices)
            held = list_requests(self.store, hauler_id=hauler.hauler_id, service_date=date)
            held = held[held["status"].isin(ACTIVE)].sort_values("request_id")
            for row in held.to_dict("records"):
                self._hold(day, row, (hhmm_to_s(row["window_start"]) or 0, hhmm_to_s(row["window_end"]) or 0))
            self.days[key] = day
        return self.days[key]

    def _hold(self, day: HaulerDay, request: dict[str, Any], window_s: tuple[int, int]) -> bool:
        stop = day_stop(request, window_s)
        where = day.cheapest_insertion(stop)
        if where is None:
            return False
        day.insert(stop, where)
        return True

    # -- one request at a time --------------------------------------------------------------------------------

    def offers(self, request_id: int, *, only: str | None = None, save: bool = True) -> list[Offer]:
        """Compute a ``requested`` request's offers against the current routes; store them (and their ids)."""
        request = self._request(request_id)
        found = make_offers(request, self.haulers.values(), self.day_of, only=only)
        if save:
            save_offers(self.store, request_id, [o.record() for o in found])
        return found

    def accept(self, request_id: int, offer_id: int, actor: Account | None = None) -> dict[str, Any]:
        """Accept a stored offer: checked to still fit the hauler's day, then held in it; the request's new row.

        Raises
        ------
        InputError
            When the offer no longer fits (another request took the room since): ask for new offers.
        """
        offers = offers_of(self.store, request_id)
        chosen = offers[offers["offer_id"] == int(offer_id)]
        if chosen.empty:
            raise InputError(f"offer {offer_id} is not an offer of request {request_id}", field="offer_id")
        offer = chosen.iloc[0]
        request = self._request(request_id)
        hauler = self.haulers[str(offer["hauler_id"])]
        day = self.day_of(hauler, str(offer["service_date"]))
        window = (hhmm_to_s(offer["window_start"]) or 0, hhmm_to_s(offer["window_end"]) or 0)
        if day.cheapest_insertion(day_stop(request, window)) is None:
            msg = f"offer {offer_id} no longer fits {hauler.hauler_id}'s day {offer['service_date']}; ask again"
            raise InputError(msg, field="offer_id")
        accept_offer(self.store, request_id, int(offer_id), actor)
        self._hold(day, request, window)
        return self._request(request_id)

    def match(
        self, request_id: int, rule: str = "cheapest", actor: Account | None = None, *, only: str | None = None
    ) -> dict[str, Any]:
        """Offer, choose by ``rule`` and accept in one step; the request's row (still ``requested`` when no offer)."""
        found = self.offers(request_id, only=only)
        best = choose(found, rule, accepted_by_hauler=self.held_by_hauler(), target_share=self.target_shares())
        if best is None:
            return self._request(request_id)
        stored = offers_of(self.store, request_id)
        same = stored[(stored["hauler_id"] == best.hauler_id) & (stored["service_date"] == best.service_date)]
        return self.accept(request_id, int(same["offer_id"].iloc[0]), actor)

    def held_by_hauler(self) -> Counter[str]:
        """Pickups each hauler holds or has made in the city (accepted, scheduled, collected)."""
        t = tables.requests
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.hauler_id, func.count())
                .where(t.c.city == self.city, t.c.status.in_(("accepted", "scheduled", "collected")))
                .group_by(t.c.hauler_id)
            ).all()
        return Counter({str(h): int(n) for h, n in rows if h is not None})

    def target_shares(self) -> dict[str, float]:
        """Target share of each hauler that has one."""
        return {h: float(x.target_share) for h, x in self.haulers.items() if x.target_share}

    # -- a batch ----------------------------------------------------------------------------------------------

    def match_batch(self, request_ids: Iterable[int], actor: Account | None = None) -> BatchResult:
        """Match requests jointly (:mod:`routing.matching.batch`), then hold the answer in the haulers' days."""
        ids = [int(r) for r in request_ids]
        offers = {rid: self.offers(rid, save=False) for rid in ids}
        keys = {(o.hauler_id, o.service_date) for os in offers.values() for o in os}
        free_pickups, free_volume = {}, {}
        for hid, date in keys:
            day = self.day_of(self.haulers[hid], date)
            free_pickups[hid, date] = int(day.hauler.max_pickups_per_day) - len(day.stops)
            used = sum(s.volume_m3 for s in day.stops)
            free_volume[hid, date] = float(day.hauler.trucks) * float(day.hauler.truck_capacity_m3) - used
        volumes = {rid: float(self._request(rid)["volume_m3"]) for rid in ids}
        result = assign(offers, free_pickups, free_volume, volumes)
        # The assignment chose each request's hauler against the routes as they stood before the batch; its day is
        # chosen now, by insertion into the routes as they are (the requests of a batch that are near each other end
        # up on the same day, as one by one they would). Cheapest chosen offers first.
        for rid in sorted(ids, key=lambda r: (result.chosen[r] is None, getattr(result.chosen[r], "price", 0.0))):
            chosen = result.chosen[rid]
            # Offers against the routes as the batch has filled them so far: the chosen hauler's best day first,
            # then the others by price, should the chosen one have no room left (offers made before the batch
            # would be stale by now).
            fresh = sorted(self.offers(rid, save=False), key=lambda o: (o.price, o.marginal_cost, o.service_date))
            options = fresh
            if chosen is not None:
                mine = [o for o in fresh if o.hauler_id == chosen.hauler_id]
                best_day = min(mine, key=lambda o: (o.marginal_cost, o.service_date)) if mine else None
                options = [o for o in (best_day,) if o is not None] + [o for o in fresh if o is not best_day]
            ids_saved = save_offers(self.store, rid, [o.record() for o in options])
            for offer_id in ids_saved:
                try:
                    self.accept(rid, offer_id, actor)
                    break
                except InputError:
                    continue  # that day filled up during this batch: the next offer
        return result

    # -- the day itself ---------------------------------------------------------------------------------------

    def schedule(self, date: str, *, time_limit_s: float = 1.0) -> list[ScheduledDay]:
        """Solve every hauler's day on ``date``; accepted requests served become ``scheduled``, the others missed.

        Returns the solved days; requests a solver could not place are moved to ``missed`` by the platform (and
        :func:`routing.matching.missed.resolve_missed` decides on a recovery pickup or a credit).
        """
        out = []
        for hauler in self.haulers.values():
            day = self.day_of(hauler, date)
            if not day.stops:
                continue
            solved = schedule_day(day, time_limit_s=time_limit_s)
            for rid, start_s in solved.arrival_s.items():
                if get_request(self.store, rid)["status"] == "accepted":
                    note = f"planned arrival {start_s // 3600:02d}:{start_s % 3600 // 60:02d}"
                    change_status(self.store, rid, "scheduled", None, note=note)
            for rid in solved.unserved:
                change_status(self.store, rid, "missed", None, note="no route could reach it within its window")
            out.append(solved)
        return out

    def release(self, request_id: int) -> None:
        """Take a request out of its hauler's day in memory (after a cancellation or a miss)."""
        row = self._request(request_id)
        key = (str(row["hauler_id"]), str(row["service_date"]))
        if key in self.days:
            del self.days[key]  # rebuilt from the store on next use, without the request

    def _request(self, request_id: int) -> dict[str, Any]:
        row = get_request(self.store, request_id)
        if row is None or row["city"] != self.city:
            raise InputError(f"no request {request_id} in {self.city}", field="request_id")
        return row
