"""Assembling the printable view of a hazard's case (``bot.documents.views.CaseFileView``) from the case
the find service reads (scope already checked) and the rows around it: supervisions, linked inspections,
the tip-off, attached documents, evidence copies and the draft the hazard was submitted from.

Each event of the log becomes a line with who, when, what and why, and the details its data carries; the
deadlines are traced through the events that set one. Framework-free; runs inside the caller's unit of work.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.documents.labels import ACTION_LABELS, MISSING, STAGE_LABELS, STATE_LABELS, when
from bot.documents.views import (
    NOTICE_TITLES,
    CaseFileView,
    DeadlineLine,
    DocumentItem,
    EventLine,
    Fact,
    InspectionLine,
    NoticeKind,
    NoticeLine,
    PhotoItem,
    SupervisionLine,
    TipOffLine,
)
from bot.forms.spec import load_form
from bot.services.acceptance_documents import document_bytes
from bot.services.check_rows import RECORD_REINSPECTION, inspector_names
from bot.services.evidence import evidence_for
from bot.services.find import HazardCase, Step
from bot.services.ledger_export import hazard_row
from storage.excel.layouts import HAZARDS
from storage.models import Draft, Inspection, InspectionHazard, Photo, User, record_name_sql
from storage.models_lifecycle import Rectification, Supervision
from storage.models_tipoffs import TipOff
from storage.photo_store import PhotoStore
from storage.upload_kinds import shown_name

NOTICE_ACTION = "issue_notice"
# event data key holding a deadline the event set, by action (the plan snapshot or a new deadline)
_DEADLINE_KEYS = {"set_plan": "deadline", "report_rectification": "deadline", "reinspect_fail": "new_deadline",
                  "verify_fail": "new_deadline", "lookback_rebound": "new_deadline", "extend_deadline": "deadline"}
_UNITS = {"illegal_area": "（m²）", "demolished_area": "（m²）"}
_TIPOFF_STATUS = {"received": "已收到", "verifying": "核实中", "registered": "已登记为隐患", "rectifying": "整改中",
                  "fixed": "已整改", "not_confirmed": "未核实", "merged": "已合并", "forwarded": "已转办"}


def plain(value: Any) -> str:
    """A cell value as printed: dates ISO, amounts without trailing zeros, None empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def record_facts(case: HazardCase) -> tuple[Fact, ...]:
    """The 附件2 row of the hazard, one labelled fact per column (``draft`` number first)."""
    row = hazard_row(case.hazard, case.tz)
    facts = [Fact("登记编号", case.hazard.draft_number)]
    for column in HAZARDS.columns:
        facts.append(Fact(column.header + _UNITS.get(column.key, ""), plain(row[column.key])))
    coordinates = (f"{case.hazard.longitude:.6f}, {case.hazard.latitude:.6f}（WGS-84 经度, 纬度）"
                   if case.hazard.latitude is not None and case.hazard.longitude is not None else "")
    facts.append(Fact("位置坐标", coordinates))
    return tuple(facts)


def plan_facts(case: HazardCase) -> tuple[Fact, ...]:
    """The 五落实 of the hazard's rectification plan as labelled facts (funds in 万元), ``MISSING`` where empty."""
    p = case.plan
    return (Fact("责任落实", plain(p.responsibility)), Fact("措施落实", plain(p.measures)),
            Fact("资金落实（万元）", plain(p.funds)), Fact("时限落实", plain(p.deadline)),
            Fact("预案落实", plain(p.contingency_plan)))


def _states(step: Step) -> str:
    if step.from_state is None and step.to_state is None:
        return ""
    before = STATE_LABELS.get(step.from_state or "", "新建")
    after = STATE_LABELS.get(step.to_state or "", step.to_state or "")
    return after if before == after else f"{before} → {after}"


def _details(step: Step) -> tuple[str, ...]:
    d = step.data
    out: list[str] = []
    if d.get("ledger_number"):
        out.append(f"台账编号 {d['ledger_number']}")
    if d.get("from") and d.get("to"):
        out.append(f"等级 {d['from']} → {d['to']}")
    if d.get("inspected_on"):
        out.append(f"检查日期 {d['inspected_on']}")
    names = inspector_names(d.get("inspectors"))  # those who went, as the visit's form recorded them
    if names:
        out.append(f"{'复查' if step.action.startswith('reinspect') else '检查'}人员 {'、'.join(names)}")
    if d.get("result"):
        out.append(str(d["result"]))
    if "rebound" in d:
        out.append("反弹" if d["rebound"] else "未反弹")
    if d.get("new_deadline"):
        out.append(f"新整改期限 {d['new_deadline']}")
    if d.get("level") and step.action == "supervise":
        out.append(f"督办级别 {d['level']}")
    if step.action in ("set_plan", "report_rectification"):
        labels = (("responsibility", "责任"), ("measures", "措施"), ("funds", "资金（万元）"), ("deadline", "时限"),
                  ("contingency_plan", "预案"))
        out.extend(f"{label}：{plain(Decimal(d[key])) if key == 'funds' else d[key]}" for key, label in labels if d.get(key))
    if d.get("document"):
        out.append(f"附件《{d['document']}》")
    if d.get("draft_number") and step.action == "link_new":
        out.append(f"新生隐患 {d['draft_number']}")
    if d.get("inspection_number") and step.action == RECORD_REINSPECTION:
        out.append(f"检查编号 {d['inspection_number']}")
    out.extend(change_details(d.get("changes")))
    if isinstance(d.get("removed_photos"), list) and d["removed_photos"]:  # taken off the record by a resubmission
        out.append(f"删除照片 {len(d['removed_photos'])} 张")
    if step.action == NOTICE_ACTION:
        out.append(f"{d.get('title', '')} {d.get('number', '')}".strip())
    return tuple(out)


def change_details(changes: Any) -> list[str]:
    """``字段：旧值 → 新值`` for each field a correction changed (``{"changes": {field: [old, new]}}``), the field
    named as the hazard form names it (a transfer's ``unit`` as 责任单位)."""
    if not isinstance(changes, dict):
        return []
    form = load_form("hazard")
    out = []
    for key, pair in changes.items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        try:
            label = form.field(key).label_zh
        except KeyError:
            label = "责任单位" if key == "unit" else key
        out.append(f"{label}：{pair[0]} → {pair[1]}")
    return out


def event_lines(case: HazardCase) -> tuple[EventLine, ...]:
    """The hazard's history, oldest first: one line per step (who, action label, state change, note, details,
    number of photos)."""
    return tuple(
        EventLine(s.at, s.actor_name or MISSING, ACTION_LABELS.get(s.action, s.action), _states(s), s.note or "",
                  _details(s), len(s.photos))
        for s in case.steps
    )


def deadline_lines(case: HazardCase, reported: date | None) -> tuple[DeadlineLine, ...]:
    """Each deadline the hazard had, in order: the one reported at submission (``reported``, from its draft),
    then every event that set another (five implementations, failed re-inspection, rebound, extension)."""
    lines: list[DeadlineLine] = []
    last: date | None = None
    submit = next((s for s in case.steps if s.action == "submit"), None)
    if reported is not None:
        lines.append(DeadlineLine(reported, "登记填报", submit.at if submit else None,
                                  submit.actor_name if submit else MISSING))
        last = reported
    for step in case.steps:
        key = _DEADLINE_KEYS.get(step.action)
        value = step.data.get(key) if key else None
        if not value:
            continue
        deadline = date.fromisoformat(str(value))
        if deadline == last:
            continue
        old = step.data.get("old_deadline")
        if last is None and old:  # set where no event says (a ledger import, a factory): the date it extended
            lines.append(DeadlineLine(date.fromisoformat(str(old)), "原定期限", None, MISSING))
        lines.append(DeadlineLine(deadline, ACTION_LABELS.get(step.action, step.action), step.at, step.actor_name,
                                  step.note or "", str(step.data.get("requested_by") or ""),
                                  str(step.data.get("approved_by") or "")))
        last = deadline
    if not lines and case.hazard.deadline is not None:  # imported from a ledger: no event set it
        lines.append(DeadlineLine(case.hazard.deadline, "台账", None, MISSING))
    return tuple(lines)


def notice_lines(case: HazardCase) -> tuple[NoticeLine, ...]:
    """The notices (整改通知书 and the like) issued for the hazard: title, number, when and by whom, oldest first."""
    out = []
    for s in case.steps:
        if s.action == NOTICE_ACTION:
            kind = str(s.data.get("kind", ""))
            title = NOTICE_TITLES.get(NoticeKind(kind), kind) if kind in NoticeKind.__members__.values() else kind
            out.append(NoticeLine(title, str(s.data.get("number", "")), s.at, s.actor_name))
    return tuple(out)


async def _names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = (await session.exec(select(User.id, record_name_sql()).where(col(User.id).in_(sorted(ids))))).all()
    return {i: n for i, n in rows if i is not None}


async def supervision_lines(session: AsyncSession, hazard_id: int) -> tuple[SupervisionLine, ...]:
    """The hazard's supervisions (挂牌督办) in the order they were started: level, who started it, the end, the
    requirement, deadline and responsible person when recorded."""
    rows = (await session.exec(select(Supervision).where(Supervision.hazard_id == hazard_id)
                               .order_by(col(Supervision.id)))).all()
    names = await _names(session, {r.started_by for r in rows})
    return tuple(
        SupervisionLine(r.level, r.started_at, names.get(r.started_by, MISSING), r.ended_at, r.note or "",
                        str(getattr(r, "requirement", "") or ""), getattr(r, "deadline", None),
                        str(getattr(r, "responsible", "") or ""))
        for r in rows
    )


async def inspection_lines(session: AsyncSession, hazard_id: int) -> tuple[InspectionLine, ...]:
    """The inspections that found the hazard, by date: number, date, unit, type (voided ones marked 已作废 but
    kept), penalty and fine in 万元."""
    rows = (await session.exec(
        select(Inspection).join(InspectionHazard, col(InspectionHazard.inspection_id) == col(Inspection.id))
        .where(InspectionHazard.hazard_id == hazard_id).order_by(col(Inspection.inspected_on), col(Inspection.id))
    )).all()
    return tuple(
        InspectionLine(i.number, i.inspected_on, i.inspecting_unit,
                       i.inspection_type + ("（已作废）" if i.voided_at is not None else ""),  # kept in the history
                       " ".join(x for x in (i.penalty_type or "", f"{plain(i.fine_amount)} 万元" if i.fine_amount else "") if x))
        for i in rows
    )


async def tipoff_lines(session: AsyncSession, hazard_id: int) -> tuple[TipOffLine, ...]:
    """The tip-offs (群众举报) linked to the hazard: number, when, description and status in words."""
    rows = (await session.exec(select(TipOff).where(TipOff.hazard_id == hazard_id).order_by(col(TipOff.id)))).all()
    return tuple(TipOffLine(t.number, t.created_at, t.description, _TIPOFF_STATUS.get(t.status, t.status))
                 for t in rows)


async def document_items(session: AsyncSession, hazard_id: int, files: PhotoStore | None = None) -> tuple[DocumentItem, ...]:
    """The acceptance documents of the hazard's rectification reports, with their bytes from ``files`` (the file
    store; none: named only)."""
    rows = (await session.exec(
        select(Rectification).where(Rectification.hazard_id == hazard_id, col(Rectification.document_name).is_not(None))
        .order_by(col(Rectification.id))
    )).all()
    names = await _names(session, {r.reported_by for r in rows})
    return tuple([DocumentItem(shown_name(r.document_name or ""), STAGE_LABELS["acceptance"], r.reported_at,
                               names.get(r.reported_by, MISSING), await document_bytes(files, r) if files else None)
                  for r in rows])


async def photo_items(session: AsyncSession, store: PhotoStore, case: HazardCase) -> tuple[PhotoItem, ...]:
    """Every photo of the hazard: its evidence copy (watermarked, EXIF-free) where one was made, captioned
    with its stage, when it was received and who sent it; a photo without one is captioned and has no bytes."""
    evidence = {p.id: e for p, e in await evidence_for(session, hazard_id=case.summary.id)}
    rows = (await session.exec(select(Photo).where(Photo.hazard_id == case.summary.id)
                               .order_by(col(Photo.received_at), col(Photo.id)))).all()
    names = await _names(session, {p.user_id for p in rows})
    out = []
    for n, photo in enumerate(rows, 1):
        stage = STAGE_LABELS.get(photo.stage, photo.stage)
        e = evidence.get(photo.id)
        caption = f"图{n} {stage} · {when(photo.received_at, case.tz)} · {names.get(photo.user_id, MISSING)}"
        if e is None:
            out.append(PhotoItem(stage, caption + "（未生成证据副本）", b"", 0, 0))
            continue
        out.append(PhotoItem(stage, caption, await store.get(e.copy_key), e.copy_width, e.copy_height))
    return tuple(out)


async def reported_deadline(session: AsyncSession, case: HazardCase) -> date | None:
    """The deadline typed in the form the hazard was submitted from (its draft), if it is still there."""
    submit = next((s for s in case.steps if s.action == "submit"), None)
    draft_id = submit.data.get("draft_id") if submit else None
    if not isinstance(draft_id, int):
        return None
    draft = await session.get(Draft, draft_id)
    value = (draft.data or {}).get("deadline") if draft else None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


async def case_file_view(session: AsyncSession, store: PhotoStore, case: HazardCase, printed_on: date,
                         files: PhotoStore | None = None) -> CaseFileView:
    """The whole printable case of ``case`` (read in ``session``; photos from ``store``, the acceptance documents
    from ``files``, the file store)."""
    hid = case.summary.id
    h = case.hazard
    return CaseFileView(
        unit_name=case.summary.unit_name,
        printed_on=printed_on,
        tz=case.tz,
        number=h.ledger_number or h.draft_number,
        site_name=h.site_name,
        state=STATE_LABELS.get(h.state, h.state),
        level=h.level,
        record=record_facts(case),
        plan=plan_facts(case),
        deadlines=deadline_lines(case, await reported_deadline(session, case)),
        supervisions=await supervision_lines(session, hid),
        events=event_lines(case),
        inspections=await inspection_lines(session, hid),
        tipoffs=await tipoff_lines(session, hid),
        photos=await photo_items(session, store, case),
        documents=await document_items(session, hid, files),
        notices=notice_lines(case),
        linked=case.linked,
    )
