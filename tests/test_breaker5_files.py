"""Hostile files through the real dispatcher on SQLite and PostgreSQL: contacts (附件4) files that hold no contact
(only a header, a huge header, binary garbage named .csv, a broken workbook) and tip-off photos that are no photo
(zero bytes, an album mixing good and bad pictures, files of no type): each is told in Chinese, nothing fails,
nothing entered is lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.local_chat import LocalChat
from tests.conftest import FailureLog, Harness
from tests.tipoff_helpers import DESCRIPTION, last

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

ENGLISH = re.compile(r"[A-Za-z]{3,}( [A-Za-z]{2,}){2,}")
HEADER = "序号,单位,姓名,职务,手机号\r\n".encode()
CONTACT_FILES = [
    (HEADER, "附件4联系表.csv"),
    ("\ufeff".encode() + HEADER + b",,,,\r\n,,,,\r\n", "附件4联系表.csv"),
    (("列" * 20000 + "\r\n").encode(), "附件4联系表.csv"),
    (bytes(range(256)) * 40, "附件4联系表.csv"),
    (b"\x00" * 5000, "附件4联系表.csv"),
    (b"PK\x03\x04 broken", "附件4联系表.xlsx"),
    (b"\xff\xfe" + "序号,单位\r\n".encode("utf-16-le"), "附件4联系表.csv"),
]


async def _office(h: Harness) -> LocalChat:
    return await h.bind(85201, "office", "区安委会办公室", "张办公室")


@pytest.mark.parametrize(("data", "name"), CONTACT_FILES, ids=["header", "bom-blank-rows", "huge-header", "binary",
                                                                 "nul", "broken-xlsx", "utf16"])
async def test_a_contacts_file_without_contacts_is_refused_in_chinese(harness: Harness, failures: FailureLog,
                                                                      data: bytes, name: str) -> None:
    office = await _office(harness)
    await office.say("/contacts_import")
    sent = await office.file(data, name, "text/csv" if name.endswith(".csv") else None)
    texts = office.texts(sent)
    assert texts, sent
    assert not any(ENGLISH.search(t) for t in texts), texts
    assert all(len(t) <= 4096 for t in texts), [len(t) for t in texts]
    assert "未导入任何数据" in texts[-1] or "已损坏" in texts[-1], texts
    assert not failures.records, failures.messages()


async def _at_tipoff_photos(h: Harness, user_id: int, photos_dir: Path) -> LocalChat:
    chat = h.chat(user_id, "热心群众")
    await chat.say("/report")
    await chat.say(DESCRIPTION)
    await chat.photo(photos_dir / "jolla.jpg")
    assert "当前：1 张" in last(chat), last(chat)
    return chat


async def test_a_zero_byte_photo_of_a_tipoff_is_told_and_the_report_kept(harness: Harness, photos_dir: Path,
                                                                        failures: FailureLog) -> None:
    chat = await _at_tipoff_photos(harness, 85202, photos_dir)
    for send in (lambda: chat.photo(b""), lambda: chat.file(b"", "空.jpg", "image/jpeg"),
                 lambda: chat.file(b"\x89PNG\r\n\x1a\n", "截断.png", None)):
        texts = chat.texts(await send())
        assert len(texts) == 1 and texts[0].startswith("⚠️") and "当前：1 张" in texts[0], texts
        assert not ENGLISH.search(texts[0]), texts
    assert not failures.records, failures.messages()


async def test_an_album_mixing_good_and_bad_photos_keeps_the_good_ones(harness: Harness, photos_dir: Path,
                                                                      failures: FailureLog) -> None:
    chat = await _at_tipoff_photos(harness, 85203, photos_dir)
    good = (photos_dir / "jolla.jpg").read_bytes()
    group = "mixed-85203"
    sends = [chat.photo_update(good, group), chat.photo_update(b"\xff\xd8\xff\xe0 broken", group),
             chat.photo_update(good[:400], group), chat.photo_update(good, group)]
    texts: list[str] = []
    for update in sends:
        texts += chat.texts(await chat._feed(update))
    assert not failures.records, failures.messages()
    assert not any(ENGLISH.search(t) for t in texts), texts
    assert len(texts) <= 3, texts  # an album is not told once per photo
    await chat.press("完成")
    await chat.location(39.93418, 116.45212, "朝阳区三里屯街道幸福村中路12号")
    await chat.press("保持当前")
    await chat.press("跳过")
    review = last(chat)
    assert "3 张" in review, review  # the first photo and the two good ones of the album
    await chat.press("提交")
    assert "受理编号" in last(chat), last(chat)
    assert not failures.records, failures.messages()


async def test_a_contacts_file_declared_beyond_telegrams_limit_is_refused_in_chinese(harness: Harness,
                                                                                      failures: FailureLog) -> None:
    office = await _office(harness)
    await office.say("/contacts_import")
    texts = office.texts(await office.file(HEADER, "附件4联系表.csv", "text/csv", size=30 * 2**20))
    assert texts and not any(ENGLISH.search(t) for t in texts), texts
    assert "MB" in texts[-1] or "过大" in texts[-1] or "太大" in texts[-1], texts
    assert not failures.records, failures.messages()


async def test_an_album_of_files_mixing_a_pdf_and_a_picture_keeps_the_picture(harness: Harness, photos_dir: Path,
                                                                             failures: FailureLog) -> None:
    from tests.inbox_helpers import make_pdf

    chat = await _at_tipoff_photos(harness, 85204, photos_dir)
    group = "files-85204"
    texts = chat.texts(await chat.file(make_pdf(), "现场.pdf", "application/pdf", media_group_id=group))
    texts += chat.texts(await chat.file(photos_dir / "landscape_3.jpg", "现场.jpg", "image/jpeg",
                                        media_group_id=group))
    assert not failures.records, failures.messages()
    assert not any(ENGLISH.search(t) for t in texts), texts
    await chat.press("完成")
    await chat.location(39.93418, 116.45212, "朝阳区三里屯街道幸福村中路12号")
    await chat.press("保持当前")
    await chat.press("跳过")
    assert "2 张" in last(chat), last(chat)
