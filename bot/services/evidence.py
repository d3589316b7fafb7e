"""Evidence copies of photos: upright, sRGB, a sensible size, a Chinese watermark band burned in,
EXIF (GPS included) stripped; thumbnails for cards; before/after composites for rectification.

The original bytes are kept untouched elsewhere (``storage.photo_store``); what is made here is what
other people see. Decoding and drawing run in a worker thread (``asyncio.to_thread``) so a 12 MP
photo never blocks the event loop. Source: 方案 五(一) ("相关记录及照片及时录入信息系统");
design.md "Records" (photos per stage + location) and "Hazard life cycle" (evidence per stage).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from PIL import Image, ImageCms, ImageDraw
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.domain import PhotoStage
from bot.services.watermark import (
    FONT_LOCK,
    WatermarkInfo,
    burn_watermark,
    font,
    watermark_lines,
)
from storage.db import UowFactory
from storage.images import (
    MAX_FILE_BYTES,
    FileTooBig,
    ImageFacts,
    inspect_image,
    open_upright,
)
from storage.models import Photo
from storage.models_evidence import PhotoEvidence
from storage.photo_store import PhotoStore

T = TypeVar("T")

#: Long edge of an evidence copy: sharp on a phone, about 300–500 KB as JPEG.
EVIDENCE_LONG_EDGE = 1600
THUMBNAIL_LONG_EDGE = 320
COMPOSITE_HEIGHT = 1200
#: Telegram refuses photos whose width + height exceed 10000; keep composites well inside.
COMPOSITE_MAX_WIDTH = 3200

def check_declared_size(size: int | None) -> None:
    """Refuse a file Telegram would not let the bot download (getFile serves up to 20 MB), from the
    ``file_size`` the update declares, before downloading. ``None`` (size not declared) passes: the
    downloaded bytes are checked again by ``inspect_image``. Raises ``FileTooBig``."""
    if size is not None and size > MAX_FILE_BYTES:
        raise FileTooBig(size_mb=round(size / 2**20, 1), max_mb=MAX_FILE_BYTES // 2**20)


@dataclass(frozen=True)
class EncodedImage:
    """A JPEG made here (no EXIF, no ICC: sRGB) with its pixel size."""

    data: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
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


def _srgb() -> ImageCms.ImageCmsProfile:
    # made per call (microseconds): LittleCMS objects are not shared between worker threads
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def to_rgb(im: Image.Image) -> Image.Image:
    """Plain RGB in sRGB: transparency flattened on white; palette, grey and 16-bit expanded;
    CMYK (and RGB with an embedded profile) converted through its ICC profile when present."""
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        im.mode in ("P", "L", "RGB", "1") and "transparency" in im.info
    ):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(im, source, _srgb(), outputMode="RGB")  # type: ignore[return-value]
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: fall back to the plain conversion
    return im if im.mode == "RGB" else im.convert("RGB")


def _fit(im: Image.Image, long_edge: int) -> Image.Image:
    if max(im.size) <= long_edge:
        return im
    ratio = long_edge / max(im.size)
    size = (max(1, round(im.width * ratio)), max(1, round(im.height * ratio)))
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


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
    im = _fit(to_rgb(open_upright(original, facts, long_edge=long_edge)), long_edge)
    marked = burn_watermark(im, lines)
    copy = encode_jpeg(marked)
    marked.thumbnail((THUMBNAIL_LONG_EDGE, THUMBNAIL_LONG_EDGE), Image.Resampling.LANCZOS)
    return EvidenceResult(facts, info, lines, copy, encode_jpeg(marked, quality=80))


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
        pictures.append(to_rgb(open_upright(data, facts, long_edge=2 * height)))
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
    copy_sha, copy_key = await store.put(result.copy.data)
    thumb_sha, thumb_key = await store.put(result.thumbnail.data)
    facts = result.facts
    row = PhotoEvidence(
        photo_id=photo_id,
        format=facts.format,
        width=facts.width,
        height=facts.height,
        orientation=facts.orientation,
        captured_at=facts.captured_at,
        latitude=facts.latitude,
        longitude=facts.longitude,
        copy_sha256=copy_sha,
        copy_key=copy_key,
        copy_size=len(result.copy.data),
        copy_width=result.copy.width,
        copy_height=result.copy.height,
        thumb_sha256=thumb_sha,
        thumb_key=thumb_key,
        thumb_size=len(result.thumbnail.data),
        watermark=list(result.lines),
    )
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


@dataclass(frozen=True)
class EvidencePhoto:
    """An evidence copy ready to send: its bytes, a file name made from its hash, and its stage."""

    photo_id: int
    stage: str
    filename: str
    data: bytes


class EvidenceService:
    """Makes the evidence copy of each photo as it is received, and hands copies out for cards."""

    def __init__(self, uow: UowFactory, store: PhotoStore, clock: Clock) -> None:
        self._uow = uow
        self._store = store
        self._clock = clock

    async def record(self, session: AsyncSession, photo: Photo, info: WatermarkInfo) -> PhotoEvidence:
        """Make and keep the evidence copy of ``photo`` (flushed, in the caller's unit of work).

        Raises the ``storage.images`` errors when the original cannot be made into one.
        """
        assert photo.id is not None
        original = await self._store.get(photo.storage_key)
        result = await make_evidence(original, info)
        return await save_evidence(session, self._store, photo.id, result)

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
