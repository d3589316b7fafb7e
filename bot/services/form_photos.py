"""Removing one photo of an open form's photos field (管理照片/删除照片): the list a person picks from, and the
removal itself, on the draft only.

A photo is named by its place in the field (1-based, in the order received) and by the field's *version*, a
checksum of the field's photo ids: a list shown before another photo was added or removed carries an older
version and its buttons are refused (``Rejected('photos_changed')``) instead of removing the wrong photo.
A removed photo's row is detached from the draft (``Photo.draft_id`` ``None``), so that nothing of the form
names it any more and the nightly prune (``bot.services.photo_prune``) takes it after the retention.
A photo of the record a correction offers back stays on the record, except in the resubmission of a rejected
hazard: there it may be taken out of the form, and leaves the record when the correction is submitted
(``bot.services.corrections.submit_hazard_correction``; cancelled, the record keeps it).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.forms.checks import Rejected
from bot.forms.engine import FormState
from bot.forms.spec import FieldSpec
from bot.services.evidence import EvidencePhoto
from storage.models import Draft, Photo


@dataclass(frozen=True)
class ListedPhoto:
    """A photo of the field as listed: ``number`` (1-based, order received), the row's id, when it was received
    (aware, in the deployment's zone) and whether it can be removed here (``False``: a photo of the record that a
    correction form offers back; it stays on the record)."""

    number: int
    photo_id: int
    received_at: datetime | None
    removable: bool
    on_record: bool = False  # removable, yet on the record: it leaves the record when the resubmission is submitted


@dataclass(frozen=True)
class PhotoList:
    """The photos of the photos field asked now in draft ``draft_id`` (question ``step_index``), with the field's
    ``version`` the removal buttons carry and the evidence copies (upright, EXIF-free) of those that have one, to
    send as thumbnails."""

    draft_id: int
    step_index: int
    field_label: str
    version: str
    photos: tuple[ListedPhoto, ...]
    copies: tuple[EvidencePhoto, ...] = ()


def photos_version(photo_ids: Sequence[int]) -> str:
    """The version of a field's photos: 8 hex digits (CRC-32) of its ids in order; changes with every photo added
    or removed."""
    return f"{zlib.crc32(','.join(map(str, photo_ids)).encode()):08x}"


def _owned(row: Photo, draft: Draft) -> bool:
    """Received in this draft and not yet part of a record: photos the form may let go of."""
    return row.draft_id == draft.id and row.hazard_id is None and row.inspection_id is None


def _resubmitted(row: Photo, draft: Draft) -> bool:
    """A photo of the rejected hazard that ``draft`` corrects and resubmits (``context["correction"]`` mode
    ``resubmit``, ``bot.services.corrections.RESUBMIT``): the inspector may drop it, since the reviewer asked for
    the record to change; an edit or the office's correction keeps the record's photos."""
    ctx = (draft.context or {}).get("correction")
    return (isinstance(ctx, dict) and ctx.get("kind") == "hazard" and ctx.get("mode") == "resubmit"
            and row.hazard_id is not None and row.hazard_id == ctx.get("id"))


def _local(at: datetime | None, tz: ZoneInfo) -> datetime | None:
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz)


async def list_photos(session: AsyncSession, draft: Draft, photo_ids: Sequence[int], tz: ZoneInfo) -> tuple[ListedPhoto, ...]:
    """The photos ``photo_ids`` of ``draft``'s field, numbered in the field's order (the order received)."""
    rows = {p.id: p for p in (await session.exec(select(Photo).where(col(Photo.id).in_(list(photo_ids) or [-1])))).all()}
    listed = []
    for number, photo_id in enumerate(photo_ids, start=1):
        row = rows.get(photo_id)
        on_record = row is not None and _resubmitted(row, draft)
        listed.append(ListedPhoto(number, photo_id, _local(row.received_at, tz) if row else None,
                                  row is not None and (_owned(row, draft) or on_record), on_record))
    return tuple(listed)


async def remove_photo(session: AsyncSession, draft: Draft, state: FormState, spec: FieldSpec, number: int,
                       version: str, tz: ZoneInfo) -> tuple[str, dict[str, Any]]:
    """Remove photo ``number`` (1-based) of field ``spec`` from ``state`` (the draft's answers) and detach its row
    from ``draft``; returns the notice ``photo_removed`` (number, time received ``HH:MM:SS``, photos left).

    Raises ``Rejected('photos_changed')`` when ``version`` is not the field's version now (a list shown before
    another change) or ``number`` is out of range, ``Rejected('photo_on_record')`` for a photo of the record a
    correction offers back (removing it from the form would not remove it from the record), except in a
    resubmission (``_resubmitted``): that one leaves the form now and the record when it is submitted.
    A required field left empty is refused at submit like any missing answer (``FormWalk.missing``)."""
    photos = [int(i) for i in state.data.get(spec.key) or []]
    if version != photos_version(photos) or not 1 <= number <= len(photos):
        raise Rejected("photos_changed")
    photo_id = photos[number - 1]
    row = await session.get(Photo, photo_id)
    on_record = row is not None and _resubmitted(row, draft)
    if row is not None and not on_record and not _owned(row, draft):
        raise Rejected("photo_on_record", number=number)
    del photos[number - 1]
    state.data[spec.key] = photos
    received = _local(row.received_at, tz) if row is not None else None
    if row is not None and not on_record:  # a record's photo stays its own until the resubmission is submitted
        row.draft_id = None  # nothing names it now: the prune removes it (and its evidence copy) later
        session.add(row)
    return ("photo_removed", {"number": number, "count": len(photos),
                              "time": received.strftime("%H:%M:%S") if received else "?"})
