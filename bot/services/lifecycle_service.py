"""Use cases of the hazard life cycle: review, registration (挂账), the rectification plan (五落实),
rectification with acceptance evidence (整改/验收), re-inspection (复查), closure (销账), supervision
(挂牌督办), the December lookback (回头看). Verification (核查) is in ``bot.services.verification``.

Every method: one unit of work; role and unit scope checked here (never trust the caller); the state moved
with a guarded UPDATE; an event appended. Source rules are named on each method.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import KW_ONLY, dataclass, replace
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels import MediaRef
from bot.clock import Clock
from bot.domain import HazardState, PhotoStage
from bot.forms.actions import StoredDocument, StoredImage
from bot.services.actors import Actor, current_actor
from bot.services.errors import NotBound
from bot.services.evidence import EvidenceService, record_watermark
from bot.services.extension_state import lapse_pending
from bot.services.hazard_query import roles_on
from bot.services.lifecycle import (
    LEVELS,
    MAJOR,
    REINSPECTION_FAILED,
    REINSPECTION_PASSED,
    SUPERVISION_LEVELS,
    Action,
    FiveImplementations,
    reopened_changes,
)
from bot.services.lifecycle_errors import (
    AlreadySupervised,
    DeadlineLocked,
    EvidenceRequired,
    FiveImplementationsMissing,
    InvalidValue,
    LevelUnchanged,
    ReasonRequired,
    ReinspectorMustDiffer,
    checked_new_deadline,
)
from bot.services.media_refs import photo_row
from bot.services.notices import queue_notices
from bot.services.numbers import next_ledger_number
from bot.services.supervision import major_registered
from bot.services.transitions import Outcome, Transitions, queue_step_notices
from storage.db import UowFactory
from storage.models import Hazard, HazardEvent, User
from storage.models_lifecycle import (
    HazardLink,
    LookbackCheck,
    Rectification,
    RectificationPlan,
    Reinspection,
    Supervision,
)

T = TypeVar("T")
_SQLITE_RETRIES = 5


@dataclass(frozen=True)
class Document:
    """An acceptance document (整改验收材料) under ``name``: ``stored`` where its bytes are kept in the file store
    (``AcceptanceDocumentService.keep``). ``legacy_ref``: a document answered before the store, in a form left
    open across migration 0180 — kept as that migration keeps old rows, never fetched."""

    name: str
    _: KW_ONLY  # ``Document(ref, name)``, the shape before the store, fails at once rather than storing a name as a key
    stored: StoredDocument | None = None
    legacy_ref: str | None = None

    @staticmethod
    def from_answer(answer: Sequence[Any] | None) -> Document | None:
        """The document of a form's ``<key>_document`` answer: ``StoredDocument.as_answer()``, or ``[ref, name]``
        from a draft saved before the store (a legacy reference); ``None`` for none."""
        if not answer:
            return None
        if len(answer) < 5:
            return Document(str(answer[1]), legacy_ref=str(answer[0])[:256])
        key, name, sha256, size, mime = answer[:5]
        return Document(str(name), stored=StoredDocument(str(key), str(sha256), int(size), str(mime), str(name)))


def _document_columns(document: Document | None) -> dict[str, Any]:
    """The ``rectification`` columns of ``document`` (all ``None`` for none)."""
    stored = document.stored if document else None
    return {"document_name": document.name if document else None,
            "document_key": stored.key if stored else None, "document_sha256": stored.sha256 if stored else None,
            "document_size": stored.size if stored else None, "document_mime": stored.mime if stored else None,
            "document_legacy_ref": document.legacy_ref if document else None}


async def run_retrying(work: Callable[[], Awaitable[T]]) -> T:
    """Run one unit of work, again when SQLite refused a write because another transaction wrote first
    (its snapshot cannot be upgraded; PostgreSQL waits instead). The retry sees the new state."""
    for attempt in range(_SQLITE_RETRIES):
        try:
            return await work()
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == _SQLITE_RETRIES - 1:
                raise
            await asyncio.sleep(0)
    raise AssertionError("unreachable")


async def load_plan(session: Any, hazard: Hazard) -> tuple[RectificationPlan | None, FiveImplementations]:
    """The hazard's current five implementations: its plan row, else the ledger's measures and deadline."""
    row = (await session.exec(select(RectificationPlan).where(RectificationPlan.hazard_id == hazard.id))).first()
    if row is None:
        return None, FiveImplementations(measures=hazard.measures or None, deadline=hazard.deadline)
    return row, FiveImplementations(row.responsibility, row.measures, row.funds, row.deadline, row.contingency_plan)


async def move_plan_deadline(session: Any, hazard: Hazard, deadline: date) -> None:
    """A new deadline (failed re-inspection, rebound) replaces the plan's, so that the next report keeps it."""
    row, _plan = await load_plan(session, hazard)
    if row is not None:
        row.deadline = deadline
        session.add(row)


def _store_plan(
    session: Any, row: RectificationPlan | None, hazard: Hazard, plan: FiveImplementations, by: int
) -> dict[str, Any]:
    """Write ``plan`` to the plan row; the ledger columns (measures, deadline) to mirror on the hazard."""
    row = row or RectificationPlan(hazard_id=hazard.id, updated_by=by)  # type: ignore[arg-type]
    row.responsibility, row.measures, row.funds = plan.responsibility, plan.measures, plan.funds
    row.deadline, row.contingency_plan, row.updated_by = plan.deadline, plan.contingency_plan, by
    session.add(row)
    return {"measures": plan.measures or "", "deadline": plan.deadline}


def locked_deadline(hazard: Hazard, current: FiveImplementations, plan: FiveImplementations) -> FiveImplementations:
    """``plan`` as it may change a hazard: before registration its deadline is the unit's proposal; after it
    (方案 四(三)) the deadline is the approved one and only an approved extension request moves it
    (``bot.services.deadlines``), so the same date is dropped and another raises ``DeadlineLocked``."""
    if hazard.registered_at is None or plan.deadline is None:
        return plan
    approved = hazard.deadline or current.deadline
    if plan.deadline != approved:
        raise DeadlineLocked(deadline=approved.isoformat() if approved else "")
    return replace(plan, deadline=None)


def _plan_data(plan: FiveImplementations) -> dict[str, Any]:
    return {
        "responsibility": plan.responsibility,
        "measures": plan.measures,
        "funds": None if plan.funds is None else str(plan.funds),
        "deadline": None if plan.deadline is None else plan.deadline.isoformat(),
        "contingency_plan": plan.contingency_plan,
    }


def _reason(reason: str | None, action: Action) -> str:
    if reason is None or not reason.strip():
        raise ReasonRequired(action=action.value)
    if len(reason.strip()) > 2000:
        raise InvalidValue(field="reason", length=len(reason.strip()))
    return reason.strip()


def _check_plan(plan: FiveImplementations) -> None:
    """Raises ``InvalidValue`` for negative funds or a text longer than its column."""
    if plan.funds is not None and (not plan.funds.is_finite() or plan.funds < 0):
        raise InvalidValue(field="funds", value=str(plan.funds))
    for key in plan.too_long():
        raise InvalidValue(field=key)


async def run_step(
    uow: UowFactory,
    clock: Clock,
    actor: Actor,
    work: Callable[[Transitions], Awaitable[Outcome]],
    session: AsyncSession | None = None,
) -> Outcome:
    """One unit of work: the step, and the notices it owes queued with it (``queue_step_notices``: who is
    told is ``bot.services.step_notices.STEP_NOTICES``); the outcome names those told. With ``session``, in
    the caller's unit of work (a form's submission, ``bot.services.form_submitters``): the caller commits,
    or rolls back on an error (and the form stays as it was); else in its own, retried on a serialization
    conflict (``run_retrying``)."""
    if session is not None:
        t = Transitions(session, clock())
        outcome = await work(t)
        told = await queue_step_notices(session, outcome, actor, t.now)
        return replace(outcome, notify=told)

    async def once() -> Outcome:
        async with uow() as u:
            t = Transitions(u.session, clock())
            outcome = await work(t)
            told = await queue_step_notices(u.session, outcome, actor, t.now)
            await u.commit()
            return replace(outcome, notify=told)

    return await run_retrying(once)


async def _level_change(t: Transitions, actor: Actor, hazard_id: int, level: str) -> tuple[Hazard, HazardState]:
    """The hazard and the state ``SET_LEVEL`` leaves it in, if ``actor`` may set it to ``level`` now. Raises
    ``InvalidValue`` (no such level), ``LevelUnchanged`` (at ``level`` already: named who set it),
    ``FiveImplementationsMissing`` (重大隐患 without all five), and what ``Transitions.begin`` raises."""
    if level not in LEVELS:
        raise InvalidValue(field="level", value=level)
    hazard, target = await t.begin(actor, hazard_id, Action.SET_LEVEL)
    if hazard.level == level:
        raise LevelUnchanged(field="level", value=level, current=hazard.level, by=await _level_setter(t, hazard_id))
    if level == MAJOR:
        _row, plan = await load_plan(t.session, hazard)
        missing = plan.missing(MAJOR)
        if missing:
            raise FiveImplementationsMissing(missing=missing, level=MAJOR)
    return hazard, target


async def _level_setter(t: Transitions, hazard_id: int) -> str:
    """The name of who last changed the hazard's level; "" when it has kept the level it was recorded with."""
    name = (await t.session.exec(
        select(User.full_name).join(HazardEvent, col(HazardEvent.actor_id) == col(User.id))
        .where(HazardEvent.hazard_id == hazard_id, HazardEvent.action == Action.SET_LEVEL.value)
        .order_by(col(HazardEvent.id).desc()).limit(1))).first()
    return name or ""


class LifecycleService:
    """The life cycle use cases. ``clock`` gives the aware current time; dates are Asia/Shanghai."""

    def __init__(
        self, uow: UowFactory, clock: Clock, district_code: str = "110105", evidence: EvidenceService | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._district_code = district_code
        self._evidence = evidence

    async def _run(
        self, actor: Actor, work: Callable[[Transitions], Awaitable[Outcome]], session: AsyncSession | None = None
    ) -> Outcome:
        """``run_step`` with this service's unit of work and clock."""
        return await run_step(self._uow, self._clock, actor, work, session)

    def _today(self) -> date:
        return self._clock.today()

    def _new_deadline(self, deadline: date | None) -> date:
        return checked_new_deadline(deadline, self._today())

    def _check_visit_date(self, inspected_on: date) -> None:
        """An on-site visit (复查, 回头看) is recorded on a past or today's date (the configured zone). Raises
        ``InvalidValue`` for a future date."""
        if inspected_on > self._today():
            raise InvalidValue(field="inspected_on", value=inspected_on.isoformat())

    async def add_photo(
        self,
        actor: Actor,
        image: StoredImage,
        media: MediaRef | None,
        stage: PhotoStage,
        hazard_id: int | None = None,
    ) -> int:
        """Record a photo received for a life cycle step (``media``: the channel's reference to it) (the original is in the photo store already) and,
        when an evidence service is configured, its watermarked evidence copy naming ``hazard_id``'s ledger
        or draft number, unit and address (only if the hazard is within the actor's scope). The id is then
        given to the step (evidence, re-inspection, verification), which attaches the photo to the hazard."""
        async with self._uow() as u:
            actor = await current_actor(u.session, actor)
            if not actor.is_bound:
                raise NotBound()
            now = self._clock()
            photo = photo_row(image, media, stage=stage.value, user_id=actor.user_id, received_at=now)
            u.session.add(photo)
            await u.session.flush()
            if self._evidence is not None:
                hazard = await u.session.get(Hazard, hazard_id) if hazard_id is not None else None
                info = await record_watermark(  # names the hazard only to those whose scope it is in
                    u.session, hazard if hazard is not None and roles_on(actor, hazard) else None,
                    received_at=now, stage=stage.value, inspector_name=actor.record_name)
                await self._evidence.record(u.session, photo, info, copy=image.copy)
            await u.commit()
            assert photo.id is not None
            return photo.id

    # ---- review and registration (方案 四(二)) -------------------------------------------------------

    async def approve(self, actor: Actor, hazard_id: int, note: str | None = None) -> Outcome:
        """Unit reviewer approves a submitted hazard: pending_review → pending_confirmation.
        The office is asked to confirm it, the inspector who submitted it is told (``STEP_NOTICES``)."""

        async def work(t: Transitions) -> Outcome:
            hazard, target = await t.begin(actor, hazard_id, Action.APPROVE)
            event = await t.move(actor, hazard, Action.APPROVE, target, note=note)
            return _outcome(hazard, event)

        return await self._run(actor, work)

    async def reject(
        self, actor: Actor, hazard_id: int, reason: str | None, *, session: AsyncSession | None = None
    ) -> Outcome:
        """Reject with a reason: the unit reviewer from pending_review, the office from pending_confirmation.
        Raises ``ReasonRequired``. The inspector who submitted it is told, with the reason (``STEP_NOTICES``)."""
        text = _reason(reason, Action.REJECT)

        async def work(t: Transitions) -> Outcome:
            hazard, target = await t.begin(actor, hazard_id, Action.REJECT)
            event = await t.move(actor, hazard, Action.REJECT, target, note=text)
            return _outcome(hazard, event)

        return await self._run(actor, work, session)

    async def register(self, actor: Actor, hazard_id: int, note: str | None = None) -> Outcome:
        """The office confirms an approved hazard into the ledger (挂账, 方案 四(二)): pending_confirmation →
        registered; sets the ledger number (附件2 填表说明 1, date = today in Asia/Shanghai) and the
        registration time (填表说明 2). Raises ``FiveImplementationsMissing`` for a 重大隐患 without all
        five implementations or a 一般隐患 without measures and deadline. The inspector and the unit's contacts are
        told the ledger number and deadline (``STEP_NOTICES``)."""

        async def work(t: Transitions) -> Outcome:
            hazard, target = await t.begin(actor, hazard_id, Action.REGISTER)
            _row, plan = await load_plan(t.session, hazard)
            missing = plan.missing(hazard.level)
            if missing:
                raise FiveImplementationsMissing(missing=missing, level=hazard.level)
            number = await next_ledger_number(
                t.session, self._district_code, hazard.township_code, self._clock.local_date(t.now)
            )
            event = await t.move(
                actor, hazard, Action.REGISTER, target, note=note,
                changes={"ledger_number": number, "registered_at": t.now},
                data={"ledger_number": number},
            )
            await queue_notices(t.session, f"hazard_event:{event.id}", await major_registered(t, hazard), t.now)
            return _outcome(hazard, event, ledger_number=number)

        return await self._run(actor, work)

    async def set_plan(
        self, actor: Actor, hazard_id: int, plan: FiveImplementations, *, session: AsyncSession | None = None
    ) -> Outcome:
        """Fill in or change the five implementations (五落实) of an open hazard; blank fields keep their value.
        Raises ``InvalidValue`` for negative funds; ``FiveImplementationsMissing`` is not raised here (the
        rule applies at registration and when raising to major)."""
        _check_plan(plan)

        async def work(t: Transitions) -> Outcome:
            hazard, target = await t.begin(actor, hazard_id, Action.SET_PLAN)
            row, current = await load_plan(t.session, hazard)
            merged = current.updated(locked_deadline(hazard, current, plan))
            mirror = _store_plan(t.session, row, hazard, merged, actor.user_id)
            event = await t.move(actor, hazard, Action.SET_PLAN, target, changes=mirror, data=_plan_data(merged))
            return _outcome(hazard, event)

        return await self._run(actor, work, session)

    async def set_level(self, actor: Actor, hazard_id: int, level: str, note: str | None = None) -> Outcome:
        """Change the hazard level (附件2 填表说明 13). Raising to 重大隐患 needs all five implementations
        (``FiveImplementationsMissing``); ``InvalidValue`` for a level outside 一般隐患/重大隐患, ``LevelUnchanged``
        (an ``InvalidValue``) when the hazard is at ``level`` already (a second press, another officer's)."""

        async def work(t: Transitions) -> Outcome:
            hazard, target = await _level_change(t, actor, hazard_id, level)
            event = await t.move(
                actor, hazard, Action.SET_LEVEL, target, note=note,
                changes={"level": level}, data={"from": hazard.level, "to": level},
            )
            return _outcome(hazard, event)

        return await self._run(actor, work)

    async def check_level(self, actor: Actor, hazard_id: int, level: str) -> None:
        """What ``set_level`` checks — the roles ``actor`` holds now, the hazard's state and level, the five
        implementations for 重大隐患 — without changing anything: the confirmation the office is asked before
        raising a hazard to 重大隐患 is only offered when the change could be made. Raises as ``set_level``."""
        async with self._uow() as u:
            await _level_change(Transitions(u.session, self._clock()), actor, hazard_id, level)

    async def check_step(self, actor: Actor, hazard_id: int, action: Action) -> None:
        """What ``register`` (``Action.REGISTER``) or ``close`` (``Action.CLOSE``) checks before moving the
        hazard — roles, scope, state, and for 挂账 the five implementations — without changing anything: a batch
        counts the hazards it will do before doing them (its note says how many). Raises as those steps."""
        async with self._uow() as u:
            t = Transitions(u.session, self._clock())
            hazard, _target = await t.begin(actor, hazard_id, action)
            if action == Action.REGISTER:
                _row, plan = await load_plan(t.session, hazard)
                missing = plan.missing(hazard.level)
                if missing:
                    raise FiveImplementationsMissing(missing=missing, level=hazard.level)

    # ---- rectification and re-inspection (方案 四(三)) ----------------------------------------------

    async def report_rectification(
        self,
        actor: Actor,
        hazard_id: int,
        plan: FiveImplementations,
        photo_ids: Sequence[int] = (),
        document: Document | None = None,
        accepted_on: date | None = None,
        note: str | None = None,
        *,
        session: AsyncSession | None = None,
    ) -> Outcome:
        """The unit reports the rectification done and accepted (整改 + 验收): registered → rectified.
        ``plan`` completes the five implementations; evidence is acceptance photos and/or a document. A deadline
        extension request still waiting is moot now: closed as lapsed in the same transaction
        (``extension_state.lapse_pending``), named in the event's data (``extension_lapsed``).
        Raises ``EvidenceRequired``, ``FiveImplementationsMissing``. Those who may re-inspect are told
        (``STEP_NOTICES``)."""
        if not photo_ids and document is None:
            raise EvidenceRequired()
        _check_plan(plan)

        async def work(t: Transitions) -> Outcome:
            hazard, target = await t.begin(actor, hazard_id, Action.REPORT_RECTIFICATION)
            row, current = await load_plan(t.session, hazard)
            merged = current.updated(locked_deadline(hazard, current, plan))
            missing = merged.missing(hazard.level)
            if missing:
                raise FiveImplementationsMissing(missing=missing, level=hazard.level)
            mirror = _store_plan(t.session, row, hazard, merged, actor.user_id)
            await t.attach_photos(actor, hazard, photo_ids, PhotoStage.ACCEPTANCE)
            # the time a waiting extension request asked for is no longer needed: it closes with this report
            lapsed = await lapse_pending(t.session, hazard_id, actor.user_id, t.now)
            moot = {"extension_lapsed": {"extension_id": lapsed.id, "requested": lapsed.new_deadline.isoformat()}
                    } if lapsed is not None else {}
            event = await t.move(
                actor, hazard, Action.REPORT_RECTIFICATION, target, note=note, photo_ids=photo_ids,
                changes=mirror, data={**_plan_data(merged), "document": document.name if document else None, **moot},
            )
            record = Rectification(
                hazard_id=hazard_id,
                responsibility=merged.responsibility, measures=merged.measures, funds=merged.funds,
                deadline=merged.deadline, contingency_plan=merged.contingency_plan,
                accepted_on=accepted_on or self._clock.local_date(t.now), photo_ids=list(photo_ids),
                **_document_columns(document),
                note=note, reported_by=actor.user_id, reported_at=t.now,
            )
            t.session.add(record)
            await t.session.flush()
            return _outcome(hazard, event, record_id=record.id)

        return await self._run(actor, work, session)

    async def reinspect(self, actor: Actor, hazard_id: int, inspected_on: date, passed: bool,
                        photo_ids: Sequence[int] = (), new_deadline: date | None = None, note: str | None = None, *,
                        inspectors: str | None = None, session: AsyncSession | None = None) -> Outcome:
        """Record the on-site re-inspection (复查, 方案 四(三)): 复查合格 → closure_requested (the office is
        asked to close), 复查不合格 → registered with ``new_deadline`` (the reporter and the unit's contacts are told;
        ``STEP_NOTICES``). ``inspected_on`` (date in the configured zone) and ``inspectors`` (the names of those
        who went, free text) are kept on the event's data for its 附件1 row (issue 15 item 5).
        Raises ``ReinspectorMustDiffer`` when the actor reported the rectification, ``DeadlineRequired`` /
        ``DeadlineInPast`` for a failure without a valid new deadline, ``InvalidValue`` for a future date."""
        action = Action.REINSPECT_PASS if passed else Action.REINSPECT_FAIL
        deadline = None if passed else self._new_deadline(new_deadline)
        self._check_visit_date(inspected_on)

        async def work(t: Transitions) -> Outcome:
            hazard, target = await t.begin(actor, hazard_id, action)
            last = (
                await t.session.exec(
                    select(Rectification)
                    .where(Rectification.hazard_id == hazard_id)
                    .order_by(col(Rectification.id).desc())
                    .limit(1)
                )
            ).first()
            if last is not None and last.reported_by == actor.user_id:
                raise ReinspectorMustDiffer(reporter=actor.record_name)
            result = REINSPECTION_PASSED if passed else REINSPECTION_FAILED
            changes: dict[str, Any] = {"reinspected_on": inspected_on, "reinspection_result": result}
            if deadline is not None:
                changes["deadline"] = deadline
                await move_plan_deadline(t.session, hazard, deadline)
            await t.attach_photos(actor, hazard, photo_ids, PhotoStage.REINSPECTION)
            event = await t.move(
                actor, hazard, action, target, note=note, photo_ids=photo_ids, changes=changes,
                data=_visit_data(inspected_on, inspectors, deadline, result=result),
            )
            record = Reinspection(
                hazard_id=hazard_id, rectification_id=last.id if last else None, inspected_on=inspected_on,
                result=result, new_deadline=deadline, note=note, photo_ids=list(photo_ids),
                inspected_by=actor.user_id, recorded_at=t.now,
            )
            t.session.add(record)
            await t.session.flush()
            return _outcome(hazard, event, record_id=record.id)

        return await self._run(actor, work, session)

    async def close(self, actor: Actor, hazard_id: int, note: str | None = None) -> Outcome:
        """The office closes (销账) a hazard whose closure was requested: closure_requested → closed.
        Open supervisions end. The inspector and the unit's contacts are told (``STEP_NOTICES``)."""

        async def work(t: Transitions) -> Outcome:
            hazard, target = await t.begin(actor, hazard_id, Action.CLOSE)
            event = await t.move(actor, hazard, Action.CLOSE, target, note=note)
            open_rows = (
                await t.session.exec(
                    select(Supervision).where(Supervision.hazard_id == hazard_id, col(Supervision.ended_at).is_(None))
                )
            ).all()
            for row in open_rows:
                row.ended_at = t.now
                t.session.add(row)
            return _outcome(hazard, event)

        return await self._run(actor, work)

    # ---- supervision (方案 五(五)) -----------------------------------------------------------------

    async def supervise(self, actor: Actor, hazard_id: int, level: str, note: str | None = None) -> Outcome:
        """Put an open hazard under supervision (挂牌督办) at ``level`` (区政府, 区安委会, 街乡). The unit's
        leaders and contacts, the inspector and the reviewer who approved it are told (``STEP_NOTICES``). Raises ``InvalidValue``, ``AlreadySupervised`` (same level still open)."""
        if level not in SUPERVISION_LEVELS:
            raise InvalidValue(field="supervision_level", value=level)

        async def work(t: Transitions) -> Outcome:
            hazard, target = await t.begin(actor, hazard_id, Action.SUPERVISE)
            existing = (
                await t.session.exec(
                    select(Supervision).where(
                        Supervision.hazard_id == hazard_id,
                        Supervision.level == level,
                        col(Supervision.ended_at).is_(None),
                    )
                )
            ).first()
            if existing is not None:
                raise AlreadySupervised(level=level, since=existing.started_at)
            event = await t.move(actor, hazard, Action.SUPERVISE, target, note=note, data={"level": level})
            record = Supervision(hazard_id=hazard_id, level=level, note=note, started_by=actor.user_id,
                                 started_at=t.now)
            t.session.add(record)
            await t.session.flush()
            return _outcome(hazard, event, record_id=record.id)

        return await self._run(actor, work)

    # ---- December lookback (方案 四(四), 二(一)1) --------------------------------------------------

    async def lookback(self, actor: Actor, hazard_id: int, inspected_on: date, rebound: bool,
                       photo_ids: Sequence[int] = (), new_deadline: date | None = None, note: str | None = None, *,
                       inspectors: str | None = None, session: AsyncSession | None = None) -> Outcome:
        """Re-inspect a closed hazard during the lookback (回头看). No rebound: recorded, stays closed.
        Rebound (反弹): back to registered with ``new_deadline`` and a reason (``note``); the unit's reviewers
        are told. ``inspected_on`` and ``inspectors`` are kept on the event's data as for ``reinspect``.
        Raises ``ReasonRequired``, ``DeadlineRequired``, ``DeadlineInPast``, ``InvalidValue`` for a future date."""
        self._check_visit_date(inspected_on)
        action = Action.LOOKBACK_REBOUND if rebound else Action.LOOKBACK_PASS
        deadline = self._new_deadline(new_deadline) if rebound else None
        text = _reason(note, action) if rebound else note

        async def work(t: Transitions) -> Outcome:
            hazard, target = await t.begin(actor, hazard_id, action)
            await t.attach_photos(actor, hazard, photo_ids, PhotoStage.INSPECTION)
            changes: dict[str, Any] = {}
            if deadline is not None:
                changes = reopened_changes(deadline)
                await move_plan_deadline(t.session, hazard, deadline)
            event = await t.move(
                actor, hazard, action, target, note=text, photo_ids=photo_ids, changes=changes,
                data=_visit_data(inspected_on, inspectors, deadline, rebound=rebound),
            )
            record = LookbackCheck(
                hazard_id=hazard_id, year=inspected_on.year, inspected_on=inspected_on, rebound=rebound,
                note=text, photo_ids=list(photo_ids), inspected_by=actor.user_id, recorded_at=t.now,
            )
            t.session.add(record)
            await t.session.flush()
            return _outcome(hazard, event, record_id=record.id)

        return await self._run(actor, work, session)

    async def link_new_hazard(self, actor: Actor, hazard_id: int, new_hazard_id: int) -> Outcome:
        """Record that ``new_hazard_id`` (新生隐患) was found during the lookback of ``hazard_id``.
        The actor must reach both hazards. Raises ``InvalidValue`` when both are the same."""
        if hazard_id == new_hazard_id:
            raise InvalidValue(field="new_hazard_id", value=new_hazard_id)

        async def work(t: Transitions) -> Outcome:
            hazard, target = await t.begin(actor, hazard_id, Action.LINK_NEW)
            new = await t.session.get(Hazard, new_hazard_id)
            if new is None:
                raise InvalidValue(field="new_hazard_id", value=new_hazard_id)
            if not roles_on(await current_actor(t.session, actor), new):
                raise InvalidValue(field="new_hazard_id", value=new_hazard_id)
            event = await t.move(actor, hazard, Action.LINK_NEW, target,
                                 data={"new_hazard_id": new_hazard_id, "draft_number": new.draft_number})
            t.session.add(HazardLink(hazard_id=hazard_id, new_hazard_id=new_hazard_id, linked_by=actor.user_id,
                                     linked_at=t.now))
            return _outcome(hazard, event)

        return await self._run(actor, work)


def _visit_data(inspected_on: date, inspectors: str | None, deadline: date | None, **found: object) -> dict[str, Any]:
    """The event data of an on-site visit (复查, 回头看) for its 附件1 row: its date, what was found (``found``),
    who went (free text) and the new deadline (ISO dates, ``None`` when none)."""
    return {"inspected_on": inspected_on.isoformat(), **found, "inspectors": inspectors,
            "new_deadline": deadline.isoformat() if deadline else None}


def _outcome(
    hazard: Hazard,
    event: HazardEvent,
    *,
    notify: tuple[int, ...] = (),
    ledger_number: str | None = None,
    record_id: int | None = None,
) -> Outcome:
    assert hazard.id is not None and event.id is not None and event.from_state is not None and event.to_state is not None
    return Outcome(
        hazard_id=hazard.id,
        action=Action(event.action),
        from_state=HazardState(event.from_state),
        to_state=HazardState(event.to_state),
        event_id=event.id,
        ledger_number=ledger_number or hazard.ledger_number,
        notify=notify,
        record_id=record_id,
        draft_number=hazard.draft_number,
        site_name=hazard.site_name,
        note=event.note,
    )
