"""What the 复查/验收记录 of a hazard prints beyond its record: the last re-inspection (复查) and the rectification
report it checked — or, when that report was not re-inspected yet, the report alone.

People: the names the re-inspection form recorded (复查人员, kept on the step's event for its 附件1 row), not
the person who pressed submit; only a re-inspection recorded before the form asked (no names) falls back to
its submitter. A report alone names its reporter (the rectification form asks for nobody else).
Photos: the re-inspection's own, then the photos of the report it checked, each with its stage and when it was
received; then that report's acceptance document.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.documents.labels import STAGE_LABELS, when
from bot.documents.views import NoticeFacts
from bot.services.check_rows import inspector_names
from bot.services.lifecycle import Action
from storage.models import HazardEvent, Photo, User
from storage.models_lifecycle import Rectification, Reinspection

PENDING = "整改完成，待复查"  # the result printed for a report not re-inspected yet


async def reinspection_facts(s: AsyncSession, hazard_id: int, tz: ZoneInfo) -> NoticeFacts | None:
    """The facts of the 复查/验收记录 of ``hazard_id`` (dates ISO, in ``tz``: the photos' times, the day of a report
    recorded without an acceptance date); ``None`` when the hazard has neither a rectification report nor a
    re-inspection."""
    check = (await s.exec(select(Reinspection).where(Reinspection.hazard_id == hazard_id)
                          .order_by(col(Reinspection.id).desc()))).first()
    last = (await s.exec(select(Rectification).where(Rectification.hazard_id == hazard_id)
                         .order_by(col(Rectification.id).desc()))).first()
    if check is not None and last is not None and check.rectification_id not in (None, last.id):
        check = None  # the rectification was reported again since: this record is of the report, not yet checked
    if check is None:
        if last is None:
            return None
        reporter = await s.get(User, last.reported_by)
        return NoticeFacts(inspected_on=(last.accepted_on or last.reported_at.astimezone(tz).date()).isoformat(),
                           people=reporter.record_name if reporter else "", result=PENDING,
                           photos=await _photo_lines(s, last.photo_ids, tz) + _document_lines(last))
    checked = await s.get(Rectification, check.rectification_id) if check.rectification_id else last
    result = check.result + (f"（{check.note}）" if check.note else "")
    if check.new_deadline:
        result += f"；新整改期限 {check.new_deadline.isoformat()}"
    photo_ids = [*check.photo_ids, *(checked.photo_ids if checked else [])]
    return NoticeFacts(inspected_on=check.inspected_on.isoformat(), people=await _reinspectors(s, check),
                       result=result, photos=await _photo_lines(s, photo_ids, tz) + _document_lines(checked))


async def _reinspectors(s: AsyncSession, check: Reinspection) -> str:
    """The names the re-inspection form recorded (on the event written with ``check``, same hazard and instant),
    joined with 、; the submitter's name when it recorded none."""
    data = (await s.exec(select(HazardEvent.data).where(
        HazardEvent.hazard_id == check.hazard_id, HazardEvent.at == check.recorded_at,
        col(HazardEvent.action).in_([Action.REINSPECT_PASS.value, Action.REINSPECT_FAIL.value]),
    ).order_by(col(HazardEvent.id).desc()))).first()
    names = inspector_names((data or {}).get("inspectors"))
    if names:
        return "、".join(names)
    submitter = await s.get(User, check.inspected_by)
    return submitter.record_name if submitter else ""


async def _photo_lines(s: AsyncSession, photo_ids: list[int], tz: ZoneInfo) -> tuple[str, ...]:
    """``<stage>照片 · <received, in tz>`` for each photo of ``photo_ids`` still stored, in that order."""
    if not photo_ids:
        return ()
    rows = {p.id: p for p in (await s.exec(select(Photo).where(col(Photo.id).in_(photo_ids)))).all()}
    ordered = [rows[i] for i in dict.fromkeys(photo_ids) if i in rows]
    return tuple(f"{STAGE_LABELS.get(p.stage, p.stage)}照片 · {when(p.received_at, tz)}" for p in ordered)


def _document_lines(report: Rectification | None) -> tuple[str, ...]:
    """The acceptance document of ``report``, named as kept; none when it has none."""
    return (f"验收材料《{report.document_name}》",) if report is not None and report.document_name else ()
