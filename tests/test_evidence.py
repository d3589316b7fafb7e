"""Evidence copies: upright, RGB, scaled, watermarked from the record, EXIF-free; thumbnails;
before/after composites; the evidence record on both databases."""

from __future__ import annotations

import asyncio
import io
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageCms, ImageStat
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

import bot.services.evidence as evidence
import bot.services.watermark as watermark
from bot.clock import fixed_clock
from bot.domain import PhotoStage
from bot.fonts import cjk_font_path
from bot.services.evidence import (
    EvidenceResult,
    build_before_after,
    build_evidence,
    evidence_for,
    make_before_after,
    make_evidence,
    save_evidence,
)
from bot.services.watermark import WatermarkInfo, burn_watermark, watermark_lines
from storage.db import UowFactory
from storage.images import CAMERA_ZONE, ImageFacts, ImageTruncated
from storage.migrate import downgrade, upgrade
from storage.models import Draft, Photo, User
from storage.models_evidence import PhotoEvidence
from storage.photo_store import FileSystemPhotoStore
from tests.db_inspect import table_names
from tests.image_factory import encode, exif_with, scene

RECEIVED = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)  # 14:30 in Beijing
INFO = WatermarkInfo(
    received_at=RECEIVED,
    stage=PhotoStage.DISCOVERY,
    unit_name="朝外街道",
    inspector_name="张三",
    draft_number="D-2026-0012",
    address="朝阳区工体北路8号",
)


def _open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def _small(im: Image.Image) -> Image.Image:
    return im.convert("L").resize((32, 24), Image.Resampling.BOX)


def _mean_diff(a: Image.Image, b: Image.Image) -> float:
    return float(ImageStat.Stat(ImageChops.difference(a, b)).mean[0])


def _assert_no_metadata(data: bytes) -> None:
    im = _open(data)
    assert len(im.getexif()) == 0
    assert b"Exif\x00\x00" not in data
    assert b"\xff\xe1" not in data[: data.index(b"\xff\xda")]  # no APP1 (EXIF/XMP) before the scan
    assert "icc_profile" not in im.info and "exif" not in im.info


# --- orientation and size -------------------------------------------------------------------

def test_all_eight_orientations_come_out_upright_and_alike(photos_dir: Path) -> None:
    copies = {n: _open(build_evidence((photos_dir / f"landscape_{n}.jpg").read_bytes(), INFO).copy.data)
              for n in range(1, 9)}
    reference = _small(copies[1])
    for n, copy in copies.items():
        assert copy.size == (600, 450), n
        assert _mean_diff(_small(copy), reference) < 5, n
    # the measure does see a picture left as stored (orientation 6 not applied)
    raw = Image.open(photos_dir / "landscape_6.jpg").resize((600, 450))
    assert _mean_diff(_small(raw), reference) > 30


def test_a_sideways_portrait_comes_out_portrait(photos_dir: Path) -> None:
    result = build_evidence((photos_dir / "portrait_6.jpg").read_bytes(), INFO)
    assert (result.copy.width, result.copy.height) == (450, 600)
    assert _open(result.copy.data).size == (450, 600)
    assert result.thumbnail.height > result.thumbnail.width


def test_a_phone_photo_is_scaled_to_the_evidence_long_edge_and_thumbnailed(photos_dir: Path) -> None:
    result = build_evidence((photos_dir / "jolla.jpg").read_bytes(), INFO)
    assert (result.copy.width, result.copy.height) == (1600, 1200)
    assert (result.thumbnail.width, result.thumbnail.height) == (320, 240)
    assert _open(result.thumbnail.data).size == (320, 240)
    assert len(result.copy.data) < 1_000_000


# --- colour modes -------------------------------------------------------------------------------

def _top_left_pixel(data: bytes) -> tuple[int, ...]:
    return _open(data).convert("RGB").getpixel((5, 5))  # type: ignore[return-value]


def _close(pixel: tuple[int, ...], expected: tuple[int, int, int], tol: int = 24) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(pixel, expected, strict=True))


def test_transparency_is_flattened_on_white() -> None:
    im = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    im.paste((200, 30, 30, 255), (200, 0, 400, 300))
    result = build_evidence(encode(im, "PNG"), INFO)
    assert _close(_top_left_pixel(result.copy.data), (255, 255, 255))
    assert _close(_open(result.copy.data).convert("RGB").getpixel((390, 5)), (200, 30, 30))  # type: ignore[arg-type]


def test_a_palette_image_with_a_transparent_index_is_flattened_on_white() -> None:
    im = Image.new("P", (400, 300), 0)
    im.putpalette([0, 0, 0, 30, 30, 200] + [0, 0, 0] * 254)
    im.paste(1, (200, 0, 400, 300))
    data = encode(im, "PNG", transparency=0)
    assert Image.open(io.BytesIO(data)).mode == "P"
    result = build_evidence(data, INFO)
    assert _close(_top_left_pixel(result.copy.data), (255, 255, 255))
    assert _close(_open(result.copy.data).convert("RGB").getpixel((390, 5)), (30, 30, 200))  # type: ignore[arg-type]


def test_cmyk_comes_out_as_the_same_colour_in_rgb() -> None:
    im = Image.new("CMYK", (400, 300), (0, 255, 255, 0))  # process red
    data = encode(im, "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    pixel = _top_left_pixel(build_evidence(data, INFO).copy.data)
    assert pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60


def test_cmyk_with_a_broken_profile_falls_back_to_plain_conversion() -> None:
    im = Image.new("CMYK", (400, 300), (0, 255, 255, 0))
    data = encode(im, "JPEG", quality=95, icc_profile=b"not a profile at all" * 10)
    pixel = _top_left_pixel(build_evidence(data, INFO).copy.data)
    assert pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60


def test_an_embedded_rgb_profile_is_applied_and_not_passed_on() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(scene(), "JPEG", quality=95, icc_profile=srgb)
    result = build_evidence(data, INFO)
    assert _close(_open(result.copy.data).convert("RGB").getpixel((300, 100)), (30, 30, 200))  # type: ignore[arg-type]
    _assert_no_metadata(result.copy.data)


def test_sixteen_bit_grey_keeps_its_brightness() -> None:
    im = Image.new("I;16", (400, 300), 32768)
    pixel = _top_left_pixel(build_evidence(encode(im, "PNG"), INFO).copy.data)
    assert _close(pixel, (128, 128, 128), tol=6)


def test_an_iphone_heic_named_jpg_becomes_an_upright_jpeg_copy(tmp_path: Path) -> None:
    path = tmp_path / "IMG_1234.jpg"
    path.write_bytes(encode(scene(), "HEIF", quality=80, exif=exif_with(orientation=6, gps=(39.9, 116.4)).tobytes()))
    result = build_evidence(path.read_bytes(), INFO)
    assert result.facts.format == "heif"
    copy = _open(result.copy.data)
    assert copy.format == "JPEG"
    # libheif stores the turn as a transform and pillow-heif applies it: upright, portrait
    assert copy.size == (300, 400)
    _assert_no_metadata(result.copy.data)


def test_a_webp_becomes_a_jpeg_copy() -> None:
    result = build_evidence(encode(scene(), "WEBP", quality=80), INFO)
    assert _open(result.copy.data).format == "JPEG"
    assert _close(_top_left_pixel(result.copy.data), (255, 255, 255))


def test_a_truncated_jpeg_is_refused_when_the_copy_is_made(photos_dir: Path) -> None:
    data = (photos_dir / "landscape_1.jpg").read_bytes()
    with pytest.raises(ImageTruncated):
        build_evidence(data[: len(data) * 2 // 3], INFO)


# --- EXIF is gone from everything shown ---------------------------------------------------------

def test_exif_and_gps_are_read_into_the_result_and_absent_from_every_copy(photos_dir: Path) -> None:
    original = (photos_dir / "DSCN0010.jpg").read_bytes()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    result = build_evidence(original, INFO)
    assert result.facts.latitude is not None  # kept in the evidence record (from Italy: not burned in)
    composite = build_before_after(original, original)
    for data in (result.copy.data, result.thumbnail.data, composite.data):
        _assert_no_metadata(data)


# --- the watermark ------------------------------------------------------------------------------

def test_the_text_is_built_from_the_record() -> None:
    info = replace(INFO, stage=PhotoStage.RECTIFICATION, inspector_name="李四", ledger_number="110105001201810150001",
                   draft_number="D-1", address="朝阳区\n工体北路\x008号", latitude=39.9289, longitude=116.4474)
    assert watermark_lines(info) == [
        "时间：2026-11-29 14:30:00（接收）",
        "地点：朝阳区 工体北路 8号　北纬39.928900° 东经116.447400°",
        "单位：朝外街道　检查人：李四",
        "台账编号：110105001201810150001　阶段：整改",
    ]


def test_a_draft_without_place_or_people_says_so() -> None:
    info = WatermarkInfo(received_at=RECEIVED, stage=PhotoStage.TIPOFF, draft_number=7)
    assert watermark_lines(info) == ["时间：2026-11-29 14:30:00（接收）", "地点：未提供", "草稿编号：7　阶段：群众举报"]


def _facts(**kw: object) -> ImageFacts:
    return ImageFacts(format="jpeg", mime="image/jpeg", stored_width=10, stored_height=10, **kw)  # type: ignore[arg-type]


def test_the_exif_capture_time_and_gps_fill_what_the_record_lacks() -> None:
    taken = datetime(2026, 11, 29, 9, 5, tzinfo=CAMERA_ZONE)
    info = INFO.with_facts(_facts(captured_at=taken, latitude=39.9, longitude=116.4))
    assert watermark_lines(info)[0] == "时间：2026-11-29 09:05:00（拍摄）"
    assert (info.latitude, info.longitude, info.photo_gps) == (39.9, 116.4, True)
    assert watermark_lines(info)[1] == "地点：朝阳区工体北路8号　照片GPS：北纬39.900000° 东经116.400000°"
    placed = WatermarkInfo(received_at=RECEIVED, stage="discovery", latitude=1.0, longitude=2.0)
    assert placed.with_facts(_facts(latitude=39.9, longitude=116.4)).latitude == 1.0


@pytest.mark.parametrize(
    ("where", "lat", "lon"),
    [("Tuscany", 43.467448, 11.885127), ("Tianjin, 110 km off", 39.13, 117.2), ("null island", 0.5, 0.5)],
)
def test_a_photos_gps_far_from_the_district_is_not_burned_in(where: str, lat: float, lon: float) -> None:
    info = INFO.with_facts(_facts(latitude=lat, longitude=lon))
    assert (info.latitude, info.photo_gps) == (None, False), where
    assert watermark_lines(info)[1] == "地点：朝阳区工体北路8号"
    near = replace(INFO, gps_reference=(lat, lon)).with_facts(_facts(latitude=lat, longitude=lon))
    assert near.photo_gps and "照片GPS" in watermark_lines(near)[1]


@pytest.mark.parametrize("taken", [datetime(1999, 12, 31, tzinfo=CAMERA_ZONE), datetime(2026, 12, 5, tzinfo=CAMERA_ZONE)])
def test_an_implausible_camera_clock_falls_back_to_the_receipt_time(taken: datetime) -> None:
    info = INFO.with_facts(_facts(captured_at=taken))
    assert info.captured_at is None
    assert watermark_lines(info)[0].endswith("（接收）")


def test_the_copy_carries_the_lines_it_was_made_from(photos_dir: Path) -> None:
    result = build_evidence((photos_dir / "DSCN0010.jpg").read_bytes(), INFO)
    assert list(result.lines) == watermark_lines(result.info)
    assert result.lines[0] == "时间：2008-10-22 16:28:39（拍摄）"
    assert result.lines[1] == "地点：朝阳区工体北路8号"  # the camera's GPS is in Tuscany


@pytest.mark.parametrize(("shade", "name"), [((250, 250, 250), "light"), ((5, 5, 5), "dark")])
def test_the_band_is_burned_in_and_legible_on_light_and_dark_photos(shade: tuple[int, int, int], name: str) -> None:
    source = Image.new("RGB", (1600, 1200), shade)
    marked = burn_watermark(source, watermark_lines(INFO))
    assert marked.size == source.size
    band = marked.crop((0, 1000, 1600, 1200)).convert("L")
    top = marked.crop((0, 0, 1600, 800))
    assert ImageChops.difference(top, source.crop((0, 0, 1600, 800))).getbbox() is None
    assert _mean_diff(band, source.crop((0, 1000, 1600, 1200)).convert("L")) > 3
    histogram = band.histogram()
    text_pixels = sum(histogram[230:])
    dark_pixels = sum(histogram[:110])
    assert text_pixels > 2000, name  # white glyphs
    assert dark_pixels > 50_000, name  # under a dark band even on a white wall


def test_a_tiny_picture_gets_its_band_below_instead_of_over_it() -> None:
    source = Image.new("RGB", (120, 80), (200, 30, 30))
    marked = burn_watermark(source, watermark_lines(INFO))
    assert marked.width == 120 and marked.height > 80
    assert ImageChops.difference(marked.crop((0, 0, 120, 80)), source).getbbox() is None


def test_chinese_glyphs_render_and_are_not_the_missing_glyph_box() -> None:
    font = watermark.font(40)
    notdef = font.getmask("\U0010fffd")  # a private-use code point no font maps
    lines = watermark_lines(WatermarkInfo(
        received_at=RECEIVED, stage=PhotoStage.REINSPECTION, unit_name="朝外街道", inspector_name="王五",
        ledger_number="110105001201810150001", address="朝阳区", latitude=39.9, longitude=116.4,
    ))
    for char in sorted(set("隐患" + "".join(lines)) - {" ", "　"}):
        mask = font.getmask(char)
        assert mask.getbbox() is not None, char
        assert (mask.size, bytes(mask)) != (notdef.size, bytes(notdef)), char
    assert str(cjk_font_path()).endswith("wqy-microhei.ttc")


# --- before / after -----------------------------------------------------------------------------

async def test_before_and_after_side_by_side_in_one_picture() -> None:
    before = encode(Image.new("RGB", (800, 600), (200, 30, 30)), "JPEG")
    after = encode(Image.new("RGB", (600, 800), (30, 30, 200)), "JPEG", exif=exif_with(orientation=6).tobytes())
    composite = await make_before_after(before, after, height=600)
    im = _open(composite.data).convert("RGB")
    assert (im.width, im.height) == (composite.width, composite.height)
    # after is turned upright (800×600), so both halves are 800 wide at 600 high
    assert 1600 <= im.width <= 1620 and im.height > 600
    assert _close(im.getpixel((400, im.height - 50)), (200, 30, 30))  # type: ignore[arg-type]
    assert _close(im.getpixel((im.width - 400, im.height - 50)), (30, 30, 200))  # type: ignore[arg-type]
    assert ImageStat.Stat(im.crop((0, 0, im.width, 20)).convert("L")).mean[0] < 60  # the label strip


# --- off the event loop, and the record ---------------------------------------------------------

async def test_the_copy_is_made_off_the_event_loop(photos_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    real = evidence.build_evidence

    def spy(*args: object, **kwargs: object) -> EvidenceResult:
        threads.append(threading.get_ident())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(evidence, "build_evidence", spy)
    result = await make_evidence((photos_dir / "landscape_3.jpg").read_bytes(), INFO)
    assert threads and threads[0] != threading.get_ident()
    assert result.copy.width == 600


async def _a_hazard_draft(session: AsyncSession, address: int) -> tuple[User, Draft]:
    """A person (张三, Telegram ``address``) and a hazard draft of theirs, flushed: both have ids."""
    user = User(channel="telegram", address=str(address), full_name="张三")
    session.add(user)
    await session.flush()
    draft = Draft(user_id=user.id, form="hazard")  # type: ignore[arg-type]
    session.add(draft)
    await session.flush()
    return user, draft


async def test_the_evidence_record_keeps_exif_facts_and_content_addressed_copies(
    uow: UowFactory, photos_dir: Path, tmp_path: Path
) -> None:
    store = FileSystemPhotoStore(tmp_path / "photos")
    original = (photos_dir / "DSCN0010.jpg").read_bytes()
    result = await make_evidence(original, INFO)
    async with uow() as u:
        user, draft = await _a_hazard_draft(u.session, 10_000_000_001)
        sha, key = await store.put(original)
        for stage in (PhotoStage.DISCOVERY, PhotoStage.RECTIFICATION):
            photo = Photo(sha256=sha, storage_key=key, size=len(original), mime=result.facts.mime,
                          width=result.facts.width, height=result.facts.height, stage=stage,
                          draft_id=draft.id, user_id=user.id)  # type: ignore[arg-type]
            u.session.add(photo)
            await u.session.flush()
            await save_evidence(u.session, store, photo.id, result)  # type: ignore[arg-type]
        await u.commit()
        draft_id = draft.id

    async with uow() as u:
        rows = await evidence_for(u.session, draft_id=draft_id)
        only_rectification = await evidence_for(u.session, draft_id=draft_id, stages=[PhotoStage.RECTIFICATION])
        stored = (await u.session.exec(select(PhotoEvidence))).all()
        assert [photo.stage for photo, _ in rows] == ["discovery", "rectification"]
        assert [photo.stage for photo, _ in only_rectification] == ["rectification"]
        assert len(stored) == 2
        row = rows[0][1]
        u.session.expunge(row)
    assert row.captured_at == datetime(2008, 10, 22, 8, 28, 39, tzinfo=UTC)
    assert (row.latitude, row.longitude) == (result.facts.latitude, result.facts.longitude)
    assert (row.format, row.width, row.height) == ("jpeg", 640, 480)
    assert row.copy_sha256 == result.copy.sha256 and row.copy_size == len(result.copy.data)
    assert await store.get(row.copy_key) == result.copy.data
    assert await store.get(row.thumb_key) == result.thumbnail.data
    assert row.watermark == list(result.lines)


async def test_the_rectification_picture_needs_a_before_and_an_after(
    uow: UowFactory, photos_dir: Path, tmp_path: Path
) -> None:
    store = FileSystemPhotoStore(tmp_path / "photos")
    service = evidence.EvidenceService(uow, store, fixed_clock(RECEIVED))
    red = encode(Image.new("RGB", (800, 600), (200, 30, 30)), "JPEG")
    blue = encode(Image.new("RGB", (800, 600), (30, 30, 200)), "JPEG")
    async with uow() as u:
        user, draft = await _a_hazard_draft(u.session, 10_000_000_002)
        await u.commit()

    async def add(data: bytes, stage: PhotoStage) -> None:
        async with uow() as u:
            sha, key = await store.put(data)
            photo = Photo(sha256=sha, storage_key=key, size=len(data), stage=stage, draft_id=draft.id,
                          user_id=user.id)  # type: ignore[arg-type]
            u.session.add(photo)
            await u.session.flush()
            await service.record(u.session, photo, replace(INFO, stage=stage))
            await u.commit()

    await add(red, PhotoStage.DISCOVERY)
    assert await service.copies(draft_id=draft.id) != []
    # not yet on a hazard: move the photos there the way submission does
    async with uow() as u:
        hazard_id = await _hazard_for(u.session, draft.id, user.id)  # type: ignore[arg-type]
        await u.commit()
    assert await service.before_after(hazard_id) is None
    await add(blue, PhotoStage.RECTIFICATION)
    async with uow() as u:
        await _hazard_for(u.session, draft.id, user.id, hazard_id)  # type: ignore[arg-type]
        await u.commit()
    picture = await service.before_after(hazard_id)
    assert picture is not None
    im = _open(picture.data).convert("RGB")
    assert _close(im.getpixel((100, im.height // 3)), (200, 30, 30))  # type: ignore[arg-type]
    assert _close(im.getpixel((im.width - 100, im.height // 3)), (30, 30, 200))  # type: ignore[arg-type]


async def _hazard_for(session: Any, draft_id: int, user_id: int, hazard_id: int | None = None) -> int:
    """A minimal hazard owning the draft's photos (as ``records.create_hazard`` does on submit)."""
    from sqlalchemy import update

    from storage.models import Hazard, Unit

    if hazard_id is None:
        unit = (await session.exec(select(Unit).where(Unit.code == "110105002"))).one()
        hazard = Hazard(
            draft_number=f"T{draft_id}", state="pending_review", unit_id=unit.id, district="朝阳区",
            township_code=unit.code, township=unit.name, site_name="工地", address="朝阳区某路1号",
            person_in_charge="李四", phone="13800138000", entity_nature="个人", occupant_count=1, source="检查",
            description="消防通道堵塞", category="重点消防", subtype="其他", level="一般隐患",
            illegal_building_nature="无", measures="清理", created_by=user_id,
        )
        session.add(hazard)
        await session.flush()
        hazard_id = hazard.id
    await session.exec(update(Photo).where(col(Photo.draft_id) == draft_id).values(hazard_id=hazard_id))
    return hazard_id  # type: ignore[return-value]


async def test_evidence_for_needs_exactly_one_owner() -> None:
    with pytest.raises(ValueError):
        await evidence_for(None, hazard_id=1, draft_id=2)  # type: ignore[arg-type]


async def test_the_migration_goes_down_and_up_again(database_url: str) -> None:
    assert "photo_evidence" in await table_names(database_url)
    await asyncio.to_thread(downgrade, database_url, "0050-1")
    assert "photo_evidence" not in await table_names(database_url)
    assert "photo" in await table_names(database_url)
    await asyncio.to_thread(upgrade, database_url, "heads")
    assert "photo_evidence" in await table_names(database_url)


async def test_copies_made_at_once_in_several_threads_equal_those_made_one_by_one(photos_dir: Path) -> None:
    originals = [(photos_dir / f"landscape_{n}.jpg").read_bytes() for n in range(1, 9)]
    one_by_one = [build_evidence(data, INFO).copy.data for data in originals]
    at_once = await asyncio.gather(*(make_evidence(data, INFO) for data in originals))
    assert [r.copy.data for r in at_once] == one_by_one
