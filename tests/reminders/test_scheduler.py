"""The scheduler only triggers: one job with a stable id at the working hour, Asia/Shanghai; the job
queues nothing on a day off and wakes the sender when it queued something."""

from __future__ import annotations

from datetime import date, datetime
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
