"""Deadlines under control (方案 四(三), 五(五)): after registration a hazard's rectification deadline moves only
by an extension request — a later date and a reason — that the district office approves or refuses (with a
reason). The request and the refusal are forms (``config/forms/deadline_extension.toml``,
``extension_refusal.toml``) submitted through ``submit_extension_request`` / ``submit_extension_refusal``; the
approval is one button. The history keeps the old and the new date, the reason, who asked and who decided;
overdue and supervision are judged on ``Hazard.deadline``, the approved deadline, only.

Dates are Asia/Shanghai calendar dates. One pending request per hazard (a partial unique index).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import Role
from bot.forms.prompt import Prompt, Submitted
from bot.services import workflow_texts as words
from bot.services.actors import Actor
from bot.services.errors import DomainError, NotFound
from bot.services.extension_state import close_if_pending, pending_request
from bot.services.lifecycle import Action, has_district_scope
from bot.services.lifecycle_service import move_plan_deadline, run_retrying
from bot.services.notices import Notice, queue_notices
from bot.services.step_forms import StepFormStarter
from bot.services.step_notices import open_hazard_callback
from bot.services.transitions import Outcome, Transitions
from bot.services.workflow_steps import decide_extension_data, number_of, outcome, people_on
from reminders.texts import text
from storage.models import Draft, Hazard, User
from storage.models_deadlines import APPROVED, PENDING, REFUSED, DeadlineExtension


class ExtensionPending(DomainError, code="extension_pending"):
    """The hazard already has an extension request waiting for the office (``requested``: its date)."""


class ExtensionNotLater(DomainError, code="extension_not_later"):
    """The date asked is not after the hazard's current (approved) ``deadline``."""


class ExtensionDecided(DomainError, code="extension_decided"):
    """The request was already decided (``status`` approved/refused, by ``by``): a double tap, or two officers."""


@dataclass(frozen=True)
class ExtensionView:
    """A request as the office decides it: hazard, old → new date, reason, who asked and when, its status."""

    id: int
    hazard_id: int
    number: str
    site_name: str
    old_deadline: date | None
    new_deadline: date
    reason: str
    requested_by: str
    requested_at: datetime
    status: str


async def _name(session: AsyncSession, user_id: int | None) -> str:
    user = await session.get(User, user_id) if user_id is not None else None
    return user.record_name if user is not None else ""


async def _decided(session: AsyncSession, ext: DeadlineExtension) -> ExtensionDecided:
    return ExtensionDecided(status=ext.status, by=await _name(session, ext.decided_by))


async def _mark(session: AsyncSession, ext: DeadlineExtension, status: str, actor: Actor, now: datetime,
                note: str | None) -> None:
    """Decide ``ext`` if it is still pending (a guarded UPDATE: of two officers pressing at once, one wins);
    raises ``ExtensionDecided`` for the other, and once the rectification report closed it (``LAPSED``)."""
    if not await close_if_pending(session, ext, status, actor.user_id, now, note):
        raise await _decided(session, ext)


def _decision_notices(hazard: Hazard, ext: DeadlineExtension, recipients: tuple[int, ...], approved: bool,
                      by: str, note: str | None) -> list[Notice]:
    assert hazard.id is not None
    body = text(words.extension_decided, hazard.site_name, number_of(hazard), approved, by, ext.old_deadline,
                ext.new_deadline, note)
    button = (text(words.open_card_button), open_hazard_callback(hazard.id))
    return [Notice(uid, "extension_decided", body, button=button) for uid in recipients]


async def _context_extension(session: AsyncSession, draft: Draft) -> DeadlineExtension:
    ext = await session.get(DeadlineExtension, int(draft.context.get("extension_id") or 0))
    if ext is None:
        raise NotFound(what="extension", id=draft.context.get("extension_id"))
    return ext


async def submit_extension_request(
    session: AsyncSession, actor: Actor, draft: Draft, data: dict[str, Any], now: datetime
) -> tuple[Submitted, list[Notice]]:
    """The unit's request (form ``deadline_extension``, ``context["hazard_id"]``): ``data["new_deadline"]``
    (ISO date, after the current deadline) and ``data["reason"]``. Records the request and a
    ``request_extension`` event; the district office is told, with a button to decide.

    Raises ``PermissionDenied`` / ``InvalidTransition`` (not a registered hazard of the actor's unit),
    ``ExtensionNotLater``, ``ExtensionPending``."""
    t = Transitions(session, now)
    hazard, target = await t.begin(actor, int(draft.context["hazard_id"]), Action.REQUEST_EXTENSION)
    assert hazard.id is not None
    new = date.fromisoformat(str(data["new_deadline"]))
    reason = str(data["reason"]).strip()
    if hazard.deadline is not None and new <= hazard.deadline:
        raise ExtensionNotLater(deadline=hazard.deadline.isoformat())
    waiting = await pending_request(session, hazard.id)
    if waiting is not None:
        raise ExtensionPending(requested=waiting.new_deadline.isoformat())
    ext = DeadlineExtension(hazard_id=hazard.id, old_deadline=hazard.deadline, new_deadline=new, reason=reason,
                            requested_by=actor.user_id, requested_at=now)
    try:
        async with session.begin_nested():  # another request committed since the check above
            session.add(ext)
            await session.flush()
    except IntegrityError:
        raise ExtensionPending(requested="") from None
    assert ext.id is not None
    await t.move(actor, hazard, Action.REQUEST_EXTENSION, target, note=reason,
                 data={"requested": new.isoformat(), "old_deadline": _iso(hazard.deadline), "extension_id": ext.id})
    office = await t.role_people([Role.OFFICE], exclude=actor)
    body = text(words.extension_requested, hazard.site_name, number_of(hazard), actor.record_name, ext.old_deadline,
                new, reason)
    button = (text(words.decide_button), decide_extension_data(ext.id))
    notices = [Notice(uid, "extension_requested", body, button=button) for uid in office]
    return Submitted(draft.form, ext.id, number_of(hazard), new.isoformat()), notices


async def submit_extension_refusal(
    session: AsyncSession, actor: Actor, draft: Draft, data: dict[str, Any], now: datetime
) -> tuple[Submitted, list[Notice]]:
    """The office refuses the request ``context["extension_id"]`` with ``data["reason"]`` (form
    ``extension_refusal``): the deadline stays; a ``refuse_extension`` event; the requester and the unit's
    people on the hazard are told. Raises ``ExtensionDecided``, ``PermissionDenied``, ``NotFound``."""
    ext = await _context_extension(session, draft)
    if ext.status != PENDING:
        raise await _decided(session, ext)
    t = Transitions(session, now)
    hazard, target = await t.begin(actor, ext.hazard_id, Action.REFUSE_EXTENSION)
    reason = str(data["reason"]).strip()
    await _mark(session, ext, REFUSED, actor, now, reason)
    requester = await _name(session, ext.requested_by)
    await t.move(actor, hazard, Action.REFUSE_EXTENSION, target, note=reason,
                 data={"requested": ext.new_deadline.isoformat(), "old_deadline": _iso(ext.old_deadline),
                       "extension_id": ext.id, "requested_by": requester, "refused_by": actor.record_name})
    recipients = t.users([ext.requested_by, *await people_on(t, hazard)], exclude=actor)
    notices = _decision_notices(hazard, ext, recipients, False, actor.record_name, reason)
    assert ext.id is not None
    return Submitted(draft.form, ext.id, number_of(hazard), REFUSED), notices


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


class DeadlineService(StepFormStarter):
    """Start an extension request or a refusal (forms), show a request to the office, approve it."""

    async def start_request(self, actor: Actor, hazard_id: int, locale: str) -> Prompt:
        """Open the request form for a registered hazard of the actor's unit (from its card or the overdue
        reminder). Raises ``PermissionDenied``, ``InvalidTransition``, ``NotFound``, ``ExtensionPending``."""
        async with self._uow() as u:
            hazard, context = await self._begin(u.session, actor, hazard_id, Action.REQUEST_EXTENSION)
            waiting = await pending_request(u.session, hazard_id)
            if waiting is not None:
                raise ExtensionPending(requested=waiting.new_deadline.isoformat())
            context |= {"unit_id": hazard.unit_id, "current_deadline": _iso(hazard.deadline)}
        return await self._forms.start(actor, "deadline_extension", locale, context=context)

    async def view(self, actor: Actor, extension_id: int) -> ExtensionView:
        """The request for the office to decide. Raises ``NotFound`` (also for anyone without district scope)."""
        async with self._uow() as u:
            ext = await u.session.get(DeadlineExtension, extension_id)
            hazard = await u.session.get(Hazard, ext.hazard_id) if ext is not None else None
            if ext is None or hazard is None or not has_district_scope(actor):
                raise NotFound(what="extension", id=extension_id)
            assert ext.id is not None
            return ExtensionView(ext.id, ext.hazard_id, number_of(hazard), hazard.site_name, ext.old_deadline,
                                 ext.new_deadline, ext.reason, await _name(u.session, ext.requested_by),
                                 ext.requested_at, ext.status)

    async def start_refusal(self, actor: Actor, extension_id: int, locale: str) -> Prompt:
        """Open the refusal form (its reason) for a pending request. Raises ``ExtensionDecided``,
        ``NotFound``, ``PermissionDenied``."""
        async with self._uow() as u:
            ext = await u.session.get(DeadlineExtension, extension_id)
            if ext is None:
                raise NotFound(what="extension", id=extension_id)
            if ext.status != PENDING:
                raise await _decided(u.session, ext)
            _hazard, context = await self._begin(u.session, actor, ext.hazard_id, Action.REFUSE_EXTENSION)
            context["extension_id"] = extension_id
        return await self._forms.start(actor, "extension_refusal", locale, context=context)

    async def approve(self, actor: Actor, extension_id: int) -> Outcome:
        """The office approves a pending request: ``Hazard.deadline`` (and the plan's) becomes the new date; an
        ``extend_deadline`` event keeps old and new date, reason, who asked and who approved; the requester and
        the unit's people on the hazard are told. Raises ``ExtensionDecided``, ``PermissionDenied``,
        ``NotFound``, ``StaleAction``, ``ExtensionNotLater`` (the deadline has since moved to or past the date asked:
        the request can only be refused)."""

        async def once() -> Outcome:
            async with self._uow() as u:
                now = self._clock()
                ext = await u.session.get(DeadlineExtension, extension_id)
                if ext is None:
                    raise NotFound(what="extension", id=extension_id)
                t = Transitions(u.session, now)
                hazard, target = await t.begin(actor, ext.hazard_id, Action.EXTEND_DEADLINE)
                if ext.status == PENDING and hazard.deadline is not None and ext.new_deadline <= hazard.deadline:
                    # the deadline moved since the request (复查不合格, an office correction): approving it now
                    # would move it back; the office refuses it instead
                    raise ExtensionNotLater(deadline=hazard.deadline.isoformat())
                old_deadline = hazard.deadline
                await _mark(u.session, ext, APPROVED, actor, now, None)
                requester = await _name(u.session, ext.requested_by)
                await move_plan_deadline(u.session, hazard, ext.new_deadline)
                event = await t.move(
                    actor, hazard, Action.EXTEND_DEADLINE, target, note=ext.reason,
                    changes={"deadline": ext.new_deadline},
                    data={"deadline": ext.new_deadline.isoformat(), "old_deadline": _iso(old_deadline),
                          "extension_id": ext.id, "requested_by": requester, "approved_by": actor.record_name},
                )
                recipients = t.users([ext.requested_by, *await people_on(t, hazard)], exclude=actor)
                notices = _decision_notices(hazard, ext, recipients, True, actor.record_name, None)
                await queue_notices(u.session, f"hazard_event:{event.id}", notices, now)
                await u.commit()
                return outcome(hazard, event, recipients, ext.id)

        return await run_retrying(once)


