"""Who is told of a step (``bot.services.step_notices``), on SQLite and PostgreSQL, where the conversation test
(``tests/test_step_notices_chat.py``) does not reach: a department's hazard located in a township is
re-inspected by the township's people too; a 附件4 entry bound to a bot user is told although the person holds
no role; nobody is told of their own step."""

from __future__ import annotations

from sqlmodel import select

from bot.clock import fixed_clock
from bot.domain import Role
from bot.services.lifecycle import FiveImplementations
from bot.services.lifecycle_service import Document, LifecycleService
from storage.db import UowFactory
from storage.models import Unit
from storage.models_reminders import ReminderOutbox
from tests.lifecycle_factories import HOME, NOW, OTHER, S, cast, hazard, person
from tests.reminders import factories as f

DEPARTMENT = "dept-02"


async def test_a_departments_hazard_is_offered_to_the_townships_reinspectors(uow: UowFactory) -> None:
    c = await cast(uow)  # the township's people (建外街道)
    dept_inspector = await person(uow, "部门检查", (Role.INSPECTOR, DEPARTMENT))
    dept_reviewer = await person(uow, "部门审核", (Role.REVIEWER, DEPARTMENT))
    await person(uow, "别处检查", (Role.INSPECTOR, OTHER))
    life = LifecycleService(uow, fixed_clock(NOW))
    hid = await hazard(uow, dept_inspector, unit=DEPARTMENT, state=S.REGISTERED)

    reported = await life.report_rectification(dept_inspector, hid, FiveImplementations(),
                                               document=Document("验收单.pdf", legacy_ref="f"))
    assert set(reported.notify) == {dept_reviewer.user_id, c.inspector.user_id, c.inspector2.user_id,
                                    c.reviewer.user_id}
    async with uow() as u:
        rows = (await u.session.exec(select(ReminderOutbox).where(ReminderOutbox.subject == f"hazard_event:{reported.event_id}"))).all()
    assert {r.recipient_id for r in rows} == set(reported.notify)
    assert all(r.callback_data == f"h1:{hid}:o" and r.button_text == "🔍 打开复查" for r in rows)


async def test_a_registry_contact_using_the_bot_is_told_and_the_actor_never(uow: UowFactory) -> None:
    c = await cast(uow)
    registry_only = await person(uow, "孙联络")  # in the 附件4 form, bound, no role held
    async with uow() as u:
        unit = (await u.session.exec(select(Unit.id).where(Unit.code == HOME))).one()
        await f.contact(u.session, unit, "contact", "孙联络", "13901239999", user_id=registry_only.user_id)
        await f.contact(u.session, unit, "contact", "未绑定", "13901239998")
        await u.commit()
    life = LifecycleService(uow, fixed_clock(NOW))
    hid = await hazard(uow, c.office, state=S.PENDING_CONFIRMATION)  # the office itself recorded it
    registered = await life.register(c.office, hid)
    assert set(registered.notify) == {c.contact.user_id, registry_only.user_id}  # not the office, its creator


async def test_someone_whose_roles_were_all_taken_away_is_no_longer_told_what_they_once_did(uow: UowFactory) -> None:
    from sqlalchemy import delete

    from storage.models import Membership

    c = await cast(uow)
    life = LifecycleService(uow, fixed_clock(NOW))
    kept = await hazard(uow, c.inspector, state=S.PENDING_CONFIRMATION)
    told = await life.register(c.office, kept)
    assert c.inspector.user_id in told.notify  # the inspector who submitted it hears of its registration
    gone = await hazard(uow, c.inspector, state=S.PENDING_CONFIRMATION)
    async with uow() as u:  # the inspector left the unit: every role taken away
        await u.session.exec(delete(Membership).where(Membership.user_id == c.inspector.user_id))  # type: ignore[call-overload]
        await u.commit()
    told = await life.register(c.office, gone)
    assert c.inspector.user_id not in told.notify and c.contact.user_id in told.notify


async def test_after_a_transfer_the_old_units_people_are_not_told_of_the_hazards_steps(uow: UowFactory) -> None:
    c = await cast(uow)
    dept_inspector = await person(uow, "部门检查", (Role.INSPECTOR, DEPARTMENT))
    life = LifecycleService(uow, fixed_clock(NOW))
    hid = await hazard(uow, dept_inspector, unit=DEPARTMENT, state=S.PENDING_CONFIRMATION)
    async with uow() as u:  # handed to another department, as the office's transfer does
        from storage.models import Hazard

        row = await u.session.get(Hazard, hid)
        assert row is not None
        row.unit_id = (await u.session.exec(select(Unit.id).where(Unit.code == "dept-03"))).one()
        u.session.add(row)
        await u.commit()
    registered = await life.register(c.office, hid)
    assert dept_inspector.user_id not in registered.notify
