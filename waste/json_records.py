"""One reading from a JSON object: a plain reading, or a The Things Stack (v3) uplink message.

Keys are matched against the accepted names of each field (:data:`waste.reading_fields.CSV_ALIASES`),
centimetres and millivolts are converted, and every value is reduced to what validation takes: text, a number or
``None``. An object that is not a reading at all raises :class:`RecordError` with the reason to quarantine it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from waste.reading_fields import ALIAS_TO_FIELD, RAW_LIMIT


def compact_json(item: Any) -> str:
    """An item's JSON text, at most :data:`RAW_LIMIT` characters, for the quarantine's raw column."""
    try:
        return json.dumps(item, separators=(",", ":"), default=str)[:RAW_LIMIT]
    except (ValueError, RecursionError):
        return repr(item)[:RAW_LIMIT]


class RecordError(Exception):
    """The object is not a reading: the field at fault, the quarantine reason and a sentence saying why."""

    def __init__(self, field: str, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.field, self.reason, self.detail = field, reason, detail


def record_from_json(item: Any) -> dict[str, Any]:
    """One reading from a JSON object: a plain reading or a The Things Stack uplink message.

    Raises
    ------
    RecordError
        When the object is not a reading at all (not an object, an uplink without a decoded payload).
    """
    if not isinstance(item, Mapping):
        raise RecordError("(row)", "malformed_row", f"expected a JSON object, found {type(item).__name__}")
    record = _record_from_uplink(item) if "end_device_ids" in item or "uplink_message" in item else _canonical(item)
    return {name: _scalar(value) for name, value in record.items()}


def _scalar(value: Any) -> Any:
    """A field's JSON value as validation takes it: text, a number or ``None``; a list or an object as its JSON text.

    A nested value is never a bin, a time or a number, so it fails validation with the reason its field gives
    (unknown_bin, bad_timestamp, bad_number) and is shown as written, instead of upsetting the vectorised checks.
    """
    if isinstance(value, bool):  # JSON true/false: a Python int, but never a reading's number
        return "true" if value else "false"
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        return str(value)  # beyond any integer pandas holds: as text, which no bin, time or number check takes
    if value is None or isinstance(value, str | int | float):
        return value
    try:
        return json.dumps(value, separators=(",", ":"), default=str)[:RAW_LIMIT]
    except (ValueError, RecursionError):
        return repr(value)[:RAW_LIMIT]


def _canonical(values: Mapping[str, Any]) -> dict[str, Any]:
    """Map a flat object's keys onto the canonical fields, converting centimetres and millivolts."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = ALIAS_TO_FIELD.get(str(key).lower())
        if name is not None and name not in out:
            out[name] = value
    if "distance_mm" not in out and "distance_cm" in out:
        out["distance_mm"] = _scaled(out["distance_cm"], 10.0)
    if "battery_v" not in out and "battery_mv" in out:
        out["battery_v"] = _scaled(out["battery_mv"], 0.001)
    out.pop("distance_cm", None)
    out.pop("battery_mv", None)
    return out


def _scaled(value: Any, factor: float) -> Any:
    return value * factor if isinstance(value, int | float) and not isinstance(value, bool) else value


def _record_from_uplink(message: Mapping[str, Any]) -> dict[str, Any]:
    ids = message.get("end_device_ids")
    uplink = message.get("uplink_message")
    if not isinstance(ids, Mapping):
        raise RecordError("end_device_ids", "malformed_row", "uplink without end_device_ids")
    if not isinstance(uplink, Mapping):
        raise RecordError("uplink_message", "malformed_row", "not an uplink message (no uplink_message)")
    payload = uplink.get("decoded_payload")
    if not isinstance(payload, Mapping) or not payload:
        detail = "the uplink has no decoded_payload: set up a payload formatter for this device in the network server"
        raise RecordError("uplink_message.decoded_payload", "no_decoded_payload", detail)
    record = {k: v for k, v in _canonical(payload).items() if k not in ("bin_id", "device_id", "dev_eui")}
    record["device_id"] = ids.get("device_id")
    record["dev_eui"] = ids.get("dev_eui")
    if "ts" not in record:
        record["ts"] = message.get("received_at") or uplink.get("received_at")
    if "seq" not in record:
        record["seq"] = uplink.get("f_cnt")
    return record
