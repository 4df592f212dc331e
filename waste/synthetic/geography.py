"""Where bins stand: points over a city's land, dense in the centre and along busy streets, sparse at the edges.

Bins are drawn from a mixture: a background over the whole urban area whose density falls with distance from the
centre, clusters around centres of activity, lines along commercial streets (and Santa Cruz's ring roads), and parks.
Each point is snapped to a street of a ~100 m grid, kept only on land, and labelled with an area type
(:data:`waste.model.AREA_TYPES`) that later sets its fill pattern.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from waste.synthetic.cities import CitySpec

#: Metres per degree of latitude; a degree of longitude is this times cos(latitude) (equirectangular, < 0.1 % error
#: over a city).
M_PER_DEG_LAT = 110_540.0
M_PER_DEG_LON_EQUATOR = 111_320.0
#: Street grid spacing used to snap bins onto streets (m): a typical urban block.
BLOCK_M = 100.0


@dataclass(frozen=True, slots=True)
class Locations:
    """Bin positions: WGS84 degrees, the area type of each, and the distance from the centre (km)."""

    lat: np.ndarray
    lon: np.ndarray
    area: np.ndarray
    r_km: np.ndarray


class _Frame:
    """Local equirectangular metres around the city centre."""

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        self.kx = M_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))

    def to_m(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * M_PER_DEG_LAT

    def to_deg(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.lon0 + x / self.kx, self.lat0 + y / M_PER_DEG_LAT


def on_land(spec: CitySpec, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each point lies inside the city outline and outside its water."""
    inside = shapely.contains_xy(shapely.Polygon(spec.outline), lon, lat)
    for w in spec.water:
        inside &= ~shapely.contains_xy(shapely.Polygon(w), lon, lat)
    return inside


def _background(spec: CitySpec, frame: _Frame, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points over the outline, thinned with distance from the centre and on port or industrial land."""
    minx, miny, maxx, maxy = shapely.Polygon(spec.outline).bounds
    out_lon: list[np.ndarray] = [np.empty(0)]  # a small city may draw no background points at all
    out_lat: list[np.ndarray] = [np.empty(0)]
    got = 0
    while got < n:
        m = max(4 * (n - got), 1000)
        lon = rng.uniform(minx, maxx, m)
        lat = rng.uniform(miny, maxy, m)
        x, y = frame.to_m(lon, lat)
        r_km = np.hypot(x, y) / 1000
        keep_p = spec.floor + (1 - spec.floor) * np.exp(-r_km / spec.decay_km)
        for poly in spec.sparse:
            keep_p = np.where(shapely.contains_xy(shapely.Polygon(poly), lon, lat), keep_p * 0.15, keep_p)
        keep = on_land(spec, lon, lat) & (rng.random(m) < keep_p)
        out_lon.append(lon[keep])
        out_lat.append(lat[keep])
        got += int(keep.sum())
    return np.concatenate(out_lon)[:n], np.concatenate(out_lat)[:n]


def _hotspots(spec: CitySpec, frame: _Frame, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    w = np.array([h.weight for h in spec.hotspots])
    pick = rng.choice(len(spec.hotspots), size=n, p=w / w.sum())
    cx, cy = frame.to_m(np.array([h.lon for h in spec.hotspots]), np.array([h.lat for h in spec.hotspots]))
    sigma = np.array([h.sigma_m for h in spec.hotspots])
    x = cx[pick] + rng.normal(0, 1, n) * sigma[pick]
    y = cy[pick] + rng.normal(0, 1, n) * sigma[pick]
    area = np.array([h.area for h in spec.hotspots], dtype=object)[pick]
    return x, y, area


def _corridors(spec: CitySpec, frame: _Frame, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Points along commercial streets and, where a city has them, its ring roads."""
    sx, sy = frame.to_m(np.array([c.start[0] for c in spec.corridors]), np.array([c.start[1] for c in spec.corridors]))
    ex, ey = frame.to_m(np.array([c.end[0] for c in spec.corridors]), np.array([c.end[1] for c in spec.corridors]))
    length = np.hypot(ex - sx, ey - sy)
    weights = np.array([c.weight for c in spec.corridors]) * length
    ring_len = np.array([2 * math.pi * r * 1000 for r in spec.rings_km])
    weights = np.concatenate([weights, ring_len * 0.5])
    pick = rng.choice(len(weights), size=n, p=weights / weights.sum())
    t = rng.random(n)
    side = rng.normal(0, 1, n) * 40.0
    n_lines = len(spec.corridors)
    line = pick < n_lines
    li = np.where(line, pick, 0)
    ux, uy = (ex - sx)[li] / length[li], (ey - sy)[li] / length[li]
    x = np.where(line, sx[li] + t * (ex - sx)[li] - uy * side, 0.0)
    y = np.where(line, sy[li] + t * (ey - sy)[li] + ux * side, 0.0)
    if len(spec.rings_km):
        ri = np.where(line, 0, pick - n_lines)
        radius = np.asarray(spec.rings_km)[ri] * 1000 + side
        angle = t * 2 * math.pi
        x = np.where(line, x, radius * np.sin(angle))
        y = np.where(line, y, radius * np.cos(angle))
    return x, y


def _parks(spec: CitySpec, frame: _Frame, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    area = np.array([p.radius_m**2 for p in spec.parks]) ** 0.75  # bigger parks, more bins, but not in proportion
    pick = rng.choice(len(spec.parks), size=n, p=area / area.sum())
    cx, cy = frame.to_m(np.array([p.lon for p in spec.parks]), np.array([p.lat for p in spec.parks]))
    radius = np.array([p.radius_m for p in spec.parks])[pick]
    rr = radius * np.sqrt(rng.random(n))
    a = rng.random(n) * 2 * math.pi
    return cx[pick] + rr * np.sin(a), cy[pick] + rr * np.cos(a)


def _snap(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Move each point onto the nearest street of a square grid (either axis), as kerbside bins stand."""
    along_x = rng.random(len(x)) < 0.5
    sx = np.where(along_x, x, np.round(x / BLOCK_M) * BLOCK_M + rng.normal(0, 4, len(x)))
    sy = np.where(along_x, np.round(y / BLOCK_M) * BLOCK_M + rng.normal(0, 4, len(y)), y)
    return sx, sy


def locate_bins(spec: CitySpec, n: int, rng: np.random.Generator) -> Locations:
    """Draw ``n`` bin positions over a city's land, with their area types.

    Parameters
    ----------
    spec
        The city.
    n
        Number of bins.
    rng
        Random generator; the same state gives the same positions.

    Returns
    -------
    Locations
        Positions rounded to 1e-6 deg (0.1 m), sorted from the centre outwards so bin ids grow with distance.
    """
    frame = _Frame(*spec.centre)
    lon_parts: list[np.ndarray] = []
    lat_parts: list[np.ndarray] = []
    area_parts: list[np.ndarray] = []
    have = 0
    while have < n:
        need = n - have
        counts = rng.multinomial(need, [spec.mix[k] for k in ("background", "hotspots", "corridors", "parks")])
        lon_b, lat_b = _background(spec, frame, int(counts[0]), rng)
        xb, yb = frame.to_m(lon_b, lat_b)
        xh, yh, area_h = _hotspots(spec, frame, int(counts[1]), rng)
        xc, yc = _corridors(spec, frame, int(counts[2]), rng)
        xp, yp = _parks(spec, frame, int(counts[3]), rng)
        x = np.concatenate([xb, xh, xc])
        y = np.concatenate([yb, yh, yc])
        x, y = _snap(x, y, rng)
        x, y = np.concatenate([x, xp]), np.concatenate([y, yp])
        r_km = np.hypot(x, y) / 1000
        area = np.concatenate(
            [
                np.where(r_km[: len(xb)] > spec.suburban_km, "suburban", "residential").astype(object),
                area_h,
                np.full(len(xc), "commercial", dtype=object),
                np.full(len(xp), "park", dtype=object),
            ]
        )
        lon, lat = frame.to_deg(x, y)
        in_park = np.zeros(len(lon), dtype=bool)
        for p in spec.parks:
            px, py = frame.to_m(np.array([p.lon]), np.array([p.lat]))
            in_park |= np.hypot(x - px[0], y - py[0]) <= p.radius_m
        area = np.where(in_park, "park", area)
        area = np.where((r_km <= spec.centre_radius_km) & (area != "park"), "centre", area)
        keep = on_land(spec, lon, lat)
        lon_parts.append(lon[keep])
        lat_parts.append(lat[keep])
        area_parts.append(area[keep])
        have += int(keep.sum())
    lon = np.round(np.concatenate(lon_parts)[:n], 6)
    lat = np.round(np.concatenate(lat_parts)[:n], 6)
    area = np.concatenate(area_parts)[:n].astype(str)
    x, y = frame.to_m(lon, lat)
    r_km = np.hypot(x, y) / 1000
    order = np.lexsort((lon, lat, r_km))
    return Locations(lat=lat[order], lon=lon[order], area=area[order], r_km=r_km[order])
