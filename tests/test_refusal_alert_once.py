"""A pressed button is answered exactly once (Telegram takes only the first ``answerCallbackQuery`` of a press),
through the real dispatcher on SQLite and PostgreSQL: a handler that answers the press before its service call
and is then refused still shows the refusal as the press's alert (``bot.callback_answers`` holds the plain
answer back; ``handlers.errors`` gives the alert in its place), with the message after it; a press that
succeeds gets its one plain answer before what it shows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import Chat, Message

from bot.domain import HazardState
from bot.local_chat import LocalChat
from handlers.hazard_callbacks import HazardCb
from tests.chat_helpers import actor_of
from tests.conftest import Harness
from tests.forms_flow import fill_inspection_until_review
from tests.lifecycle_factories import hazard

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

HOME = "110105005"


def _answers(sent: list[TelegramMethod[Any]]) -> list[AnswerCallbackQuery]:
    return [m for m in sent if isinstance(m, AnswerCallbackQuery)]


async def _saved_inspection(h: Harness, user_id: int) -> LocalChat:
    chat = await h.bind(user_id, "inspector", HOME, "李检查")
    await fill_inspection_until_review(chat)
    await chat.press("提交")
    assert "检查记录已保存" in chat.last_text(), chat.last_text()
    return chat


async def test_a_button_refused_after_its_handler_answered_still_shows_the_alert_once(harness: Harness) -> None:
    h = harness
    inspector = await _saved_inspection(h, 8901)
    office = await h.bind(8902, "office", "区安委会办公室", "张办公室")
    uid = (await actor_of(h, inspector)).user_id
    await office.say(f"/unsetrole {uid} {HOME} inspector")
    sent = await inspector.press("登记本次检查发现的隐患")  # its handler answers the press first
    [answer] = _answers(sent)
    assert answer.show_alert and answer.text and "/bind" in answer.text, answer  # no role left: how to bind
    assert [m for m in sent if isinstance(m, SendMessage)] == [], sent  # the alert tells it whole: not again


async def test_a_button_that_succeeds_gets_one_plain_answer_before_what_it_shows(harness: Harness) -> None:
    inspector = await _saved_inspection(harness, 8903)
    sent = await inspector.press("登记本次检查发现的隐患")
    [answer] = _answers(sent)
    assert answer.text is None and not answer.show_alert, answer
    question = next(m for m in sent if isinstance(m, SendMessage))
    assert sent.index(answer) < sent.index(question) and "所属街乡" in question.text, sent


async def test_a_press_on_another_units_card_is_refused_once_by_its_alert(harness: Harness) -> None:
    h = harness
    other = await h.bind(8904, "inspector", "110105002", "外单位")
    reviewer = await h.bind(8905, "reviewer", HOME, "王审核")
    hid = await hazard(h.core.uow, await actor_of(h, other), unit="110105002", state=HazardState.PENDING_REVIEW)
    card = Message(message_id=1, date=datetime(2018, 10, 15, tzinfo=UTC), chat=Chat(id=reviewer.user.id, type="private"))
    for action, said in (("o", "未找到，或不在您的权限范围内。"), ("ap", "您的角色无权进行此操作。")):
        before = len(h.session.requests)
        await reviewer._feed(h.factory.callback(reviewer.user, card, HazardCb(id=hid, a=action).pack()))
        sent = h.session.requests[before:]
        [answer] = _answers(sent)
        assert answer.show_alert and answer.text == said, (action, answer)
        assert [m for m in sent if isinstance(m, SendMessage)] == [], (action, sent)  # not told twice
