"""The scheduler only triggers: one job with a stable id at the working hour, Asia/Shanghai; the job
queues nothing on a day off and wakes the sender when it queued something; a process started soon
after the hour (it was down, restarting, killed) runs the day's rules at once."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import fixed_clock
from reminders.calendar import WorkCalendar
from reminders.scheduler import RULES_JOB_ID, RulesJob, install
from reminders.settings import ReminderSettings
from storage.db import UowFactory
from tests.reminders import factories as f

TZ = ZoneInfo("Asia/Shanghai")


async def test_installing_twice_keeps_one_job_at_the_working_hour(uow: UowFactory) -> None:
    cfg = ReminderSettings(hour=10, minute=30)
    scheduler = AsyncIOScheduler(timezone=TZ)
    scheduler.start(paused=True)
    try:
        for _ in range(2):  # e.g. a second start-up in the same process
            install(scheduler, RulesJob(uow, WorkCalendar.from_file(), cfg, TZ, fixed_clock(datetime.now(TZ))))
        jobs = scheduler.get_jobs()
        assert [j.id for j in jobs] == [RULES_JOB_ID]
        job = jobs[0]
        assert job.misfire_grace_time == cfg.misfire_grace_seconds and job.coalesce
        after = datetime(2019, 2, 3, 11, 0, tzinfo=TZ)
        fire = job.trigger.get_next_fire_time(None, after)
        assert fire == datetime(2019, 2, 4, 10, 30, tzinfo=TZ)  # daily; the job itself skips days off
    finally:
        scheduler.shutdown(wait=False)


async def test_the_job_does_nothing_on_a_holiday_and_wakes_the_sender_on_a_working_day(uow: UowFactory) -> None:
    async with uow() as u:
        unit = await f.unit_id(u.session, "建外街道")
        uid = await f.user(u.session, 6001, "王联系")
        await f.contact(u.session, unit, "contact", "王联系", "13900000001", uid)
        await u.commit()
    woken: list[bool] = []
    cal, cfg = WorkCalendar.from_file(), ReminderSettings()

    def job_at(day: date) -> RulesJob:
        return RulesJob(uow, cal, cfg, TZ, fixed_clock(datetime(day.year, day.month, day.day, 9, tzinfo=TZ)),
                        lambda: woken.append(True))

    holiday = await job_at(date(2019, 10, 1))()
    assert not holiday.working_day and holiday.queued == 0 and woken == []
    workday = await job_at(date(2019, 10, 12))()  # a Saturday worked after National Day
    assert workday.working_day and workday.queued > 0 and woken == [True]
    again = await job_at(date(2019, 10, 12))()
    assert again.queued == 0 and woken == [True]


async def _installed_after(uow: UowFactory, missed_by: timedelta, woken: asyncio.Event) -> AsyncIOScheduler:
    """A scheduler started ``missed_by`` after today's rules time (a bot that was down then), its job
    on a working day that has something due (a bound contact and no ledger yet)."""
    async with uow() as u:
        unit = await f.unit_id(u.session, "建外街道")
        uid = await f.user(u.session, 6002, "李联系")
        await f.contact(u.session, unit, "contact", "李联系", "13900000002", uid)
        await u.commit()
    missed = datetime.now(TZ) - missed_by
    cfg = ReminderSettings(hour=missed.hour, minute=missed.minute)
    workday = fixed_clock(datetime(2019, 10, 12, 9, tzinfo=TZ))
    scheduler = AsyncIOScheduler(timezone=TZ)
    install(scheduler, RulesJob(uow, WorkCalendar.from_file(), cfg, TZ, workday, woken.set))
    scheduler.start()
    return scheduler


async def test_a_bot_started_soon_after_the_rules_time_runs_them_at_once(uow: UowFactory) -> None:
    """A process killed (or restarted) around the rules' time must not lose the day's reminders."""
    woken = asyncio.Event()
    scheduler = await _installed_after(uow, timedelta(minutes=5), woken)
    try:
        await asyncio.wait_for(woken.wait(), timeout=60)  # queued something, and woke the sender
        next_run = scheduler.get_job(RULES_JOB_ID).next_run_time
        assert timedelta(hours=23) < next_run - datetime.now(TZ) < timedelta(hours=24)  # then daily again
    finally:
        scheduler.shutdown(wait=False)


async def test_a_run_missed_by_more_than_the_grace_is_not_made_up(uow: UowFactory) -> None:
    woken = asyncio.Event()
    scheduler = await _installed_after(uow, timedelta(seconds=ReminderSettings().misfire_grace_seconds + 600), woken)
    try:
        assert scheduler.get_job(RULES_JOB_ID).next_run_time > datetime.now(TZ)  # tomorrow's, not now
        assert not woken.is_set()
    finally:
        scheduler.shutdown(wait=False)


async def test_a_committed_notice_wakes_the_running_sender_at_once(engine, uow: UowFactory) -> None:  # type: ignore[no-untyped-def]
    """The sender of ``hazardbot run`` drains every ``drain_every_seconds`` (an hour here); a commit that queued a
    notice on the services' engine wakes it, so the notice does not wait for the next round."""
    from bot.app import build_bot
    from bot.local_session import LocalSession
    from bot.services.notices import Notice, queue_notices
    from bot.settings import Settings
    from reminders.scheduler import running_reminders
    from reminders.texts import literal

    session = LocalSession()
    bot = build_bot(Settings(), session)
    cfg = ReminderSettings(drain_every_seconds=3600, per_chat_interval=0.0, hour=3)
    async with uow() as u:
        who = await f.user(u.session, 7_777, "收件人")
        await u.commit()
    async with running_reminders(bot, uow, cfg, TZ, lambda: datetime.now(TZ), engine=engine):
        await asyncio.sleep(0.2)  # its first round found nothing; it now sleeps for the hour
        async with uow() as u:
            await queue_notices(u.session, "hazard_event:1", [Notice(who, "hazard_step", literal("通知"))],
                                datetime.now(TZ))
            await u.commit()
        async with asyncio.timeout(30):  # a safety net: woken, it sends within moments
            while not any(getattr(m, "chat_id", None) == 7_777 for m in session.requests):
                await asyncio.sleep(0.05)
