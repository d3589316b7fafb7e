"""Removing photos nobody names any more (``hazardbot photos prune``, issue 14).

A photo is *named* when a record, a draft or an event points to it: its ``photo`` row belongs to a
draft, a hazard or an inspection, is linked to a tip-off (``tipoff_photo``), or is listed by a
rectification, re-inspection, verification or lookback check (``photo_ids``) or by a hazard event
(``data["photos"]``). A ``photo`` row none of these name — a life-cycle photo whose questions were
cancelled — is itself removed once older than the retention, with its evidence record. A file in the
store is named when a remaining ``photo`` row (``storage_key``) or evidence record (``copy_key``,
``thumb_key``) names it; any other file older than the retention goes: originals nothing took (a
photo refused after it was fetched), unmarked copies replaced by their stamped ones, leftovers.

Ages: a row by its ``received_at``, a file by when it was last written (putting the same bytes again
renews it), checked again just before it is removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import UowFactory
from storage.models import HazardEvent, Photo
from storage.models_evidence import PhotoEvidence
from storage.models_lifecycle import LookbackCheck, Rectification, Reinspection, Verification
from storage.models_tipoffs import TipOffPhoto
from storage.photo_store import PhotoStore, StoredFile

#: tables whose ``photo_ids`` JSON list names photo rows
PHOTO_ID_LISTS = (Rectification, Reinspection, Verification, LookbackCheck)


@dataclass(frozen=True)
class PruneReport:
    """What a prune found (``applied`` false: a dry run, nothing removed). ``rows``: ids of ``photo``
    rows no record names, older than the retention; ``files``: files no row names, older than the
    retention; ``young``: files no row names but still within it (kept)."""

    cutoff: datetime
    applied: bool
    rows: tuple[int, ...]
    files: tuple[StoredFile, ...]
    young: int

    @property
    def bytes(self) -> int:
        """The total size of the photos found, in bytes."""
        return sum(f.size for f in self.files)


def _ids(values: Iterable[Any]) -> set[int]:
    found: set[int] = set()
    for value in values:
        if isinstance(value, list):
            found.update(v for v in value if isinstance(v, int))
    return found


async def _named_photo_ids(session: AsyncSession) -> set[int]:
    owned = (await session.exec(select(Photo.id).where(
        col(Photo.draft_id).is_not(None) | col(Photo.hazard_id).is_not(None) | col(Photo.inspection_id).is_not(None)
    ))).all()
    named = {i for i in owned if i is not None}
    named.update((await session.exec(select(TipOffPhoto.photo_id))).all())
    for table in PHOTO_ID_LISTS:
        named |= _ids((await session.exec(select(table.photo_ids))).all())
    events = (await session.exec(select(HazardEvent.data))).all()
    named |= _ids(data.get("photos") for data in events if isinstance(data, dict))
    return named


async def _named_keys(session: AsyncSession, leaving: set[int]) -> set[str]:
    keys = {key for photo_id, key in (await session.exec(select(Photo.id, Photo.storage_key))).all()
            if photo_id not in leaving}
    for photo_id, copy_key, thumb_key in (await session.exec(
        select(PhotoEvidence.photo_id, PhotoEvidence.copy_key, PhotoEvidence.thumb_key)
    )).all():
        if photo_id not in leaving:
            keys.update((copy_key, thumb_key))
    return keys


async def prune_photos(
    uow: UowFactory, store: PhotoStore, *, now: datetime, older_than: timedelta, apply: bool
) -> PruneReport:
    """Find (and with ``apply`` remove) the photo rows and stored files nothing names that are older
    than ``older_than`` at ``now`` (aware). One transaction for the rows, then the files one by one."""
    cutoff = now - older_than
    async with uow() as u:
        named = await _named_photo_ids(u.session)
        unnamed = (await u.session.exec(
            select(Photo.id).where(col(Photo.received_at) < cutoff).order_by(col(Photo.id))
        )).all()
        leaving = {i for i in unnamed if i is not None and i not in named}
        keys = await _named_keys(u.session, leaving)
        if apply and leaving:
            await u.session.exec(delete(PhotoEvidence).where(col(PhotoEvidence.photo_id).in_(leaving)))
            await u.session.exec(delete(Photo).where(col(Photo.id).in_(leaving)))
            await u.commit()
    stray = [f for f in await store.entries() if f.key not in keys]
    old = [f for f in stray if f.modified < cutoff]
    if apply:
        old = [f for f in old if await store.delete(f.key, unless_written_after=cutoff)]
    return PruneReport(cutoff, apply, tuple(sorted(leaving)), tuple(old), len(stray) - len(old))
