"""Facts loaded from the database, and the outbox's exactly-once insert on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, text
from sqlmodel import select

from reminders.calendar import WorkCalendar
from reminders.facts import load_facts
from reminders.service import run_rules
from reminders.settings import ReminderSettings
from storage.db import UowFactory, create_engine, make_uow_factory
from storage.models_reminders import ReminderOutbox, WorkSubmission
from tests.reminders import factories as f

TZ = ZoneInfo("Asia/Shanghai")
CFG = ReminderSettings()


async def _world(uow: UowFactory) -> dict[str, int]:
    """建外街道 with a bound contact, a bound leader (by invite), an unbound contact; an inspector; the office."""
    async with uow() as u:
        s = u.session
        jianwai = await f.unit_id(s, "建外街道")
        office_unit = await f.unit_id(s, "区安委会办公室")
        contact = await f.user(s, 5001, "王联系")
        leader = await f.user(s, 5002, "李领导")
        inspector = await f.user(s, 5003, "赵检查")
        office = await f.user(s, 5004, "区安委办")
        await f.contact(s, jianwai, "contact", "王联系", "13900000001", contact)
        await f.contact(s, jianwai, "contact", "钱未绑", "13900000002")
        await f.membership(s, leader, jianwai, "leader")
        await f.membership(s, office, office_unit, "office")
        # last ledger activity: an inspection entered 2019-03-01 00:30 Beijing = 2019-02-28 16:30 UTC
        await f.inspection(s, jianwai, inspector, datetime(2019, 2, 28, 16, 30, tzinfo=UTC))
        await f.hazard(s, jianwai, inspector, date(2019, 3, 20), datetime(2019, 2, 20, 2, tzinfo=UTC),
                       level="重大隐患")
        await f.hazard(s, jianwai, inspector, date(2019, 3, 20), datetime(2019, 2, 20, 2, tzinfo=UTC),
                       state="closed")
        await u.commit()
    return {"unit": jianwai, "contact": contact, "leader": leader, "inspector": inspector, "office": office}


async def test_facts_come_from_sql_aggregates_in_beijing_dates(uow: UowFactory) -> None:
    ids = await _world(uow)
    async with uow() as u:
        facts = await load_facts(u.session, TZ, CFG.campaign_start)
    unit = facts.units_by_id[ids["unit"]]
    assert unit.last_ledger_update == date(2019, 3, 1)  # the Beijing date of 2019-02-28 16:30 UTC
    assert [(p.name, p.bound) for p in unit.contacts] == [("王联系", True), ("钱未绑", False)]
    assert [p.user_id for p in unit.leaders] == [ids["leader"]]
    assert [p.user_id for p in facts.office] == [ids["office"]]
    assert [(h.major, h.inspector.user_id if h.inspector else None) for h in facts.hazards] == [
        (True, ids["inspector"])]  # the closed hazard is not open
    other = next(x for x in facts.units if x.unit_id != ids["unit"])
    assert other.last_ledger_update == CFG.campaign_start


async def _outbox(uow: UowFactory) -> list[tuple[str, str, str, int]]:
    async with uow() as u:
        rows = (await u.session.exec(
            select(ReminderOutbox.rule, ReminderOutbox.subject, ReminderOutbox.period, ReminderOutbox.recipient_id)
        )).all()
    return sorted(tuple(r) for r in rows)  # type: ignore[misc]


async def test_running_the_rules_twice_queues_each_reminder_once(uow: UowFactory) -> None:
    ids = await _world(uow)
    cal = WorkCalendar.from_file()
    day = date(2019, 3, 25)  # hazard 5 days overdue; work info due; ledger stale 24 days
    first = await run_rules(uow, day, cal, CFG, TZ)
    again = await run_rules(uow, day, cal, CFG, TZ)
    rows = await _outbox(uow)
    assert first.queued == len(rows) > 0
    assert again.queued == 0
    assert len(set(rows)) == len(rows)
    recipients = {r[3] for r in rows}
    assert recipients == {ids["contact"], ids["leader"], ids["inspector"], ids["office"]}
    rules_to_office = {r[0] for r in rows if r[3] == ids["office"]}
    assert rules_to_office == {"supervision"}  # a major hazard overdue: proposed for 挂牌督办


async def test_a_submission_clears_the_monthly_reminder(uow: UowFactory) -> None:
    ids = await _world(uow)
    async with uow() as u:
        u.session.add(WorkSubmission(unit_id=ids["unit"], kind="work_info", period="2019-03", text="典型案例"))
        await u.commit()
    await run_rules(uow, date(2019, 3, 25), WorkCalendar.from_file(), CFG, TZ)
    assert not [r for r in await _outbox(uow) if r[0].startswith("work_info") and r[1] == f"unit:{ids['unit']}"]


async def test_nothing_is_queued_on_a_holiday(uow: UowFactory) -> None:
    await _world(uow)
    result = await run_rules(uow, date(2019, 10, 3), WorkCalendar.from_file(), CFG, TZ)
    assert not result.working_day and await _outbox(uow) == []


async def test_two_schedulers_inserting_at_once_queue_each_reminder_once(database_url: str) -> None:
    """Four instances, each with its own engine (its own connections), run the same day's rules
    concurrently against one database; the unique key lets exactly one insert of each row win."""
    engines = [create_engine(database_url) for _ in range(4)]
    try:
        uows = [make_uow_factory(e) for e in engines]
        await _world(uows[0])
        cal = WorkCalendar.from_file()
        results = await asyncio.gather(*(run_rules(u, date(2019, 3, 25), cal, CFG, TZ) for u in uows))
        rows = await _outbox(uows[0])
        assert sum(r.queued for r in results) == len(rows) > 0
        assert len(set(rows)) == len(rows)
    finally:
        for e in engines:
            await e.dispose()


async def test_an_uncommitted_insert_makes_the_second_writer_skip(database_url: str) -> None:
    """Writer A inserts but has not committed; writer B inserts the same keys (on PostgreSQL it waits
    on A's index entries); A commits; B inserts nothing."""
    a_engine, b_engine = create_engine(database_url), create_engine(database_url)
    try:
        a, b = make_uow_factory(a_engine), make_uow_factory(b_engine)
        await _world(a)
        from reminders.facts import load_facts as lf
        from reminders.outbox import enqueue
        from reminders.rules import evaluate

        async def b_insert() -> int:
            async with b() as ub:
                n = await enqueue(ub.session, due)
                await ub.commit()
                return n

        async with a() as ua:
            facts = await lf(ua.session, TZ, CFG.campaign_start)
            due = evaluate(facts, date(2019, 3, 25), WorkCalendar.from_file(), CFG)
            inserted_a = await enqueue(ua.session, due)
            if database_url.startswith("sqlite"):
                await ua.commit()  # SQLite has one writer at a time: B simply comes second
                inserted_b = await b_insert()
            else:
                a_pid = (await ua.session.exec(text("SELECT pg_backend_pid()"))).scalar_one()
                task = asyncio.create_task(b_insert())
                await _until_blocked_by(b_engine, a_pid)
                await ua.commit()
                inserted_b = await task
        async with a() as ua:
            total = (await ua.session.exec(select(func.count()).select_from(ReminderOutbox))).one()
        assert inserted_a == total > 0
        assert inserted_b == 0
    finally:
        await a_engine.dispose()
        await b_engine.dispose()


async def _until_blocked_by(engine, pid: int) -> None:  # type: ignore[no-untyped-def]
    """Wait (up to 10 s) until some PostgreSQL backend waits on a lock held by ``pid``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    async with engine.connect() as conn:
        while loop.time() < deadline:
            waiting = (await conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"
            ), {"pid": pid})).scalar_one()
            await conn.rollback()
            if waiting:
                return
            await asyncio.sleep(0.02)
    raise AssertionError("writer B never waited for writer A")


async def test_a_plan_filed_with_the_plan_service_clears_the_plan_reminder(uow: UowFactory) -> None:
    from decimal import Decimal

    from storage.models_plans import InspectionPlan

    ids = await _world(uow)
    day = date(2019, 3, 25)
    before = await run_rules(uow, day, WorkCalendar.from_file(), CFG, TZ)
    assert [r for r in before.due if r.rule == "plan.contact" and r.unit_id == ids["unit"]]
    async with uow() as u:
        u.session.add(InspectionPlan(unit_id=ids["unit"], year=2019, inspection_target=120,
                                     verification_ratio=Decimal("20")))
        await u.commit()
    after = await run_rules(uow, day, WorkCalendar.from_file(), CFG, TZ)
    assert not [r for r in after.due if r.rule.startswith("plan") and r.unit_id == ids["unit"]]
