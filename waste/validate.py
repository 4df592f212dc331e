"""Checking raw reading rows, vectorised: what is stored, and what is quarantined with which reason.

A row is stored only if every field that carries the reading is valid; otherwise it is quarantined with the first
problem found (field, reason, offending value, a sentence saying why). The auxiliary fields, battery voltage and
temperature, do not cost the reading: a row whose fill is good but whose battery or temperature is not a number or
out of range is stored without that field, and a note with the same reasons (and the raw row) goes to the
quarantine, so nothing is lost. The reasons, in the order they are checked:

======================  ======================================================================================
reason                  meaning
======================  ======================================================================================
malformed_row           the row could not be split into fields (wrong field count, invalid JSON)
bad_encoding            the row holds bytes that are not UTF-8
line_too_long           the line (or JSON array item) is longer than a million characters
no_decoded_payload      a LoRaWAN uplink without a decoded payload (no payload formatter on the network server)
missing_field           no bin (bin_id, device_id or dev_eui), no time, or neither fill_pct nor distance_mm
unknown_bin             the bin or sensor is not in the store (load the city first)
bad_timestamp           the time is not ISO 8601 (or Unix seconds)
future_timestamp        the time is more than :data:`FUTURE_TOLERANCE` after the moment of ingest
clock_backwards         the sensor's clock went back: a time before 2000 (a reset clock), or earlier than the
                        previous reading of the same sensor although its frame counter went up
bad_number              a numeric field holds something else (battery or temperature: the field is dropped)
fill_out_of_range       fill_pct outside 0-100
distance_out_of_range   distance_mm below 0 or beyond the bin's depth
battery_out_of_range    battery_v outside 0-10 V (a millivolt value in a volt field, usually): field dropped
temperature_out_of_range  temperature_c outside -50..90 degC (a sensor fault code, usually): field dropped
duplicate               same bin and time as an earlier row of the same source
======================  ======================================================================================

Naive times (without offset) are taken as UTC. A reading already in the store is not an error: it is counted as
"already stored" by the ingest, so the same file can be ingested twice safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from waste.quarantine_text import storable
from waste.readers import RAW_COLUMNS, RawBatch
from waste.text_values import parse_iso_utc, to_float

#: How far in the future a reading's time may be (sensor clocks drift; network times are rounded).
FUTURE_TOLERANCE = pd.Timedelta(minutes=10)
#: Times before this are a sensor clock that was reset to its epoch.
EARLIEST_PLAUSIBLE = pd.Timestamp("2000-01-01", tz="UTC")
BATTERY_RANGE_V = (0.0, 10.0)
TEMPERATURE_RANGE_C = (-50.0, 90.0)
#: Fields that describe the sensor, not the bin: a bad one is dropped, and the reading kept.
_AUXILIARY = (
    ("battery_v", BATTERY_RANGE_V, "battery_out_of_range"),
    ("temperature_c", TEMPERATURE_RANGE_C, "temperature_out_of_range"),
)

REASONS: dict[str, str] = {
    "malformed_row": "the row could not be split into fields",
    "bad_encoding": "bytes that are not UTF-8",
    "line_too_long": "a line longer than a million characters",
    "no_decoded_payload": "uplink without a decoded payload",
    "missing_field": "a required field is empty",
    "unknown_bin": "bin or sensor not in the store",
    "bad_timestamp": "time is not ISO 8601",
    "future_timestamp": "time is in the future",
    "clock_backwards": "the sensor clock went backwards",
    "bad_number": "not a number",
    "fill_out_of_range": "fill outside 0-100 %",
    "distance_out_of_range": "distance outside the bin",
    "battery_out_of_range": "battery voltage implausible",
    "temperature_out_of_range": "temperature implausible",
    "duplicate": "same bin and time as an earlier row",
}

#: Largest Unix time (s) a nanosecond timestamp holds, a little under 2262-04-11.
_LARGEST_UNIX_S = 9.2e9
#: Columns of the stored part of a validated batch.
VALID_COLUMNS = ["bin_id", "ts_unix_s", "fill_pct", "distance_mm", "battery_v", "temperature_c"]
#: Columns of the rejected part.
REJECTED_COLUMNS = ["line", "field", "reason", "value", "detail", "raw"]
_KEY_SHIFT = np.int64(2**34)


@dataclass(frozen=True, slots=True)
class BinLookup:
    """What validation needs to know of the bins: ids, sensor ids and depths.

    Build it with :meth:`from_bins` from the store's bins table.
    """

    depth_mm: pd.Series
    by_device_id: pd.Series
    by_dev_eui: pd.Series

    @classmethod
    def from_bins(cls, bins: pd.DataFrame) -> BinLookup:
        """Index a bins frame (columns ``bin_id``, ``depth_mm``, ``device_id``, ``dev_eui``)."""
        ids = bins["bin_id"].astype(str)
        depth = pd.Series(bins["depth_mm"].to_numpy(dtype=float), index=ids)
        devices = bins.loc[bins["device_id"].notna(), ["device_id", "bin_id"]]
        euis = bins.loc[bins["dev_eui"].notna(), ["dev_eui", "bin_id"]]
        return cls(
            depth_mm=depth,
            by_device_id=pd.Series(devices["bin_id"].to_numpy(), index=devices["device_id"].astype(str)),
            by_dev_eui=pd.Series(euis["bin_id"].to_numpy(), index=euis["dev_eui"].astype(str).str.upper()),
        )


@dataclass(slots=True)
class SourceState:
    """What validation remembers across the batches of one source: keys seen, and each sensor's last frame."""

    seen_keys: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    seen_lines: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    last_seq: dict[str, tuple[float, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ValidatedBatch:
    """A batch split into rows to store (:data:`VALID_COLUMNS`) and rows to quarantine (:data:`REJECTED_COLUMNS`).

    ``dropped`` (same columns as ``rejected``) notes the auxiliary fields of stored rows that were left out.
    """

    valid: pd.DataFrame
    rejected: pd.DataFrame
    dropped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECTED_COLUMNS))


class _Verdicts:
    """First problem of each row, filled in check by check."""

    def __init__(self, n: int) -> None:
        self.reason = np.full(n, None, dtype=object)
        self.field = np.full(n, None, dtype=object)
        self.value = np.full(n, None, dtype=object)
        self.detail = np.full(n, None, dtype=object)

    @property
    def ok(self) -> np.ndarray:
        return pd.isna(self.reason)

    def reject(self, mask: np.ndarray, field_name: str, reason: str, values: object, detail: object) -> None:
        new = np.asarray(mask, dtype=bool) & self.ok
        if not new.any():
            return
        self.reason[new] = reason
        self.field[new] = field_name
        self.value[new] = _pick(values, new)
        self.detail[new] = _pick(detail, new)


def _pick(values: object, mask: np.ndarray) -> object:
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=object)[mask]
    if isinstance(values, np.ndarray):
        return values[mask]
    return values


def validate_batch(
    batch: RawBatch, bins: BinLookup, *, now: pd.Timestamp, state: SourceState | None = None
) -> ValidatedBatch:
    """Split one raw batch into rows to store and rows to quarantine.

    Parameters
    ----------
    batch
        Rows as read by :mod:`waste.readers`.
    bins
        The known bins.
    now
        The moment of ingest (UTC): later times are in the future.
    state
        Memory of earlier batches of the same source, updated in place; a fresh one when ``None``.
    """
    state = SourceState() if state is None else state
    frame = _encodable(batch.frame)
    n = len(frame)
    verdicts = _Verdicts(n)

    bin_id, position = _resolve_bins(frame, bins, verdicts)
    ts = _parse_times(frame["ts"], verdicts, now)
    numbers = {name: _parse_number(frame[name], name, verdicts) for name in ("fill_pct", "distance_mm", "seq")}
    notes = [_Verdicts(n), _Verdicts(n)]  # one per auxiliary field: a row can lose both
    for note, (name, (low, high), reason) in zip(notes, _AUXILIARY, strict=True):
        values = _parse_number(frame[name], name, note)
        note.reject((values < low) | (values > high), name, reason, frame[name], f"outside {low:g} to {high:g}")
        values[~note.ok] = np.nan
        numbers[name] = values
    depth = np.where(position >= 0, bins.depth_mm.to_numpy()[position], np.nan)
    fill = _fill_from(numbers["fill_pct"], numbers["distance_mm"], depth, frame, verdicts)

    ts_s = np.where(ts.isna(), 0, (ts - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).astype(np.int64)
    _check_clock(bin_id, ts_s, numbers["seq"], frame, verdicts, state)
    _check_duplicates(position, ts_s, frame, verdicts, state)

    ok = verdicts.ok
    valid = pd.DataFrame(
        {
            "bin_id": bin_id[ok],
            "ts_unix_s": ts_s[ok],
            "fill_pct": fill[ok],
            "distance_mm": numbers["distance_mm"][ok],
            "battery_v": numbers["battery_v"][ok],
            "temperature_c": numbers["temperature_c"][ok],
        }
    )
    rejected = _rejected_frame(batch, frame, verdicts, ~ok)
    early = pd.DataFrame(
        [(r.line, r.field, r.reason, storable(r.value), r.detail, storable(r.raw)) for r in batch.rejected],
        columns=REJECTED_COLUMNS,
    )
    if len(early):
        rejected = pd.concat([early, rejected], ignore_index=True) if len(rejected) else early
    dropped = [
        _rejected_frame(batch, frame, note, ok & ~note.ok, "; the reading was stored without it") for note in notes
    ]
    return ValidatedBatch(
        valid=valid,
        rejected=rejected.sort_values("line", kind="stable", ignore_index=True),
        dropped=pd.concat(dropped, ignore_index=True).sort_values("line", kind="stable", ignore_index=True),
    )


def _encodable(frame: pd.DataFrame) -> pd.DataFrame:
    """The raw columns with text that is not valid Unicode (lone surrogates) escaped, so pandas can hold it.

    pandas 3 keeps text in Arrow arrays, which refuse lone surrogates (a JSON escape such as u+D800); such a value never
    is a bin, a time or a number, and escaped it fails its check like any other bad value. The check costs one
    encode of each column's joined text.
    """
    out = frame
    for name in RAW_COLUMNS[1:-1]:
        values = frame[name].to_numpy(dtype=object)
        try:
            "".join(v for v in values if isinstance(v, str)).encode("utf-8")
        except UnicodeEncodeError:
            out = out.copy() if out is frame else out
            out[name] = pd.Series([storable(v) for v in values], index=frame.index, dtype=object)
    return out


def _rejected_frame(
    batch: RawBatch, frame: pd.DataFrame, verdicts: _Verdicts, mask: np.ndarray, suffix: str = ""
) -> pd.DataFrame:
    """Rows of ``mask`` with their verdicts, as :data:`REJECTED_COLUMNS`."""
    bad = np.flatnonzero(mask)
    return pd.DataFrame(
        {
            "line": frame["line"].to_numpy()[bad],
            "field": verdicts.field[bad],
            "reason": verdicts.reason[bad],
            "value": [None if pd.isna(v) else str(v)[:200] for v in verdicts.value[bad]],
            "detail": [f"{d}{suffix}" for d in verdicts.detail[bad]],
            "raw": [batch.raw_text(i) for i in bad],
        },
        columns=REJECTED_COLUMNS,
    )


def _present(values: pd.Series) -> np.ndarray:
    """Mask of cells that hold something (not missing, not an empty string)."""
    array = values.to_numpy(dtype=object)
    return pd.notna(array) & (array != "")


def _resolve_bins(frame: pd.DataFrame, bins: BinLookup, verdicts: _Verdicts) -> tuple[np.ndarray, np.ndarray]:
    """Bin id of every row, from bin_id or else the sensor's device_id or dev_eui, and its position in ``bins``.

    The position (-1 for an unknown bin) doubles as a compact integer code of the bin for duplicate keys.
    """
    given = _present(frame["bin_id"])
    by_device = _present(frame["device_id"]) & ~given
    resolved = frame["bin_id"].to_numpy(dtype=object).copy()
    names = np.full(len(frame), "bin_id", dtype=object)
    shown = resolved.copy()
    if by_device.any():
        devices = frame["device_id"].to_numpy(dtype=object)[by_device].astype(str)
        resolved[by_device] = pd.Series(devices).map(bins.by_device_id).to_numpy(dtype=object)
        names[by_device], shown[by_device] = "device_id", devices
    # A DevEUI identifies the sensor where no bin_id is given and the device id (if any) is not known.
    by_eui = _present(frame["dev_eui"]) & ~given & pd.isna(resolved)
    if by_eui.any():
        euis = np.char.upper(frame["dev_eui"].to_numpy(dtype=object)[by_eui].astype(str))
        found = pd.Series(euis).map(bins.by_dev_eui).to_numpy(dtype=object)
        resolved[by_eui] = found
        from_eui = by_eui.copy()
        from_eui[by_eui] = pd.notna(found) | ~by_device[by_eui]
        names[from_eui], shown[from_eui] = (
            "dev_eui",
            np.char.upper(frame["dev_eui"].to_numpy(dtype=object)[from_eui].astype(str)),
        )
    has_any = given | by_device | by_eui
    verdicts.reject(~has_any, "bin_id", "missing_field", None, "no bin_id, device_id or dev_eui")
    resolved[~has_any | pd.isna(resolved)] = ""
    position = bins.depth_mm.index.get_indexer(resolved)
    unknown = has_any & (position < 0)
    for name in ("bin_id", "device_id", "dev_eui"):
        what = "bin" if name == "bin_id" else "sensor"
        verdicts.reject(
            unknown & (names == name), name, "unknown_bin", shown, f"no {what} with this {name} in the store"
        )
    return resolved, position


def _parse_times(values: pd.Series, verdicts: _Verdicts, now: pd.Timestamp) -> pd.Series:
    """UTC time of every row: ISO 8601 text (naive means UTC), or Unix seconds (milliseconds past year 5138)."""
    present = _present(values)
    verdicts.reject(~present, "ts", "missing_field", None, "no time given")
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
    text = values.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(text, skipna=True) in ("string", "empty"):
        is_number = np.zeros(len(text), dtype=bool)
    else:  # JSON may carry numbers: they are Unix times, never ISO text
        is_number = np.fromiter((isinstance(v, int | float) for v in text), dtype=bool, count=len(text))
    as_text = present & ~is_number
    if as_text.any():
        parsed[as_text] = parse_iso_utc(text[as_text])
    # Text that is not ISO 8601 may still be Unix seconds ("1793500000"), as are JSON numbers.
    retry = (as_text & parsed.isna().to_numpy()) | (present & is_number)
    if retry.any():
        seconds = to_float(text[retry])  # the same rules as every other number in a row
        seconds = np.where(seconds > 1e11, seconds / 1000.0, seconds)
        # beyond what a nanosecond time holds (years 1677-2262), and inf: not a time, and pandas would raise
        seconds[~(np.abs(seconds) < _LARGEST_UNIX_S)] = np.nan
        parsed[retry] = pd.to_datetime(seconds, unit="s", utc=True, errors="coerce")
    verdicts.reject(present & parsed.isna().to_numpy(), "ts", "bad_timestamp", values, "not an ISO 8601 time")
    verdicts.reject(
        (parsed > now + FUTURE_TOLERANCE).to_numpy(),
        "ts",
        "future_timestamp",
        values,
        f"later than the moment of ingest ({now:%Y-%m-%dT%H:%M:%SZ})",
    )
    verdicts.reject(
        (parsed < EARLIEST_PLAUSIBLE).to_numpy(),
        "ts",
        "clock_backwards",
        values,
        "before 2000-01-01: the sensor's clock was reset",
    )
    return parsed


def _parse_number(values: pd.Series, name: str, verdicts: _Verdicts) -> np.ndarray:
    present = _present(values)
    numbers = np.full(len(values), np.nan)
    if present.any():
        numbers[present] = to_float(values.to_numpy(dtype=object)[present])
    bad = present & ~np.isfinite(numbers)
    verdicts.reject(bad, name, "bad_number", values, "not a number")
    numbers[bad] = np.nan
    return numbers


def _fill_from(
    fill: np.ndarray,
    distance: np.ndarray,
    depth: np.ndarray,
    frame: pd.DataFrame,
    verdicts: _Verdicts,
) -> np.ndarray:
    """Fill % of every row: as given, or from the distance to the surface and the bin's depth."""
    has_fill, has_distance = ~np.isnan(fill), ~np.isnan(distance)
    verdicts.reject(~has_fill & ~has_distance, "fill_pct", "missing_field", None, "neither fill_pct nor distance_mm")
    verdicts.reject(
        has_fill & ((fill < 0) | (fill > 100)),
        "fill_pct",
        "fill_out_of_range",
        frame["fill_pct"],
        "outside 0-100 %",
    )
    outside = has_distance & ((distance < 0) | (distance > depth))
    details = (
        np.array([f"outside 0 to {d:g} mm, the bin's depth" for d in depth], dtype=object) if outside.any() else ""
    )
    verdicts.reject(outside, "distance_mm", "distance_out_of_range", frame["distance_mm"], details)
    from_distance = np.round(100.0 * (depth - distance) / depth, 1)
    return np.where(has_fill, fill, from_distance)


def _check_clock(
    bin_id: np.ndarray,
    ts_s: np.ndarray,
    seq: np.ndarray,
    frame: pd.DataFrame,
    verdicts: _Verdicts,
    state: SourceState,
) -> None:
    """Reject readings whose time went back while the sensor's frame counter went up.

    Rows are taken in arrival order (line order). A frame counter that goes down is a sensor that rejoined the
    network (counters restart), not a clock error, so it is not judged. Without frame counters, order in a file
    proves nothing (exports are often unsorted), so nothing is judged either.
    """
    candidates = np.flatnonzero(verdicts.ok & ~np.isnan(seq))
    if not len(candidates):
        return
    order = candidates[np.lexsort((frame["line"].to_numpy()[candidates], bin_id[candidates]))]
    bins_sorted = bin_id[order]
    prev_seq = np.empty(len(order))
    prev_ts = np.empty(len(order), dtype=np.int64)
    prev_seq[1:], prev_ts[1:] = seq[order][:-1], ts_s[order][:-1]
    first = np.ones(len(order), dtype=bool)
    first[1:] = bins_sorted[1:] != bins_sorted[:-1]
    for i in np.flatnonzero(first):
        prev_seq[i], prev_ts[i] = state.last_seq.get(bins_sorted[i], (np.inf, 0))
    backwards = (seq[order] > prev_seq) & (ts_s[order] < prev_ts)
    mask = np.zeros(len(bin_id), dtype=bool)
    mask[order[backwards]] = True
    details = np.full(len(bin_id), None, dtype=object)
    details[order[backwards]] = [
        f"earlier than the previous reading of this sensor although its frame counter went up ({p:.0f} -> {s:.0f})"
        for p, s in zip(prev_seq[backwards], seq[order][backwards], strict=True)
    ]
    verdicts.reject(mask, "ts", "clock_backwards", frame["ts"], details)
    last = np.ones(len(order), dtype=bool)
    last[:-1] = bins_sorted[1:] != bins_sorted[:-1]
    kept = last & ~backwards
    for i in np.flatnonzero(kept):
        state.last_seq[bins_sorted[i]] = (float(seq[order][i]), int(ts_s[order][i]))


def _check_duplicates(
    position: np.ndarray,
    ts_s: np.ndarray,
    frame: pd.DataFrame,
    verdicts: _Verdicts,
    state: SourceState,
) -> None:
    """Reject a second reading of the same bin at the same second, within a batch or across a source's batches.

    Values are not compared: a second reading at the same second is a duplicate whether or not it agrees.
    """
    ok = np.flatnonzero(verdicts.ok)
    if not len(ok):
        return
    keys = position[ok].astype(np.int64) * _KEY_SHIFT + ts_s[ok]
    lines = frame["line"].to_numpy()[ok]
    first_line_of = pd.Series(lines).groupby(keys).transform("first").to_numpy()
    repeated = lines != first_line_of
    earlier = np.where(repeated, first_line_of, -1)
    if len(state.seen_keys):
        pos = np.searchsorted(state.seen_keys, keys).clip(max=len(state.seen_keys) - 1)
        before = state.seen_keys[pos] == keys
        earlier = np.where(before, state.seen_lines[pos], earlier)
        repeated |= before
    if repeated.any():
        mask = np.zeros(len(position), dtype=bool)
        mask[ok[repeated]] = True
        details = np.full(len(position), None, dtype=object)
        details[ok[repeated]] = [f"same bin and time as line {e}" for e in earlier[repeated]]
        verdicts.reject(mask, "ts", "duplicate", frame["ts"], details)
    fresh = ~repeated
    all_keys = np.concatenate([state.seen_keys, keys[fresh]])
    all_lines = np.concatenate([state.seen_lines, lines[fresh]])
    order = np.argsort(all_keys, kind="stable")
    state.seen_keys, state.seen_lines = all_keys[order], all_lines[order]
