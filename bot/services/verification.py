"""Verification (核查, 方案 四(三)): the office checks a share of the hazards closed in a period, per unit, at
the ratio of the unit's annual plan (附件3 一(二) 挂账隐患核查比例); a failed check reopens the hazard as a
rebound (反弹).

The ratio comes from the unit's plan for the year (``storage.models_plans.InspectionPlan``); a unit without a
plan is sampled at ``DEFAULT_VERIFICATION_RATIO``. ``VerificationService`` also takes any ``RatioSource``.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from bot.clock import Clock
from bot.domain import HazardState, PhotoStage
from bot.services.actors import Actor, current_actor
from bot.services.errors import NotBound, NotFound, PermissionDenied
from bot.services.lifecycle import MAJOR, Action, has_district_scope, reopened_changes
from bot.services.lifecycle_errors import (
    AlreadyDone,
    InvalidValue,
    ReasonRequired,
    checked_new_deadline,
)
from bot.services.lifecycle_service import move_plan_deadline, run_retrying, run_step
from bot.services.paging import PAGE_SIZE, Page, clamp_page
from bot.services.transitions import Outcome, Transitions
from storage.db import UowFactory
from storage.models import Hazard, HazardEvent, Unit, User
from storage.models_lifecycle import Verification, VerificationSample
from storage.models_plans import InspectionPlan
from storage.tally import touch

DEFAULT_VERIFICATION_RATIO = Decimal("10")
"""Percent of closed hazards checked when a unit has no plan for the year (附件3 leaves XX% to the unit)."""

RatioSource = Callable[[AsyncSession, int, int], Awaitable[Decimal | None]]


async def plan_verification_ratio(session: AsyncSession, unit_id: int, year: int) -> Decimal | None:
    """The verification ratio (%) in ``unit_id``'s plan for ``year`` (附件3 一(二) 挂账隐患核查比例, table
    ``inspection_plan``), None when the unit filed no plan for that year."""
    return (
        await session.exec(
            select(col(InspectionPlan.verification_ratio)).where(
                InspectionPlan.unit_id == unit_id, InspectionPlan.year == year
            )
        )
    ).first()


@dataclass(frozen=True)
class DrawnSample:
    """One unit's sample: ``chosen`` hazard ids out of ``closed_count`` closed in the period at ``ratio_percent``
    (``default_ratio`` true when the unit had no plan). ``existing`` when it had been drawn before."""

    sample_id: int
    unit_id: int
    unit_name: str
    closed_count: int
    ratio_percent: Decimal
    chosen: tuple[int, ...]
    default_ratio: bool = False
    existing: bool = False


@dataclass(frozen=True)
class PendingCheck:
    """A hazard waiting for its verification (核查) in a verifier's list: ids, ledger number, site, the unit
    that rectified it and the level."""

    verification_id: int
    hazard_id: int
    ledger_number: str | None
    site_name: str
    unit_name: str
    level: str = ""  # 一般隐患 / 重大隐患 (the list puts 重大隐患 first)


def sample_size(closed: int, ratio_percent: Decimal) -> int:
    """How many of ``closed`` hazards to check at ``ratio_percent``: rounded up, at least one when any closed
    (附件3: 核查比例不低于XX%)."""
    if closed <= 0:
        return 0
    return min(closed, max(1, math.ceil(Decimal(closed) * ratio_percent / 100)))


async def checked_already(session: AsyncSession, check: Verification) -> AlreadyDone:
    """The refusal for a drawn check someone has recorded (who, when, which result)."""
    by = await session.get(User, check.checked_by) if check.checked_by else None
    return AlreadyDone(by=by.record_name if by else "?", action="verify", at=check.checked_at, state=check.result)


async def claim_check(session: AsyncSession, actor: Actor, verification_id: int, passed: bool, note: str | None,
                      photo_ids: Sequence[int], now: datetime) -> Verification:
    """Record the result of drawn check ``verification_id`` (passed / failed, by ``actor`` at ``now``, aware)
    if it is still pending: the database guards two offices pressing at once, only one claims the row. Raises
    ``NotFound``, ``AlreadyDone`` (someone recorded it)."""
    check = await session.get(Verification, verification_id)
    if check is None:
        raise NotFound(what="verification", id=verification_id)
    claimed = await session.exec(
        update(Verification)
        .where(col(Verification.id) == verification_id, col(Verification.result) == "pending")
        .values(result="passed" if passed else "failed", note=note, photo_ids=list(photo_ids),
                checked_by=actor.user_id, checked_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        await session.refresh(check)
        raise await checked_already(session, check)
    await touch(session, [check.hazard_id])  # the status's tallies: a verification with a result
    return check


def _pending_checks() -> Select[Verification, Hazard, Unit]:
    """The checks drawn and not yet recorded, each with its hazard and the hazard's unit (unordered)."""
    return (
        select(Verification, Hazard, Unit)
        .join(Hazard, col(Hazard.id) == col(Verification.hazard_id))
        .join(Unit, col(Unit.id) == col(Hazard.unit_id))
        .where(Verification.result == "pending")
    )


class VerificationService:
    """Draw samples, list open checks, record results. ``rng`` makes draws reproducible in tests."""

    def __init__(
        self,
        uow: UowFactory,
        clock: Clock,
        ratio_source: RatioSource = plan_verification_ratio,
        rng: random.Random | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ratio_source = ratio_source
        self._rng = rng or random.SystemRandom()

    def _require_office(self, actor: Actor) -> None:
        if not actor.is_bound:
            raise NotBound()
        if not has_district_scope(actor):
            raise PermissionDenied(action="verify")

    async def draw(
        self, actor: Actor, period_start: date, period_end: date, unit_ids: Sequence[int] | None = None
    ) -> list[DrawnSample]:
        """Draw, for each unit (or ``unit_ids``), a random share of its hazards closed (销账) between
        ``period_start`` and ``period_end`` inclusive (the configured zone), at the ratio of its plan for the year
        of ``period_end``. A unit already drawn for the same period keeps its sample (``existing``).
        Office and admins only (``PermissionDenied``); ``InvalidValue`` when the period is reversed."""
        self._require_office(actor)
        if period_end < period_start:
            raise InvalidValue(field="period", value=f"{period_start}..{period_end}")
        start = self._clock.start_of(period_start)
        end = self._clock.start_of(period_end + timedelta(days=1))

        async def once() -> list[DrawnSample]:
            async with self._uow() as u:
                self._require_office(await current_actor(u.session, actor))  # the office role may be gone since
                query = (
                    select(Hazard.id, Hazard.unit_id)
                    .join(HazardEvent, col(HazardEvent.hazard_id) == col(Hazard.id))
                    .where(
                        Hazard.state == HazardState.CLOSED.value,
                        HazardEvent.action == Action.CLOSE.value,
                        col(HazardEvent.at) >= start,
                        col(HazardEvent.at) < end,
                    )
                    .distinct()
                )
                if unit_ids is not None:
                    query = query.where(col(Hazard.unit_id).in_(list(unit_ids)))
                by_unit: dict[int, list[int]] = defaultdict(list)
                for hazard_id, unit_id in (await u.session.exec(query)).all():
                    by_unit[unit_id].append(hazard_id)  # type: ignore[arg-type]
                results = []
                for unit_id in sorted(by_unit):
                    results.append(await self._draw_unit(u.session, actor, unit_id, sorted(by_unit[unit_id]),
                                                         period_start, period_end))
                await u.commit()
                return results

        return await run_retrying(once)

    async def _draw_unit(
        self, session: AsyncSession, actor: Actor, unit_id: int, closed: list[int], start: date, end: date
    ) -> DrawnSample:
        unit = await session.get(Unit, unit_id)
        assert unit is not None
        existing = (
            await session.exec(
                select(VerificationSample).where(
                    VerificationSample.unit_id == unit_id,
                    VerificationSample.period_start == start,
                    VerificationSample.period_end == end,
                )
            )
        ).first()
        if existing is not None:
            assert existing.id is not None
            chosen = (await session.exec(
                select(Verification.hazard_id).where(Verification.sample_id == existing.id)
            )).all()
            return DrawnSample(existing.id, unit_id, unit.name, existing.closed_count, existing.ratio_percent,
                               tuple(sorted(chosen)), existing=True)
        planned = await self._ratio_source(session, unit_id, end.year)
        ratio = planned if planned is not None else DEFAULT_VERIFICATION_RATIO
        chosen = sorted(self._rng.sample(closed, sample_size(len(closed), ratio)))
        sample = VerificationSample(unit_id=unit_id, period_start=start, period_end=end, ratio_percent=ratio,
                                    closed_count=len(closed), drawn_by=actor.user_id, drawn_at=self._clock())
        session.add(sample)
        await session.flush()
        assert sample.id is not None
        for hazard_id in chosen:
            session.add(Verification(sample_id=sample.id, hazard_id=hazard_id))
        return DrawnSample(sample.id, unit_id, unit.name, len(closed), ratio, tuple(chosen),
                           default_ratio=planned is None)

    async def pending(self, actor: Actor) -> list[PendingCheck]:
        """The checks drawn and not yet recorded, oldest first. Office and admins only."""
        self._require_office(actor)
        async with self._uow() as u:
            rows = (
                await u.session.exec(
                    _pending_checks().order_by(col(Verification.id))
                )
            ).all()
            return [PendingCheck(v.id, h.id, h.ledger_number, h.site_name, unit.name)  # type: ignore[arg-type]
                    for v, h, unit in rows]

    async def pending_page(self, actor: Actor, page: int = 0) -> Page[PendingCheck]:
        """Page ``page`` (0-based, clamped: ``paging.clamp_page``) of the checks drawn and not yet recorded,
        with the total: 重大隐患 first (a closed hazard is never overdue), then the oldest draw (``Verification.id``).
        Counted and cut in SQL. Office and admins only (``PermissionDenied``)."""
        self._require_office(actor)
        async with self._uow() as u:
            total = (await u.session.exec(
                select(func.count()).select_from(Verification).where(Verification.result == "pending"))).one()
            number, offset = clamp_page(page, total)
            rows = (
                await u.session.exec(
                    _pending_checks()
                    .order_by(case((col(Hazard.level) == MAJOR, 0), else_=1), col(Verification.id))
                    .offset(offset).limit(PAGE_SIZE)
                )
            ).all()
            items = [PendingCheck(v.id, h.id, h.ledger_number, h.site_name, unit.name, h.level)  # type: ignore[arg-type]
                     for v, h, unit in rows]
            return Page(items, total, number)

    async def record(self, actor: Actor, verification_id: int, passed: bool, note: str | None = None,
                     photo_ids: Sequence[int] = (), new_deadline: date | None = None, *,
                     session: AsyncSession | None = None) -> Outcome:
        """Record the result of a drawn check. Passed: the hazard stays closed. Failed: rebound (反弹) — back to
        registered with ``new_deadline`` and the reason ``note``; the unit's reviewers and contacts are told.
        Raises ``NotFound``, ``AlreadyDone`` (someone recorded it), ``ReasonRequired``, ``DeadlineRequired``,
        ``DeadlineInPast``, and the transition errors."""
        deadline = self._check_result(actor, passed, note, new_deadline)

        async def work(t: Transitions) -> Outcome:
            check = await claim_check(t.session, actor, verification_id, passed, note, photo_ids, t.now)
            return await self._transition(t, actor, check.hazard_id, passed, note, photo_ids, deadline,
                                          verification_id)

        return await run_step(self._uow, self._clock, actor, work, session)

    async def verify(self, actor: Actor, hazard_id: int, passed: bool, note: str | None = None,
                     photo_ids: Sequence[int] = (), new_deadline: date | None = None) -> Outcome:
        """A check of a closed hazard outside any sample (e.g. after a tip-off); same rules as ``record``."""
        deadline = self._check_result(actor, passed, note, new_deadline)

        async def work(t: Transitions) -> Outcome:
            outcome = await self._transition(t, actor, hazard_id, passed, note, photo_ids, deadline, None)
            t.session.add(Verification(hazard_id=hazard_id, result="passed" if passed else "failed", note=note,
                                       photo_ids=list(photo_ids), checked_by=actor.user_id, checked_at=t.now))
            return outcome

        return await run_step(self._uow, self._clock, actor, work)

    def _check_result(self, actor: Actor, passed: bool, note: str | None, new_deadline: date | None) -> date | None:
        """Who may record a check and what a failure needs: the new deadline of a failure, ``None`` for a pass.
        Raises ``NotBound``, ``PermissionDenied`` (no district scope), ``ReasonRequired``, ``DeadlineRequired``,
        ``DeadlineInPast``."""
        self._require_office(actor)
        return self._check_failure(passed, note, new_deadline)

    def _check_failure(self, passed: bool, note: str | None, new_deadline: date | None) -> date | None:
        if passed:
            return None
        if note is None or not note.strip():
            raise ReasonRequired(action=Action.VERIFY_FAIL.value)
        return checked_new_deadline(new_deadline, self._clock.today())

    async def _transition(
        self,
        t: Transitions,
        actor: Actor,
        hazard_id: int,
        passed: bool,
        note: str | None,
        photo_ids: Sequence[int],
        deadline: date | None,
        verification_id: int | None,
    ) -> Outcome:
        action = Action.VERIFY_PASS if passed else Action.VERIFY_FAIL
        hazard, target = await t.begin(actor, hazard_id, action)
        await t.attach_photos(actor, hazard, photo_ids, PhotoStage.VERIFICATION)
        if deadline is not None:
            await move_plan_deadline(t.session, hazard, deadline)
        event = await t.move(
            actor, hazard, action, target, note=note, photo_ids=photo_ids,
            changes=reopened_changes(deadline) if deadline else {},
            data={"verification_id": verification_id, "rebound": not passed,
                  "new_deadline": deadline.isoformat() if deadline else None},
        )
        assert event.id is not None and hazard.id is not None and event.from_state is not None and event.to_state is not None
        return Outcome(hazard.id, action, HazardState(event.from_state), HazardState(event.to_state), event.id,
                       hazard.ledger_number, (), verification_id, hazard.draft_number, hazard.site_name, note)
