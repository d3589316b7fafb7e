"""A pressed button is answered exactly once (Telegram takes only the first ``answerCallbackQuery`` of a press),
through the real dispatcher on SQLite and PostgreSQL: a handler that answers the press before its service call
and is then refused still shows the refusal as the press's alert (``bot.callback_answers`` holds the plain
answer back; ``handlers.errors`` gives the alert in its place), with the message after it; a press that
succeeds gets its one plain answer before what it shows."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod

from bot.local_chat import LocalChat
from tests.chat_helpers import actor_of
from tests.conftest import Harness
from tests.forms_flow import fill_inspection_until_review

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
    told = [m.text for m in sent if isinstance(m, SendMessage)]
    assert answer.show_alert and answer.text, answer
    assert told and answer.text[:20] in told[-1], (answer.text, told)  # the alert is the refusal, then its message
    assert sent.index(answer) < sent.index(next(m for m in sent if isinstance(m, SendMessage))), sent


async def test_a_button_that_succeeds_gets_one_plain_answer_before_what_it_shows(harness: Harness) -> None:
    inspector = await _saved_inspection(harness, 8903)
    sent = await inspector.press("登记本次检查发现的隐患")
    [answer] = _answers(sent)
    assert answer.text is None and not answer.show_alert, answer
    question = next(m for m in sent if isinstance(m, SendMessage))
    assert sent.index(answer) < sent.index(question) and "所属街乡" in question.text, sent
