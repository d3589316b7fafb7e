"""Six defects found by walking the bot, each through the real dispatcher on SQLite and PostgreSQL: a forged form
button under an unrelated message leaves that message's keyboard alone; another person's /find button says it is
not theirs (not "expired"); an edited command outside a form is told as a command; an unbound sender of a file is
told how to bind; an empty contacts file is called empty; a bad photo of a tip-off is told above its question
asked again, nothing entered lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, EditMessageText
from aiogram.types import InlineKeyboardMarkup

from bot.local_chat import Button, LocalChat
from tests.conftest import FailureLog, Harness
from tests.inbox_helpers import make_pdf
from tests.tipoff_helpers import DESCRIPTION, last

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

HOME = "建外街道"


def _alerts(sent: list[object]) -> list[str]:
    return [m.text or "" for m in sent if isinstance(m, AnswerCallbackQuery)]


def _touched(sent: list[object], message_id: int) -> list[object]:
    """The edits of message ``message_id`` among ``sent`` (its keyboard removed, its text replaced)."""
    return [m for m in sent if isinstance(m, EditMessageReplyMarkup | EditMessageText)
            and getattr(m, "message_id", None) == message_id]


async def _form_button_data(chat: LocalChat) -> str:
    """The callback data of the first button of ``chat``'s open form question."""
    data = chat.buttons()[0].callback_data
    assert data and data.startswith("f1:"), data
    return data


async def test_a_forged_form_button_under_an_unrelated_message_keeps_that_keyboard(harness: Harness,
                                                                                   failures: FailureLog) -> None:
    h = harness
    other = await h.bind(8101, "inspector", HOME, "李检查")
    await other.say("/hazard")
    others_draft = await _form_button_data(other)
    chat = await h.bind(8102, "inspector", HOME, "赵复查")
    await chat.say("/hazard")
    own_old = await _form_button_data(chat)
    await chat.say("/cancel")
    await chat.press("确认放弃")  # that form is closed; none is open now
    await chat.say("/find")
    card = chat.buttons()
    assert card and all((b.callback_data or "").startswith("q1:") for b in card), [b.text for b in card]
    unrelated = card[0].message
    assert isinstance(unrelated.reply_markup, InlineKeyboardMarkup)  # as Telegram gives the pressed message
    for data in (others_draft, own_old):
        sent = await chat.press_button(Button("forged", data, None, unrelated))
        assert _alerts(sent), (data, sent)
        assert not _touched(sent, unrelated.message_id), (data, sent)  # the /find card keeps its buttons
    assert not failures.records, failures.messages()
    await chat.press_button(card[0])  # and they still work
    assert not any("已过期" in t or "不再保留" in t for t in _alerts(h.session.requests[-3:])), h.session.requests[-3:]


async def test_a_closed_forms_button_under_its_own_question_still_loses_its_keyboard(harness: Harness) -> None:
    chat = await harness.bind(8103, "inspector", HOME, "李检查")
    await chat.say("/hazard")
    question = chat.buttons()
    await chat.say("/cancel")
    await chat.press("确认放弃")
    sent = await chat.press_button(question[0])
    assert _alerts(sent) == ["该表单已结束（已提交或已取消）。"], sent
    assert _touched(sent, question[0].message.message_id), sent  # a double tap's keyboard goes, as before


async def test_another_persons_find_button_says_it_is_not_theirs(harness: Harness, failures: FailureLog) -> None:
    h = harness
    owner = await h.bind(8201, "inspector", HOME, "李检查")
    stranger = await h.bind(8202, "inspector", HOME, "赵复查")
    await owner.say("/find")
    card = owner.buttons()
    sent = await stranger.press_button(card[0])  # e.g. forwarded to them, or pressed in a shared screen
    words = " ".join(_alerts(sent) + stranger.texts(sent))
    assert "不是您的" in words and "不再保留" not in words, words
    assert "建外街道" not in words, words  # nothing of the owner's search is told
    sent = await owner.press_button(card[0])  # the owner's own press still works
    assert not any("不是您的" in t or "不再保留" in t for t in _alerts(sent) + owner.texts(sent)), sent
    assert not failures.records, failures.messages()


async def test_a_find_filter_gone_from_ones_own_state_still_says_expired(harness: Harness) -> None:
    from handlers.find_filter import owner_tag

    owner = await harness.bind(8203, "inspector", HOME, "李检查")
    await owner.say("/find")
    card = owner.buttons()
    data = card[0].callback_data or ""
    token = data.split(":")[2]
    for gone in ("deadbeef", "000000" + owner_tag(owner.user.id)):  # an older token's shape; one never kept
        sent = await owner.press_button(Button("old", data.replace(token, gone), None, card[0].message))
        words = " ".join(_alerts(sent) + owner.texts(sent))
        assert "不再保留" in words and "不是您的" not in words, (gone, words)


async def test_an_edited_command_outside_a_form_is_told_as_a_command(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(8301, "office", "区安委会办公室", "张办公室")
    typed = h.factory.text(chat.user, "/stat")
    await chat._feed(typed)
    sent = await chat._feed(h.factory.edited(typed, text="/status"))
    [text] = chat.texts(sent)
    assert "修改过的消息不会被重新读取" in text and "/status" in text, text
    assert "上一步" not in text, text  # no form is open: there is no question to go back to
    stranger = h.chat(8302, "路人")
    typed = h.factory.text(stranger.user, "你好")
    await stranger._feed(typed)
    sent = await stranger._feed(h.factory.edited(typed, text="你好啊"))
    [text] = stranger.texts(sent)
    assert "修改过的消息不会被重新读取" in text and "上一步" not in text, text
    assert not failures.records, failures.messages()


async def test_an_unbound_sender_of_a_ledger_file_is_told_how_to_bind(harness: Harness) -> None:
    h = harness
    stranger = h.chat(8401, "路人")
    sent = await stranger.file(b"PK\x03\x04 not really a workbook", "附件2隐患台账.xlsx",
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    text = stranger.texts(sent)[-1]
    assert "尚未绑定" in text and "/bind" in text and "无权" not in text, text
    inspector = await h.bind(8402, "inspector", HOME, "李检查")  # bound without the right: still "no permission"
    sent = await inspector.file(b"PK\x03\x04", "附件2隐患台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "无权" in inspector.texts(sent)[-1], inspector.texts(sent)


async def test_an_empty_contacts_file_is_called_empty(harness: Harness, failures: FailureLog) -> None:
    h = harness
    office = await h.bind(8501, "office", "区安委会办公室", "张办公室")
    for data, name in ((b"", "附件4联系表.csv"), (b"\xef\xbb\xbf\r\n \r\n", "附件4联系表.csv")):
        await office.say("/contacts_import")
        sent = await office.file(data, name, "text/csv")
        text = office.texts(sent)[-1]
        assert "文件是空的" in text and "第0行" not in text, text
        await office.say("/cancel")
    assert not failures.records, failures.messages()


async def test_a_tipoffs_bad_photo_is_told_above_the_same_question(harness: Harness, photos_dir: Path,
                                                                      failures: FailureLog) -> None:
    h = harness
    chat = h.chat(8601, "热心群众")
    await chat.say("/report")
    await chat.say(DESCRIPTION)
    question = last(chat)
    assert "照片" in question, question
    await chat.photo(photos_dir / "jolla.jpg")  # one photo in before the bad ones
    asked = last(chat)
    bad = [
        lambda: chat.file(make_pdf(), "现场.pdf", "application/pdf"),  # not an image at all
        lambda: chat.photo(b"\xff\xd8\xff\xe0 not a picture"),  # sent as a photo, no image inside
        lambda: chat.file((photos_dir / "jolla.jpg").read_bytes()[:400], "现场.jpg", "image/jpeg"),  # cut short
        lambda: chat.file(b"x" * 100, "大图.jpg", "image/jpeg", size=30 * 2**20),  # beyond Telegram's 20 MB
    ]
    for send in bad:
        sent = await send()
        texts = chat.texts(sent)
        assert len(texts) == 1 and texts[0].startswith("⚠️"), texts  # why, in one message with the question
        assert "照片（选填）" in texts[0] and "当前：1 张" in texts[0], (texts, asked)
    await chat.press("完成")
    await chat.location(39.93418, 116.45212, "朝阳区三里屯街道幸福村中路12号")
    await chat.press("保持当前")
    await chat.press("跳过")
    review = last(chat)
    assert DESCRIPTION in review and "1" in review, review  # the description and the one good photo kept
    await chat.press("提交")
    assert "受理编号" in last(chat), last(chat)
    assert not failures.records, failures.messages()
