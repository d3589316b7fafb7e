"""Rules of tip-offs from the public that need no database: statuses, how a hazard's state reads
to its reporter, distances between places and guessing the township from an address.

Sources: 方案 四(二) (群众举报查实的安全隐患一并纳入台账); 附件2 填表说明 10 (隐患来源: 举报).
"""

from __future__ import annotations

import math
import unicodedata
from enum import StrEnum

from bot.domain import HazardState
from storage.registry import UnitEntry, normalise_township_name, townships


class TipOffStatus(StrEnum):
    """Where a tip-off stands, as its reporter is told."""

    RECEIVED = "received"
    VERIFYING = "verifying"
    REGISTERED = "registered"
    RECTIFYING = "rectifying"
    FIXED = "fixed"
    NOT_CONFIRMED = "not_confirmed"
    MERGED = "merged"
    FORWARDED = "forwarded"


#: the township answer of a reporter who does not know it (the report form's 不清楚): the district safety office
#: receives the tip-off and forwards it to the township (``TipOffService.forward``)
UNKNOWN_TOWNSHIP = "不清楚"
#: ``Submitted.detail`` of a tip-off the district safety office received to forward (its receipt says so)
TO_DISTRICT_OFFICE = "to_district_office"

#: statuses in which the township still has to verify the tip-off (its queue)
AWAITING_VERIFICATION = frozenset({TipOffStatus.RECEIVED, TipOffStatus.VERIFYING, TipOffStatus.FORWARDED})
#: statuses in which the reporter may still add photos or text
OPEN = AWAITING_VERIFICATION | {TipOffStatus.REGISTERED, TipOffStatus.RECTIFYING}

#: preset reasons for 不属实 (the verifier picks one; no free text from one reporter reaches another)
NOT_CONFIRMED_REASONS = ("no_hazard_found", "already_fixed", "not_a_safety_hazard", "insufficient_information")


def status_for_hazard(state: str) -> TipOffStatus | None:
    """The tip-off status mirroring hazard ``state``; None when the hazard state says nothing new.

    submitted (pending review/confirmation) → registered; registered/rectified/closure requested →
    rectifying; closed → fixed; rejected → verifying (the township verifies the tip-off again).
    """
    mapping = {
        HazardState.PENDING_REVIEW: TipOffStatus.REGISTERED,
        HazardState.PENDING_CONFIRMATION: TipOffStatus.REGISTERED,
        HazardState.REGISTERED: TipOffStatus.RECTIFYING,
        HazardState.RECTIFIED: TipOffStatus.RECTIFYING,
        HazardState.CLOSURE_REQUESTED: TipOffStatus.RECTIFYING,
        HazardState.CLOSED: TipOffStatus.FIXED,
        HazardState.REJECTED: TipOffStatus.VERIFYING,
    }
    try:
        return mapping[HazardState(state)]
    except ValueError:
        return None


EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points (degrees)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def degree_box(lat: float, radius_m: float) -> tuple[float, float]:
    """Half-sizes (degrees of latitude, of longitude) of a box holding every point within ``radius_m``."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return dlat * 1.01, dlon * 1.01


def normalise_address(text: str | None) -> str:
    """An address compared for equality: NFKC, no spaces or punctuation, lower case."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in folded if ch.isalnum())


def guess_township(text: str | None) -> UnitEntry | None:
    """The township whose name appears in ``text`` (e.g. "朝阳区三里屯街道幸福村" → 三里屯街道).

    Matches the full name first, then the short name (``normalise_township_name``); the longest match
    wins so that 东风 does not hide 东风地区's longer neighbours. None when nothing matches.
    """
    if not text:
        return None
    folded = unicodedata.normalize("NFKC", text)
    best: tuple[int, UnitEntry] | None = None
    for unit in townships():
        for name in (unit.name, normalise_township_name(unit.name)):
            if len(name) >= 2 and name in folded and (best is None or len(name) > best[0]):
                best = (len(name), unit)
    return best[1] if best else None


def format_tipoff_number(day_yyyymmdd: str, sequence: int) -> str:
    """``JB`` + YYYYMMDD + 4-digit sequence, e.g. ``JB201810150001``."""
    return f"JB{day_yyyymmdd}{sequence:04d}"
