"""The base map the project ships (``config/data``, sources and licences in its README): the outline of
朝阳区 and its neighbours, and where each township's name is written. Read once per process."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Area:
    """A district outline: ``role`` ``district`` (朝阳区) or ``neighbour``; ``rings`` the outer rings of its
    polygons as (longitude, latitude) lists."""

    name: str
    role: str
    rings: tuple[tuple[tuple[float, float], ...], ...]


@dataclass(frozen=True)
class TownshipLabel:
    """Where a township's name is written on the maps: its code, name and point (WGS-84 degrees)."""

    code: str
    name: str
    longitude: float
    latitude: float


def _data(name: str) -> str:
    return (resources.files("config") / "data" / name).read_text(encoding="utf-8")


@cache
def areas() -> tuple[Area, ...]:
    """The outlines of ``chaoyang-boundary.geojson`` (Polygon / MultiPolygon; holes are not drawn)."""
    out = []
    for feature in json.loads(_data("chaoyang-boundary.geojson"))["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings = tuple(tuple((float(x), float(y)) for x, y in polygon[0]) for polygon in polygons)
        out.append(Area(feature["properties"]["name"], feature["properties"]["role"], rings))
    return tuple(out)


@cache
def township_labels() -> tuple[TownshipLabel, ...]:
    """The townships' labels of ``config/data/township-labels.csv``."""
    rows = csv.DictReader(_data("township-labels.csv").splitlines())
    return tuple(TownshipLabel(r["code"], r["name"], float(r["longitude"]), float(r["latitude"])) for r in rows)


@cache
def district_bounds() -> tuple[float, float, float, float]:
    """(west, east, south, north) of 朝阳区, degrees."""
    points = [p for a in areas() if a.role == "district" for ring in a.rings for p in ring]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), max(xs), min(ys), max(ys)


#: how far (metres) outside 朝阳区's outline a form's location may lie and still be taken: a pin from a Chinese map
#: app is GCJ-02 (100–700 m off the WGS-84 outline), and a site on a boundary road may be pinned across it. A
#: margin of degrees around the outline's bounding box (0.05°, session 12) took 天安门, 中关村 and 通州 as 朝阳.
DISTRICT_MARGIN_M = 1000.0


def near_district(longitude: float, latitude: float) -> bool:
    """Whether the point (WGS-84 degrees) lies inside 朝阳区's outline or within ``DISTRICT_MARGIN_M`` of it: a
    location a form about 朝阳区 may take. False for a point that is not a number (NaN)."""
    west, east, south, north = district_bounds()
    margin = DISTRICT_MARGIN_M / 80_000  # degrees, generous at 40°N (a degree of longitude is ~85 km there)
    if not (west - margin <= longitude <= east + margin and south - margin <= latitude <= north + margin):
        return False  # also NaN: every comparison with it is false
    return in_district(longitude, latitude) or _metres_to_outline(longitude, latitude) <= DISTRICT_MARGIN_M


def _metres_to_outline(longitude: float, latitude: float) -> float:
    """The distance (metres, flat-earth approximation: fine at a few km) from the point to 朝阳区's outline."""
    kx, ky = 111_320 * math.cos(math.radians(latitude)), 110_540  # metres per degree
    best = math.inf
    for area in areas():
        if area.role != "district":
            continue
        for ring in area.rings:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
                ax, ay = (x1 - longitude) * kx, (y1 - latitude) * ky
                bx, by = (x2 - longitude) * kx, (y2 - latitude) * ky
                dx, dy = bx - ax, by - ay
                length = dx * dx + dy * dy
                t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
                best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def in_district(longitude: float, latitude: float) -> bool:
    """Whether the point (WGS-84 degrees) lies inside the outline of 朝阳区 (even-odd rule over its rings)."""
    inside = False
    for area in areas():
        if area.role != "district":
            continue
        for ring in area.rings:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
                if (y1 > latitude) != (y2 > latitude) and \
                        longitude < x1 + (latitude - y1) * (x2 - x1) / (y2 - y1):
                    inside = not inside
    return inside


def nearest_township(longitude: float, latitude: float) -> TownshipLabel | None:
    """The township whose label point (``township_labels``) lies nearest the point (WGS-84 degrees), for a point
    inside 朝阳区's outline (``in_district``); None outside it. A guess only: no township polygons are shipped
    (``config/data/README.md``), so near a township's edge the neighbour may be named — the person confirms it."""
    if not in_district(longitude, latitude):
        return None
    scale = math.cos(math.radians(latitude))  # a degree of longitude is shorter than one of latitude here
    return min(township_labels(),
               key=lambda t: ((t.longitude - longitude) * scale) ** 2 + (t.latitude - latitude) ** 2, default=None)


def pull_inside(longitude: float, latitude: float, offset: tuple[float, float]) -> tuple[float, float]:
    """A point near (``longitude``, ``latitude``) + ``offset`` (degrees) inside 朝阳区's outline: the offset
    shrunk until the point is inside, else the base point moved toward the district's middle (a township's
    label point may sit on or just over the coarse outline). Returns (longitude, latitude)."""
    for scale in (1.0, 0.5, 0.25, 0.0):
        x, y = longitude + offset[0] * scale, latitude + offset[1] * scale
        if in_district(x, y):
            return x, y
    west, east, south, north = district_bounds()
    mx, my = (west + east) / 2, (south + north) / 2
    for step in range(1, 21):
        x, y = longitude + (mx - longitude) * step / 20, latitude + (my - latitude) * step / 20
        if in_district(x, y):
            return x, y
    return mx, my
