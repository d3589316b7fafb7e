"""The nightly prune (``bot.services.store_prune.PruneJob``) in the reminders' scheduler: installed by
``running_reminders`` for every run mode at 03:30 Asia/Shanghai (quiet hours), with the office's retention; run,
it removes an old photo nothing names and its file, and a stray old file of the file store, keeps a photo a hazard
names, and logs what it removed. On SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot.app import build_bot
from bot.channels import telegram_address
from bot.domain import HazardState, PhotoStage
from bot.local_session import LocalSession
from reminders.scheduler import PRUNE_JOB_ID, running_reminders
from reminders.settings import ReminderSettings
from storage.models import Photo
from tests.conftest import TODAY, Harness
from tests.image_factory import encode, scene
from tests.lifecycle_factories import hazard

TZ = ZoneInfo("Asia/Shanghai")


async def test_running_reminders_installs_the_nightly_prune_in_the_quiet_hours(harness: Harness) -> None:
    core = harness.core
    cfg = ReminderSettings(drain_every_seconds=3600)
    bot = build_bot(core.settings, LocalSession())
    async with running_reminders(bot, core.uow, cfg, TZ, core.clock, core.rules.cal, prune=core.prune_job()) as sch:
        job = sch.get_job(PRUNE_JOB_ID)
        assert job is not None and job.coalesce and job.max_instances == 1
        after = datetime(2019, 2, 3, 11, 0, tzinfo=TZ)
        assert job.trigger.get_next_fire_time(None, after) == datetime(2019, 2, 4, 3, 30, tzinfo=TZ)  # every day
        assert job.func.__self__.retention_days == core.settings.photo_retention_days == 30
    async with running_reminders(bot, core.uow, cfg, TZ, core.clock, core.rules.cal) as sch:
        assert sch.get_job(PRUNE_JOB_ID) is None  # only when asked (the run modes pass ``Core.prune_job``)


async def test_the_job_prunes_an_old_unnamed_photo_and_keeps_a_named_one(harness: Harness,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    h = harness
    await h.bind(76001, "inspector", "建外街道", "赵整改")
    actor = await h.core.services.users.touch(telegram_address(76001), "赵整改", "zh-hans")
    hid = await hazard(h.core.uow, actor, state=HazardState.REGISTERED)
    ids = []
    for n in (1, 2):  # kept for a life-cycle step: named by nothing until the step attaches them
        stored = await h.core.services.photos.keep_original(encode(scene((320 + n, 240)), "JPEG"))
        ids.append(await h.core.services.lifecycle.add_photo(actor, stored, None, PhotoStage.ACCEPTANCE, hid))
    named, unnamed = ids
    long_ago = TODAY - timedelta(days=40)
    async with h.core.uow() as u:
        await u.session.exec(update(Photo).where(Photo.id == named).values(hazard_id=hid))  # type: ignore[call-overload, arg-type]
        await u.session.exec(update(Photo).values(received_at=long_ago))  # type: ignore[call-overload]
        await u.commit()
        keys = dict((await u.session.exec(select(Photo.id, Photo.storage_key))).all())  # type: ignore[call-overload]
    files = h.core.services.file_store
    _, stray = await files.put(b"a submission refused after its bytes were kept")
    for path in h.core.settings.effective_photo_dir.rglob("*"):  # the file store lies beneath
        if path.is_file():
            os.utime(path, (long_ago.timestamp(), long_ago.timestamp()))

    with caplog.at_level(logging.INFO, logger="bot.services"):
        done = await h.core.prune_job()()
    assert done.photos.rows == (unnamed,) and stray in {f.key for f in done.files.files}
    left = {f.key for f in await h.core.photo_store.entries()}
    assert keys[named] in left and keys[unnamed] not in left
    assert stray not in {f.key for f in await files.entries()}
    async with h.core.uow() as u:
        assert await u.session.get(Photo, named) is not None and await u.session.get(Photo, unnamed) is None
    logged = caplog.text
    assert f"event=prune_photo_row photo_id={unnamed}" in logged and f"key={keys[unnamed]}" in logged
    assert "event=stores_pruned retention_days=30 photo_rows=1" in logged and "stored_files=1" in logged
    assert f"photo_id={named}" not in logged and keys[named] not in logged
