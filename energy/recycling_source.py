"""Take a scenario's tonnage from the store's recycling records instead of its population drivers.

The records say what collections actually brought in; :func:`waste.recycling.report.disposal_tonnes_by_day` keeps
the residual a waste-to-energy plant or a landfill receives (general waste and contaminated recyclables or
organics), day by day, and the planner's projection scales it to a year (:mod:`energy.projection`). Records that
cover only part of a city's collection (on-demand pickups alone, say) give a plant sized for that part only.
"""

from __future__ import annotations

from dataclasses import replace

from energy.scenario import Scenario
from waste.errors import ConfigError
from waste.recycling.records import records
from waste.recycling.report import disposal_tonnes_by_day
from waste.store import Store


def with_recycling_records(scenario: Scenario, store: Store, city: str) -> Scenario:
    """``scenario`` with its tonnage records replaced by the residual tonnes of ``city``'s recycling records.

    Raises
    ------
    ConfigError
        When the store holds no recycling records for the city.
    """
    daily = disposal_tonnes_by_day(records(store, city))
    if daily.empty or float(daily["tonnes"].sum()) <= 0:
        msg = f"no recycling records with residual tonnage for {city!r} in {store.url}"
        raise ConfigError(msg)
    return replace(scenario, records=daily)
