"""The domain's tables: sites, bins, fleet and readings, with their columns, units and checks.

These schemas are the contract between every part of the system: the sample-data generator writes them, the loader
validates them, the store keeps them, and forecasting and routing read them. Each table crosses a package boundary as
a pandas DataFrame with exactly these columns. Times are timezone-aware UTC inside; clock times of day (opening hours,
shifts, collection windows) are local to the city and written ``HH:MM``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Kinds of site: where trucks start and end the day, and where they unload.
SITE_KINDS: tuple[str, ...] = ("depot", "landfill", "transfer", "wte")
#: Waste streams a bin holds and a truck or disposal site takes.
STREAMS: tuple[str, ...] = ("general", "recycling", "organic")
#: Kinds of bin: a street litter bin, a roadside container, a solar compactor bin (fill % is of compacted volume).
BIN_KINDS: tuple[str, ...] = ("litter", "container", "compactor")
#: Area types a bin stands in; similar bins share fill patterns.
AREA_TYPES: tuple[str, ...] = ("centre", "commercial", "residential", "suburban", "park")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table: its name, dtype, unit and whether it may be empty.

    ``kind`` is one of ``str``, ``float``, ``int``, ``hhmm`` (local clock time ``HH:MM``), ``streams`` (one or more
    of :data:`STREAMS` joined by ``;``) or ``choice`` (one of ``choices``).
    """

    name: str
    kind: str
    unit: str = ""
    required: bool = True
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    doc: str = ""


SITE_COLUMNS: tuple[Column, ...] = (
    Column("site_id", "str", doc="Unique id, e.g. BAL-D1"),
    Column("kind", "choice", choices=SITE_KINDS, doc="depot, landfill, transfer or wte (waste-to-energy)"),
    Column("name", "str"),
    Column("lat", "float", "deg", minimum=-90, maximum=90, doc="WGS84 latitude"),
    Column("lon", "float", "deg", minimum=-180, maximum=180, doc="WGS84 longitude"),
    Column("opens", "hhmm", "local time", doc="Opening time; a depot's earliest departure"),
    Column("closes", "hhmm", "local time", doc="Closing time; may be 24:00"),
    Column("streams", "streams", doc="Streams accepted (disposal) or served from here (depot)"),
    Column("unload_s", "float", "s", minimum=0, doc="Time to weigh in and unload a truck"),
    Column("source", "str", required=False, doc="Where the location comes from"),
)

BIN_COLUMNS: tuple[Column, ...] = (
    Column("bin_id", "str"),
    Column("lat", "float", "deg", minimum=-90, maximum=90),
    Column("lon", "float", "deg", minimum=-180, maximum=180),
    Column("stream", "choice", choices=STREAMS),
    Column("capacity_l", "float", "L", minimum=1, doc="Nominal volume of the bin"),
    Column("kind", "choice", choices=BIN_KINDS),
    Column(
        "compaction_ratio",
        "float",
        minimum=1,
        doc="Volume reduction a solar compactor achieves (1 for a bin without compactor)",
    ),
    Column("depth_mm", "float", "mm", minimum=1, doc="Sensor-to-bottom distance: converts distance to fill %"),
    Column("service_s", "float", "s", minimum=0, doc="Time to empty the bin into the truck"),
    Column("tw_start", "hhmm", "local time", required=False, doc="Start of the collection window"),
    Column("tw_end", "hhmm", "local time", required=False, doc="End of the collection window"),
    Column("area", "choice", choices=AREA_TYPES, doc="Area type, for fill patterns shared by similar bins"),
    Column("density_kg_m3", "float", "kg/m3", minimum=1, doc="Bulk density of the waste as it sits in the bin"),
    Column("device_id", "str", required=False, doc="LoRaWAN end-device id of the bin's sensor"),
    Column("dev_eui", "str", required=False, doc="LoRaWAN DevEUI of the bin's sensor (16 hex digits)"),
)

FLEET_COLUMNS: tuple[Column, ...] = (
    Column("vehicle_type", "str", doc="Name of this type of truck"),
    Column("count", "int", minimum=0, doc="How many trucks of this type"),
    Column("capacity_kg", "float", "kg", minimum=1, doc="Legal payload"),
    Column("capacity_m3", "float", "m3", minimum=0.1, doc="Body volume"),
    Column("compaction_ratio", "float", minimum=1, doc="Volume reduction of the truck's packer"),
    Column("shift_start", "hhmm", "local time"),
    Column("shift_end", "hhmm", "local time"),
    Column("depot_id", "str", doc="site_id of the home depot"),
    Column("fixed_cost", "float", "currency/day", minimum=0),
    Column("cost_per_km", "float", "currency/km", minimum=0),
    Column("cost_per_h", "float", "currency/h", minimum=0),
    Column("streams", "streams", doc="Streams this truck may collect"),
)

READING_COLUMNS: tuple[Column, ...] = (
    Column("bin_id", "str"),
    Column("ts", "str", "ISO 8601", doc="Time of measurement; UTC unless an offset is given"),
    Column("fill_pct", "float", "%", required=False, minimum=0, maximum=100, doc="Fill level"),
    Column("distance_mm", "float", "mm", required=False, minimum=0, doc="Raw sensor-to-surface distance"),
    Column("battery_v", "float", "V", required=False),
    Column("temperature_c", "float", "degC", required=False),
)


def column_names(columns: tuple[Column, ...]) -> list[str]:
    """Names of ``columns`` in order."""
    return [c.name for c in columns]
