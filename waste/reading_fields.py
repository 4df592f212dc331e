"""The fields of a reading as files and messages name them: canonical columns, and the other names accepted."""

from __future__ import annotations

#: Columns of a raw batch, all as read (strings or JSON values), plus the line number and raw text.
RAW_COLUMNS = [
    "line",
    "bin_id",
    "device_id",
    "dev_eui",
    "ts",
    "fill_pct",
    "distance_mm",
    "battery_v",
    "temperature_c",
    "seq",
    "raw",
]

#: Accepted names of each field in a CSV header or a JSON object (matched case-insensitively).
CSV_ALIASES: dict[str, tuple[str, ...]] = {
    "bin_id": ("bin_id", "bin", "container_id"),
    "device_id": ("device_id",),
    "dev_eui": ("dev_eui", "deveui"),
    "ts": ("ts", "timestamp", "time", "measured_at", "measured_at_utc", "datetime"),
    "fill_pct": ("fill_pct", "fill", "fill_level", "fill_level_pct", "level_pct"),
    "distance_mm": ("distance_mm",),
    "distance_cm": ("distance_cm",),
    "battery_v": ("battery_v", "battery", "bat_v", "batv", "battery_voltage"),
    "battery_mv": ("battery_mv", "bat_mv"),
    "temperature_c": ("temperature_c", "temperature", "temp_c", "temp"),
    "seq": ("seq", "f_cnt", "fcnt", "frame_counter"),
}
ALIAS_TO_FIELD = {alias: name for name, aliases in CSV_ALIASES.items() for alias in aliases}
#: Largest raw text kept with a rejected row, in characters.
RAW_LIMIT = 2000
