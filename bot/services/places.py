"""The place of a record (a hazard, an inspection, a tip-off): its address and its pin (WGS-84 degrees).

The tables keep it as three columns (``address``, ``latitude``, ``longitude``); a form's ``location`` field stores
it as one answer ``{"address": …, "lat": …, "lon": …}`` (``lat``/``lon`` absent until a pin is sent, ``address``
absent for a pin alone). These are the one translation between the two, and the one copy from record to record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Placed(Protocol):
    """A record with a place: ``Hazard``, ``Inspection``, ``TipOff``."""

    address: str
    latitude: float | None
    longitude: float | None


def place_of(record: Placed) -> dict[str, Any]:
    """``record``'s place as the keyword arguments of another record's (or view's) three columns."""
    return {"address": record.address, "latitude": record.latitude, "longitude": record.longitude}


def location_answer(record: Placed) -> dict[str, Any]:
    """``record``'s place as a ``location`` field's answer (a form pre-filled from the record)."""
    return {"address": record.address, "lat": record.latitude, "lon": record.longitude}


def place_columns(answer: Mapping[str, Any] | None) -> dict[str, Any]:
    """The three columns of a ``location`` answer (None or ``{}``: no place): ``address`` ``""`` when none was
    given, ``latitude``/``longitude`` None without a pin."""
    answer = answer or {}
    return {"address": str(answer.get("address") or ""), "latitude": answer.get("lat"), "longitude": answer.get("lon")}
