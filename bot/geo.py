"""Coordinates: WGS-84 (what GPS, Telegram location pins and RFC 7946 GeoJSON use) and GCJ-02 (the
obfuscated datum every map service in mainland China uses: AutoNavi/Gaode, Tencent; Baidu's BD-09 is
GCJ-02 shifted again). In Beijing the two differ by about 100–700 m, enough to put a pin on the wrong
building on a Chinese map.

The conversion is the widely published closed form (Krasovsky 1940 ellipsoid, a = 6378245 m,
e² = 0.00669342162296594323); outside mainland China GCJ-02 equals WGS-84.
"""

from __future__ import annotations

import math

_A = 6378245.0
_EE = 0.00669342162296594323


def outside_china(longitude: float, latitude: float) -> bool:
    """The rough box outside which GCJ-02 leaves coordinates unchanged."""
    return not (72.004 <= longitude <= 137.8347 and 0.8293 <= latitude <= 55.8271)


def _lat(x: float, y: float) -> float:
    r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    r += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return r


def _lon(x: float, y: float) -> float:
    r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    r += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    r += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    r += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return r


def wgs84_to_gcj02(longitude: float, latitude: float) -> tuple[float, float]:
    """(longitude, latitude) in degrees WGS-84 → GCJ-02."""
    if outside_china(longitude, latitude):
        return longitude, latitude
    d_lat = _lat(longitude - 105.0, latitude - 35.0)
    d_lon = _lon(longitude - 105.0, latitude - 35.0)
    rad = latitude / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return longitude + d_lon, latitude + d_lat


def gcj02_to_wgs84(longitude: float, latitude: float, iterations: int = 6) -> tuple[float, float]:
    """(longitude, latitude) GCJ-02 → WGS-84, by fixed-point iteration (error well under 1 cm)."""
    lon, lat = longitude, latitude
    for _ in range(iterations):
        g_lon, g_lat = wgs84_to_gcj02(lon, lat)
        lon, lat = lon - (g_lon - longitude), lat - (g_lat - latitude)
    return lon, lat
