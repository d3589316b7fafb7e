"""A hazard's whole journey through the services, on SQLite and PostgreSQL: review, registration,
rectification with evidence, a failed then a passed re-inspection, closure, a drawn verification that fails
(rebound), and closure again — with the event log checked at the end."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import col, select

from bot.clock import fixed_clock
from bot.domain import HazardState, PhotoStage
from bot.services.lifecycle import FiveImplementations
from bot.services.lifecycle_errors import ReinspectorMustDiffer
from bot.services.lifecycle_service import Document, LifecycleService
from bot.services.verification import VerificationService
from storage.db import UowFactory
from storage.models import Hazard, HazardEvent, Photo, User
from storage.models_lifecycle import Rectification, Reinspection, Verification
from tests.lifecycle_factories import NOW, TODAY, Cast, cast, hazard

S = HazardState


async def _photo(uow: UowFactory, owner: int, n: int) -> int:
    async with uow() as u:
        p = Photo(sha256=f"{n:064x}", storage_key=f"ab/{n:064x}", size=100, stage=PhotoStage.ACCEPTANCE.value,
                  user_id=owner)
        u.session.add(p)
        await u.commit()
        assert p.id is not None
        return p.id


async def _to_closed(uow: UowFactory, life: LifecycleService, c: Cast, hazard_id: int) -> None:
    await life.report_rectification(c.inspector, hazard_id, FiveImplementations(),
                                    document=Document("验收报告.pdf", legacy_ref="file-1"))
    await life.reinspect(c.inspector2, hazard_id, TODAY, passed=True)
    await life.close(c.office, hazard_id)


async def test_a_hazard_goes_from_submission_to_a_rebound_and_closes_again(uow: UowFactory) -> None:
    c = await cast(uow)
    life = LifecycleService(uow, fixed_clock(NOW))
    verify = VerificationService(uow, fixed_clock(NOW), rng=random.Random(7))
    hid = await hazard(uow, c.inspector)

    approved = await life.approve(c.reviewer, hid, note="情况属实")
    assert (approved.from_state, approved.to_state) == (S.PENDING_REVIEW, S.PENDING_CONFIRMATION)
    assert set(approved.notify) == {c.office.user_id, c.inspector.user_id}  # the office confirms next

    registered = await life.register(c.office, hid)
    assert registered.ledger_number == "110105001202603100001"

    photo = await _photo(uow, c.inspector.user_id, 1)
    plan = FiveImplementations("房东张三", None, Decimal("0.8"), None, "专人值守")
    reported = await life.report_rectification(c.inspector, hid, plan, photo_ids=[photo])
    assert reported.to_state == S.RECTIFIED  # those who may re-inspect, not the reporter
    assert set(reported.notify) == {c.inspector2.user_id, c.reviewer.user_id}

    with pytest.raises(ReinspectorMustDiffer):
        await life.reinspect(c.inspector, hid, TODAY, passed=True)
    failed = await life.reinspect(c.inspector2, hid, TODAY, passed=False, new_deadline=date(2026, 5, 31),
                                  note="灭火器未到位")
    assert failed.to_state == S.REGISTERED and set(failed.notify) == {c.inspector.user_id, c.contact.user_id}

    await _to_closed(uow, life, c, hid)
    [sample] = await verify.draw(c.office, date(2026, 3, 1), date(2026, 3, 31))
    assert (sample.closed_count, sample.chosen, sample.ratio_percent) == (1, (hid,), Decimal("10"))
    [check] = await verify.pending(c.office)
    rebound = await verify.record(c.office, check.verification_id, passed=False, note="楼道又见电动车充电",
                                  new_deadline=date(2026, 6, 30))
    assert rebound.to_state == S.REGISTERED
    async with uow() as u:
        reopened = await u.session.get(Hazard, hid)
        assert reopened is not None
        assert (reopened.reinspection_result, reopened.reinspected_on) == ("未复查", None)
    assert set(rebound.notify) == {c.reviewer.user_id, c.contact.user_id}
    await _to_closed(uow, life, c, hid)

    async with uow() as u:
        h = await u.session.get(Hazard, hid)
        assert h is not None
        assert (h.state, h.deadline, h.reinspection_result) == ("closed", date(2026, 6, 30), "复查合格")
        rows = (
            await u.session.exec(
                select(HazardEvent, User.full_name)
                .join(User, col(User.id) == col(HazardEvent.actor_id))
                .where(HazardEvent.hazard_id == hid)
                .order_by(col(HazardEvent.id))
            )
        ).all()
        log = [(e.action, e.from_state, e.to_state, name) for e, name in rows]
        assert log == [
            ("submit", None, "pending_review", "李检查"),
            ("approve", "pending_review", "pending_confirmation", "王审核"),
            ("register", "pending_confirmation", "registered", "张办公室"),
            ("report_rectification", "registered", "rectified", "李检查"),
            ("reinspect_fail", "rectified", "registered", "赵复查"),
            ("report_rectification", "registered", "rectified", "李检查"),
            ("reinspect_pass", "rectified", "closure_requested", "赵复查"),
            ("close", "closure_requested", "closed", "张办公室"),
            ("verify_fail", "closed", "registered", "张办公室"),
            ("report_rectification", "registered", "rectified", "李检查"),
            ("reinspect_pass", "rectified", "closure_requested", "赵复查"),
            ("close", "closure_requested", "closed", "张办公室"),
        ]
        events = [e for e, _ in rows]
        assert events[3].data["photos"] == [photo] and events[3].data["funds"] == "0.8"
        assert events[4].note == "灭火器未到位" and events[8].note == "楼道又见电动车充电"
        assert all(e.at == NOW for e in events)
        assert h.version == 1 + len(events) - 1
        attached = await u.session.get(Photo, photo)
        assert attached is not None and attached.hazard_id == hid
        assert len((await u.session.exec(select(Rectification).where(Rectification.hazard_id == hid))).all()) == 3
        assert len((await u.session.exec(select(Reinspection).where(Reinspection.hazard_id == hid))).all()) == 3
        v = (await u.session.exec(select(Verification))).one()
        assert (v.result, v.checked_by) == ("failed", c.office.user_id)
