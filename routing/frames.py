"""Build a :class:`~routing.problem.Problem` from the project's tables (sites, bins, fleet) and today's visits.

The tables follow :data:`waste.model.SITE_COLUMNS`, :data:`waste.model.BIN_COLUMNS` and
:data:`waste.model.FLEET_COLUMNS`. The visits table says which bins to consider today and how full they will be:

=============  =======  ========  ===============================================================================
column         dtype    unit      meaning
=============  =======  ========  ===============================================================================
``bin_id``     str                a bin of the bins table
``fill_pct``   float    %         expected fill at the visit (values above 100 count as 100: a bin holds no more)
``mandatory``  bool               a must-go bin (optional column, default True)
``penalty``    float    currency  cost of leaving an optional bin for another day (optional column, default 0)
=============  =======  ========  ===============================================================================

Demand of a bin at the visit: the waste in it is ``fill_pct / 100 * capacity_l / 1000`` m3 as it sits in the bin,
weighing that volume times ``density_kg_m3`` (kg). Its loose volume, before any packing, is that volume times the
bin's own ``compaction_ratio`` (1 for a plain bin). A truck holds ``loose / max(truck ratio, bin ratio)`` m3 of it:
its packer compacts loose waste ``compaction_ratio`` times but cannot pack a compactor bin's contents further than
they already are (:meth:`routing.problem.VehicleType.truck_volume_m3`).

Locations are numbered depots first, then disposal sites (both in the order of the sites table), then one per visit
in the order of the visits table. Clock times ``HH:MM`` become seconds from midnight; a shift, window or opening that
ends before it starts runs past midnight.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from routing.matrix import Matrices, haversine_matrices
from routing.problem import DAY_S, Break, Depot, DisposalSite, Problem, Stop, VehicleType
from waste.errors import InputError

#: Site kinds where trucks unload.
DISPOSAL_KINDS = ("landfill", "transfer", "wte")


def problem_from_frames(
    sites: pd.DataFrame,
    bins: pd.DataFrame,
    fleet: pd.DataFrame,
    visits: pd.DataFrame,
    *,
    matrices: Callable[[np.ndarray], Matrices] | None = None,
    driver_break: Break | None = None,
    max_duration_s: int | None = None,
    name: str = "",
) -> Problem:
    """A problem for today's ``visits`` over the city's ``sites``, ``bins`` and ``fleet``.

    Parameters
    ----------
    sites, bins, fleet
        The city's tables (see :mod:`waste.model`).
    visits
        Bins to consider today with expected fill, must-go flag and penalty (module docstring).
    matrices
        Function from ``(n, 2)`` latitude-longitude (degrees) to :class:`~routing.matrix.Matrices`; the haversine
        estimate with default settings when ``None``. Pass e.g.
        ``functools.partial(build_matrices, osrm_url=settings.osrm_url)`` for road distances and caching.
    driver_break
        A break every truck's driver takes, or ``None``.
    max_duration_s
        Longest route of every truck (s), or ``None`` for the shift length only.
    name
        Instance name for reports and exports.

    Raises
    ------
    InputError
        When a visit names an unknown bin, a truck an unknown depot, or a value cannot be used.
    """
    depots_df = sites[sites["kind"] == "depot"]
    disposal_df = sites[sites["kind"].isin(DISPOSAL_KINDS)]
    if depots_df.empty:
        raise InputError("the sites table has no depot", field="kind")
    by_id = bins.set_index("bin_id", drop=False)
    unknown = sorted(set(visits["bin_id"]) - set(by_id.index))
    if unknown:
        raise InputError(f"unknown bin(s) {', '.join(map(str, unknown[:10]))}", field="bin_id")
    if visits["bin_id"].duplicated().any():
        raise InputError("a bin appears twice in today's visits", field="bin_id")
    chosen = by_id.loc[visits["bin_id"]]
    coords = np.vstack(
        [
            depots_df[["lat", "lon"]].to_numpy(dtype=float),
            disposal_df[["lat", "lon"]].to_numpy(dtype=float),
            chosen[["lat", "lon"]].to_numpy(dtype=float),
        ]
    )
    m = (matrices or haversine_matrices)(coords)
    depots = tuple(
        Depot(str(row.site_id), n, *_window(row.opens, row.closes, "site", row.site_id))
        for n, row in enumerate(depots_df.itertuples(index=False))
    )
    offset = len(depots)
    disposal = tuple(
        DisposalSite(
            str(row.site_id),
            offset + n,
            *_window(row.opens, row.closes, "site", row.site_id),
            unload_s=round(float(row.unload_s)),
            streams=frozenset(str(row.streams).split(";")),
        )
        for n, row in enumerate(disposal_df.itertuples(index=False))
    )
    offset += len(disposal)
    stops = _stops(chosen, visits, offset)
    known = {d.id for d in depots}
    types = []
    for row in fleet.itertuples(index=False):
        if str(row.depot_id) not in known:
            raise InputError(f"vehicle type {row.vehicle_type}: unknown depot {row.depot_id}", field="depot_id")
        start, end = _window(row.shift_start, row.shift_end, "vehicle type", row.vehicle_type)
        types.append(
            VehicleType(
                name=str(row.vehicle_type),
                count=int(row.count),
                capacity_kg=float(row.capacity_kg),
                capacity_m3=float(row.capacity_m3),
                compaction_ratio=float(row.compaction_ratio),
                shift_start_s=start,
                shift_end_s=end,
                start_depot=str(row.depot_id),
                fixed_cost=float(row.fixed_cost),
                cost_per_km=float(row.cost_per_km),
                cost_per_h=float(row.cost_per_h),
                streams=frozenset(str(row.streams).split(";")),
                max_duration_s=max_duration_s,
                driver_break=driver_break,
            )
        )
    try:
        return Problem(depots, disposal, stops, tuple(types), m.distance_m, m.duration_s, coords, name)
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def _stops(chosen: pd.DataFrame, visits: pd.DataFrame, offset: int) -> tuple[Stop, ...]:
    fill = pd.to_numeric(visits["fill_pct"], errors="coerce").to_numpy(dtype=float)
    if np.isnan(fill).any() or (fill < 0).any():
        raise InputError("fill_pct must be a number >= 0 for every visit", field="fill_pct")
    fill = np.minimum(fill, 100.0) / 100.0
    mandatory = visits["mandatory"].astype(bool).to_numpy() if "mandatory" in visits else np.ones(len(visits), bool)
    penalty = (
        pd.to_numeric(visits["penalty"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
        if "penalty" in visits
        else np.zeros(len(visits))
    )
    in_bin_m3 = fill * chosen["capacity_l"].to_numpy(dtype=float) / 1000.0
    weight = in_bin_m3 * chosen["density_kg_m3"].to_numpy(dtype=float)
    ratio = chosen["compaction_ratio"].to_numpy(dtype=float)
    loose = in_bin_m3 * ratio
    stops = []
    for n, row in enumerate(chosen.itertuples(index=False)):
        tw = _window(row.tw_start, row.tw_end, "bin", row.bin_id, optional=True)
        stops.append(
            Stop(
                id=str(row.bin_id),
                location=offset + n,
                weight_kg=float(weight[n]),
                volume_m3=float(loose[n]),
                service_s=round(float(row.service_s)),
                tw_start_s=tw[0],
                tw_end_s=tw[1],
                stream=str(row.stream),
                mandatory=bool(mandatory[n]),
                penalty=float(penalty[n]),
                compaction_ratio=float(ratio[n]),
            )
        )
    return tuple(stops)


def hhmm_to_s(value: object) -> int | None:
    """Seconds from midnight of a clock time ``HH:MM`` (``24:00`` allowed); ``None`` for an empty value."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() in ("", "nan", "None"):
        return None
    text = str(value).strip()
    try:
        hours, minutes = (int(part) for part in text.split(":")[:2])
    except ValueError:
        raise InputError(f"{text!r} is not a clock time HH:MM") from None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or hours * 60 + minutes > 24 * 60:
        raise InputError(f"{text!r} is not a clock time HH:MM")
    return hours * 3600 + minutes * 60


def _window(start: object, end: object, what: str, owner: object, *, optional: bool = False) -> tuple[int, int]:
    a, b = hhmm_to_s(start), hhmm_to_s(end)
    if a is None and b is None and optional:
        return 0, 2 * DAY_S
    if a is None or b is None:
        if not optional:
            raise InputError(f"{what} {owner}: both times are required")
        a = 0 if a is None else a
        b = DAY_S if b is None else b
    if b <= a:
        b += DAY_S  # runs past midnight
    return a, b
