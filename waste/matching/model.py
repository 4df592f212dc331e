"""The vocabulary of the matching platform: streams, containers, statuses, and validation of a request.

A request as it arrives (API body, form fields, CSV row) is a mapping of text or numbers; :func:`validate_request`
turns it into a clean dict or raises :class:`~waste.errors.InputError` naming the field at fault.

Request columns (the ``requests`` table and the frames the store returns):

===============  =====  ========  ===========================================================================
column           dtype  unit      meaning
===============  =====  ========  ===========================================================================
``request_id``   int              assigned by the store
``city``         str              city key (``baltimore``, ``santa_cruz``)
``account_id``   str              the requester's account
``address``      str              address text as given (may be empty when coordinates are given)
``lat, lon``     float  degrees   place of the pickup
``stream``       str              one of :data:`STREAMS`
``container``    str              one of :data:`CONTAINERS`
``volume_m3``    float  m3        loose volume to collect (container size times count when not given)
``earliest``     str    date      first local date the pickup may happen (``YYYY-MM-DD``)
``latest``       str    date      last local date
``source``       str              ``api``, ``form``, ``csv``, ``sensor`` or ``recovery``
``status``       str              one of :data:`STATUSES`
===============  =====  ========  ===========================================================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from waste.errors import InputError

#: Streams a request may name.
STREAMS = ("general", "recycling", "organic", "bulky", "construction")

#: Container types and their volume (m3). ``item`` is one bulky item (a sofa, a fridge), about 1 m3 loose.
CONTAINERS: dict[str, float] = {
    "bag": 0.1,
    "bin_240l": 0.24,
    "container_1100l": 1.1,
    "item": 1.0,
    "skip_6m3": 6.0,
    "roll_off_15m3": 15.0,
}

#: Loose density of each stream (kg/m3), to estimate a pickup's weight when no scale weighed it. Order-of-magnitude
#: mid-range values of the US EPA "Volume-to-Weight Conversion Factors" (2016): mixed residential trash about 150,
#: loose mixed recyclables about 60, food and yard waste about 400, furniture about 100, loose construction and
#: demolition debris about 500.
DENSITY_KG_M3: dict[str, float] = {
    "general": 150.0,
    "recycling": 60.0,
    "organic": 400.0,
    "bulky": 100.0,
    "construction": 500.0,
}

#: Time to load each container type at the kerb (s).
SERVICE_S: dict[str, int] = {
    "bag": 60,
    "bin_240l": 60,
    "container_1100l": 120,
    "item": 300,
    "skip_6m3": 600,
    "roll_off_15m3": 900,
}

#: Request statuses, in lifecycle order.
STATUSES = ("requested", "offered", "accepted", "scheduled", "collected", "missed", "cancelled")

#: Sources of a request.
SOURCES = ("api", "form", "csv", "sensor", "recovery")

#: Kinds of account: requesters (business, resident), haulers, and the city.
ACCOUNT_KINDS = ("business", "resident", "hauler", "city")
REQUESTER_KINDS = ("business", "resident")

#: Longest span a request may ask for, earliest to latest (days): a request is for a pickup soon, not a contract.
MAX_SPAN_DAYS = 14


def parse_date(value: object, field: str) -> date:
    """A ``YYYY-MM-DD`` date, or :class:`InputError` naming ``field``."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"{value!r} is not a date YYYY-MM-DD", field=field) from None


def _number(data: Mapping[str, Any], field: str) -> float | None:
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{value!r} is not a number", field=field) from None
    if not math.isfinite(number):
        raise InputError(f"{value!r} is not a finite number", field=field)
    return number


def validate_request(data: Mapping[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """Check one request and return its clean fields (the columns of the module docstring but ids and status).

    ``lat``/``lon`` are required (an address alone is kept as text but not geocoded: no geocoder is bundled);
    ``volume_m3`` defaults to the container's size times ``count`` (default 1).

    Raises
    ------
    InputError
        Naming the first field at fault.
    """
    clean: dict[str, Any] = {"address": str(data.get("address") or "").strip()[:500]}
    lat, lon = _number(data, "lat"), _number(data, "lon")
    if lat is None:
        raise InputError("required: the pickup's latitude (degrees)", field="lat")
    if lon is None:
        raise InputError("required: the pickup's longitude (degrees)", field="lon")
    if not -90 <= lat <= 90:
        raise InputError(f"{lat} is not a latitude in [-90, 90]", field="lat")
    if not -180 <= lon <= 180:
        raise InputError(f"{lon} is not a longitude in [-180, 180]", field="lon")
    clean["lat"], clean["lon"] = lat, lon
    stream = str(data.get("stream") or "").strip().lower()
    if stream not in STREAMS:
        raise InputError(f"{stream!r} is not one of {', '.join(STREAMS)}", field="stream")
    clean["stream"] = stream
    container = str(data.get("container") or "").strip().lower()
    if container not in CONTAINERS:
        raise InputError(f"{container!r} is not one of {', '.join(CONTAINERS)}", field="container")
    clean["container"] = container
    count = _number(data, "count")
    if count is not None and (count < 1 or count != int(count) or count > 100):
        raise InputError(f"{count} is not a whole number of containers in [1, 100]", field="count")
    volume = _number(data, "volume_m3")
    if volume is None:
        volume = CONTAINERS[container] * (count or 1)
    if not 0 < volume <= 60:
        raise InputError(f"{volume} m3 is outside (0, 60]", field="volume_m3")
    clean["volume_m3"] = round(volume, 3)
    if data.get("earliest") in (None, ""):
        raise InputError("required: the first day the pickup may happen (YYYY-MM-DD)", field="earliest")
    earliest = parse_date(data["earliest"], "earliest")
    latest = parse_date(data.get("latest") or earliest, "latest")
    if latest < earliest:
        raise InputError(f"{latest} is before earliest {earliest}", field="latest")
    if (latest - earliest).days > MAX_SPAN_DAYS:
        raise InputError(f"more than {MAX_SPAN_DAYS} days after earliest {earliest}", field="latest")
    if today is not None and latest < today:
        raise InputError(f"{latest} is in the past (today is {today})", field="latest")
    clean["earliest"], clean["latest"] = earliest.isoformat(), latest.isoformat()
    return clean


def days_between(earliest: str, latest: str) -> list[str]:
    """Every local date from ``earliest`` to ``latest`` inclusive, as ``YYYY-MM-DD``."""
    first, last = date.fromisoformat(earliest), date.fromisoformat(latest)
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def estimated_weight_kg(stream: str, volume_m3: float) -> float:
    """Weight of ``volume_m3`` loose m3 of ``stream`` from its typical density (kg)."""
    return volume_m3 * DENSITY_KG_M3[stream]
