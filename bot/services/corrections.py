"""Corrections with a trail (issue 15 item 2): a hazard or an inspection changed after it was submitted, with
the old and new value of each field, who changed it and why, kept in its history.

- the unit edits a hazard while it waits for review (``edit``), and corrects a rejected one and sends it back
  to review (``resubmit``: the same record, its history kept), in the hazard form opened pre-filled;
- the district office corrects any field of a hazard or inspection on record, with a reason (``correct``);
- the office transfers a hazard to another unit (the old unit's reviewers and the new unit's people are told) and voids an inspection
  entered in error (it leaves the 附件1 ledger and the counts, never the history).

Inputs are forms (``config/forms``): ``hazard`` and ``inspection`` opened with ``context["correction"]``
(``{"kind", "id", "mode"}``) and ``prefill["_correction"] = mode`` (the office's reason field applies only to
``correct``), ``hazard_transfer`` and ``inspection_void`` with ``context["hazard_id" | "inspection_id"]``. Each
``submit_*`` function runs inside the form service's unit of work and returns ``(Submitted, notices)``;
``correction_submitter`` names the one a draft needs. The forms are opened by
``bot.services.correction_service.CorrectionService``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import HazardState, PhotoStage, Role
from bot.forms.prompt import Submitted
from bot.forms.spec import load_form
from bot.forms.values import display
from bot.services import correction_texts
from bot.services.actors import Actor, current_actor
from bot.services.errors import NotFound, PermissionDenied
from bot.services.hazard_query import zone_of
from bot.services.lifecycle import MAJOR, Action, has_district_scope
from bot.services.lifecycle_errors import (
    AlreadyDone,
    FiveImplementationsMissing,
    InvalidValue,
    NothingChanged,
    ReasonRequired,
)
from bot.services.lifecycle_service import load_plan, move_plan_deadline
from bot.services.notices import Notice, queue_notices
from bot.services.places import location_answer, place_columns
from bot.services.step_notices import open_hazard_callback
from bot.services.transitions import Outcome, Transitions, queue_step_notices
from bot.services.workflow_steps import number_of
from reminders.texts import Text, text
from storage.models import Draft, Hazard, HazardEvent, Inspection, InspectionHazard, Photo, Unit, User
from storage.models_corrections import InspectionEvent
from storage.models_deadlines import PENDING, REFUSED, DeadlineExtension
from storage.registry import department_or_text, find_township

Submitter = Callable[[AsyncSession, Actor, Draft, dict[str, Any], datetime], Awaitable[tuple[Submitted, list[Notice]]]]
EDIT, RESUBMIT, CORRECT = "edit", "resubmit", "correct"
_HAZARD_MODES = {EDIT: Action.EDIT, RESUBMIT: Action.RESUBMIT, CORRECT: Action.CORRECT}
_UNIT_ROLES = (Role.INSPECTOR, Role.REVIEWER)
_ON_LEDGER = (HazardState.REGISTERED, HazardState.RECTIFIED, HazardState.CLOSURE_REQUESTED)
#: form answers that are not fields of the record (compared, not stored as such)
_NOT_COMPARED = ("photos", "correction_reason")


# ---- the record as form answers, and back ----------------------------------------------------------------

def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def hazard_prefill(h: Hazard, photo_ids: list[int]) -> dict[str, Any]:
    """The hazard form's answers (``config/forms/hazard.toml`` keys, in the shapes the form stores) of ``h``."""
    return {
        "township": h.township, "site_name": h.site_name,
        "address": location_answer(h),
        "person_in_charge": h.person_in_charge, "phone": h.phone, "entity_nature": h.entity_nature,
        "occupant_count": h.occupant_count, "parent_group": h.parent_group,
        "district_department": h.district_department, "city_department": h.city_department,
        "source": h.source, "description": h.description,
        "hazard_type": [h.category] if h.subtype in (None, "", h.category) else [h.category, h.subtype],
        "level": h.level, "illegal_building_nature": h.illegal_building_nature,
        "illegal_area": _amount(h.illegal_area), "demolished_area": _amount(h.demolished_area),
        "measures": h.measures, "deadline": h.deadline.isoformat() if h.deadline else None,
        "photos": photo_ids, "remarks": h.remarks,
    }


def _hazard_columns(data: dict[str, Any]) -> dict[str, Any]:
    """The hazard's columns from the form's cleaned answers (as ``records.create_hazard`` sets them)."""
    township = find_township(data["township"])
    if township is None:
        raise InvalidValue(field="township", value=data["township"])
    category, subtype = (list(data["hazard_type"]) + [None])[:2]
    return {
        "township_code": township.code, "township": township.name, "site_name": data["site_name"],
        **place_columns(data.get("address")),
        "person_in_charge": data["person_in_charge"], "phone": data["phone"], "entity_nature": data["entity_nature"],
        "occupant_count": int(data["occupant_count"]), "parent_group": data.get("parent_group"),
        "district_department": department_or_text(data.get("district_department")),
        "city_department": department_or_text(data.get("city_department")),
        "source": data["source"], "description": data["description"], "category": category,
        "subtype": subtype or category, "level": data["level"],
        "illegal_building_nature": data["illegal_building_nature"],
        "illegal_area": _decimal(data.get("illegal_area")), "demolished_area": _decimal(data.get("demolished_area")),
        "measures": data["measures"],
        "deadline": date.fromisoformat(data["deadline"]) if data.get("deadline") else None,
        "remarks": data.get("remarks"),
    }


def inspection_prefill(i: Inspection, links: list[tuple[int, str]], photo_ids: list[int]) -> dict[str, Any]:
    """The inspection form's answers (``config/forms/inspection.toml`` keys) of ``i``; ``links``: (hazard id,
    ledger or draft number) of the hazards it is linked to."""
    return {
        "inspected_on": i.inspected_on.isoformat(), "inspecting_unit": i.inspecting_unit,
        "inspection_type": i.inspection_type, "inspector_count": i.inspector_count, "township": i.township,
        "site_name": i.site_name, "address": location_answer(i),
        "hazards": [[hid, number] for hid, number in links], "penalty_type": i.penalty_type or "无",
        "fine_amount": _amount(i.fine_amount), "photos": photo_ids, "remarks": i.remarks,
    }


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def changes_between(form_key: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    """``{field key: [old, new]}`` for every field of ``form_key`` whose answer differs, both as the review card
    shows them (Chinese), so that the history reads without the form."""
    out: dict[str, list[str]] = {}
    for spec in load_form(form_key).fields:
        if spec.key in _NOT_COMPARED or spec.key.startswith("_"):
            continue
        before, after = display(spec, old.get(spec.key), "zh"), display(spec, new.get(spec.key), "zh")
        if before != after:
            out[spec.key] = [before, after]
    return out


def _reason(data: dict[str, Any], key: str) -> str:
    reason = str(data.get(key) or "").strip()
    if not reason:
        raise ReasonRequired(action=key)
    return reason


async def rejection_reason(session: AsyncSession, hazard: Hazard) -> str:
    """The reason of ``hazard``'s latest rejection (what the unit was asked to change; as typed, up to the reject
    form's 2000 characters), "" without one."""
    note = (await session.exec(select(HazardEvent.note).where(
        HazardEvent.hazard_id == hazard.id, HazardEvent.action == Action.REJECT.value,
    ).order_by(col(HazardEvent.id).desc()).limit(1))).first()
    return (note or "").strip()


async def _new_photos(session: AsyncSession, draft: Draft, **owner: Any) -> list[int]:
    """Photos sent in the correction's form (not those offered back from the record) join the record."""
    ids = (await session.exec(select(Photo.id).where(Photo.draft_id == draft.id, col(Photo.hazard_id).is_(None),
                                                      col(Photo.inspection_id).is_(None)))).all()
    if ids:
        await session.exec(update(Photo).where(col(Photo.id).in_(list(ids))).values(**owner))
    return [i for i in ids if i is not None]


async def _removed_photos(session: AsyncSession, draft: Draft, on_record: list[int], data: dict[str, Any]) -> list[int]:
    """The record's photos (``on_record``) that the form offered back (``context["correction"]["photos"]``, set
    when it was opened) and that are no longer among its answer: they leave the record (``hazard_id`` cleared).
    A photo the record gained since the form was opened is not the form's to drop. The event that attached them
    still lists them, so the history keeps them and the prune (``bot.services.photo_prune``) leaves them. Only a
    resubmission lets one be taken out of the form (``bot.services.form_photos``). A form opened before its
    context listed them (a draft of the previous release, still open after the upgrade) offered back the record's
    photos received before the form was opened: without that, a photo its list said would leave the record stayed,
    and a resubmission whose only change was removing one was refused as unchanged."""
    listed = draft.context["correction"].get("photos")
    if listed is None:
        listed = (await session.exec(select(Photo.id).where(
            col(Photo.id).in_(on_record or [-1]), col(Photo.received_at) <= draft.created_at))).all()
    offered = {int(i) for i in listed or [] if i is not None}
    kept = {int(i) for i in data.get("photos") or []}
    removed = [i for i in on_record if i in offered and i not in kept]
    if removed:
        await session.exec(update(Photo).where(col(Photo.id).in_(removed)).values(hazard_id=None))
    return removed


# ---- hazards -------------------------------------------------------------------------------------------

async def submit_hazard_correction(
    session: AsyncSession, actor: Actor, draft: Draft, data: dict[str, Any], now: datetime
) -> tuple[Submitted, list[Notice]]:
    """The hazard form submitted as a correction of ``draft.context["correction"]["id"]``: the same record is
    updated (guarded by its version) and one event appended with ``data["changes"]`` (field → [old, new]).

    ``edit``: the unit, while pending review (state stays). ``resubmit``: the unit, a rejected hazard goes back
    to pending review; its reviewers are told. ``correct``: the office, in any state on record, with the reason
    (``correction_reason``) as the event's note; the inspector who submitted it is told.
    Raises ``PermissionDenied``, ``AlreadyDone``/``InvalidTransition`` (the state changed since the form was
    opened), ``NothingChanged`` (a resubmission with no field changed and no photo added or removed; a photo
    removed leaves the record, ``_removed_photos``), ``ReasonRequired``,
    ``FiveImplementationsMissing`` (the office raising a hazard on the ledger to
    重大隐患 without all five implementations, 附件2 填表说明 15)."""
    ctx = draft.context["correction"]
    mode = str(ctx["mode"])
    action = _HAZARD_MODES[mode]
    t = Transitions(session, now)
    hazard, target = await t.begin(actor, int(ctx["id"]), action)
    reason = _reason(data, "correction_reason") if mode == CORRECT else None
    photo_ids = (await session.exec(select(Photo.id).where(Photo.hazard_id == hazard.id))).all()
    on_record = [i for i in photo_ids if i is not None]
    old = hazard_prefill(hazard, on_record)
    columns = _hazard_columns(data)
    changes = changes_between("hazard", old, data)
    if mode == CORRECT and columns["level"] == MAJOR != hazard.level and hazard.state in _ON_LEDGER:
        _row, plan = await load_plan(session, hazard)  # as raising the level by itself (set_level) needs
        missing = plan.missing(MAJOR)
        if missing:
            raise FiveImplementationsMissing(missing=missing, level=MAJOR)
    added = await _new_photos(session, draft, hazard_id=hazard.id, stage=PhotoStage.DISCOVERY.value)
    removed = await _removed_photos(session, draft, on_record, data) if mode == RESUBMIT else []
    if mode == RESUBMIT and not changes and not added and not removed:
        raise NothingChanged()  # refused: the unit of work rolls back, the form stays open
    if columns["deadline"] != hazard.deadline and columns["deadline"] is not None:
        await move_plan_deadline(session, hazard, columns["deadline"])
    if columns["measures"] != hazard.measures:
        row, _plan = await load_plan(session, hazard)
        if row is not None:
            row.measures = columns["measures"]
            session.add(row)
    event = await t.move(actor, hazard, action, target, note=reason, photo_ids=added, changes=columns,
                         data={"changes": changes, "draft_id": draft.id, "removed_photos": removed})
    if mode == RESUBMIT:
        notify = await t.unit_people(hazard.unit_id, [Role.REVIEWER], exclude=actor)
    elif mode == CORRECT:
        notify = t.users([hazard.created_by], exclude=actor)
    else:
        notify = ()
    assert hazard.id is not None and event.id is not None and event.from_state and event.to_state
    outcome = Outcome(hazard.id, action, HazardState(event.from_state), HazardState(event.to_state), event.id,
                      hazard.ledger_number, notify, None, hazard.draft_number, hazard.site_name, reason)
    await queue_step_notices(session, outcome, actor, now)
    number = number_of(hazard)
    return Submitted(f"hazard_{mode}", hazard.id, number, target.value, len(added), tuple(changes),
                     photos_removed=len(removed)), []


async def submit_transfer(
    session: AsyncSession, actor: Actor, draft: Draft, data: dict[str, Any], now: datetime
) -> tuple[Submitted, list[Notice]]:
    """The office hands hazard ``draft.context["hazard_id"]`` to the unit named ``data["unit"]`` with the reason
    ``data["reason"]``: its ``unit_id`` changes, the event keeps both units (``data``) and the reason (note),
    the old unit's reviewers and the new unit's people are told; an extension request still pending is
    closed (the new unit asks for its own). Raises ``PermissionDenied``, ``NotFound`` (no such unit),
    ``InvalidValue`` (the unit it is already with), ``ReasonRequired``."""
    reason = _reason(data, "reason")
    t = Transitions(session, now)
    hazard, target = await t.begin(actor, int(draft.context["hazard_id"]), Action.TRANSFER)
    unit = (await session.exec(select(Unit).where(Unit.name == data["unit"]))).first()
    if unit is None or unit.id is None:
        raise NotFound(what="unit", name=data["unit"])
    if unit.id == hazard.unit_id:
        raise InvalidValue(field="unit", value=unit.name)
    before = await session.get(Unit, hazard.unit_id)
    old_id, old_name = hazard.unit_id, before.name if before else ""
    moved: dict[str, Any] = {"unit_id": unit.id}
    if hazard.zone_id is None and zone_of(unit) is not None:  # handed to a zone committee: it lies in its zone
        moved["zone_id"] = unit.id
    event = await t.move(actor, hazard, Action.TRANSFER, target, note=reason, changes=moved,
                         data={"changes": {"unit": [old_name, unit.name]}, "from_unit_id": old_id,
                               "to_unit_id": unit.id})
    # a deadline extension the old unit asked for goes with it no further: the new unit asks for its own
    for ext in (await session.exec(select(DeadlineExtension).where(
            DeadlineExtension.hazard_id == hazard.id, DeadlineExtension.status == PENDING))).all():
        ext.status, ext.decided_by, ext.decided_at = REFUSED, actor.user_id, now
        ext.decision_note = f"随隐患移交{unit.name}，由新责任单位重新申请"
        session.add(ext)
    people = set(await t.unit_people(old_id, [Role.REVIEWER], exclude=actor))
    # the unit that now answers for it: its reviewers, and the inspectors, contacts and leaders who rectify it
    people |= set(await t.unit_people(unit.id, [Role.REVIEWER, Role.INSPECTOR, Role.CONTACT, Role.LEADER],
                                      exclude=actor))
    number = number_of(hazard)
    words = text(correction_texts.transferred, hazard.site_name, number, old_name, unit.name, actor.record_name, reason)
    # the card of the hazard: the new unit's reviewers act from it
    button = (text(correction_texts.open_card), open_hazard_callback(int(draft.context["hazard_id"])))
    notices = [Notice(uid, "hazard_transfer", words, button=button) for uid in sorted(people)]
    await queue_notices(session, f"hazard_event:{event.id}", notices, now)
    assert hazard.id is not None
    return Submitted("hazard_transfer", hazard.id, number, target.value, 0, (old_name, unit.name)), []


# ---- inspections ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InspectionRights:
    """What a person may do to an inspection: edit it (who entered it, or a reviewer of its unit), correct it
    with a reason and void it (the district office)."""

    read: bool
    edit: bool
    correct: bool
    void: bool


def inspection_rights(actor: Actor, inspection: Inspection) -> InspectionRights:
    """``actor``'s rights (roles as loaded: re-read them with ``current_actor`` first) over ``inspection``;
    a voided one can only be read."""
    district = has_district_scope(actor)
    unit_roles = {g.role for g in actor.grants if g.unit_id == inspection.unit_id}
    read = district or bool(unit_roles)
    open_ = inspection.voided_at is None
    mine = inspection.created_by == actor.user_id and bool(unit_roles & set(_UNIT_ROLES))
    edit = open_ and (mine or Role.REVIEWER in unit_roles)
    return InspectionRights(read, edit, open_ and district, open_ and district)


async def _inspection(session: AsyncSession, inspection_id: int) -> Inspection:
    row = (await session.exec(select(Inspection).where(Inspection.id == inspection_id)
                              .execution_options(populate_existing=True))).first()
    if row is None:
        raise NotFound(what="inspection", id=inspection_id)
    return row


async def inspection_links(session: AsyncSession, inspection_id: int) -> list[tuple[int, str]]:
    """(hazard id, ledger or draft number) of the hazards ``inspection_id`` is linked to (附件1 隐患台账编号)."""
    rows = (await session.exec(
        select(Hazard.id, Hazard.ledger_number, Hazard.draft_number)
        .join(InspectionHazard, col(InspectionHazard.hazard_id) == col(Hazard.id))
        .where(InspectionHazard.inspection_id == inspection_id).order_by(col(Hazard.id))
    )).all()
    return [(int(i), ledger or draft) for i, ledger, draft in rows if i is not None]


async def submit_inspection_correction(
    session: AsyncSession, actor: Actor, draft: Draft, data: dict[str, Any], now: datetime
) -> tuple[Submitted, list[Notice]]:
    """The inspection form submitted as a correction of ``draft.context["correction"]["id"]``: the row is updated
    (its linked hazards replaced) and an ``inspection_event`` appended with ``{"changes": {field: [old, new]}}``;
    ``correct`` (the office) carries the reason as its note. Raises ``PermissionDenied``, ``AlreadyDone``
    (voided meanwhile), ``ReasonRequired``."""
    ctx = draft.context["correction"]
    mode = str(ctx["mode"])
    fresh = await current_actor(session, actor)
    inspection = await _inspection(session, int(ctx["id"]))
    if inspection.voided_at is not None:
        raise AlreadyDone(by="", action="void", at=inspection.voided_at, state="voided")
    rights = inspection_rights(fresh, inspection)
    if not (rights.correct if mode == CORRECT else rights.edit):
        raise PermissionDenied(action=mode, inspection_id=inspection.id)
    reason = _reason(data, "correction_reason") if mode == CORRECT else None
    links = await inspection_links(session, inspection.id)  # type: ignore[arg-type]
    photo_ids = (await session.exec(select(Photo.id).where(Photo.inspection_id == inspection.id))).all()
    old = inspection_prefill(inspection, links, [i for i in photo_ids if i is not None])
    changes = changes_between("inspection", old, data)
    township = find_township(data["township"])
    if township is None:
        raise InvalidValue(field="township", value=data["township"])
    inspection.inspected_on = date.fromisoformat(data["inspected_on"])
    inspection.inspecting_unit = data["inspecting_unit"]
    inspection.inspection_type = data["inspection_type"]
    inspection.inspector_count = int(data["inspector_count"])
    inspection.township = township.name
    inspection.site_name = data["site_name"]
    inspection.sqlmodel_update(place_columns(data.get("address")))
    inspection.penalty_type = None if data.get("penalty_type") in (None, "无") else data["penalty_type"]
    inspection.fine_amount = _decimal(data.get("fine_amount"))
    inspection.remarks = data.get("remarks")
    session.add(inspection)
    wanted = {int(i) for i, _n in data.get("hazards") or []}
    if wanted != {i for i, _n in links}:
        for link in (await session.exec(select(InspectionHazard).where(
                InspectionHazard.inspection_id == inspection.id))).all():
            await session.delete(link)
        await session.flush()
        for hazard_id in sorted(wanted):
            session.add(InspectionHazard(inspection_id=inspection.id, hazard_id=hazard_id))  # type: ignore[arg-type]
    added = await _new_photos(session, draft, inspection_id=inspection.id)
    session.add(InspectionEvent(inspection_id=inspection.id, at=now, actor_id=actor.user_id, action=mode,  # type: ignore[arg-type]
                                note=reason, data={"changes": changes, "photos": added, "draft_id": draft.id}))
    return Submitted(f"inspection_{mode}", inspection.id, inspection.number, None, len(added), tuple(changes)), []  # type: ignore[arg-type]


async def submit_void(
    session: AsyncSession, actor: Actor, draft: Draft, data: dict[str, Any], now: datetime
) -> tuple[Submitted, list[Notice]]:
    """The office voids inspection ``draft.context["inspection_id"]`` with the reason ``data["reason"]``: it
    leaves the 附件1 export and the counts; the row and its log stay. Raises ``PermissionDenied``,
    ``AlreadyDone`` (voided already), ``ReasonRequired``."""
    reason = _reason(data, "reason")
    fresh = await current_actor(session, actor)
    inspection = await _inspection(session, int(draft.context["inspection_id"]))
    if inspection.voided_at is not None:
        by = await session.get(User, inspection.voided_by) if inspection.voided_by else None
        raise AlreadyDone(by=by.record_name if by else "?", action="void", at=inspection.voided_at, state="voided")
    if not inspection_rights(fresh, inspection).void:
        raise PermissionDenied(action="void", inspection_id=inspection.id)
    inspection.voided_at, inspection.voided_by, inspection.void_reason = now, actor.user_id, reason
    session.add(inspection)
    session.add(InspectionEvent(inspection_id=inspection.id, at=now, actor_id=actor.user_id, action="void",  # type: ignore[arg-type]
                                note=reason, data={}))
    return Submitted("inspection_void", inspection.id, inspection.number), []  # type: ignore[arg-type]


SUBMITTERS: dict[str, Submitter] = {
    "hazard_correction": submit_hazard_correction,
    "inspection_correction": submit_inspection_correction,
    "hazard_transfer": submit_transfer,
    "inspection_void": submit_void,
}


def correction_submitter(draft: Draft) -> Submitter | None:
    """The submitter of ``draft`` when it corrects, transfers or voids a record; None for a new record."""
    if draft.form in ("hazard_transfer", "inspection_void"):
        return SUBMITTERS[draft.form]
    correction = (draft.context or {}).get("correction")
    if isinstance(correction, dict) and draft.form in ("hazard", "inspection"):
        return SUBMITTERS[f"{draft.form}_correction"]
    return None


def resubmit_button(hazard_id: int) -> tuple[Text, str]:
    """The «修改后重新提交» button of the notice telling the inspector a hazard was rejected (issue 15 item 1): it
    opens the hazard form pre-filled (``handlers.correction_callbacks.CorrectCb`` ``hc``; role and state are
    checked again when pressed)."""
    return text(correction_texts.resubmit), f"x1:{hazard_id}:hc"
