"""Evidence photos through the dispatcher: photos and files of every kind sent while filling in the
hazard form get an evidence copy at once; bad files get a clear answer and the form goes on; the
submitted hazard's card shows the copies upright, watermarked from the record and without EXIF."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from aiogram.methods import SendMediaGroup, SendPhoto
from PIL import Image, ImageChops, ImageStat
from sqlmodel import col, select

from storage.models import Hazard, Inspection, Photo
from storage.models_evidence import PhotoEvidence
from tests.conftest import Harness
from tests.forms_flow import fill_hazard_until_photos, fill_inspection_until_review, finish_hazard
from tests.image_factory import encode, exif_with, png_bomb, scene

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently


def _decoded(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


async def test_photos_sent_in_a_hazard_form_come_back_upright_watermarked_and_clean(
    harness: Harness, photos_dir: Path, tmp_path: Path
) -> None:
    h = harness
    chat = await h.bind(70001, "inspector", "110105001", name="王检查")
    await fill_hazard_until_photos(chat)

    # phone photos sent as files keep their EXIF: all eight orientations; then a compressed photo,
    # a PNG named .jpg, a HEIC named .jpg, transparency, a palette with a transparent index, CMYK
    for n in range(1, 9):
        await chat.file(photos_dir / f"landscape_{n}.jpg", f"IMG_000{n}.jpg", "image/jpeg")
    await chat.photo(photos_dir / "portrait_6.jpg")
    await chat.file(encode(scene(), "PNG"), "screenshot.jpg", "image/jpeg")
    heic = encode(scene(), "HEIF", quality=70, exif=exif_with(gps=(39.93, 116.45)).tobytes())
    await chat.file(heic, "IMG_0100.jpg", "image/jpeg")
    rgba = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    await chat.file(encode(rgba, "PNG"), "clear.png", "image/png")
    palette = Image.new("P", (400, 300), 0)
    palette.putpalette([0, 0, 0] * 256)
    await chat.file(encode(palette, "PNG", transparency=0), "palette.png", "image/png")
    await chat.file(encode(Image.new("CMYK", (400, 300), (0, 255, 255, 0)), "JPEG"), "print.jpg", "image/jpeg")

    # bad files: each answered, and the photos question asked again
    truncated = (photos_dir / "landscape_1.jpg").read_bytes()[:4000]
    bad = [
        (truncated, "cut.jpg", "image/jpeg", None, "损坏或不完整"),
        (b"0" * 1000, "huge.jpg", "image/jpeg", 25 * 1024 * 1024, "最多只能接收 20 MB"),
        (b"%PDF-1.7\n" + b"0" * 100, "report.jpg", "image/jpeg", None, "不是可用的图片"),
        (png_bomb(20000), "bomb.png", "image/png", None, "图片过大"),
    ]
    for data, name, mime, size, reply in bad:
        sent = await chat.file(data, name, mime, size=size)
        texts = chat.texts(sent)
        assert any(reply in t for t in texts), texts
        assert "隐患照片" in texts[-1]

    async with h.core.uow() as u:
        made = (await u.session.exec(select(PhotoEvidence).order_by(col(PhotoEvidence.id)))).all()
        assert [e.format for e in made] == ["jpeg"] * 9 + ["png", "heif", "png", "png", "jpeg"]
        assert {tuple(e.watermark) for e in made} == {()}  # unmarked while the form is open

    await chat.press("完成")
    await finish_hazard(chat)
    # the address is corrected on the review card, after the photos arrived
    await chat.press("修改：地址")
    await chat.say("建国门外大街永安里10号")
    assert "提交前请核对" in chat.last_text(), chat.last_text()
    before = len(h.session.requests)
    await chat.press("提交")
    after_submit = h.session.requests[before:]
    assert any("隐患已提交" in t for t in chat.texts(after_submit)), chat.texts(after_submit)

    async with h.core.uow() as u:
        number = (await u.session.exec(select(Hazard.draft_number))).one()
        made = (await u.session.exec(select(PhotoEvidence).order_by(col(PhotoEvidence.id)))).all()
    assert number in " ".join(chat.texts(after_submit))  # the number the inspector is shown
    lines = made[0].watermark
    assert lines[0] == "时间：2018-10-15 09:30:00（接收）"
    assert lines[1] == "地点：建国门外大街永安里10号　北纬39.908700° 东经116.460500°"
    assert lines[2] == "单位：建外街道　检查人：王检查"
    assert lines[3] == f"草稿编号：{number}　阶段：隐患发现"
    assert all(e.watermark[1:] == lines[1:] for e in made)

    albums = [m for m in after_submit if isinstance(m, SendMediaGroup)]
    assert not [m for m in after_submit if isinstance(m, SendPhoto)]
    assert [len(a.media) for a in albums] == [10, 4]
    assert [a.media[0].caption for a in albums] == ["证据照片第1–10张，共14张", "证据照片第11–14张，共14张"]
    sent = [m.media.data for a in albums for m in a.media]  # type: ignore[union-attr]
    copies = [_decoded(data) for data in sent]
    assert [c.size for c in copies] == [(600, 450)] * 8 + [(450, 600)] + [(400, 300)] * 5

    def top(im: Image.Image) -> Image.Image:  # above the watermark band
        return im.convert("L").crop((0, 0, im.width, im.height * 2 // 3)).resize((24, 12), Image.Resampling.BOX)

    reference = top(Image.open(photos_dir / "landscape_1.jpg"))
    for n, copy in enumerate(copies[:8], start=1):
        assert ImageStat.Stat(ImageChops.difference(top(copy), reference)).mean[0] < 6, n
    band = copies[0].convert("L").crop((0, 400, 600, 450))
    original_band = Image.open(photos_dir / "landscape_1.jpg").convert("L").crop((0, 400, 600, 450))
    assert ImageStat.Stat(ImageChops.difference(band, original_band)).mean[0] > 10
    white, red = (255, 255, 255), (255, 0, 0)
    for copy, colour in zip(copies[11:], (white, white, red), strict=True):
        assert all(abs(a - b) < 40 for a, b in zip(copy.convert("RGB").getpixel((10, 10)), colour, strict=True))  # type: ignore[arg-type]
    for copy, data in zip(copies, sent, strict=True):
        assert len(copy.getexif()) == 0
        assert b"Exif\x00\x00" not in data

    async with h.core.uow() as u:
        owned = (await u.session.exec(
            select(Photo.hazard_id).join(PhotoEvidence, col(PhotoEvidence.photo_id) == col(Photo.id))
        )).all()
    assert len(owned) == 14 and None not in owned


async def test_a_photos_own_gps_is_burned_in_only_near_the_district_and_then_labelled(
    harness: Harness, photos_dir: Path
) -> None:
    h = harness
    chat = await h.bind(70002, "inspector", "110105001", name="王检查")
    await fill_hazard_until_photos(chat, pin=False)  # an address, no pin: the record has no coordinates
    await chat.file(photos_dir / "DSCN0010.jpg", "DSCN0010.jpg", "image/jpeg")  # its GPS is in Tuscany
    near = encode(scene(), "JPEG", exif=exif_with(gps=(39.93, 116.45)).tobytes())
    await chat.file(near, "IMG_0001.jpg", "image/jpeg")
    await chat.press("完成")
    await finish_hazard(chat)
    await chat.press("提交")
    async with h.core.uow() as u:
        made = (await u.session.exec(select(PhotoEvidence).order_by(col(PhotoEvidence.id)))).all()
    assert [e.watermark[1] for e in made] == [
        "地点：建国门外大街永安里8号",
        "地点：建国门外大街永安里8号　照片GPS：北纬39.930000° 东经116.450000°",
    ]
    assert made[0].latitude is not None  # what the camera said is kept in the record, not shown


async def test_an_inspections_photos_carry_the_inspection_number_the_inspector_is_shown(harness: Harness) -> None:
    h = harness
    chat = await h.bind(70003, "inspector", "110105001", name="王检查")
    await fill_inspection_until_review(chat, photos=[encode(scene(), "JPEG")])
    sent = await chat.press("提交")
    async with h.core.uow() as u:
        number = (await u.session.exec(select(Inspection.number))).one()
        (made,) = (await u.session.exec(select(PhotoEvidence))).all()
    assert number in " ".join(chat.texts(sent))
    assert made.watermark[-1] == f"检查编号：{number}　阶段：监督检查"
    assert made.watermark[1] == "地点：建国门外大街永安里8号"
