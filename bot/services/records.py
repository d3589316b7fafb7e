"""Creating the records a finished form describes: an inspection (附件1) or a hazard (附件2).

Called by the form service inside its unit of work; nothing here commits.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.campaign import Campaign
from bot.domain import HazardState
from bot.forms.prompt import Submitted
from bot.services.actors import Actor
from bot.services.check_rows import record_reinspection
from bot.services.hazard_query import zone_of
from bot.services.numbers import next_draft_number, next_inspection_number
from bot.services.places import place_columns
from bot.services.plans import Arrangement, PlanInput, store_plan
from storage.models import Draft, Hazard, HazardEvent, Inspection, InspectionHazard, Photo, Unit
from storage.registry import department_or_text, find_township
from storage.types import utcnow


def _township(name: str) -> tuple[str, str]:
    unit = find_township(name)
    if unit is None:
        raise ValueError(f"unknown township {name!r}")
    return unit.code, unit.name


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


async def _attach_photos(session: AsyncSession, draft: Draft, photo_ids: list[int], **owner: int) -> int:
    if not photo_ids:
        return 0
    result = await session.exec(
        update(Photo).where(col(Photo.id).in_(photo_ids), col(Photo.draft_id) == draft.id).values(**owner)
    )
    return int(result.rowcount)


async def create_inspection(
    session: AsyncSession, draft: Draft, data: dict[str, Any], *, unit_id: int, district: str, today: date
) -> Submitted:
    """An ``Inspection`` from the answers of the inspection form, linked to the chosen hazards.

    ``data`` holds the cleaned answers (fields that apply only); the fine (万元) is kept only after 罚款.
    """
    township_code, township = _township(data["township"])
    inspected_on = date.fromisoformat(data["inspected_on"])
    inspection = Inspection(
        number=await next_inspection_number(session, inspected_on),
        unit_id=unit_id,
        inspected_on=inspected_on,
        inspecting_unit=data["inspecting_unit"],
        inspection_type=data["inspection_type"],
        inspector_count=int(data["inspector_count"]),
        site_name=data["site_name"],
        district=district,
        township=township,
        **place_columns(data["address"]),
        penalty_type=None if data.get("penalty_type") in (None, "无") else data["penalty_type"],
        fine_amount=_decimal(data.get("fine_amount")),
        # a 复查's result has no 附件1 column of its own: the remarks carry it
        remarks="；".join(x for x in (data.get("reinspection_result"), data.get("remarks")) if x) or None,
        created_by=draft.user_id,
    )
    session.add(inspection)
    await session.flush()
    assert inspection.id is not None
    linked = data.get("hazards") or []
    for hazard_id, _number in linked:
        session.add(InspectionHazard(inspection_id=inspection.id, hazard_id=int(hazard_id)))
    photos = await _attach_photos(session, draft, data.get("photos") or [], inspection_id=inspection.id)
    await record_reinspection(session, inspection, data.get("reinspection_result"), [int(i) for i, _n in linked])
    return Submitted(
        "inspection", inspection.id, inspection.number, None, photos, tuple(str(n) for _i, n in linked)
    )


async def create_hazard(
    session: AsyncSession,
    draft: Draft,
    data: dict[str, Any],
    *,
    unit_id: int,
    district: str,
    today: date,
    now: datetime | None = None,
    inspection_id: int | None = None,
) -> Submitted:
    """A ``Hazard`` in state ``pending_review`` with a draft number (``D`` + township + date + seq),
    its photos (stage discovery) and a first event in its log, at ``now`` (the service's clock; the present
    instant when not given), as the later events of its life cycle are. Linked to ``inspection_id`` if given.
    The ledger number is assigned later, at registration (附件2 填表说明 1, 2)."""
    township_code, township = _township(data["township"])
    category, subtype = (list(data["hazard_type"]) + [None])[:2]
    hazard = Hazard(
        draft_number=await next_draft_number(session, township_code, today),
        state=HazardState.PENDING_REVIEW.value,
        unit_id=unit_id,
        district=district,
        township_code=township_code,
        township=township,
        site_name=data["site_name"],
        **place_columns(data["address"]),
        person_in_charge=data["person_in_charge"],
        phone=data["phone"],
        entity_nature=data["entity_nature"],
        occupant_count=int(data["occupant_count"]),
        parent_group=data.get("parent_group"),
        district_department=department_or_text(data.get("district_department")),
        city_department=department_or_text(data.get("city_department")),
        source=data["source"],
        description=data["description"],
        category=category,
        subtype=subtype or category,
        level=data["level"],
        illegal_building_nature=data["illegal_building_nature"],
        illegal_area=_decimal(data.get("illegal_area")),
        demolished_area=_decimal(data.get("demolished_area")),
        measures=data["measures"],
        deadline=date.fromisoformat(data["deadline"]) if data.get("deadline") else None,
        remarks=data.get("remarks"),
        created_by=draft.user_id,
        zone_id=zone_of(await session.get(Unit, unit_id)),  # 功能区: the recording committee's zone
    )
    session.add(hazard)
    await session.flush()
    assert hazard.id is not None
    photos = await _attach_photos(session, draft, data.get("photos") or [], hazard_id=hazard.id)
    if inspection_id is not None:
        session.add(InspectionHazard(inspection_id=inspection_id, hazard_id=hazard.id))
    session.add(
        HazardEvent(
            hazard_id=hazard.id,
            actor_id=draft.user_id,
            action="submit",
            at=now or utcnow(),
            from_state=None,
            to_state=HazardState.PENDING_REVIEW.value,
            data={"draft_id": draft.id, "photos": data.get("photos") or [], "inspection_id": inspection_id},
        )
    )
    return Submitted("hazard", hazard.id, hazard.draft_number, hazard.state, photos)


async def create_plan(
    session: AsyncSession, actor: Actor, data: dict[str, Any], *, unit_id: int, now: datetime, campaign: Campaign
) -> Submitted:
    """File (or replace) the unit's annual plan (附件3) from the plan form: target in 家次, verification
    ratio in %, one arrangement row per round of the repeat group. Raises ``InvalidPlan``, ``PermissionDenied``."""
    rows = tuple(
        Arrangement(r.get("schedule") or "", r.get("participants") or "", r.get("areas") or "", r.get("key_content") or "")
        for r in data.get("arrangements_rows") or []
    )
    plan = PlanInput(
        unit_id=unit_id,
        year=int(data["year"]),
        inspection_target=int(data["inspection_target"]),
        verification_ratio=Decimal(str(data["verification_ratio"])),
        arrangements=rows,
        remarks=data.get("remarks"),
    )
    plan_id = await store_plan(session, actor, plan, now, campaign)
    return Submitted("plan", plan_id, str(plan.year), rows=len(rows))
