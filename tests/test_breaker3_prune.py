"""The nightly prune (``Core.prune_job``) never takes what is still needed, through the dispatcher on SQLite and
PostgreSQL: the photos of a /hazard form left open past the retention stay with their files and reach the record
when it is sent, and a photo received seconds ago that nothing names yet (its row not written) keeps its file."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from storage.models import Photo
from storage.models_evidence import PhotoEvidence
from tests.conftest import TODAY, Harness
from tests.forms_flow import PHOTOS, fill_hazard_until_photos, photos_done
from tests.image_factory import encode, scene


async def _files(h: Harness) -> set[str]:
    return {f.key for f in await h.core.photo_store.entries()}


async def test_an_open_drafts_photos_outlive_the_retention_and_reach_the_record(harness: Harness) -> None:
    h = harness
    chat = await h.bind(7601, "inspector", "建外街道", "赵检查")
    await fill_hazard_until_photos(chat)
    await chat.album([PHOTOS / f"landscape_{i}.jpg" for i in (1, 2)])
    async with h.core.uow() as u:
        keys = set((await u.session.exec(select(Photo.storage_key))).all())
        keys |= {k for pair in (await u.session.exec(select(PhotoEvidence.copy_key, PhotoEvidence.thumb_key))).all()
                 for k in pair if k}
    assert len(keys) >= 2 and keys <= await _files(h)
    for path in h.core.settings.effective_photo_dir.rglob("*"):  # the files as old as the form: written on TODAY
        if path.is_file():
            os.utime(path, (TODAY.timestamp(), TODAY.timestamp()))
    later = TODAY + timedelta(days=h.core.settings.photo_retention_days + 10)
    job = replace(h.core.prune_job(), clock=lambda: later)
    done = await job()
    assert done.photos.rows == () and not {f.key for f in done.photos.files} & keys
    assert keys <= await _files(h)
    await photos_done(chat, 2)
    await chat.press("提交")
    async with h.core.uow() as u:
        owners = (await u.session.exec(select(Photo.hazard_id))).all()
    assert len(owners) == 2 and all(owners), owners


async def test_a_photo_received_seconds_ago_keeps_its_file(harness: Harness) -> None:
    h = harness
    stored = await h.core.services.photos.keep_original(encode(scene((330, 250)), "JPEG"))
    job = replace(h.core.prune_job(), clock=lambda: datetime.now(UTC) + timedelta(seconds=5))
    done = await job()
    assert stored.storage_key not in {f.key for f in done.photos.files}
    assert stored.storage_key in await _files(h)
