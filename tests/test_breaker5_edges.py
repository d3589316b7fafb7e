"""Hostile edits, forged buttons and /find tokens through the real dispatcher on SQLite and PostgreSQL: every one
is answered in Chinese, nothing fails, nothing stored changes."""

from __future__ import annotations

import re

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, EditMessageText, SendMessage
from aiogram.types import Chat

from bot.local_chat import Button, LocalChat
from handlers.find_filter import owner_tag
from tests.conftest import FailureLog, Harness

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

HOME = "建外街道"
#: an English sentence shown in the Chinese locale (a msgid left untranslated): three words of letters
ENGLISH = re.compile(r"[A-Za-z]{3,}( [A-Za-z]{2,}){2,}")


def _alerts(sent: list[object]) -> list[str]:
    return [m.text or "" for m in sent if isinstance(m, AnswerCallbackQuery)]


def _said(chat: LocalChat, sent: list[object]) -> list[str]:
    return _alerts(sent) + chat.texts(sent)  # type: ignore[arg-type]


def _chinese(words: list[str]) -> None:
    for w in words:
        assert not ENGLISH.search(w), w


async def _typed_then_edited(h: Harness, chat: LocalChat, first: str, edited: str) -> list[str]:
    typed = h.factory.text(chat.user, first)
    await chat._feed(typed)
    return chat.texts(await chat._feed(h.factory.edited(typed, text=edited)))


@pytest.mark.parametrize("edited", ["/status@some_other_bot", "   \n\t ", "/" + "x" * 4000, "长" * 4096,
                                    "/find@", "@", "/", "/start start", "<b>/help</b>"])
async def test_an_edit_outside_a_form_is_told_once_in_chinese(harness: Harness, failures: FailureLog,
                                                                edited: str) -> None:
    h = harness
    chat = await h.bind(85101, "inspector", HOME, "李检查")
    [text] = await _typed_then_edited(h, chat, "你好", edited)
    assert "修改过的消息不会被重新读取" in text, text
    assert len(text) < 400, text  # a huge command is not echoed whole
    _chinese([text])
    assert not failures.records, failures.messages()


@pytest.mark.parametrize("edited", ["/cancel", "   ", "x" * 4096, "/hazard@other_bot"])
async def test_an_edit_inside_a_form_changes_nothing(harness: Harness, failures: FailureLog, edited: str) -> None:
    h = harness
    chat = await h.bind(85102, "inspector", HOME, "李检查")
    await chat.say("/hazard")
    await chat.press("保持当前值")
    question = chat.last_text()
    [text] = await _typed_then_edited(h, chat, "张XX出租房", edited)
    assert "修改过的消息不会被重新读取" in text and "上一步" in text, text
    _chinese([text])
    await chat.say("/cancel")  # the form is still open: cancelling it asks to confirm
    assert "放弃" in chat.last_text(), (question, chat.last_text())
    assert not failures.records, failures.messages()


async def test_an_edit_of_a_photo_caption_is_told_once(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85103, "inspector", HOME, "李检查")
    sent_photo = chat.photo_update(b"not really a picture")
    edited = h.factory.edited(sent_photo, caption="新的说明")
    texts = chat.texts(await chat._feed(edited))
    assert len(texts) == 1 and "修改过的消息不会被重新读取" in texts[0], texts
    assert not failures.records, failures.messages()


async def test_an_edit_in_a_group_is_not_answered(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85104, "inspector", HOME, "李检查")
    group = Chat(id=-100123456, type="supergroup", title="群")
    typed = h.factory.text(chat.user, "/status", chat=group)
    await chat._feed(typed)
    sent = await chat._feed(h.factory.edited(typed, text="/find"))
    assert not [m for m in sent if isinstance(m, SendMessage)], sent
    assert not failures.records, failures.messages()


FORGED = ["f1:999999:n:c", "f1:1:p:0:0", "f1:x:y", "f1:", "f1:" + "9" * 61, "f1:1:n:submit", "f1:-1:e:0", "f1:1\x00:n:c",
          "f1:1:n:c\x00"]


@pytest.mark.parametrize("data", FORGED)
async def test_a_forged_form_button_under_a_message_without_keyboard_is_answered(
        harness: Harness, failures: FailureLog, data: str) -> None:
    h = harness
    chat = await h.bind(85105, "inspector", HOME, "李检查")
    sent = await chat.say("/help")
    plain = chat._message_for(next(m for m in sent if isinstance(m, SendMessage)))
    for message in (plain, h.factory.inaccessible(plain)):
        sent = await chat.press_button(Button("forged", data, None, message))
        assert len(_alerts(sent)) == 1, sent
        assert not [m for m in sent if isinstance(m, EditMessageReplyMarkup | EditMessageText)], sent
        _chinese(_said(chat, sent))
    assert not failures.records, failures.messages()


@pytest.mark.parametrize("data", FORGED[:3])
async def test_a_forged_form_button_inside_an_open_form_keeps_it(harness: Harness, failures: FailureLog,
                                                                  data: str) -> None:
    h = harness
    chat = await h.bind(85106, "inspector", HOME, "李检查")
    await chat.say("/hazard")
    question = chat.buttons()
    sent = await chat.press_button(Button("forged", data, None, h.factory.inaccessible(question[0].message)))
    assert len(_alerts(sent)) == 1, sent
    _chinese(_said(chat, sent))
    await chat.press("保持当前值")  # the form goes on
    assert "场所" in chat.last_text() or "名称" in chat.last_text(), chat.last_text()
    assert not failures.records, failures.messages()


async def test_a_forged_form_button_in_a_group_is_answered_without_a_form(harness: Harness,
                                                                          failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85107, "inspector", HOME, "李检查")
    await chat.say("/hazard")
    data = chat.buttons()[0].callback_data or ""
    group = Chat(id=-100999, type="supergroup", title="群")
    typed = h.factory.text(chat.user, "hi", chat=group)
    assert typed.message is not None
    sent = await chat.press_button(Button("forged", data, None, typed.message))
    assert len(_alerts(sent)) == 1, sent
    assert not [m for m in sent if getattr(m, "chat_id", None) == group.id and isinstance(m, SendMessage)], sent
    assert not failures.records, failures.messages()


async def _find_button(h: Harness, user_id: int) -> tuple[LocalChat, Button, str]:
    chat = await h.bind(user_id, "inspector", HOME, "李检查")
    await chat.say("/find")
    card = chat.buttons()
    data = card[0].callback_data or ""
    return chat, card[0], data.split(":")[2]


@pytest.mark.parametrize("token", ["", "abc", "zzzzzzzzzz", "0" * 12, "0" * 13, "x" * 60, "deadbee", "deadbeef",
                                   "ＡＢＣＤＥＦ1234", "ab:cd", "%s",
                                   "dead\x00beef12"])
async def test_a_malformed_find_token_is_answered_in_chinese(harness: Harness, failures: FailureLog,
                                                            token: str) -> None:
    h = harness
    chat, button, real = await _find_button(h, 85108)
    data = (button.callback_data or "").replace(real, token, 1)
    sent = await chat.press_button(Button("forged", data, None, button.message))
    assert len(_alerts(sent)) == 1, sent
    _chinese(_said(chat, sent))
    assert not failures.records, failures.messages()
    sent = await chat.press_button(button)  # the real one still works
    assert not any("不再保留" in t or "不是您的" in t for t in _said(chat, sent)), sent


async def test_a_token_with_someone_elses_tag_is_not_theirs_even_if_malformed_random(harness: Harness) -> None:
    h = harness
    chat, button, real = await _find_button(h, 85109)
    other = "zzzzzz" + owner_tag(1)
    sent = await chat.press_button(Button("forged", (button.callback_data or "").replace(real, other), None,
                                          button.message))
    assert "不是您的" in " ".join(_said(chat, sent)) or "不再保留" in " ".join(_said(chat, sent)), sent
