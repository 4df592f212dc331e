"""The two reference cities as data: outline, water, parks, centres of activity, climate and money.

Everything a generator needs about a city's geography is embedded here as small simplified polygons and points, so
sample cities can be regenerated anywhere (no shared data, no network). Coordinates are WGS84 ``(lon, lat)``.

Sources
-------
Baltimore
    City limits: US Census Bureau TIGER/Line county subdivision "Baltimore city" (GEOID 2451090000, public domain),
    simplified with a 0.0015 deg (~150 m) Douglas-Peucker tolerance to 8 vertices; the simplified outline covers the
    original to within 0.23 % of its area. The limits include 28.8 km2 of water (TIGER ``AWATER``), so a harbour mask
    (Inner Harbor, Northwest Harbor, Middle Branch, the Patapsco below Fort McHenry and Curtis Bay) is traced by hand
    from the shoreline's well-known landmarks; it is approximate (about 200 m).
Santa Cruz de la Sierra
    No openly licensed boundary exists. The urban extent is approximated from published facts: the 16 urban districts
    span about lon -63.26..-63.04, lat -17.91..-17.67; the city grows in concentric rings (``anillos``) around Plaza
    24 de Septiembre (-17.7834, -63.1821), with the Piraí river as its western edge and the largest growth to the
    east and south-east (Plan 3000, Pampa de la Isla). Ring radii are approximate road distances from the plaza.
Climate
    Monthly mean air temperature and mean daily range: Baltimore, NOAA 1991-2020 normals for BWI airport
    (rounded); Santa Cruz de la Sierra, SENAMHI normals for Viru Viru airport as quoted by Wikipedia (rounded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from waste.errors import ConfigError

LonLat = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A centre of activity where bins cluster: bins scatter around it with a Gaussian of ``sigma_m`` metres."""

    name: str
    lon: float
    lat: float
    sigma_m: float
    weight: float
    area: str


@dataclass(frozen=True, slots=True)
class Corridor:
    """A commercial street: bins line it, up to ``spread_m`` metres either side."""

    name: str
    start: LonLat
    end: LonLat
    weight: float
    spread_m: float = 60.0


@dataclass(frozen=True, slots=True)
class Park:
    """A park, approximated by a circle of ``radius_m`` metres."""

    name: str
    lon: float
    lat: float
    radius_m: float


@dataclass(frozen=True, slots=True)
class CitySpec:
    """Everything the generator knows about one city.

    Attributes
    ----------
    key, name, country, timezone, currency
        Identity; ``timezone`` is an IANA name, ``currency`` an ISO 4217 code used for fleet costs.
    centre
        ``(lat, lon)`` of the historic centre, the origin of distances.
    outline, water, sparse
        Urban outline; water to keep bins off; industrial or port land where few public bins stand.
    hotspots, corridors, parks, rings_km
        Centres of activity, commercial streets, parks and (Santa Cruz) ring roads lined with shops.
    centre_radius_km, suburban_km, decay_km, floor
        Bins within ``centre_radius_km`` are in the centre; beyond ``suburban_km`` in suburbs. Background density
        falls as ``floor + (1 - floor) * exp(-r / decay_km)`` with distance ``r`` from the centre.
    mix
        Share of bins drawn from the background, hotspots, corridors (and rings) and parks.
    monthly_mean_c, monthly_range_c
        Climate normals per month (January first), degC: mean air temperature and mean daily range.
    synoptic_sd_c, cold_front_per_day, cold_front_drop_c
        Day-to-day weather: SD of the daily anomaly (degC); Santa Cruz's ``surazo`` cold fronts (rate, drop).
    default_bins, id_prefix, eui_prefix
        Bins in the committed sample; prefix of site, bin and device ids; first 6 hex digits of the DevEUIs.
    """

    key: str
    name: str
    country: str
    timezone: str
    currency: str
    centre: tuple[float, float]
    outline: tuple[LonLat, ...]
    water: tuple[tuple[LonLat, ...], ...]
    sparse: tuple[tuple[LonLat, ...], ...]
    hotspots: tuple[Hotspot, ...]
    corridors: tuple[Corridor, ...]
    parks: tuple[Park, ...]
    rings_km: tuple[float, ...]
    centre_radius_km: float
    suburban_km: float
    decay_km: float
    floor: float
    mix: dict[str, float]
    monthly_mean_c: tuple[float, ...]
    monthly_range_c: tuple[float, ...]
    synoptic_sd_c: float
    cold_front_per_day: float
    cold_front_drop_c: float
    default_bins: int
    id_prefix: str
    eui_prefix: str


def _ray(lat0: float, lon0: float, bearing_deg: float, r0_km: float, r1_km: float) -> tuple[LonLat, LonLat]:
    """Segment along a radial avenue: from ``r0_km`` to ``r1_km`` out of a centre at ``bearing_deg`` from north."""
    b = math.radians(bearing_deg)
    kx = 111.32 * math.cos(math.radians(lat0))
    ky = 110.54

    def at(r: float) -> LonLat:
        return (round(lon0 + r * math.sin(b) / kx, 5), round(lat0 + r * math.cos(b) / ky, 5))

    return at(r0_km), at(r1_km)


BALTIMORE = CitySpec(
    key="baltimore",
    name="Baltimore",
    country="United States",
    timezone="America/New_York",
    currency="USD",
    centre=(39.2895, -76.6125),  # Charles St and Baltimore St, the downtown centre
    outline=(  # TIGER/Line city limits, simplified (see module docstring)
        (-76.7111, 39.2779),
        (-76.7113, 39.3719),
        (-76.5298, 39.3721),
        (-76.5298, 39.2099),
        (-76.5501, 39.1972),
        (-76.5833, 39.2074),
        (-76.6117, 39.2344),
    ),
    water=(  # the harbour and the Patapsco inside the city limits, traced by hand (approximate, ~200 m)
        (
            (-76.6135, 39.2858),
            (-76.6060, 39.2862),
            (-76.6010, 39.2848),
            (-76.5960, 39.2830),
            (-76.5920, 39.2815),
            (-76.5850, 39.2800),
            (-76.5760, 39.2775),
            (-76.5700, 39.2745),
            (-76.5690, 39.2650),
            (-76.5550, 39.2590),
            (-76.5420, 39.2500),
            (-76.5298, 39.2440),
            (-76.5298, 39.2150),
            (-76.5400, 39.2140),
            (-76.5500, 39.2200),
            (-76.5650, 39.2260),
            (-76.5750, 39.2200),
            (-76.5850, 39.2150),
            (-76.5880, 39.2190),
            (-76.5800, 39.2290),
            (-76.5750, 39.2370),
            (-76.5850, 39.2450),
            (-76.5950, 39.2520),
            (-76.6050, 39.2560),
            (-76.6150, 39.2570),
            (-76.6250, 39.2600),
            (-76.6270, 39.2650),
            (-76.6150, 39.2640),
            (-76.6050, 39.2625),
            (-76.5950, 39.2600),
            (-76.5880, 39.2580),
            (-76.5790, 39.2605),
            (-76.5770, 39.2640),
            (-76.5850, 39.2700),
            (-76.5950, 39.2740),
            (-76.6030, 39.2770),
            (-76.6080, 39.2790),
            (-76.6135, 39.2820),
        ),
    ),
    sparse=(  # port and heavy industry: Curtis Bay, Fairfield, Hawkins Point; Seagirt and Canton terminals
        ((-76.6117, 39.2344), (-76.5298, 39.2099), (-76.5298, 39.2440), (-76.5900, 39.2480), (-76.6050, 39.2450)),
        ((-76.5700, 39.2745), (-76.5298, 39.2700), (-76.5298, 39.2440), (-76.5690, 39.2650)),
    ),
    hotspots=(
        Hotspot("Downtown", -76.6150, 39.2895, 450, 3.0, "centre"),
        Hotspot("Inner Harbor", -76.6100, 39.2868, 300, 2.0, "centre"),
        Hotspot("Harbor East and Fells Point", -76.5950, 39.2835, 350, 1.5, "centre"),
        Hotspot("Mount Vernon", -76.6160, 39.2980, 300, 1.0, "commercial"),
        Hotspot("Lexington Market", -76.6210, 39.2915, 200, 0.8, "commercial"),
        Hotspot("Federal Hill, Cross Street Market", -76.6130, 39.2770, 250, 0.8, "commercial"),
        Hotspot("Canton Square", -76.5730, 39.2810, 250, 0.6, "commercial"),
        Hotspot("Hampden, The Avenue", -76.6330, 39.3310, 200, 0.6, "commercial"),
        Hotspot("Highlandtown", -76.5700, 39.2870, 250, 0.5, "commercial"),
        Hotspot("Charles Village", -76.6170, 39.3230, 250, 0.5, "commercial"),
        Hotspot("Mondawmin", -76.6520, 39.3160, 250, 0.5, "commercial"),
        Hotspot("Belair-Edison", -76.5720, 39.3230, 250, 0.4, "commercial"),
    ),
    corridors=(
        Corridor("Charles St", (-76.6155, 39.2900), (-76.6200, 39.3700), 1.0),
        Corridor("Greenmount Ave and York Rd", (-76.6090, 39.3000), (-76.6100, 39.3720), 1.0),
        Corridor("Eastern Ave", (-76.6000, 39.2850), (-76.5300, 39.2930), 1.0),
        Corridor("Belair Rd", (-76.5900, 39.3060), (-76.5350, 39.3600), 0.8),
        Corridor("Harford Rd", (-76.6000, 39.3070), (-76.5500, 39.3700), 0.7),
        Corridor("Reisterstown Rd", (-76.6400, 39.3150), (-76.7000, 39.3700), 0.8),
        Corridor("Liberty Heights Ave", (-76.6500, 39.3150), (-76.7100, 39.3300), 0.6),
        Corridor("Edmondson Ave", (-76.6400, 39.2950), (-76.7110, 39.2930), 0.6),
        Corridor("Washington Blvd", (-76.6300, 39.2800), (-76.6700, 39.2650), 0.5),
        Corridor("Pennsylvania Ave", (-76.6250, 39.2960), (-76.6450, 39.3110), 0.5),
        Corridor("North Ave", (-76.6600, 39.3100), (-76.5800, 39.3100), 0.8),
        Corridor("Hanover St and Patapsco Ave", (-76.6120, 39.2500), (-76.5900, 39.2310), 0.4),
    ),
    parks=(
        Park("Druid Hill Park", -76.6425, 39.3215, 900),
        Park("Gwynns Falls and Leakin Park", -76.7000, 39.3050, 1000),
        Park("Patterson Park", -76.5815, 39.2900, 450),
        Park("Clifton Park", -76.5830, 39.3200, 500),
        Park("Herring Run Park", -76.5700, 39.3350, 500),
        Park("Lake Montebello", -76.5880, 39.3360, 350),
        Park("Carroll Park", -76.6450, 39.2790, 350),
        Park("Wyman Park", -76.6230, 39.3270, 300),
        Park("Cylburn Arboretum", -76.6530, 39.3530, 300),
        Park("Federal Hill Park", -76.6080, 39.2800, 120),
        Park("Fort McHenry", -76.5800, 39.2630, 300),
    ),
    rings_km=(),
    centre_radius_km=1.3,
    suburban_km=7.5,
    decay_km=4.0,
    floor=0.35,
    mix={"background": 0.60, "hotspots": 0.17, "corridors": 0.16, "parks": 0.07},
    monthly_mean_c=(1.0, 2.6, 6.8, 12.7, 17.9, 23.0, 25.6, 24.7, 20.8, 14.2, 8.6, 3.6),
    monthly_range_c=(10.0, 10.5, 11.5, 12.0, 11.5, 11.5, 11.0, 11.0, 11.5, 12.5, 11.5, 10.0),
    synoptic_sd_c=3.5,
    cold_front_per_day=0.0,
    cold_front_drop_c=0.0,
    default_bins=3000,
    id_prefix="BAL",
    eui_prefix="70B3D5",  # an IEEE MA-S block often used by LoRaWAN device makers
)

_SCZ_LAT, _SCZ_LON = -17.7834, -63.1821  # Plaza 24 de Septiembre

SANTA_CRUZ = CitySpec(
    key="santa_cruz",
    name="Santa Cruz de la Sierra",
    country="Bolivia",
    timezone="America/La_Paz",
    currency="BOB",
    centre=(_SCZ_LAT, _SCZ_LON),
    outline=(  # approximate urban extent of the 16 urban districts (see module docstring)
        (-63.170, -17.670),
        (-63.120, -17.690),
        (-63.080, -17.715),
        (-63.050, -17.750),
        (-63.040, -17.790),
        (-63.048, -17.835),
        (-63.070, -17.870),
        (-63.110, -17.900),
        (-63.160, -17.910),
        (-63.205, -17.895),
        (-63.245, -17.865),
        (-63.260, -17.830),
        (-63.250, -17.800),
        (-63.222, -17.775),
        (-63.215, -17.750),
        (-63.210, -17.715),
        (-63.195, -17.685),
    ),
    water=(),
    sparse=(),
    hotspots=(
        Hotspot("Casco viejo (first ring)", _SCZ_LON, _SCZ_LAT, 600, 3.0, "centre"),
        Hotspot("Mercado Los Pozos", -63.1760, -17.7850, 200, 1.0, "commercial"),
        Hotspot("Mercado La Ramada", -63.1920, -17.7890, 250, 1.2, "commercial"),
        Hotspot("Mercado Mutualista", -63.1570, -17.7600, 250, 0.8, "commercial"),
        Hotspot("Mercado Abasto", -63.1700, -17.8050, 250, 0.8, "commercial"),
        Hotspot("Equipetrol and Av. San Martin", -63.1980, -17.7650, 300, 0.8, "commercial"),
        Hotspot("Plan 3000 market", -63.1300, -17.8400, 300, 0.7, "commercial"),
        Hotspot("Villa 1ro de Mayo", -63.1150, -17.7750, 300, 0.5, "commercial"),
    ),
    corridors=tuple(
        Corridor(name, *_ray(_SCZ_LAT, _SCZ_LON, bearing, 1.0, r_end), weight)
        for name, bearing, r_end, weight in (
            ("Av. Cristo Redentor", 355, 11.0, 1.0),
            ("Av. Banzer", 12, 10.0, 0.9),
            ("Av. Alemana", 40, 9.0, 0.8),
            ("Av. Paragua", 62, 9.5, 0.7),
            ("Av. Virgen de Cotoca", 88, 12.0, 1.0),
            ("Av. Tres Pasos al Frente", 130, 10.0, 0.7),
            ("Av. Santos Dumont", 175, 11.0, 0.9),
            ("Av. Grigota", 205, 9.0, 0.9),
            ("Av. Roca y Coronado", 265, 4.0, 0.5),
            ("Av. San Martin", 320, 4.0, 0.6),
        )
    ),
    parks=(
        Park("Parque El Arenal", -63.1785, -17.7800, 150),
        Park("Parque Urbano Central", -63.1890, -17.7935, 250),
        Park("Zoologico Municipal Noel Kempff", -63.1580, -17.7520, 250),
        Park("Jardin Botanico", -63.0720, -17.7720, 600),
        Park("Parque Ecologico Curichi La Madre", -63.1700, -17.8000, 300),
    ),
    rings_km=(1.9, 2.9, 4.0),  # 2nd, 3rd and 4th rings, lined with shops (approximate radii)
    centre_radius_km=1.0,  # inside the first ring
    suburban_km=7.5,  # beyond the 6th-7th ring
    decay_km=5.0,
    floor=0.30,
    mix={"background": 0.64, "hotspots": 0.14, "corridors": 0.17, "parks": 0.05},
    monthly_mean_c=(26.7, 26.3, 26.0, 24.6, 22.1, 20.6, 20.4, 22.6, 24.6, 26.1, 26.6, 26.9),
    monthly_range_c=(9.5, 9.5, 9.5, 9.5, 10.0, 10.5, 11.5, 12.0, 11.5, 10.5, 10.0, 9.5),
    synoptic_sd_c=1.8,
    cold_front_per_day=0.04,  # surazos: a few a month in spring, each lasting 1-3 days
    cold_front_drop_c=9.0,
    default_bins=5000,
    id_prefix="SCZ",
    eui_prefix="70B3D5",
)

CITIES: dict[str, CitySpec] = {c.key: c for c in (BALTIMORE, SANTA_CRUZ)}


def city_spec(key: str) -> CitySpec:
    """The spec of a reference city by its command-line name.

    Raises
    ------
    ConfigError
        When ``key`` is not one of the reference cities.
    """
    try:
        return CITIES[key]
    except KeyError:
        msg = f"no generator for city {key!r}; known cities: {', '.join(CITIES)}"
        raise ConfigError(msg) from None
