"""Possible duplicates of a tip-off (issue 6): open tip-offs and open hazards created since ``since``
within ``radius_m`` metres (haversine, after a degree box in SQL) or at the same normalised address in
the same township. Offered to the verifier, who may merge."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import HazardState
from bot.services.tipoff_rules import AWAITING_VERIFICATION, OPEN, degree_box, haversine_m, normalise_address
from bot.services.tipoff_views import Candidate
from storage.models import Hazard
from storage.models_tipoffs import TipOff

MAX_CANDIDATES = 8


async def find_candidates(session: AsyncSession, tipoff: TipOff, *, radius_m: float, since: datetime) -> list[Candidate]:
    """Candidates for ``tipoff`` (itself, its followers and its own hazard excluded), tip-offs first, at
    most ``MAX_CANDIDATES``. A tip-off already turned into a hazard is offered as that hazard."""
    radius = radius_m
    address = normalise_address(tipoff.address)
    has_pin = tipoff.latitude is not None and tipoff.longitude is not None

    def near(model: Any) -> Any:
        conditions = []
        if has_pin:
            dlat, dlon = degree_box(tipoff.latitude or 0.0, radius)
            conditions.append(
                col(model.latitude).between(tipoff.latitude - dlat, tipoff.latitude + dlat)  # type: ignore[operator]
                & col(model.longitude).between(tipoff.longitude - dlon, tipoff.longitude + dlon)  # type: ignore[operator]
            )
        if address:
            # equal addresses are compared normalised below; same township keeps the scan small
            conditions.append((col(model.address) != "") & (col(model.township_code) == tipoff.township_code))
        return or_(*conditions) if conditions else col(model.id) == -1

    def judge(lat: float | None, lon: float | None, other_address: str) -> tuple[bool, float | None, bool]:
        distance = None
        if has_pin and lat is not None and lon is not None:
            distance = haversine_m(tipoff.latitude or 0.0, tipoff.longitude or 0.0, lat, lon)
        same = bool(address) and normalise_address(other_address) == address
        return (distance is not None and distance <= radius) or same, distance, same

    found: list[Candidate] = []
    open_statuses = [s.value for s in OPEN]
    tipoffs = (
        await session.exec(
            select(TipOff).where(
                TipOff.id != tipoff.id, col(TipOff.status).in_(open_statuses), TipOff.created_at >= since, near(TipOff)
            ).order_by(col(TipOff.id))
        )
    ).all()
    for other in tipoffs:
        if other.merged_into_id == tipoff.id or (other.hazard_id is not None
                                                 and other.status not in AWAITING_VERIFICATION):
            continue  # a tip-off already a hazard is offered as that hazard (one whose hazard was rejected: as itself)
        ok, distance, same = judge(other.latitude, other.longitude, other.address)
        if ok:
            found.append(Candidate("t", other.id or 0, other.number, other.status, distance, same, other.description[:30]))
    hazards = (
        await session.exec(
            select(Hazard).where(
                col(Hazard.state).not_in([HazardState.CLOSED.value, HazardState.REJECTED.value]),
                Hazard.created_at >= since, near(Hazard),
            ).order_by(col(Hazard.id))
        )
    ).all()
    for hazard in hazards:
        if hazard.id == tipoff.hazard_id:
            continue
        ok, distance, same = judge(hazard.latitude, hazard.longitude, hazard.address)
        if ok:
            found.append(Candidate(
                "h", hazard.id or 0, hazard.ledger_number or hazard.draft_number, hazard.state, distance, same,
                f"{hazard.site_name} {hazard.description}"[:30],
            ))
    return found[:MAX_CANDIDATES]
