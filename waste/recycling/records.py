"""What each collection brought in: weight (weighed or estimated, and which), stream, contamination, reuse items.

A record's weight is a truck scale reading when the crew has one (``weight_source = "scale"``), else an estimate
from the volume collected, how full it was and the stream's density (``"estimate"``, density from
:data:`waste.matching.model.DENSITY_KG_M3` unless given). The crew flags a contaminated load (recyclables or
organics mixed with trash: it goes to disposal, not to recycling). Reuse items (furniture, appliances) handed to a
reuse centre instead of disposal are counted, with their weight.

Record columns: ``record_id``, ``city``, ``district``, ``collected_on`` (local date), ``stream``, ``weight_kg``,
``weight_source``, ``volume_m3``, ``fill_pct``, ``density_kg_m3``, ``contaminated`` (bool), ``reuse_items`` (int),
``reuse_kg``, ``reuse_kind``, ``request_id``, ``bin_id``, ``hauler_id``, ``recorded_by``, ``created_unix_s``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from waste.districts import city_districts
from waste.errors import InputError
from waste.matching.model import DENSITY_KG_M3, STREAMS, parse_date
from waste.recycling.tables import recycling_records
from waste.store import Store

#: Typical weight of one reuse item when the crew gives none (kg): a sofa or a small appliance.
REUSE_ITEM_KG = 35.0
RECORD_COLUMNS = [c.name for c in recycling_records.columns]


def _number(data: Mapping[str, Any], field: str, *, lo: float = 0.0, hi: float = math.inf) -> float | None:
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{value!r} is not a number", field=field) from None
    if not (lo <= number <= hi):
        raise InputError(f"{number} is outside [{lo}, {hi}]", field=field)
    return number


def _flag(value: object, field: str) -> bool:
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return False
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "y"):
        return True
    if text in ("0", "false", "no", "n"):
        return False
    raise InputError(f"{value!r} is not yes/no", field=field)


def validate_record(data: Mapping[str, Any], city: str) -> dict[str, Any]:
    """One record's clean fields; :class:`InputError` names the field at fault.

    Needs ``collected_on``, ``stream``, and either ``weight_kg`` (a scale reading) or ``volume_m3`` (with
    ``fill_pct``, default 100, and ``density_kg_m3``, default the stream's) for an estimate; ``district`` or
    ``lat``/``lon`` place it.
    """
    clean: dict[str, Any] = {"city": city}
    if not data.get("collected_on"):
        raise InputError("required: the local date of the collection (YYYY-MM-DD)", field="collected_on")
    clean["collected_on"] = parse_date(data["collected_on"], "collected_on").isoformat()
    stream = str(data.get("stream") or "").strip().lower()
    if stream not in STREAMS:
        raise InputError(f"{stream!r} is not one of {', '.join(STREAMS)}", field="stream")
    clean["stream"] = stream
    weight = _number(data, "weight_kg", hi=50_000)
    volume = _number(data, "volume_m3", hi=100)
    fill = _number(data, "fill_pct", hi=150)
    density = _number(data, "density_kg_m3", lo=1, hi=2_000)
    if weight is not None:
        clean.update(weight_kg=weight, weight_source="scale")
    elif volume is not None:
        density = density or DENSITY_KG_M3[stream]
        fill = 100.0 if fill is None else fill
        clean.update(weight_kg=round(volume * min(fill, 100.0) / 100.0 * density, 2), weight_source="estimate")
    else:
        raise InputError("give weight_kg (a scale reading) or volume_m3 to estimate it from", field="weight_kg")
    clean.update(volume_m3=volume, fill_pct=fill, density_kg_m3=density)
    clean["contaminated"] = _flag(data.get("contaminated"), "contaminated")
    items = _number(data, "reuse_items", hi=1_000)
    if items is not None and items != int(items):
        raise InputError(f"{items} is not a whole number", field="reuse_items")
    clean["reuse_items"] = int(items or 0)
    reuse_kg = _number(data, "reuse_kg", hi=50_000)
    clean["reuse_kg"] = reuse_kg if reuse_kg is not None else clean["reuse_items"] * REUSE_ITEM_KG
    clean["reuse_kind"] = str(data.get("reuse_kind") or "").strip()[:200] or None
    district = str(data.get("district") or "").strip()
    if not district:
        lat, lon = _number(data, "lat", lo=-90, hi=90), _number(data, "lon", lo=-180, hi=180)
        if lat is None or lon is None:
            raise InputError("give district, or lat and lon to find it", field="district")
        district = str(city_districts(city).of(lat, lon)[0])
    clean["district"] = district[:64]
    for name in ("request_id",):
        clean[name] = None if data.get(name) in (None, "") else int(data[name])
    for name in ("bin_id", "hauler_id"):
        clean[name] = None if data.get(name) in (None, "") else str(data[name])
    return clean


def add_records(store: Store, rows: list[dict[str, Any]], *, recorded_by: str) -> int:
    """Store clean records (from :func:`validate_record`); return how many."""
    now = int(time.time())
    if not rows:
        return 0
    with store.engine.begin() as conn:
        stamped = [{**r, "recorded_by": recorded_by, "created_unix_s": now} for r in rows]
        conn.execute(recycling_records.insert(), stamped)
    return len(rows)


def import_records_csv(store: Store, path: Path, city: str, *, recorded_by: str) -> int:
    """Validate and store every row of a CSV file, or none: an error names the file, line and field."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = []
    for n, row in enumerate(frame.to_dict("records"), start=2):
        try:
            rows.append(validate_record(row, city))
        except InputError as exc:
            raise InputError(exc.reason, file=str(path), row=n, field=exc.field) from None
    return add_records(store, rows, recorded_by=recorded_by)


def records(store: Store, city: str | None = None, since: str | None = None, until: str | None = None) -> pd.DataFrame:
    """Stored records (bounds are inclusive local dates), oldest first."""
    t = recycling_records
    query = select(t).order_by(t.c.collected_on, t.c.record_id)
    if city is not None:
        query = query.where(t.c.city == city)
    if since is not None:
        query = query.where(t.c.collected_on >= since)
    if until is not None:
        query = query.where(t.c.collected_on <= until)
    with store.engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=RECORD_COLUMNS)
    return frame.astype({"contaminated": bool})
