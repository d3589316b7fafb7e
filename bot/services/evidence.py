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
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo

from PIL import Image, ImageCms, ImageDraw, ImageFont
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.domain import PhotoStage
from bot.fonts import cjk_font_path
from bot.services.errors import DomainError
from bot.services.photos import ImageRejected
from storage.db import UowFactory
from storage.images import (
    MAX_FILE_BYTES,
    SHANGHAI,
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

STAGE_LABELS: dict[str, str] = {
    PhotoStage.DISCOVERY: "隐患发现",
    PhotoStage.INSPECTION: "监督检查",
    PhotoStage.RECTIFICATION: "整改",
    PhotoStage.ACCEPTANCE: "验收",
    PhotoStage.REINSPECTION: "复查",
    PhotoStage.VERIFICATION: "核查",
    PhotoStage.TIPOFF: "群众举报",
}

_BAND_OPACITY = 0.6  # the dark band: white text stays readable on snow and on night shots
_FIELD_MAX_CHARS = 60


def check_declared_size(size: int | None) -> None:
    """Refuse a file Telegram would not let the bot download (getFile serves up to 20 MB), from the
    ``file_size`` the update declares, before downloading. ``None`` (size not declared) passes: the
    downloaded bytes are checked again by ``inspect_image``. Raises ``FileTooBig``."""
    if size is not None and size > MAX_FILE_BYTES:
        raise FileTooBig(size_mb=round(size / 2**20, 1), max_mb=MAX_FILE_BYTES // 2**20)


@dataclass(frozen=True)
class WatermarkInfo:
    """What the watermark says, taken from the record the photo belongs to.

    ``received_at`` (aware) is when the bot got the photo; ``captured_at`` the EXIF capture time
    (filled by ``with_facts``). ``address`` and ``latitude``/``longitude`` (decimal degrees) are the
    place; ``ledger_number`` (台账编号, once registered) wins over ``draft_number``.
    """

    received_at: datetime
    stage: str
    unit_name: str | None = None
    inspector_name: str | None = None
    ledger_number: str | None = None
    draft_number: str | int | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    captured_at: datetime | None = None

    def with_facts(self, facts: ImageFacts) -> WatermarkInfo:
        """Fill the capture time and coordinates from the original's EXIF where the record has none.

        A capture time before 2000 or more than a day after receipt is a camera with an unset clock
        and is ignored (the receipt time is shown instead).
        """
        info = self
        if info.captured_at is None and facts.captured_at is not None:
            plausible = facts.captured_at.year >= 2000 and facts.captured_at <= info.received_at + timedelta(days=1)
            if plausible:
                info = replace(info, captured_at=facts.captured_at)
        if info.latitude is None and facts.latitude is not None:
            info = replace(info, latitude=facts.latitude, longitude=facts.longitude)
        return info


def _clean(value: object) -> str:
    """User-typed text made safe to draw: no control or format characters, one line, bounded."""
    text = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in str(value))
    text = " ".join(text.split())
    return text if len(text) <= _FIELD_MAX_CHARS else text[: _FIELD_MAX_CHARS - 1] + "…"


def _coordinates(lat: float, lon: float) -> str:
    ns = "北纬" if lat >= 0 else "南纬"
    ew = "东经" if lon >= 0 else "西经"
    return f"{ns}{abs(lat):.6f}° {ew}{abs(lon):.6f}°"


def watermark_lines(info: WatermarkInfo, tz: ZoneInfo = SHANGHAI) -> list[str]:
    """The watermark text, one string per line, in Chinese. Times in ``tz`` (Asia/Shanghai).

    Lines: time (拍摄 = EXIF capture time, 接收 = receipt time), place (address and/or coordinates,
    or 未提供), unit and inspector (when known), ledger or draft number and stage.
    """
    if info.captured_at is not None:
        when, source = info.captured_at, "拍摄"
    else:
        when, source = info.received_at, "接收"
    lines = [f"时间：{when.astimezone(tz):%Y-%m-%d %H:%M:%S}（{source}）"]
    place = [_clean(info.address)] if info.address and _clean(info.address) else []
    if info.latitude is not None and info.longitude is not None:
        place.append(_coordinates(info.latitude, info.longitude))
    lines.append("地点：" + ("　".join(place) if place else "未提供"))
    who = []
    if info.unit_name:
        who.append(f"单位：{_clean(info.unit_name)}")
    if info.inspector_name:
        who.append(f"检查人：{_clean(info.inspector_name)}")
    if who:
        lines.append("　".join(who))
    last = []
    if info.ledger_number:
        last.append(f"台账编号：{_clean(info.ledger_number)}")
    elif info.draft_number is not None:
        last.append(f"草稿编号：{_clean(info.draft_number)}")
    last.append(f"阶段：{STAGE_LABELS.get(info.stage, _clean(info.stage))}")
    lines.append("　".join(last))
    return lines


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


# FreeType faces are not safe to use from two threads at once; drawing is short, so one lock.
_FONT_LOCK = threading.Lock()


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(cjk_font_path()), size, index=0)


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


def _ellipsize(text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


def burn_watermark(im: Image.Image, lines: Sequence[str]) -> Image.Image:
    """``im`` (RGB) with ``lines`` in white on a semi-opaque dark band along the bottom.

    The font scales with the picture and shrinks until the longest line fits; what still does not
    fit is cut with "…". On pictures too small to spare the band it is added below the picture.
    """
    w, h = im.size
    with _FONT_LOCK:
        size = max(14, round(min(w, h * 1.4) / 50))
        pad = max(4, size // 2)
        longest = max(_font(size).getlength(line) for line in lines)
        if longest > w - 2 * pad:
            size = max(12, int(size * (w - 2 * pad) / longest))
            pad = max(4, size // 2)
        font = _font(size)
        line_h = round(size * 1.35)
        band_h = 2 * pad + line_h * len(lines)
        if band_h > h * 0.35:
            canvas = Image.new("RGB", (w, h + band_h), (0, 0, 0))
            canvas.paste(im, (0, 0))
            im, top = canvas, h
        else:
            im, top = im.copy(), h - band_h
        box = (0, top, w, top + band_h)
        band = Image.blend(im.crop(box), Image.new("RGB", (w, band_h), (0, 0, 0)), _BAND_OPACITY)
        draw = ImageDraw.Draw(band)
        for i, line in enumerate(lines):
            text = _ellipsize(line, font, w - 2 * pad)
            draw.text((pad, pad + i * line_h), text, font=font, fill=(255, 255, 255),
                      stroke_width=max(1, size // 16), stroke_fill=(0, 0, 0))
        im.paste(band, box)
    return im


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
    with _FONT_LOCK:
        font = _font(label_size)
        draw = ImageDraw.Draw(canvas)
        for picture, w, label in zip(pictures, widths, ("整改前", "整改后"), strict=True):
            canvas.paste(picture.resize((w, h), Image.Resampling.LANCZOS), (x, label_h))
            draw.text((x + w / 2, label_h / 2), label, font=font, fill=(255, 255, 255), anchor="mm")
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


def info_from_form(
    data: dict[str, object],
    *,
    stage: str,
    received_at: datetime,
    unit_name: str | None,
    inspector_name: str | None,
    draft_number: str | int | None = None,
    ledger_number: str | None = None,
) -> WatermarkInfo:
    """``WatermarkInfo`` from a form's answers so far: the ``address`` field (a location answer
    ``{"address", "lat", "lon"}``) gives the place; the rest comes from the caller."""
    place = data.get("address")
    place = place if isinstance(place, dict) else {}
    lat, lon = place.get("lat"), place.get("lon")
    located = isinstance(lat, int | float) and isinstance(lon, int | float)
    return WatermarkInfo(
        received_at=received_at,
        stage=stage,
        unit_name=unit_name,
        inspector_name=inspector_name,
        ledger_number=ledger_number,
        draft_number=draft_number,
        address=place.get("address") if isinstance(place.get("address"), str) else None,
        latitude=float(lat) if located else None,  # type: ignore[arg-type]
        longitude=float(lon) if located else None,  # type: ignore[arg-type]
    )


# The form flow already tells users why a file was refused (``ImageRejected`` reasons); the
# pipeline's own codes are mapped onto those so that every refusal reads the same.
_REJECTION_REASONS = {
    "file_too_big": "too_big",
    "image_too_large_pixels": "too_many_pixels",
    "image_truncated": "corrupt",
    "not_an_image": "not_an_image",
    "image_format_unsupported": "not_an_image",
}


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

        Raises ``ImageRejected`` (reasons as ``PhotoService``) when the original cannot be made into one.
        """
        assert photo.id is not None
        original = await self._store.get(photo.storage_key)
        try:
            result = await make_evidence(original, info)
        except DomainError as exc:
            raise ImageRejected(reason=_REJECTION_REASONS.get(exc.code, "corrupt"), **exc.params) from exc
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
