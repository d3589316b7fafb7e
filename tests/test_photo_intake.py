"""Photos through the dispatcher, as a hostile or careless sender sends them (issue 14, findings 2, 3, 10):
image bombs and broken files at a photos question get a clear answer in Chinese and leave nothing on
disk, with the process's memory barely moving; a photo no open question takes is answered without
being downloaded; a HEIC with no type or name is judged by its bytes; a download cut mid-way is tried
again, then named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import GetFile
from sqlmodel import col, func, select

import handlers.media as media
from bot.channels import telegram_address
from bot.domain import HazardState
from storage.models import Photo
from storage.models_lifecycle import Rectification
from tests.chat_helpers import open_first
from tests.conftest import Harness
from tests.forms_flow import fill_hazard_until_photos, finish_hazard
from tests.hostile_images import (
    cut,
    gif_frame_bomb,
    gif_many_frames,
    heic_photo,
    heic_sps_bomb,
    tiff_pages_bomb,
)
from tests.image_factory import encode, exif_with, jpeg_claiming, png_bomb, png_header_only, scene
from tests.lifecycle_factories import hazard
from tests.memory_probe import peak_growth

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

HOSTILE: dict[str, tuple[Callable[[], bytes], str, str, str]] = {
    # name: (file, file name, declared type, what the user is told)
    "gif-100x100-screen-with-a-12000x12000-frame": (lambda: gif_frame_bomb((12000, 12000)), "IMG_1.gif", "image/gif", "图片过大"),
    "gif-30000x30000": (lambda: gif_frame_bomb((30000, 30000)), "IMG_2.gif", "image/gif", "图片过大"),
    "gif-frame-flood": (lambda: gif_many_frames(5000), "IMG_3.gif", "image/gif", "帧数过多"),
    "heic-whose-hevc-says-30000x30000": (heic_sps_bomb, "IMG_4.heic", "image/heic", "图片过大"),
    "png-20000x20000-real": (lambda: png_bomb(20000), "IMG_5.png", "image/png", "图片过大"),
    "png-huge-header-no-pixels": (lambda: png_header_only(30000, 30000), "IMG_6.png", "image/png", "图片已损坏"),
    "jpeg-huge-header-1-kb": (lambda: jpeg_claiming(30000, 30000), "IMG_7.jpg", "image/jpeg", "图片已损坏"),
    "jpeg-cut-in-half": (lambda: cut(encode(scene((1200, 900)), "JPEG")), "IMG_8.jpg", "image/jpeg", "图片已损坏"),
    "pdf-named-jpg": (lambda: b"%PDF-1.7\n" + bytes(500), "IMG_9.jpg", "image/jpeg", "不是可用的图片"),
    "multi-page-tiff-named-jpg": (tiff_pages_bomb, "IMG_10.jpg", "image/jpeg", "不是可用的图片"),
}


def _files(h: Harness) -> list[Path]:
    root = h.core.settings.effective_photo_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _downloads(methods: list[Any]) -> list[GetFile]:
    return [m for m in methods if isinstance(m, GetFile)]


async def _photo_rows(h: Harness) -> int:
    async with h.core.uow() as u:
        return int((await u.session.exec(select(func.count()).select_from(Photo))).one())


@pytest.mark.parametrize("name", HOSTILE.keys())
async def test_a_hostile_image_at_a_photos_question_is_answered_and_nothing_is_kept(harness: Harness, name: str) -> None:
    h = harness
    chat = await h.bind(74001, "inspector", "110105001", name="王检查")
    await fill_hazard_until_photos(chat)
    make, file_name, mime, told = HOSTILE[name]
    data = make()
    with peak_growth() as growth:
        texts = chat.texts(await chat.file(data, file_name, mime))
    assert len(texts) == 1 and told in texts[0], texts
    assert "隐患照片" in texts[0]  # the same question again
    assert growth.mb < 100, f"the process grew by {growth.mb:.0f} MiB"
    assert await _photo_rows(h) == 0 and _files(h) == []
    await chat.photo(encode(scene(), "JPEG"))  # the form goes on
    assert await _photo_rows(h) == 1


async def test_a_frame_bomb_sent_to_a_public_report_is_answered_and_nothing_is_kept(harness: Harness) -> None:
    h = harness
    chat = h.chat(74002, "群众")
    await chat.say("/report")
    await chat.say("幸福村中路12号地下室住了很多人，楼道里还在给电动车充电")
    assert "照片" in chat.last_text()
    with peak_growth() as growth:
        texts = chat.texts(await chat.file(gif_frame_bomb((12000, 12000)), "a.gif", "image/gif"))
    assert any("图片过大" in t for t in texts) and not any("抱歉" in t for t in texts), texts
    assert growth.mb < 100
    assert await _photo_rows(h) == 0 and _files(h) == []


async def test_a_photo_nobody_asked_for_is_answered_without_being_downloaded(harness: Harness) -> None:
    h = harness
    gps_photo = encode(scene(), "JPEG", exif=exif_with(gps=(39.9219, 116.4436)).tobytes())
    public = h.chat(74003, "群众")
    inspector = await h.bind(74004, "inspector", "110105001", name="王检查")
    sent = await public.photo(gps_photo)
    sent += await public.file(gps_photo, "IMG_0001.jpg", "image/jpeg")
    assert [("/report" in t) for t in public.texts(sent)] == [True, True], public.texts(sent)
    sent = await inspector.photo(gps_photo)  # no form open
    assert inspector.texts(sent) == ["当前没有正在填写的表单。发送 /inspect 记录检查，或 /hazard 登记隐患。"]
    await inspector.say("/hazard")
    await inspector.press("保持当前值")
    sent = await inspector.photo(gps_photo)  # the site's name is asked, not a photo
    assert inspector.texts(sent)[0].startswith("⚠️ 这个问题不需要照片。") and "单位名称" in inspector.texts(sent)[0]
    await public.say("/report")
    sent = await public.photo(gps_photo)  # the description is asked first
    assert public.texts(sent)[0].startswith("⚠️ 这个问题不需要照片。") and "隐患情况" in public.texts(sent)[0]
    assert _downloads(h.session.requests) == []
    assert await _photo_rows(h) == 0 and _files(h) == []


async def test_late_album_photos_after_submit_are_answered_not_stored(harness: Harness, photos_dir: Path) -> None:
    h = harness
    chat = await h.bind(74005, "inspector", "110105001", name="王检查")
    await fill_hazard_until_photos(chat)
    await chat.photo(photos_dir / "landscape_1.jpg", media_group_id="album-1")
    await chat.press("完成")
    await finish_hazard(chat)
    await chat.press("提交")
    assert "隐患已提交" in " ".join(chat.texts()), chat.texts()[-3:]
    rows, files = await _photo_rows(h), len(_files(h))
    before = len(h.session.requests)
    for n in (2, 3):
        await chat.photo(photos_dir / f"landscape_{n}.jpg", media_group_id="album-1")
    late = h.session.requests[before:]
    assert len(chat.texts(late)) == 1 and "之后才到达，未能加入" in chat.texts(late)[0], chat.texts(late)
    assert _downloads(late) == []
    assert (await _photo_rows(h), len(_files(h))) == (rows, files)


async def test_a_heic_sent_with_no_type_and_no_name_is_taken_by_its_content(harness: Harness) -> None:
    h = harness
    chat = await h.bind(74006, "inspector", "110105001", name="王检查")
    await fill_hazard_until_photos(chat)
    texts = chat.texts(await chat.file(heic_photo(), "IMG_0042", "application/octet-stream"))
    assert texts[-1].startswith("已收到照片（共 1 张）"), texts
    async with h.core.uow() as u:
        mimes = (await u.session.exec(select(Photo.mime))).all()
    assert mimes == ["image/heic"]
    texts = chat.texts(await chat.file(b"%PDF-1.7\n" + bytes(200), "scan", "application/octet-stream"))
    assert "不是可用的图片" in texts[-1], texts


async def test_in_the_rectification_step_a_heic_with_no_type_is_a_photo_not_a_document(harness: Harness) -> None:
    h = harness
    await h.bind(74007, "inspector", "建外街道", "李检查")
    actor = await h.core.services.users.touch(telegram_address(74007), "李检查", "zh-hans")
    hid = await hazard(h.core.uow, actor, state=HazardState.REGISTERED)
    chat = h.chat(74007, "李检查")
    await open_first(chat, "/rectify")
    await chat.press("报告整改")
    for _ in range(2):  # responsibility: skip; measures: keep (registered: no deadline; 一般隐患: no funds, no plan)
        await chat.press(1)
    await chat.file(heic_photo(), "IMG_0043", None)
    await chat.press("完成")
    await chat.press("提交")
    async with h.core.uow() as u:
        report = (await u.session.exec(select(Rectification).where(Rectification.hazard_id == hid))).one()
        photos = (await u.session.exec(select(Photo.mime).where(col(Photo.id).in_(report.photo_ids)))).all()
    assert report.document_name is None and report.document_key is None and photos == ["image/heic"]


async def test_a_download_cut_mid_way_is_tried_again(harness: Harness, cut_downloads: Callable[[int], None]) -> None:
    h = harness
    chat = await h.bind(74008, "inspector", "110105001", name="王检查")
    await fill_hazard_until_photos(chat)
    cut_downloads(media.ATTEMPTS - 1)
    texts = chat.texts(await chat.file(encode(scene(), "JPEG"), "IMG_1.jpg", "image/jpeg"))
    assert not any("抱歉" in t or "失败" in t for t in texts), texts
    assert await _photo_rows(h) == 1


async def test_a_download_that_keeps_failing_is_named_and_the_question_asked_again(
    harness: Harness, cut_downloads: Callable[[int], None]
) -> None:
    h = harness
    chat = await h.bind(74009, "inspector", "110105001", name="王检查")
    await fill_hazard_until_photos(chat)
    cut_downloads(media.ATTEMPTS)
    texts = chat.texts(await chat.photo(encode(scene(), "JPEG")))
    assert len(texts) == 1 and "照片下载失败，请重新发送" in texts[0] and "隐患照片" in texts[0], texts
    assert await _photo_rows(h) == 0 and _files(h) == []
