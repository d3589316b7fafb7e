"""销账, 核查 results and rejections done with care (方案 四(二)(三)): each is a form (``config/forms/closure.toml``,
``verification_pass.toml``, ``verification_fail.toml``, ``rejection.toml``) whose review card is the
confirmation — «提交» acts, «取消» leaves the hazard as it was; 销账 and a passed 核查 can carry a note and photos
(stage ``verification``: the office's own evidence)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import PhotoStage, Role
from bot.forms.prompt import Prompt, Submitted
from bot.services.actors import Actor
from bot.services.errors import NotFound, PermissionDenied
from bot.services.lifecycle import Action, has_district_scope, reopened_changes
from bot.services.lifecycle_service import move_plan_deadline
from bot.services.notices import Notice
from bot.services.step_forms import StepFormStarter
from bot.services.transitions import Transitions, queue_step_notices
from bot.services.verification import checked_already, claim_check
from bot.services.workflow_steps import number_of, outcome
from storage.models import Draft
from storage.models_lifecycle import Supervision, Verification


def _note(data: dict[str, Any]) -> str | None:
    note = str(data.get("note") or "").strip()
    return note or None


def _photos(data: dict[str, Any]) -> list[int]:
    return [int(p) for p in data.get("photos") or []]


async def submit_closure(
    session: AsyncSession, actor: Actor, draft: Draft, data: dict[str, Any], now: datetime
) -> tuple[Submitted, list[Notice]]:
    """Close hazard ``context["hazard_id"]`` (closure_requested → closed) with the optional note and photos;
    open supervisions end; the inspector who submitted it is told (with the tip-off's reporters). Raises
    ``PermissionDenied``, ``InvalidTransition``, ``AlreadyDone``."""
    t = Transitions(session, now)
    hazard, target = await t.begin(actor, int(draft.context["hazard_id"]), Action.CLOSE)
    note, photo_ids = _note(data), _photos(data)
    await t.attach_photos(actor, hazard, photo_ids, PhotoStage.VERIFICATION)
    event = await t.move(actor, hazard, Action.CLOSE, target, note=note, photo_ids=photo_ids)
    for row in (await session.exec(select(Supervision).where(
            Supervision.hazard_id == hazard.id, col(Supervision.ended_at).is_(None)))).all():
        row.ended_at = now
        session.add(row)
    done = outcome(hazard, event, t.users([hazard.created_by], exclude=actor))
    await queue_step_notices(session, done, actor, now)
    return Submitted(draft.form, done.hazard_id, number_of(hazard), target.value, len(photo_ids)), []


async def _record_check(session: AsyncSession, actor: Actor, draft: Draft, passed: bool, note: str | None,
                        photo_ids: list[int], deadline: date | None, now: datetime) -> Submitted:
    if not has_district_scope(actor):
        raise PermissionDenied(action="verify")
    verification_id = int(draft.context["verification_id"])
    check = await claim_check(session, actor, verification_id, passed, note, photo_ids, now)
    t = Transitions(session, now)
    action = Action.VERIFY_PASS if passed else Action.VERIFY_FAIL
    hazard, target = await t.begin(actor, check.hazard_id, action)
    await t.attach_photos(actor, hazard, photo_ids, PhotoStage.VERIFICATION)
    if deadline is not None:
        await move_plan_deadline(session, hazard, deadline)
    event = await t.move(actor, hazard, action, target, note=note, photo_ids=photo_ids,
                         changes=reopened_changes(deadline) if deadline else {},
                         data={"verification_id": verification_id, "rebound": not passed,
                               "new_deadline": deadline.isoformat() if deadline else None})
    notify = () if passed else await t.unit_people(hazard.unit_id, [Role.REVIEWER, Role.CONTACT], exclude=actor)
    await queue_step_notices(session, outcome(hazard, event, notify), actor, now)
    return Submitted(draft.form, verification_id, number_of(hazard), target.value, len(photo_ids))


async def submit_verification_pass(
    session: AsyncSession, actor: Actor, draft: Draft, data: dict[str, Any], now: datetime
) -> tuple[Submitted, list[Notice]]:
    """Record drawn check ``context["verification_id"]`` as passed, with the optional note and photos; the
    hazard stays closed. Raises ``PermissionDenied``, ``NotFound``, ``AlreadyDone`` (someone recorded it)."""
    return await _record_check(session, actor, draft, True, _note(data), _photos(data), None, now), []


class ClosureCheckService(StepFormStarter):
    """Open the 销账 and the passed-核查 forms after checking they fit now (checked again at «提交»)."""

    async def start_closure(self, actor: Actor, hazard_id: int, locale: str) -> Prompt:
        """Raises ``PermissionDenied``, ``InvalidTransition``, ``AlreadyDone``, ``NotFound``."""
        return await self._open_step(actor, hazard_id, Action.CLOSE, "closure", locale)

    async def start_verification(self, actor: Actor, verification_id: int, passed: bool, locale: str) -> Prompt:
        """The form of a check's result (``verification_pass`` / ``verification_fail``). Raises
        ``PermissionDenied``, ``NotFound``, ``AlreadyDone`` (already recorded)."""
        return await self.start_verification_pass(actor, verification_id, locale, passed)

    async def start_verification_pass(self, actor: Actor, verification_id: int, locale: str,
                                      passed: bool = True) -> Prompt:
        """Raises ``PermissionDenied``, ``NotFound``, ``AlreadyDone`` (already recorded)."""
        if not has_district_scope(actor):
            raise PermissionDenied(action="verify")
        async with self._uow() as u:
            check = await u.session.get(Verification, verification_id)
            if check is None:
                raise NotFound(what="verification", id=verification_id)
            if check.result != "pending":
                raise await checked_already(u.session, check)
            _hazard, context = await self._begin(
                u.session, actor, check.hazard_id, Action.VERIFY_PASS if passed else Action.VERIFY_FAIL)
            context["verification_id"] = verification_id
        form = "verification_pass" if passed else "verification_fail"
        return await self._forms.start(actor, form, locale, context=context)
