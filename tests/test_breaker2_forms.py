"""Hostile use of the acceptance document's replacement (修改) and of closed forms' buttons, through the real
dispatcher on SQLite and PostgreSQL: a second replacement, a hostile or oversized replacement, an album of two
documents sent while the question is edited, an old review card's 修改 after submitting, forged draft ids."""

from __future__ import annotations

import hashlib

import pytest
from aiogram.methods import AnswerCallbackQuery, GetFile

from bot.local_chat import Button, LocalChat
from handlers.callbacks import FormCb
from tests.chat_helpers import SUBMIT
from tests.conftest import Harness
from tests.evidence_chat import (
    QUESTION,
    at_the_evidence_question,
    edit_evidence,
    reports,
    stored_files,
    submitted_report,
)
from tests.inbox_helpers import make_pdf

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently


async def _album_documents(chat: LocalChat, files: list[tuple[bytes, str]]) -> list[object]:
    sent: list[object] = []
    for data, name in files:
        file_id, unique_id, size = chat.session.register_file(data)
        update = chat.factory.document(chat.user, file_id, unique_id, size, name, "application/pdf")
        assert update.message is not None
        update = update.model_copy(update={"message": update.message.model_copy(update={"media_group_id": "g-b2"})})
        sent += await chat._feed(update)
    return sent


async def test_replacing_twice_keeps_the_last_and_a_hostile_or_oversized_replacement_keeps_the_one_before(
        harness: Harness) -> None:
    h = harness
    chat, hid = await at_the_evidence_question(h, 76001)
    await chat.file(make_pdf("one"), "一.pdf", "application/pdf")
    await chat.press("完成")
    await chat.press_button(edit_evidence(chat))
    await chat.file(make_pdf("two"), "二.pdf", "application/pdf")
    await chat.press("完成")
    await chat.press_button(edit_evidence(chat))
    for data, name, size in ((b"MZ\x90\x00" + bytes(300), "三.pdf", None), (b"PK\x03\x04" + bytes(60), "三.docx", None),
                             (make_pdf("big"), "大.pdf", 25 * 2**20)):
        before = len(h.session.requests)
        texts = chat.texts(await chat.file(data, name, "application/pdf", size=size))
        assert len(texts) == 1 and QUESTION in texts[0] and "替换" not in texts[0], (name, texts)
        if size:
            assert [m for m in h.session.requests[before:] if isinstance(m, GetFile)] == []
    three = make_pdf("three")
    texts = chat.texts(await chat.file(three, "三.pdf", "application/pdf"))
    assert "已用文件 三.pdf 替换 二.pdf" in texts[-1], texts
    report = await submitted_report(h, chat, hid)
    assert (report.document_name, report.document_sha256) == ("三.pdf", hashlib.sha256(three).hexdigest())


async def test_a_hostile_replacement_keeps_the_document_before(harness: Harness) -> None:
    h = harness
    chat, hid = await at_the_evidence_question(h, 76002)
    one = make_pdf("one")
    await chat.file(one, "一.pdf", "application/pdf")
    await chat.press("完成")
    await chat.press_button(edit_evidence(chat))
    texts = chat.texts(await chat.file(b"MZ\x90\x00" + bytes(300), "坏.pdf", "application/pdf"))
    assert "该文件未被接收" in texts[-1], texts
    await chat.press("完成")
    assert "一.pdf" in chat.last_text(), chat.last_text()
    await chat.press(SUBMIT)
    [report] = await reports(h, hid)
    assert report.document_sha256 == hashlib.sha256(one).hexdigest()


async def test_an_album_of_two_documents_while_editing_keeps_one_and_says_so(harness: Harness) -> None:
    h = harness
    chat, hid = await at_the_evidence_question(h, 76003)
    await chat.file(make_pdf("one"), "一.pdf", "application/pdf")
    await chat.press("完成")
    await chat.press_button(edit_evidence(chat))
    a, b = make_pdf("album a"), make_pdf("album b")
    sent = await _album_documents(chat, [(a, "甲.pdf"), (b, "乙.pdf")])
    texts = chat.texts(sent)  # type: ignore[arg-type]
    print("ALBUM TEXTS", texts)
    await chat.press("完成")
    print("REVIEW", chat.last_text())
    await chat.press(SUBMIT)
    [report] = await reports(h, hid)
    print("KEPT", report.document_name, len(stored_files(h)))
    # as outside an edit: the first of the album is taken, the second refused (one document per report)
    assert report.document_sha256 == hashlib.sha256(a).hexdigest(), (report.document_name, texts)
    assert not any("替换 甲.pdf" in t for t in texts), texts
    assert len(stored_files(h)) == 2, stored_files(h)  # 一 and 甲: 乙 refused before being downloaded


async def test_edit_on_an_old_review_card_after_submit_says_closed_and_opens_nothing(harness: Harness) -> None:
    h = harness
    chat, hid = await at_the_evidence_question(h, 76004)
    await chat.file(make_pdf(), "验收单.pdf", "application/pdf")
    await chat.press("完成")
    edit = edit_evidence(chat)
    others = [b for b in chat.buttons() if b.callback_data]
    await chat.press(SUBMIT)
    for button in [edit, *others]:
        sent = await chat.press_button(button)
        alerts = [m.text for m in sent if isinstance(m, AnswerCallbackQuery)]
        assert alerts and all(t and ("已结束" in t or "过期" in t or "已失效" in t) for t in alerts), (button.text, alerts,
                                                                                                  chat.texts(sent))
    assert len(await reports(h, hid)) == 1


async def test_forged_draft_ids_never_act_on_the_open_form(harness: Harness) -> None:
    h = harness
    other, _ = await at_the_evidence_question(h, 76005)
    chat, hid = await at_the_evidence_question(h, 76006)
    await chat.file(make_pdf(), "验收单.pdf", "application/pdf")
    await chat.press("完成")
    mine = FormCb.unpack(chat.latest_button(SUBMIT).callback_data or "")
    for d in (str(mine.d - 1), str(mine.d + 1), "-1", "0", str(2**31), str(2**63 - 1), "9" * 40, "x"):
        for data in (f"f1:{d}:n:0:0:{mine.a}", f"f1:{d}:e:0:0:", f"f1:{d}:v:0:0:"):
            sent = await chat.press_button(Button("forged", data, None, chat.buttons()[0].message))
            assert any(isinstance(m, AnswerCallbackQuery) for m in sent), (d, data)
    assert await reports(h, hid) == []
    other_texts = other.texts(list(h.session.requests))
    assert other_texts  # the other user's draft still at its question


async def test_buttons_of_a_cancelled_form_say_closed_and_act_on_the_next_form_never(harness: Harness) -> None:
    h = harness
    chat, hid = await at_the_evidence_question(h, 76007)
    await chat.file(make_pdf(), "验收单.pdf", "application/pdf")
    await chat.press("完成")
    review = [b for b in chat.buttons() if b.callback_data]
    await chat.press("取消")
    discard, stay = chat.buttons()[:2]  # 确认放弃, 继续填写
    await chat.press_button(discard)
    for button in [discard, stay, *review]:
        sent = await chat.press_button(button)
        alerts = [m.text for m in sent if isinstance(m, AnswerCallbackQuery)]
        assert alerts and all(t and "已结束" in t for t in alerts), (button.text, alerts, chat.texts(sent))
    assert await reports(h, hid) == []
