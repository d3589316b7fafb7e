"""The rules of the life cycle: five implementations (五落实) before registration or raising to major,
evidence for a rectification, a different person for the re-inspection, reasons and new deadlines,
supervision levels, overdue derived from the deadline; and double taps / concurrent presses."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlmodel import select

from bot.clock import fixed_clock
from bot.domain import HazardState, Role
from bot.services.hazard_query import is_overdue
from bot.services.lifecycle import Action, FiveImplementations
from bot.services.lifecycle_errors import (
    AlreadyDone,
    AlreadySupervised,
    DeadlineInPast,
    DeadlineRequired,
    EvidenceRequired,
    FiveImplementationsMissing,
    InvalidTransition,
    InvalidValue,
    ReasonRequired,
    ReinspectorMustDiffer,
)
from bot.services.lifecycle_service import Document, LifecycleService
from bot.services.transitions import Transitions
from bot.services.verification import VerificationService
from storage.db import UowFactory
from storage.models import Hazard
from storage.models_lifecycle import Supervision
from tests.lifecycle_factories import NOW, OFFICE_UNIT, TODAY, Cast, cast, hazard, person, state_of

S = HazardState
FULL = FiveImplementations("房东张三", "拆除隔断", Decimal("2.5"), date(2026, 4, 30), "专人巡查")


@pytest.fixture
async def c(uow: UowFactory) -> Cast:
    """The people these rules are tried on (``lifecycle_factories.cast``), in the test's database."""
    return await cast(uow)


@pytest.fixture
def life(uow: UowFactory) -> LifecycleService:
    """The life cycle's service on the test's database, its clock at ``NOW``."""
    return LifecycleService(uow, fixed_clock(NOW))


def test_a_major_hazard_needs_all_five_implementations_and_a_general_one_measures_and_deadline() -> None:
    assert FULL.missing("重大隐患") == [] and FULL.missing("一般隐患") == []
    partial = FiveImplementations(measures="拆除隔断", deadline=date(2026, 4, 30), responsibility="  ")
    assert partial.missing("一般隐患") == []
    assert partial.missing("重大隐患") == ["responsibility", "funds", "contingency_plan"]
    assert FiveImplementations(measures="x").missing("一般隐患") == ["deadline"]


def test_overdue_is_registered_and_past_the_deadline_in_beijing() -> None:
    late_evening_utc = datetime(2026, 4, 30, 16, 30, tzinfo=UTC)  # already 1 May in Beijing
    today = fixed_clock(late_evening_utc).today()
    assert today == date(2026, 5, 1)
    assert is_overdue("registered", date(2026, 4, 30), today)
    assert not is_overdue("registered", date(2026, 5, 1), today)
    assert not is_overdue("rectified", date(2026, 4, 30), today)
    assert not is_overdue("registered", None, today)


async def test_registration_waits_for_the_plan_the_level_requires(uow: UowFactory, c: Cast, life: LifecycleService) -> None:
    major = await hazard(uow, c.inspector, state=S.PENDING_CONFIRMATION, level="重大隐患")
    with pytest.raises(FiveImplementationsMissing) as err:
        await life.register(c.office, major)
    assert err.value.params["missing"] == ["responsibility", "funds", "contingency_plan"]
    assert (await state_of(uow, major))[0] == S.PENDING_CONFIRMATION
    await life.set_plan(c.inspector, major, FiveImplementations("房东张三", None, Decimal("2.5"), None, "巡查"))
    assert (await life.register(c.office, major)).to_state == S.REGISTERED

    general = await hazard(uow, c.inspector, state=S.PENDING_CONFIRMATION, measures="", deadline=None)
    with pytest.raises(FiveImplementationsMissing):
        await life.register(c.office, general)
    await life.set_plan(c.reviewer, general, FiveImplementations(measures="清理", deadline=date(2026, 4, 1)))
    assert (await life.register(c.office, general)).ledger_number is not None
    async with uow() as u:
        h = await u.session.get(Hazard, general)
        assert h is not None and (h.measures, h.deadline) == ("清理", date(2026, 4, 1))


async def test_no_hazard_is_raised_to_major_before_its_five_implementations(uow: UowFactory, c: Cast, life: LifecycleService) -> None:
    hid = await hazard(uow, c.inspector, state=S.REGISTERED)
    with pytest.raises(FiveImplementationsMissing):
        await life.set_level(c.office, hid, "重大隐患")
    with pytest.raises(InvalidValue):
        await life.set_level(c.office, hid, "特大隐患")
    await life.set_plan(c.inspector, hid, FULL)
    await life.set_level(c.office, hid, "重大隐患")
    with pytest.raises(InvalidValue):  # a second press does not toggle it back or log it twice
        await life.set_level(c.office, hid, "重大隐患")
    assert (await state_of(uow, hid))[1:] == (3, 3)
    async with uow() as u:
        h = await u.session.get(Hazard, hid)
        assert h is not None and h.level == "重大隐患"


async def test_a_rectification_needs_evidence_and_a_complete_plan(uow: UowFactory, c: Cast, life: LifecycleService) -> None:
    hid = await hazard(uow, c.inspector, state=S.REGISTERED, level="重大隐患")
    with pytest.raises(EvidenceRequired):
        await life.report_rectification(c.inspector, hid, FULL)
    with pytest.raises(FiveImplementationsMissing):
        await life.report_rectification(c.inspector, hid, FiveImplementations(), document=Document("a.pdf", legacy_ref="f"))
    with pytest.raises(InvalidValue):
        await life.report_rectification(c.inspector, hid, FULL, photo_ids=[987654])
    assert (await state_of(uow, hid))[:2] == (S.REGISTERED, 1)
    await life.report_rectification(c.inspector, hid, FULL, document=Document("a.pdf", legacy_ref="f"))
    assert (await state_of(uow, hid))[0] == S.RECTIFIED


async def test_the_reinspection_is_done_by_someone_else_and_a_failure_sets_a_new_deadline(uow: UowFactory, c: Cast, life: LifecycleService) -> None:
    hid = await hazard(uow, c.inspector, state=S.RECTIFIED, rectified_by=c.reviewer)
    with pytest.raises(ReinspectorMustDiffer):
        await life.reinspect(c.reviewer, hid, TODAY, passed=True)
    with pytest.raises(DeadlineRequired):
        await life.reinspect(c.inspector, hid, TODAY, passed=False)
    with pytest.raises(DeadlineInPast):
        await life.reinspect(c.inspector, hid, TODAY, passed=False, new_deadline=date(2026, 3, 9))
    with pytest.raises(InvalidValue):
        await life.reinspect(c.inspector, hid, date(2026, 3, 11), passed=True)
    await life.reinspect(c.inspector, hid, TODAY, passed=False, new_deadline=date(2026, 3, 20))
    async with uow() as u:
        h = await u.session.get(Hazard, hid)
        assert h is not None
        assert (h.state, h.deadline, h.reinspected_on, h.reinspection_result) == (
            "registered", date(2026, 3, 20), TODAY, "复查不合格")


async def test_rejections_and_rebounds_need_a_reason(uow: UowFactory, c: Cast, life: LifecycleService) -> None:
    verify = VerificationService(uow, fixed_clock(NOW))
    pending = await hazard(uow, c.inspector)
    closed = await hazard(uow, c.inspector, state=S.CLOSED)
    with pytest.raises(ReasonRequired):
        await life.reject(c.reviewer, pending, "  ")
    with pytest.raises(ReasonRequired):
        await verify.verify(c.office, closed, passed=False, new_deadline=date(2026, 5, 1))
    with pytest.raises(ReasonRequired):
        await life.lookback(c.inspector, closed, TODAY, rebound=True, new_deadline=date(2026, 5, 1))
    outcome = await life.reject(c.reviewer, pending, "地址有误")
    assert outcome.to_state == S.REJECTED and outcome.notify == (c.inspector.user_id,)


async def test_supervision_levels_notices_and_its_end_at_closure(uow: UowFactory, c: Cast, life: LifecycleService) -> None:
    hid = await hazard(uow, c.inspector, state=S.REGISTERED)
    with pytest.raises(InvalidValue):
        await life.supervise(c.office, hid, "市政府")
    outcome = await life.supervise(c.office, hid, "区政府", note="重大隐患")
    assert set(outcome.notify) == {c.leader.user_id, c.contact.user_id, c.inspector.user_id}
    with pytest.raises(AlreadySupervised):
        await life.supervise(c.office, hid, "区政府")
    await life.supervise(c.office, hid, "街乡")
    await life.report_rectification(c.inspector, hid, FiveImplementations(), document=Document("a.pdf", legacy_ref="f"))
    await life.reinspect(c.inspector2, hid, TODAY, passed=True)
    await life.close(c.office, hid)
    async with uow() as u:
        rows = (await u.session.exec(select(Supervision).where(Supervision.hazard_id == hid))).all()
        assert sorted(r.level for r in rows) == ["区政府", "街乡"] and all(r.ended_at == NOW for r in rows)
    with pytest.raises(AlreadyDone) as err:
        await life.supervise(c.office, hid, "区安委会")
    assert err.value.params["action"] == "close" and err.value.params["by"] == "张办公室"


async def test_pressing_twice_changes_the_state_once_and_names_who_did_it(uow: UowFactory, c: Cast, life: LifecycleService) -> None:
    hid = await hazard(uow, c.inspector)
    await life.approve(c.reviewer, hid)
    with pytest.raises(AlreadyDone) as err:
        await life.approve(c.reviewer, hid)
    assert (err.value.params["by"], err.value.params["action"]) == ("王审核", "approve")
    with pytest.raises(AlreadyDone):
        await life.reject(c.reviewer, hid, "迟到的驳回")
    assert (await state_of(uow, hid))[:2] == (S.PENDING_CONFIRMATION, 2)
    with pytest.raises(InvalidTransition):
        await life.close(c.office, hid)


async def test_two_people_pressing_the_same_button_at_once_change_it_once(uow: UowFactory, c: Cast, life: LifecycleService) -> None:
    office2 = await person(uow, "孙办公室", (Role.OFFICE, OFFICE_UNIT))
    for _ in range(3):
        hid = await hazard(uow, c.inspector, state=S.PENDING_CONFIRMATION)
        results = await asyncio.gather(
            life.register(c.office, hid), life.register(office2, hid), return_exceptions=True
        )
        wins = [r for r in results if not isinstance(r, BaseException)]
        losses = [r for r in results if isinstance(r, BaseException)]
        assert len(wins) == 1 and len(losses) == 1, results
        assert isinstance(losses[0], AlreadyDone), losses
        winner = "张办公室" if wins[0] is results[0] else "孙办公室"
        assert losses[0].params["by"] == winner
        state, version, events = await state_of(uow, hid)
        assert (state, version, events) == (S.REGISTERED, 2, 2)


async def test_a_transition_read_before_another_commits_loses_at_the_guarded_update(uow: UowFactory, c: Cast) -> None:
    hid = await hazard(uow, c.inspector)
    async with uow() as first, uow() as second:
        t1, t2 = Transitions(first.session, NOW), Transitions(second.session, NOW)
        h1, target1 = await t1.begin(c.reviewer, hid, Action.APPROVE)
        h2, target2 = await t2.begin(c.reviewer, hid, Action.REJECT)
        await t1.move(c.reviewer, h1, Action.APPROVE, target1)
        await first.commit()
        with pytest.raises(AlreadyDone) as err:
            await t2.move(c.reviewer, h2, Action.REJECT, target2, note="晚了")
    assert (err.value.params["by"], err.value.params["action"]) == ("王审核", "approve")
    assert await state_of(uow, hid) == (S.PENDING_CONFIRMATION, 2, 2)


async def test_a_plan_with_negative_funds_or_overlong_text_is_refused(uow: UowFactory, c: Cast, life: LifecycleService) -> None:
    hid = await hazard(uow, c.inspector, state=S.REGISTERED)
    for plan in (FiveImplementations(funds=Decimal("-1")), FiveImplementations(funds=Decimal("NaN")),
                 FiveImplementations(responsibility="责" * 513)):
        with pytest.raises(InvalidValue):
            await life.set_plan(c.inspector, hid, plan)
    assert (await state_of(uow, hid))[1:] == (1, 1)
    await life.set_plan(c.inspector, hid, FiveImplementations(responsibility="责" * 512))
