"""Removing submitted files nobody names any more (``hazardbot photos prune`` covers the file store too).

The file store (``<photo dir>/submission-files``, ``bot.core.FILES_SUBDIR``) keeps work information, summaries
(``submission_file.store_key``) and rectification acceptance documents (``rectification.document_key``; while the
form is open, ``[key, name, sha256, size, mime]`` in its draft's answers). A file stored and then dropped — the
form cancelled, a second document refused, a submission refused after its bytes were kept — would otherwise stay
for good, so a bound user could fill the disk 20 MB at a time.

A file is *named* when a ``submission_file`` or ``rectification`` row names its key, or an open (``active``)
draft holds it anywhere in its answers or context. Any other file older than the retention goes. A submission
in progress puts its bytes just before the transaction that names them, so the retention (at least a day, by
when the file was last written: putting the same bytes again renews it, checked again just before removal) is
what keeps it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import DraftStatus
from storage.db import UowFactory
from storage.models import Draft
from storage.models_inbox import SubmissionFile
from storage.models_lifecycle import Rectification
from storage.photo_store import PhotoStore, StoredFile

log = logging.getLogger(__name__)

#: a store key: two hex digits, a slash, the sha256 hex (``FileSystemPhotoStore``)
_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}")


@dataclass(frozen=True)
class FilePruneReport:
    """What a prune of the file store found (``applied`` false: a dry run, nothing removed). ``files``: files
    nothing names, older than the retention; ``young``: files nothing names but still within it (kept)."""

    cutoff: datetime
    applied: bool
    files: tuple[StoredFile, ...]
    young: int

    @property
    def bytes(self) -> int:
        """The total size of the files found, in bytes."""
        return sum(f.size for f in self.files)


def _keys_in(value: Any, found: set[str]) -> None:
    """Every key-shaped string anywhere in a draft's JSON (a document answer, in a repeat group's rows too)."""
    if isinstance(value, str):
        if _KEY.fullmatch(value):
            found.add(value)
    elif isinstance(value, dict):
        for item in value.values():
            _keys_in(item, found)
    elif isinstance(value, list):
        for item in value:
            _keys_in(item, found)


async def _named_keys(session: AsyncSession) -> set[str]:
    keys = {k for k in (await session.exec(select(SubmissionFile.store_key))).all() if k}
    keys.update(k for k in (await session.exec(select(Rectification.document_key))).all() if k)
    for data, context in (await session.exec(
        select(Draft.data, Draft.context).where(col(Draft.status) == DraftStatus.ACTIVE.value)
    )).all():
        _keys_in([data, context], keys)
    return keys


async def prune_files(
    uow: UowFactory, store: PhotoStore, *, now: datetime, older_than: timedelta, apply: bool
) -> FilePruneReport:
    """Find (and with ``apply`` remove) the files of ``store`` (the file store) that no row and no open draft
    names and that were last written more than ``older_than`` before ``now`` (aware). The names are read in one
    transaction before the store is listed, so a file named afterwards was written afterwards: young, kept."""
    cutoff = now - older_than
    async with uow() as u:
        keys = await _named_keys(u.session)
    stray = [f for f in await store.entries() if f.key not in keys]
    old = [f for f in stray if f.modified < cutoff]
    if apply:
        old = [f for f in old if await store.delete(f.key, unless_written_after=cutoff)]
        for f in old:
            log.info("file store: removed %s (%d bytes, last written %s)", f.key, f.size, f.modified.isoformat())
        log.info("file store: removed %d files, %d bytes; %d younger kept", len(old), sum(f.size for f in old),
                 len(stray) - len(old))
    return FilePruneReport(cutoff, apply, tuple(old), len(stray) - len(old))
