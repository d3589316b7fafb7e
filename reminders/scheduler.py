"""APScheduler set-up: a cron job evaluates the rules at the configured working hour (Asia/Shanghai);
on days that are not working days (per ``WorkCalendar``) the job does nothing. The job only queues
reminders and wakes the sender; sending is the sender's loop. Job ids are stable and replaced, so
re-installing (or another instance doing the same) never runs a job twice in one process, and the
outbox key makes concurrent instances harmless.

A second job prunes the photo and file stores every night in the quiet hours (``install_prune``,
``bot.services.store_prune.PruneJob``); two instances pruning at once is harmless (a file already gone is
skipped, a row deleted twice is deleted once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncEngine

from reminders.calendar import WorkCalendar
from reminders.service import RulesRun, run_rules
from reminders.settings import ReminderSettings
from storage.db import UowFactory

if TYPE_CHECKING:
    from bot.services.store_prune import PruneJob

log = logging.getLogger(__name__)

RULES_JOB_ID = "reminders.rules"
PRUNE_JOB_ID = "stores.prune"


@dataclass
class RulesJob:
    """The scheduled callable; ``on_queued`` (the sender's ``wake``) is called when rows were added."""

    uow: UowFactory
    cal: WorkCalendar
    cfg: ReminderSettings
    tz: ZoneInfo
    clock: Callable[[], datetime]
    on_queued: Callable[[], None] | None = None

    async def __call__(self) -> RulesRun:
        """Run the rules for today (in ``tz``) and queue what is due; a day that is not a working day queues
        nothing."""
        now = self.clock()
        result = await run_rules(self.uow, now.astimezone(self.tz).date(), self.cal, self.cfg, self.tz, now)
        if not result.working_day:
            log.info("%s is not a working day: no reminders", result.day)
        else:
            log.info("%s: %d reminders due, %d newly queued", result.day, len(result.due), result.queued)
        if result.queued and self.on_queued is not None:
            self.on_queued()
        return result


def install(scheduler: AsyncIOScheduler, job: RulesJob) -> None:
    """Add (or replace) the rules job: every day at ``cfg.hour:cfg.minute`` local time; a run missed
    by less than ``misfire_grace_seconds`` still happens, coalesced to one — also when the process was
    not running at that time (a restart, a kill): it runs as soon as the job is installed.

    APScheduler remembers nothing across processes and would schedule a new process's first run for
    the next day; so the first run is the earliest one still within the grace, and a past one is a
    misfire it runs at once. Running the rules again is harmless: the outbox key queues each reminder once.
    """
    trigger = CronTrigger(hour=job.cfg.hour, minute=job.cfg.minute, timezone=job.tz)
    grace = timedelta(seconds=job.cfg.misfire_grace_seconds)
    scheduler.add_job(
        # the bound coroutine method, not ``job``: APScheduler awaits only what ``iscoroutinefunction``
        # recognises, and would call an object with an async ``__call__`` in a thread, dropping its coroutine
        job.__call__,
        trigger,
        next_run_time=trigger.get_next_fire_time(None, datetime.now(job.tz) - grace),
        id=RULES_JOB_ID,
        name="evaluate reminder rules",
        replace_existing=True,
        misfire_grace_time=job.cfg.misfire_grace_seconds,
        coalesce=True,
        max_instances=1,
    )


def install_prune(scheduler: AsyncIOScheduler, job: PruneJob, cfg: ReminderSettings, tz: ZoneInfo) -> None:
    """Add (or replace) the nightly prune ``job`` (``PruneJob``): every day at ``cfg.prune_hour:cfg.prune_minute``
    local time, when nobody works and nothing is sent. A night missed (the process was down) is not made up at
    start-up: the next night prunes what it would have, the retention only grows older."""
    scheduler.add_job(
        job.__call__,  # a bound coroutine method, as for the rules job
        CronTrigger(hour=cfg.prune_hour, minute=cfg.prune_minute, timezone=tz),
        id=PRUNE_JOB_ID,
        name="prune the photo and file stores",
        replace_existing=True,
        misfire_grace_time=3600,
        coalesce=True,
        max_instances=1,
    )


@contextlib.asynccontextmanager
async def running_reminders(bot, uow: UowFactory, cfg: ReminderSettings, tz: ZoneInfo,  # type: ignore[no-untyped-def]
                            clock: Callable[[], datetime], cal: WorkCalendar | None = None,
                            engine: AsyncEngine | None = None,
                            prune: PruneJob | None = None) -> AsyncIterator[AsyncIOScheduler]:
    """Start the scheduler and the sender loop for ``hazardbot run``; stop both on exit. With ``engine`` (the
    one the services write through), every commit that queued notices wakes the sender at once; the periodic
    drain (``drain_every_seconds``) is the backstop. With ``prune`` (``Core.prune_job``), the stores are pruned
    every night (``install_prune``)."""
    from reminders.sender import Sender, watch_outbox

    cal = cal or WorkCalendar.from_file(cfg.holidays_file)
    sender = Sender(bot, uow, cfg, tz, clock)
    if engine is not None:
        watch_outbox(engine, sender.wake)
    scheduler = AsyncIOScheduler(timezone=tz)
    install(scheduler, RulesJob(uow, cal, cfg, tz, clock, sender.wake))
    if prune is not None:
        install_prune(scheduler, prune, cfg, tz)
    stop = asyncio.Event()
    scheduler.start()
    task = asyncio.create_task(sender.run_forever(stop), name="reminder-sender")
    try:
        yield scheduler
    finally:
        stop.set()
        scheduler.shutdown(wait=False)
        await task
