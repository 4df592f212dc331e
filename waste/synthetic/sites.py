"""Depots and disposal facilities of the reference cities, at their real locations (:data:`waste.model.SITE_COLUMNS`).

Each row says in ``source`` where its position, hours and streams come from. Positions not published as
coordinates are placed from the street address and marked "approximate", with the reasoning.
"""

from __future__ import annotations

import pandas as pd

from waste.model import SITE_COLUMNS, column_names

_DPW = "Baltimore City DPW"

SITES: dict[str, tuple[dict[str, object], ...]] = {
    "baltimore": (
        {
            "site_id": "BAL-D1",
            "kind": "depot",
            "name": "Western Sanitation Yard, 701 Reedbird Ave",
            "lat": 39.2443,
            "lon": -76.6168,
            "opens": "05:00",
            "closes": "16:00",
            "streams": "general;recycling;organic",
            "unload_s": 0.0,
            "source": f"Address: {_DPW} drop-off list (Southwestern Residential Drop-off Center, 701 Reedbird Ave, "
            "21225). Position approximate (+-400 m): placed on Reedbird Ave between Hanover St and Potee St, "
            "Cherry Hill/Brooklyn, from the address; not geocoded. Hours: collection shifts start 06:00 (DPW).",
        },
        {
            "site_id": "BAL-D2",
            "kind": "depot",
            "name": "Eastern Sanitation Yard, 6101 Bowleys Ln",
            "lat": 39.3190,
            "lon": -76.5510,
            "opens": "05:00",
            "closes": "16:00",
            "streams": "general;recycling;organic",
            "unload_s": 0.0,
            "source": f"Address: {_DPW} (Eastern Sanitation Yard, 6101 Bowleys Ln; about 30 trucks a day, WMAR "
            "2020-06-10). Position approximate (+-400 m): the former Bowleys Lane landfill by Herring Run Park, "
            "north-east Baltimore, placed from the address; not geocoded.",
        },
        {
            "site_id": "BAL-L1",
            "kind": "landfill",
            "name": "Quarantine Road Landfill, 6100 Quarantine Rd",
            "lat": 39.2040,
            "lon": -76.5530,
            "opens": "07:00",
            "closes": "16:00",
            "streams": "general;recycling;organic",
            "unload_s": 900.0,
            "source": "Address: MDE inspection report 2015 and DPW (6100 Quarantine Rd, Curtis Bay, 21226). "
            "Position approximate (+-500 m): the landfill off Hawkins Point Rd, west of the Key Bridge approach, "
            "placed from the address; not geocoded. Hours: DPW press release 2018-06-18 (haulers Mon-Sat 08:00-16:00), "
            "opened an hour earlier for city trucks (assumed). Recycling and yard waste accepted at its drop-off "
            "(WMAR 2020-06-10).",
        },
        {
            "site_id": "BAL-W1",
            "kind": "wte",
            "name": "BRESCO waste-to-energy plant (WIN Waste), Russell St",
            "lat": 39.26996,
            "lon": -76.63039,
            "opens": "05:00",
            "closes": "19:00",
            "streams": "general",
            "unload_s": 600.0,
            "source": "Position: Wikipedia 'Wheelabrator Baltimore' (39.26996, -76.63039). 2,250 t/day "
            "mass-burn plant. Receiving hours approximate (assumed day shift; the plant burns around the clock).",
        },
        {
            "site_id": "BAL-T1",
            "kind": "transfer",
            "name": "Northwest Transfer Station, 5030 Reisterstown Rd",
            "lat": 39.3400,
            "lon": -76.6700,
            "opens": "07:00",
            "closes": "17:00",
            "streams": "general;recycling",
            "unload_s": 900.0,
            "source": f"Address and hours: {_DPW} press release 2023-09-05 (5030 Reisterstown Rd, 21215; "
            "Mon-Sat 07:00-17:00); used by DPW trucks (DPW 2017-03-07); recycling drop-off (WMAR 2020-06-10). "
            "Position approximate (+-500 m): on Reisterstown Rd near Druid Park Dr, placed from the address.",
        },
    ),
    "santa_cruz": (
        {
            "site_id": "SCZ-D1",
            "kind": "depot",
            "name": "Collection depot, sector A (west), EMACRUZ contractor",
            "lat": -17.7960,
            "lon": -63.2180,
            "opens": "04:30",
            "closes": "22:00",
            "streams": "general;recycling;organic",
            "unload_s": 0.0,
            "source": "Approximate: the city is served by two collection contracts, sector A (west) and B (east) "
            "(elmundo.com.bo); no published yard coordinates were found, so the depot is placed inside sector A "
            "near the 4th-5th ring west, on the main road out of the city.",
        },
        {
            "site_id": "SCZ-D2",
            "kind": "depot",
            "name": "Collection depot, sector B (east), EMACRUZ contractor",
            "lat": -17.8050,
            "lon": -63.1200,
            "opens": "04:30",
            "closes": "22:00",
            "streams": "general;recycling;organic",
            "unload_s": 0.0,
            "source": "Approximate: sector B (east) of the two collection contracts (elmundo.com.bo); placed "
            "between the 6th and 7th rings south-east, towards the landfill road; no published yard coordinates.",
        },
        {
            "site_id": "SCZ-L1",
            "kind": "landfill",
            "name": "Complejo Municipal de Tratamiento de Residuos Solidos, San Miguel de los Junos (D-14 Paurito)",
            "lat": -17.9350,
            "lon": -63.0300,
            "opens": "00:00",
            "closes": "24:00",
            "streams": "general;recycling;organic",
            "unload_s": 900.0,
            "source": "Approximate (+-3 km): opened 1-2 July 2019 in the community of San Miguel de los Junos, "
            "district 14 (Paurito), south-east of the city; 200 ha, 21 cells (El Deber 2018-06-26; eju.tv 2019-06). "
            "Placed from the published distances: 26 km from the centre by road (El Deber 2019-06-26), 13 km "
            "beyond the southern edge of the city (El Deber 2018-11-14), reached by a 17 km paved road. Receives "
            "about 2,000 t/day around the clock (assumed: night collection rounds unload there); a semi-automatic "
            "sorting plant takes recyclables (El Deber 2018-06-26).",
        },
        {
            "site_id": "SCZ-T1",
            "kind": "transfer",
            "name": "Planta de reciclaje Normandia (former Normandia dump)",
            "lat": -17.8050,
            "lon": -63.0750,
            "opens": "07:00",
            "closes": "17:00",
            "streams": "recycling",
            "unload_s": 600.0,
            "source": "Approximate (+-2 km): the Normandia dump, on the border of districts 8 and 14 east of the "
            "city, stopped taking waste on 1 July 2019 but its plastics and cardboard recycling plant stays "
            "(eju.tv 2019-06); placed east of the 8th ring on that border. Hours assumed (day shift).",
        },
    ),
}


def site_table(city: str) -> pd.DataFrame:
    """Sites of a reference city with exactly :data:`waste.model.SITE_COLUMNS`."""
    return pd.DataFrame(list(SITES[city]))[column_names(SITE_COLUMNS)]
