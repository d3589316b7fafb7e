"""Opening the corrections (issue 15 item 2): role and state are checked now, then the form is opened through the
form service — the hazard or inspection form pre-filled on its review card, the transfer and void forms — and an
inspection is shown with its log. The submission checks everything again (``bot.services.corrections``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import HazardState
from bot.forms.prompt import Prompt
from bot.forms.spec import load_form
from bot.services.actors import Actor, current_actor
from bot.services.corrections import (
    CORRECT,
    EDIT,
    RESUBMIT,
    InspectionRights,
    hazard_prefill,
    inspection_links,
    inspection_prefill,
    inspection_rights,
    rejection_reason,
)
from bot.services.errors import NotFound, PermissionDenied
from bot.services.hazard_query import roles_on
from bot.services.lifecycle import TRANSITIONS, Action
from bot.services.lifecycle_errors import InvalidTransition
from bot.services.step_forms import StepFormStarter
from bot.services.workflow_steps import number_of
from storage.models import Draft, Hazard, Inspection, Photo, User, record_name_sql
from storage.models_corrections import InspectionEvent


@dataclass(frozen=True)
class InspectionHistoryLine:
    """One change of an inspection record: when (aware UTC), by whom, the action, the note and the changed
    fields as ``{field: [before, after]}``."""

    at: datetime
    actor_name: str
    action: str
    note: str | None
    changes: dict[str, list[str]]


@dataclass(frozen=True)
class InspectionCase:
    """An inspection as its view shows it: the row, linked hazard numbers, its log and the viewer's rights."""

    inspection: Inspection
    hazard_numbers: tuple[str, ...]
    history: tuple[InspectionHistoryLine, ...]
    rights: InspectionRights
    tz: ZoneInfo  # the zone its times are shown in (``HAZARDBOT_TIMEZONE``)


def blank_on_record(form_key: str, prefill: dict[str, Any]) -> list[str]:
    """The required fields of ``form_key`` the record being corrected never had (a hazard imported from a ledger
    has no discovery photo): a correction does not have to add them (the draft's ``not_required``)."""
    return [f.key for f in load_form(form_key).fields if f.required and prefill.get(f.key) in (None, "", [])]


def hazard_mode(actor: Actor, hazard: Hazard) -> str | None:
    """Which correction ``actor`` (roles read now) may make to ``hazard`` in its state: ``resubmit``, ``edit``,
    ``correct`` (in that order of preference), or None."""
    state = HazardState(hazard.state)
    for mode, action in ((RESUBMIT, Action.RESUBMIT), (EDIT, Action.EDIT), (CORRECT, Action.CORRECT)):
        if any((state, action, r) in TRANSITIONS for r in roles_on(actor, hazard, action)):
            return mode
    return None


class CorrectionService(StepFormStarter):
    """Opens the correction forms after checking role and state now (the submission checks them again)."""

    async def open_hazard(self, actor: Actor, hazard_id: int, locale: str) -> Prompt:
        """The hazard form pre-filled with hazard ``hazard_id``, on its review card (any field can be edited):
        resubmission of a rejected one, an edit while it waits for review, or the office's correction (which
        asks for the reason on submission). Raises ``NotFound``, ``InvalidTransition`` (nothing to correct
        in its state for this person)."""
        async with self._uow() as u:
            fresh = await current_actor(u.session, actor)
            hazard = await u.session.get(Hazard, hazard_id)
            if hazard is None or not roles_on(fresh, hazard):
                raise NotFound(what="hazard", id=hazard_id)
            mode = hazard_mode(fresh, hazard)
            if mode is None:
                raise InvalidTransition(state=hazard.state, action=Action.CORRECT.value)
            photo_ids = (await u.session.exec(select(Photo.id).where(Photo.hazard_id == hazard_id)
                                              .order_by(col(Photo.id)))).all()
            offered = [i for i in photo_ids if i is not None]
            prefill = {**hazard_prefill(hazard, offered), "_correction": mode}
            number = number_of(hazard)
            # what the reviewer asked to change, shown on the form the unit corrects it in
            rejection = await rejection_reason(u.session, hazard) if mode == RESUBMIT else ""
        # the photos offered back: those a resubmission's answer no longer holds leave the record
        context: dict[str, Any] = {"correction": {"kind": "hazard", "id": hazard_id, "mode": mode, "number": number,
                                                  "photos": offered},
                                   "not_required": blank_on_record("hazard", prefill)}
        if rejection:
            context["rejection"] = rejection
        return await self._forms.start(actor, "hazard", locale, prefill=prefill, context=context, on_created=_on_review)

    async def open_transfer(self, actor: Actor, hazard_id: int, locale: str) -> Prompt:
        """The transfer form for hazard ``hazard_id`` (the office). Raises ``NotFound``, ``PermissionDenied``."""
        async with self._uow() as u:
            fresh = await current_actor(u.session, actor)
            hazard = await u.session.get(Hazard, hazard_id)
            if hazard is None:
                raise NotFound(what="hazard", id=hazard_id)
            if not any((HazardState(hazard.state), Action.TRANSFER, r) in TRANSITIONS
                       for r in roles_on(fresh, hazard, Action.TRANSFER)):
                raise PermissionDenied(action=Action.TRANSFER.value, hazard_id=hazard_id)
        return await self._forms.start(actor, "hazard_transfer", locale, context={"hazard_id": hazard_id})

    async def inspection_case(self, actor: Actor, number_or_id: str | int) -> InspectionCase:
        """An inspection by number (J…) or id with its log, if ``actor`` may read it (its unit's roles, the
        district office). Raises ``NotFound`` otherwise, so that numbers cannot be probed."""
        async with self._uow() as u:
            fresh = await current_actor(u.session, actor)
            where = (Inspection.id == number_or_id) if isinstance(number_or_id, int) \
                else (Inspection.number == number_or_id.strip().upper())
            inspection = (await u.session.exec(select(Inspection).where(where))).first()
            if inspection is None or not inspection_rights(fresh, inspection).read:
                raise NotFound(what="inspection", number=str(number_or_id))
            links = await inspection_links(u.session, inspection.id)  # type: ignore[arg-type]
            rows = (await u.session.exec(
                select(InspectionEvent, record_name_sql())
                .join(User, col(User.id) == col(InspectionEvent.actor_id), isouter=True)
                .where(InspectionEvent.inspection_id == inspection.id).order_by(col(InspectionEvent.id))
            )).all()
            history = tuple(InspectionHistoryLine(e.at, name or "", e.action, e.note, dict(e.data.get("changes") or {}))
                            for e, name in rows)
            rights = inspection_rights(fresh, inspection)
            u.session.expunge_all()
            return InspectionCase(inspection, tuple(n for _i, n in links), history, rights, self._clock.tz)

    async def open_inspection(self, actor: Actor, inspection_id: int, locale: str) -> Prompt:
        """The inspection form pre-filled with inspection ``inspection_id`` on its review card: an edit by who
        entered it (or the unit's reviewer), or the office's correction with a reason. Raises ``NotFound``,
        ``PermissionDenied``."""
        async with self._uow() as u:
            fresh = await current_actor(u.session, actor)
            inspection = await u.session.get(Inspection, inspection_id)
            if inspection is None or not inspection_rights(fresh, inspection).read:
                raise NotFound(what="inspection", id=inspection_id)
            rights = inspection_rights(fresh, inspection)
            mode = EDIT if rights.edit else CORRECT if rights.correct else None
            if mode is None:
                raise PermissionDenied(action=Action.CORRECT.value, inspection_id=inspection_id)
            links = await inspection_links(u.session, inspection_id)
            photo_ids = (await u.session.exec(select(Photo.id).where(Photo.inspection_id == inspection_id))).all()
            prefill = {**inspection_prefill(inspection, links, [i for i in photo_ids if i is not None]),
                       "_correction": mode}
        context = {"correction": {"kind": "inspection", "id": inspection_id, "mode": mode,
                                  "number": inspection.number},
                   "not_required": blank_on_record("inspection", prefill)}
        return await self._forms.start(actor, "inspection", locale, prefill=prefill, context=context,
                                       on_created=_on_review)

    async def open_void(self, actor: Actor, inspection_id: int, locale: str) -> Prompt:
        """The void form for inspection ``inspection_id`` (the office). Raises ``NotFound``, ``PermissionDenied``."""
        async with self._uow() as u:
            fresh = await current_actor(u.session, actor)
            inspection = await u.session.get(Inspection, inspection_id)
            if inspection is None or not inspection_rights(fresh, inspection).read:
                raise NotFound(what="inspection", id=inspection_id)
            if not inspection_rights(fresh, inspection).void:
                raise PermissionDenied(action="void", inspection_id=inspection_id)
        return await self._forms.start(actor, "inspection_void", locale, context={"inspection_id": inspection_id})


async def _on_review(session: AsyncSession, draft: Draft) -> None:
    """A correction opens on the review card: every answer is there already, any of them can be changed."""
    spec = load_form(draft.form)
    draft.history = [f.key for f in spec.fields if f.applies(draft.data) and f.key in draft.data]
    draft.step = None
    draft.reviewing = True
