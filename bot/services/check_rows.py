"""The inspection ledger (附件1) shows the checks done in the life cycle (issue 15 item 5): each 复查, 核查 and
回头看 event writes one inspection row (type, date, inspecting unit, number of people, the hazard's ledger
number, the result in the remarks); an inspection of type 复查 entered with ``/inspect`` against hazards on
the ledger records their 复查时间 and 复查结果 (附件2 说明 16) and a line in their history.

Runs inside the caller's unit of work; nothing here commits. Framework-free.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.actors import Actor
from bot.services.hazard_query import covers
from bot.services.lifecycle import (
    REINSPECTION_FAILED,
    REINSPECTION_PASSED,
    Action,
    roles_for,
)
from bot.services.numbers import next_inspection_number
from bot.services.places import place_of
from storage.models import Hazard, HazardEvent, Inspection, InspectionHazard, Unit

#: life cycle action → 附件1 检查类型 (附件1 说明 3)
CHECK_TYPES: dict[str, str] = {
    Action.REINSPECT_PASS: "复查",
    Action.REINSPECT_FAIL: "复查",
    Action.VERIFY_PASS: "核查",
    Action.VERIFY_FAIL: "核查",
    Action.LOOKBACK_PASS: "回头看检查",
    Action.LOOKBACK_REBOUND: "回头看检查",
}
#: what the check found, as the 附件1 remarks say it
_RESULTS: dict[str, str] = {
    Action.REINSPECT_PASS: REINSPECTION_PASSED,
    Action.REINSPECT_FAIL: REINSPECTION_FAILED,
    Action.VERIFY_PASS: "核查合格",
    Action.VERIFY_FAIL: "核查不合格（反弹）",
    Action.LOOKBACK_PASS: "回头看：未反弹",
    Action.LOOKBACK_REBOUND: "回头看：反弹",
}
#: the history line of a hazard whose 复查 was entered as an inspection (/inspect), not as a life cycle step
RECORD_REINSPECTION = "record_reinspection"
_NAME_SEPARATORS = re.compile(r"[、,，;；\s]+")


def inspector_names(value: Any) -> list[str]:
    """The names of those who went, from an event's ``inspectors`` (a list, or names separated by 、 , ；
    or spaces); empty when none were given."""
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [n for n in _NAME_SEPARATORS.split(value) if n]
    return []


def _check_date(event: HazardEvent) -> date:
    """The date the check was done (``inspected_on`` of the event, ISO), else the date of the step's instant as
    its clock gave it (the configured zone: ``bot.clock.system_clock``)."""
    value = (event.data or {}).get("inspected_on")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return event.at.date()


def _unit_of(actor: Actor, hazard: Hazard, action: Action) -> int:
    """The unit the check was done for: the actor's grant that allowed it (the township's for a territorial
    复查, the office's for a 核查), else the hazard's unit."""
    allowed = roles_for(action)
    grants = [g for g in actor.grants if g.role in allowed and covers(g, hazard, action)]
    own = [g for g in grants if g.unit_id == hazard.unit_id]
    chosen = (own or grants)[:1]
    return chosen[0].unit_id if chosen else hazard.unit_id


async def record_check(session: AsyncSession, actor: Actor, hazard: Hazard, event: HazardEvent) -> Inspection | None:
    """The 附件1 row of a life cycle check ``event`` (复查, 核查, 回头看) on ``hazard``; None for any other event.

    Date: the event's ``inspected_on`` (ISO) or its day in Asia/Shanghai; people: its ``inspectors`` (names),
    else the actor; inspecting unit: the unit the actor did it for; the hazard's site, township and address;
    linked to the hazard (its ledger number in the row); the result (and a new deadline) in the remarks.
    Written once per event (``source_event_id`` is unique)."""
    kind = CHECK_TYPES.get(event.action)
    if kind is None:
        return None
    assert event.id is not None and hazard.id is not None
    inspected_on = _check_date(event)
    names = inspector_names((event.data or {}).get("inspectors")) or [actor.record_name or "?"]
    unit_id = _unit_of(actor, hazard, Action(event.action))
    unit = await session.get(Unit, unit_id)
    remarks = [_RESULTS[event.action]]
    if (event.data or {}).get("new_deadline"):
        remarks.append(f"新整改期限 {event.data['new_deadline']}")
    remarks.append("检查人员：" + "、".join(names))
    row = Inspection(
        number=await next_inspection_number(session, inspected_on),
        unit_id=unit_id,
        inspected_on=inspected_on,
        inspecting_unit=unit.name if unit else "",
        inspection_type=kind,
        inspector_count=len(names),
        site_name=hazard.site_name,
        district=hazard.district,
        township=hazard.township,
        **place_of(hazard),
        remarks="；".join(remarks)[:2000],
        created_by=actor.user_id,
        source_event_id=event.id,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    session.add(InspectionHazard(inspection_id=row.id, hazard_id=hazard.id))
    return row


async def record_reinspection(
    session: AsyncSession, inspection: Inspection, result: str | None, hazard_ids: list[int]
) -> list[str]:
    """An inspection of type 复查 (``/inspect``) with ``result`` (复查合格 / 复查不合格) sets 复查时间 = its date and
    复查结果 = ``result`` on each linked hazard that is on the ledger (has a ledger number), and appends a
    ``record_reinspection`` line to its history naming the inspection. The state is not moved: closing the
    loop (closure request, new deadline) stays the life cycle's 复查 step. Returns the ledger numbers updated."""
    if inspection.inspection_type != "复查" or result not in (REINSPECTION_PASSED, REINSPECTION_FAILED) or not hazard_ids:
        return []
    hazards = (await session.exec(
        select(Hazard).where(col(Hazard.id).in_(hazard_ids), col(Hazard.ledger_number).is_not(None))
        .order_by(col(Hazard.id))
    )).all()
    for hazard in hazards:
        hazard.reinspected_on = inspection.inspected_on
        hazard.reinspection_result = result
        hazard.version += 1
        session.add(hazard)
        session.add(HazardEvent(
            hazard_id=hazard.id,  # type: ignore[arg-type]
            actor_id=inspection.created_by, action=RECORD_REINSPECTION,
            from_state=hazard.state, to_state=hazard.state,
            data={"inspection_id": inspection.id, "inspection_number": inspection.number,
                  "inspected_on": inspection.inspected_on.isoformat(), "result": result},
        ))
    return [h.ledger_number or "" for h in hazards]
