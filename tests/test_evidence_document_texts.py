"""The words of the rectification report's evidence question (验收材料, 方案 四(三)) once a document is among the
answers, through the real dispatcher: a file is named and never counted or announced as a photo — in the "当前"
line of the question asked again, in the notice of an album of documents, and in what "完成" says was saved —
in Chinese and in English."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.types import User

from bot.local_chat import LocalChat
from tests.conftest import Harness
from tests.inbox_helpers import make_pdf
from tests.rectify_chat import inspector_at_the_evidence_question

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

PHOTO = Path("tests/data/photos/landscape_1.jpg")


def _in_english(chat: LocalChat) -> None:
    """From now on the same person writes from a Telegram client set to English."""
    chat.user = User(id=chat.user.id, is_bot=False, first_name=chat.user.first_name, language_code="en")


async def test_a_photo_and_a_document_are_named_as_such_when_kept_and_when_done(harness: Harness) -> None:
    chat, _hid = await inspector_at_the_evidence_question(harness, 76001)
    await chat.photo(PHOTO)
    [kept] = chat.texts(await chat.file(make_pdf(), "验收单.pdf", "application/pdf"))
    assert "当前：1 张照片 + 📄 验收单.pdf" in kept, kept
    [done] = chat.texts(await chat.press("完成"))
    assert "验收材料：已保存 1 张照片和文件 验收单.pdf。" in done and "验收材料：1 张照片 + 📄 验收单.pdf" in done, done
    [asked] = chat.texts(await chat.press("修改：验收材料"))
    assert "当前：1 张照片 + 📄 验收单.pdf" in asked, asked


async def test_an_album_of_documents_is_announced_as_a_file_not_as_photos(harness: Harness) -> None:
    chat, _hid = await inspector_at_the_evidence_question(harness, 76002)
    [first] = chat.texts(await chat.file(make_pdf("1"), "一.pdf", "application/pdf", media_group_id="docs-1"))
    assert "已收到并保存文件 一.pdf" in first and "相册" not in first and "照片发送完毕" not in first, first
    assert "当前：📄 一.pdf" in first, first
    [second] = chat.texts(await chat.file(make_pdf("2"), "二.pdf", "application/pdf", media_group_id="docs-1"))
    assert "一.pdf" in second and "相册" not in second, second
    [done] = chat.texts(await chat.press("完成"))
    assert "验收材料：已保存文件 一.pdf。" in done and "张" not in done.split("\n")[0], done


async def test_a_document_of_an_album_arriving_after_done_is_named(harness: Harness) -> None:
    chat, _hid = await inspector_at_the_evidence_question(harness, 76003)
    await chat.photo(PHOTO)
    await chat.press("完成")
    [late] = chat.texts(await chat.file(make_pdf(), "晚到.pdf", "application/pdf", media_group_id="docs-2"))
    assert "文件 晚到.pdf 在点「完成」之后到达，已加入验收材料" in late and "照片" not in late.split("\n")[0], late


async def test_the_same_texts_speak_of_documents_in_english(harness: Harness) -> None:
    chat, _hid = await inspector_at_the_evidence_question(harness, 76004)
    _in_english(chat)
    await chat.photo(PHOTO)
    [kept] = chat.texts(await chat.file(make_pdf("1"), "report.pdf", "application/pdf", media_group_id="docs-3"))
    assert "Document report.pdf received" in kept and "Current: 1 photo(s) + 📄 report.pdf" in kept, kept
    assert "album" not in kept, kept
    [done] = chat.texts(await chat.press("Done"))
    assert "Acceptance evidence: 1 photo(s) and document report.pdf saved." in done, done
