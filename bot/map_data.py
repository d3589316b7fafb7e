"""The base map the project ships (``config/data``, sources and licences in its README): the outline of
朝阳区 and its neighbours, and where each township's name is written. Read once per process."""

from __future__ import annotations

import csv
import json
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


def district_bounds() -> tuple[float, float, float, float]:
    """(west, east, south, north) of 朝阳区, degrees."""
    points = [p for a in areas() if a.role == "district" for ring in a.rings for p in ring]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), max(xs), min(ys), max(ys)
