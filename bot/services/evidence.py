"""Evidence copies of photos: upright, sRGB, a sensible size, a Chinese watermark band burned in,
EXIF (GPS included) stripped; thumbnails for cards; before/after composites for rectification.

The original bytes are kept untouched elsewhere (``storage.photo_store``); what is made here is what
other people see. Decoding and drawing run in a worker thread (``asyncio.to_thread``) so a 12 MP
photo never blocks the event loop; a HEIC or a picture too big to decode cheaply is decoded in the
memory-bounded image worker process instead (``storage.image_decode``). Source: 方案 五(一) ("相关记录及照片及时录入信息系统");
design.md "Records" (photos per stage + location) and "Hazard life cycle" (evidence per stage).

Two steps, because a form's photo arrives before its record exists: on receipt the original is
decoded once into an *unmarked* copy (``build_unmarked``: upright, scaled, EXIF-free; this also
proves the file whole before anything is stored); when the record is submitted its number (D…, J…)
and its address as submitted are known, and the watermark is burned into that copy (``stamp``: a
1600 px JPEG, not the original, is decoded again). A photo whose record already exists (a life-cycle
step) is stamped at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from PIL import Image, ImageDraw
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.domain import PhotoStage
from bot.forms.actions import StoredCopy
from bot.services.watermark import (
    DISTRICT_CENTRE,
    FONT_LOCK,
    GPS_RADIUS_KM,
    WatermarkInfo,
    burn_watermark,
    font,
    watermark_lines,
)
from storage.db import UowFactory
from storage.image_decode import decode_fitted
from storage.images import (
    FileTooBig,
    ImageFacts,
    inspect_image,
)
from storage.models import Hazard, Inspection, Photo, Unit
from storage.models_evidence import PhotoEvidence
from storage.photo_store import PhotoStore

T = TypeVar("T")

#: Long edge of an evidence copy: sharp on a phone, about 300–500 KB as JPEG.
EVIDENCE_LONG_EDGE = 1600
#: The unmarked copy is decoded again once, to be stamped: kept a little finer than the final copy.
UNMARKED_QUALITY = 92
THUMBNAIL_LONG_EDGE = 320
COMPOSITE_HEIGHT = 1200
#: Telegram refuses photos whose width + height exceed 10000; keep composites well inside.
COMPOSITE_MAX_WIDTH = 3200

def check_declared_size(size: int | None) -> None:
    """Refuse a file Telegram would not let the bot download (getFile serves up to 20 MB), from the
    ``file_size`` the update declares, before downloading. ``None`` (size not declared) passes: the
    downloaded bytes are checked again by ``inspect_image``. Raises ``FileTooBig``."""
    FileTooBig.check(size)


@dataclass(frozen=True)
class EncodedImage:
    """A JPEG made here (no EXIF, no ICC: sRGB) with its pixel size."""

    data: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of the encoded bytes (the photo store's content key)."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class EvidenceResult:
    """The original's facts, the watermark info as completed from them, the lines drawn, the
    evidence copy (long edge ≤ 1600 px) and its thumbnail (long edge ≤ 320 px)."""

    facts: ImageFacts
    info: WatermarkInfo
    lines: tuple[str, ...]
    copy: EncodedImage
    thumbnail: EncodedImage


def encode_jpeg(im: Image.Image, quality: int = 85) -> EncodedImage:
    """``im`` as a baseline JPEG with no metadata at all (no EXIF, GPS, XMP or ICC)."""
    im.info = {}
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=quality, optimize=True)
    return EncodedImage(buf.getvalue(), im.width, im.height)


def build_evidence(original: bytes, info: WatermarkInfo, *, long_edge: int = EVIDENCE_LONG_EDGE) -> EvidenceResult:
    """Blocking body of ``make_evidence``; raises the ``storage.images`` domain errors."""
    facts = inspect_image(original)
    info = info.with_facts(facts)
    lines = tuple(watermark_lines(info))
    marked = burn_watermark(decode_fitted(original, facts, long_edge), lines)
    copy = encode_jpeg(marked)
    marked.thumbnail((THUMBNAIL_LONG_EDGE, THUMBNAIL_LONG_EDGE), Image.Resampling.LANCZOS)
    return EvidenceResult(facts, info, lines, copy, encode_jpeg(marked, quality=80))


@dataclass(frozen=True)
class Unmarked:
    """The original's facts, its unmarked copy (long edge ≤ 1600 px) and that copy's thumbnail."""

    facts: ImageFacts
    copy: EncodedImage
    thumbnail: EncodedImage


def build_unmarked(original: bytes, *, long_edge: int = EVIDENCE_LONG_EDGE) -> Unmarked:
    """Blocking: check and decode ``original`` into an upright, sRGB, EXIF-free copy, not watermarked.
    Raises the ``storage.images`` domain errors (a bomb from its headers; a damaged file on decoding)."""
    facts = inspect_image(original)
    im = decode_fitted(original, facts, long_edge)
    copy = encode_jpeg(im.copy(), quality=UNMARKED_QUALITY)
    im.thumbnail((THUMBNAIL_LONG_EDGE, THUMBNAIL_LONG_EDGE), Image.Resampling.LANCZOS)
    return Unmarked(facts, copy, encode_jpeg(im, quality=80))


def build_stamped(unmarked: bytes, lines: Sequence[str]) -> tuple[EncodedImage, EncodedImage]:
    """Blocking: the watermarked evidence copy and its thumbnail, from an unmarked copy made here."""
    with Image.open(io.BytesIO(unmarked)) as im:
        marked = burn_watermark(im.convert("RGB"), lines)
    copy = encode_jpeg(marked)
    marked.thumbnail((THUMBNAIL_LONG_EDGE, THUMBNAIL_LONG_EDGE), Image.Resampling.LANCZOS)
    return copy, encode_jpeg(marked, quality=80)


async def keep_unmarked(store: PhotoStore, original: bytes) -> StoredCopy:
    """Decode ``original`` (in a worker thread) into its unmarked copy and put the copy and its thumbnail
    into ``store``. Raises the ``storage.images`` errors before anything is stored."""
    return await _put_copy(store, await asyncio.to_thread(build_unmarked, original))


async def _put_copy(store: PhotoStore, made: Unmarked | EvidenceResult) -> StoredCopy:
    """Put a copy and its thumbnail into ``store``: where they are kept, with their sizes (bytes, pixels)."""
    sha, key = await store.put(made.copy.data)
    thumb_sha, thumb_key = await store.put(made.thumbnail.data)
    return StoredCopy(made.facts, sha, key, len(made.copy.data), made.copy.width, made.copy.height,
                      thumb_sha, thumb_key, len(made.thumbnail.data))


def _evidence_row(photo_id: int, copy: StoredCopy, watermark: list[str]) -> PhotoEvidence:
    """The ``PhotoEvidence`` row of ``photo_id``: the original's EXIF facts, the stored copy and thumbnail, and
    the watermark lines burned into the copy (``[]``: not stamped yet)."""
    facts = copy.facts
    return PhotoEvidence(
        photo_id=photo_id, format=facts.format, width=facts.width, height=facts.height,
        orientation=facts.orientation, captured_at=facts.captured_at, latitude=facts.latitude,
        longitude=facts.longitude, copy_sha256=copy.sha256, copy_key=copy.key, copy_size=copy.size,
        copy_width=copy.width, copy_height=copy.height, thumb_sha256=copy.thumb_sha256, thumb_key=copy.thumb_key,
        thumb_size=copy.thumb_size, watermark=watermark,
    )


async def record_watermark(session: AsyncSession, record: Hazard | Inspection | None, *, received_at: datetime,
                           stage: str, inspector_name: str) -> WatermarkInfo:
    """What the watermark of a photo of ``record`` says (方案 五(一)): when it was received (aware), the stage and
    who sent it; with a record, also the number the user is shown (a hazard's 台账编号, else its 草稿编号 D…; an
    inspection's 检查编号 J…), the recording unit, the address and the record's coordinates (decimal degrees)."""
    info = WatermarkInfo(received_at=received_at, stage=stage, inspector_name=inspector_name)
    if record is None:
        return info
    unit = await session.get(Unit, record.unit_id)
    hazard = record if isinstance(record, Hazard) else None
    return replace(
        info, unit_name=unit.name if unit else None, address=record.address or None,
        latitude=record.latitude, longitude=record.longitude,
        ledger_number=hazard.ledger_number if hazard else None, draft_number=hazard.draft_number if hazard else None,
        inspection_number=record.number if isinstance(record, Inspection) else None,
    )


def facts_of(row: PhotoEvidence) -> ImageFacts:
    """The EXIF facts an evidence row kept of its original (what ``WatermarkInfo.with_facts`` needs)."""
    return ImageFacts(format=row.format, mime="", stored_width=row.width, stored_height=row.height,
                      captured_at=row.captured_at, latitude=row.latitude, longitude=row.longitude)


async def make_evidence(
    original: bytes, info: WatermarkInfo, *, long_edge: int = EVIDENCE_LONG_EDGE
) -> EvidenceResult:
    """The evidence copy and thumbnail of ``original`` (any of JPEG, PNG, WebP, HEIC/HEIF, whatever
    its name), watermarked from ``info`` completed with the EXIF facts; made in a worker thread.

    Raises ``FileTooBig``, ``NotAnImage``, ``ImageFormatUnsupported``, ``ImageTooLargePixels``,
    ``ImageTruncated`` (all ``DomainError``; see ``storage.images``).
    """
    return await asyncio.to_thread(build_evidence, original, info, long_edge=long_edge)


def build_before_after(before: bytes, after: bytes, *, height: int = COMPOSITE_HEIGHT) -> EncodedImage:
    """Blocking body of ``make_before_after``."""
    pictures = []
    for data in (before, after):
        facts = inspect_image(data)
        pictures.append(decode_fitted(data, facts, 2 * height))
    h = min(height, *(p.height for p in pictures))
    widths = [max(1, round(p.width * h / p.height)) for p in pictures]
    gap = max(4, h // 150)
    if sum(widths) + gap > COMPOSITE_MAX_WIDTH:
        scale = (COMPOSITE_MAX_WIDTH - gap) / sum(widths)
        h, widths = max(1, int(h * scale)), [max(1, int(w * scale)) for w in widths]
    label_size = max(14, h // 22)
    label_h = round(label_size * 1.8)
    canvas = Image.new("RGB", (sum(widths) + gap, h + label_h), (32, 32, 32))
    x = 0
    with FONT_LOCK:
        label_font = font(label_size)
        draw = ImageDraw.Draw(canvas)
        for picture, w, label in zip(pictures, widths, ("整改前", "整改后"), strict=True):
            canvas.paste(picture.resize((w, h), Image.Resampling.LANCZOS), (x, label_h))
            draw.text((x + w / 2, label_h / 2), label, font=label_font, fill=(255, 255, 255), anchor="mm")
            x += w + gap
    return encode_jpeg(canvas)


async def make_before_after(before: bytes, after: bytes, *, height: int = COMPOSITE_HEIGHT) -> EncodedImage:
    """One picture with ``before`` (整改前) on the left and ``after`` (整改后) on the right, the same
    height (≤ ``height`` px), labelled on top; for the rectification and re-inspection cards.
    Pass evidence copies so both halves carry their watermarks. Made in a worker thread."""
    return await asyncio.to_thread(build_before_after, before, after, height=height)


async def save_evidence(
    session: AsyncSession, store: PhotoStore, photo_id: int, result: EvidenceResult
) -> PhotoEvidence:
    """Put the copy and thumbnail into ``store`` and add the ``PhotoEvidence`` row of ``photo_id``
    (EXIF facts of the original included). Flushes; never commits (the caller's unit of work does)."""
    row = _evidence_row(photo_id, await _put_copy(store, result), list(result.lines))
    session.add(row)
    await session.flush()
    return row


async def evidence_for(
    session: AsyncSession,
    *,
    hazard_id: int | None = None,
    draft_id: int | None = None,
    inspection_id: int | None = None,
    stages: Sequence[str] | None = None,
) -> list[tuple[Photo, PhotoEvidence]]:
    """The photos of one record that have an evidence copy, oldest first, optionally of some stages.
    Exactly one of ``hazard_id``, ``draft_id``, ``inspection_id`` must be given (``ValueError``)."""
    owners = [(Photo.hazard_id, hazard_id), (Photo.draft_id, draft_id), (Photo.inspection_id, inspection_id)]
    given = [(column, value) for column, value in owners if value is not None]
    if len(given) != 1:
        raise ValueError("give exactly one of hazard_id, draft_id, inspection_id")
    column, value = given[0]
    query = (
        select(Photo, PhotoEvidence)
        .join(PhotoEvidence, col(PhotoEvidence.photo_id) == col(Photo.id))
        .where(col(column) == value)
        .order_by(col(Photo.received_at), col(Photo.id))
    )
    if stages:
        query = query.where(col(Photo.stage).in_(list(stages)))
    return list((await session.exec(query)).all())


def album_pages(items: Sequence[T], per_page: int = 10) -> list[list[T]]:
    """Evidence copies split into Telegram albums (a media group holds 2–10 items; one left over
    is sent as a single photo)."""
    return [list(items[i : i + per_page]) for i in range(0, len(items), per_page)]


def stage_albums(copies: Sequence[EvidencePhoto], per_page: int = 10) -> list[list[EvidencePhoto]]:
    """Evidence copies (oldest first) as Telegram albums of one stage each, the stages in the order their first
    photo came, each stage's photos oldest first and split by ``album_pages``. A chat shows one caption under an
    album, so an album mixing stages showed the first photo's stage (发现) under the rectification photos too."""
    stages: dict[str, list[EvidencePhoto]] = {}
    for copy in copies:
        stages.setdefault(copy.stage, []).append(copy)
    return [page for run in stages.values() for page in album_pages(run, per_page)]


@dataclass(frozen=True)
class EvidencePhoto:
    """An evidence copy ready to send: its bytes, a file name made from its hash, and its stage."""

    photo_id: int
    stage: str
    filename: str
    data: bytes


class EvidenceService:
    """Makes the evidence copy of each photo as it is received, stamps it with its record's watermark,
    and hands copies out for cards. ``gps_reference``/``gps_radius_km``: where a photo's own GPS must
    lie to be burned in (``WatermarkInfo.with_facts``)."""

    def __init__(
        self, uow: UowFactory, store: PhotoStore, clock: Clock,
        gps_reference: tuple[float, float] = DISTRICT_CENTRE, gps_radius_km: float = GPS_RADIUS_KM,
    ) -> None:
        self._uow = uow
        self._store = store
        self._clock = clock
        self._gps: dict[str, Any] = {"gps_reference": gps_reference, "gps_radius_km": gps_radius_km}

    async def record(
        self, session: AsyncSession, photo: Photo, info: WatermarkInfo | None = None, copy: StoredCopy | None = None
    ) -> PhotoEvidence:
        """Keep the evidence record of ``photo`` (flushed, in the caller's unit of work): from ``copy``,
        its unmarked copy made on receipt, or else from the original. With ``info`` the watermark is
        burned in now; without, the copy stays unmarked (``watermark`` ``[]``) until ``stamp``.

        Raises the ``storage.images`` errors when the original cannot be made into a copy.
        """
        assert photo.id is not None
        if copy is None:
            copy = await keep_unmarked(self._store, await self._store.get(photo.storage_key))
        row = _evidence_row(photo.id, copy, [])
        session.add(row)
        await session.flush()
        if info is not None:
            await self._stamp(session, [(photo, row)], info)
        return row

    async def stamp(self, session: AsyncSession, photo_ids: Sequence[int], info: WatermarkInfo) -> int:
        """Burn the watermark of the record ``info`` describes into the evidence copies of ``photo_ids``
        (each with its own receipt time, stage and EXIF facts), in the caller's unit of work; how many.
        A copy stamped before (a draft from before copies were left unmarked) is made again from its
        original, never stamped twice. Photos without an evidence record (the public's) are skipped."""
        if not photo_ids:
            return 0
        rows = list((await session.exec(
            select(Photo, PhotoEvidence).join(PhotoEvidence, col(PhotoEvidence.photo_id) == col(Photo.id))
            .where(col(Photo.id).in_(list(photo_ids))).order_by(col(Photo.id))
        )).all())
        await self._stamp(session, rows, info)
        return len(rows)

    async def _stamp(self, session: AsyncSession, rows: Sequence[tuple[Photo, PhotoEvidence]], info: WatermarkInfo) -> None:
        async def render(photo: Photo, row: PhotoEvidence) -> tuple[list[str], EncodedImage, EncodedImage]:
            own = replace(info, received_at=photo.received_at, stage=photo.stage, tz=self._clock.tz,
                          **self._gps).with_facts(facts_of(row))
            lines = watermark_lines(own)
            if row.watermark:  # already stamped: start again from the original
                made = await make_evidence(await self._store.get(photo.storage_key), own)
                return lines, made.copy, made.thumbnail
            copy, thumb = await asyncio.to_thread(build_stamped, await self._store.get(row.copy_key), lines)
            return lines, copy, thumb

        made = await asyncio.gather(*(render(photo, row) for photo, row in rows))
        for (_photo, row), (lines, copy, thumb) in zip(rows, made, strict=True):
            row.copy_sha256, row.copy_key = await self._store.put(copy.data)
            row.copy_size, row.copy_width, row.copy_height = len(copy.data), copy.width, copy.height
            row.thumb_sha256, row.thumb_key = await self._store.put(thumb.data)
            row.thumb_size = len(thumb.data)
            row.watermark = lines
            session.add(row)
        await session.flush()

    async def copies(
        self, *, hazard_id: int | None = None, draft_id: int | None = None, inspection_id: int | None = None,
        stages: Sequence[str] | None = None,
    ) -> list[EvidencePhoto]:
        """The evidence copies of one record, oldest first. The caller has checked the user's scope."""
        async with self._uow() as u:
            rows = await evidence_for(
                u.session, hazard_id=hazard_id, draft_id=draft_id, inspection_id=inspection_id, stages=stages
            )
            found = [(p.id, p.stage, e.copy_key, e.copy_sha256) for p, e in rows]
        return [
            EvidencePhoto(photo_id, stage, f"{sha[:16]}.jpg", await self._store.get(key))  # type: ignore[arg-type]
            for photo_id, stage, key, sha in found
        ]

    async def before_after(self, hazard_id: int) -> EncodedImage | None:
        """The rectification card's picture: the first discovery (or inspection/tip-off) evidence copy
        beside the latest rectification (or acceptance) one; ``None`` until both exist."""
        before_stages = (PhotoStage.DISCOVERY, PhotoStage.INSPECTION, PhotoStage.TIPOFF)
        after_stages = (PhotoStage.RECTIFICATION, PhotoStage.ACCEPTANCE)
        before = await self.copies(hazard_id=hazard_id, stages=before_stages)
        after = await self.copies(hazard_id=hazard_id, stages=after_stages)
        if not before or not after:
            return None
        return await make_before_after(before[0].data, after[-1].data)
