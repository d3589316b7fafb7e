"""Pruning both stores in one go — the photos (``bot.services.photo_prune``) and the file store of submitted files
and acceptance documents (``bot.services.file_prune``) — with the office's retention
(``HAZARDBOT_PHOTO_RETENTION_DAYS``): what ``hazardbot photos prune`` runs by hand, and ``PruneJob`` every night in
the reminders' scheduler (``reminders.scheduler.install_prune``, 03:30 Asia/Shanghai by default)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.file_prune import FilePruneReport, prune_files
from bot.services.photo_prune import PruneReport, prune_photos
from storage.db import UowFactory
from storage.photo_store import PhotoStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoresPruned:
    """What one prune of both stores found, or removed (``photos.applied``)."""

    photos: PruneReport
    files: FilePruneReport


async def prune_stores(uow: UowFactory, photos: PhotoStore, files: PhotoStore, *, now: datetime, days: int,
                       apply: bool) -> StoresPruned:
    """Prune the photo store ``photos`` and the file store ``files`` of what nothing names and is older than ``days``
    days at ``now`` (aware); with ``apply`` false, only list it."""
    older_than = timedelta(days=days)
    return StoresPruned(await prune_photos(uow, photos, now=now, older_than=older_than, apply=apply),
                        await prune_files(uow, files, now=now, older_than=older_than, apply=apply))


@dataclass
class PruneJob:
    """The nightly prune: both stores, ``retention_days`` (at least 1: a photo just received may not be named yet),
    ``clock`` the time now (aware). Logs what it removed: each photo row and file, then the totals."""

    uow: UowFactory
    photos: PhotoStore
    files: PhotoStore
    retention_days: int
    clock: Callable[[], datetime]

    async def __call__(self) -> StoresPruned:
        """Prune both stores now (one run of the job); returns what was removed and what was kept as too young."""
        done = await prune_stores(self.uow, self.photos, self.files, now=self.clock(), days=self.retention_days,
                                  apply=True)
        for photo_id in done.photos.rows:
            log.info("event=prune_photo_row photo_id=%s", photo_id)
        for stored in done.photos.files:
            log.info("event=prune_photo_file key=%s bytes=%d modified=%s", stored.key, stored.size,
                     stored.modified.isoformat())
        log.warning("event=stores_pruned retention_days=%d photo_rows=%d photo_files=%d photo_bytes=%d "
                    "stored_files=%d stored_bytes=%d young_kept=%d", self.retention_days, len(done.photos.rows),
                    len(done.photos.files), done.photos.bytes, len(done.files.files), done.files.bytes,
                    done.photos.young + done.files.young)
        return done
