"""Forged /submissions month and page buttons and /find words whose aliases collide, through the dispatcher on
SQLite and PostgreSQL: each is answered (refused in words or understood), nothing fails, every answer fits."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery

from bot.local_chat import Button, LocalChat
from handlers.message_limits import TELEGRAM_TEXT_LIMIT, utf16_len
from tests.conftest import FailureLog, Harness


def _forged(chat: LocalChat, data: str) -> Button:
    return Button("forged", data, None, chat.buttons()[0].message)


async def test_forged_month_and_page_buttons_are_answered_and_fail_nothing(
        harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(76201, "office", "区安委会办公室")
    await office.say("/submissions 2018-10")
    months = ("201813a", "201800a", "2018-1a", "", "a", "２０１８１０ａ", "201810", "201810z", "-20181a", "9" * 16)
    forged = [f"sb:{a}:{k}:{i}:{n}" for a in ("f", "u", "x", "o", "t", "P") for k in months
              for i, n in ((0, 0), (99999999999, 0), (0, 99999999999), (-1, -1))]
    forged += [f"p1:sb:{n}:{k}" for k in months for n in ("0", "1", "-1", "99999999999999999999")]
    answered = 0
    for data in forged:
        sent = await office.press_button(_forged(office, data))
        answered += any(isinstance(m, AnswerCallbackQuery) for m in sent)
        assert all(utf16_len(t) <= TELEGRAM_TEXT_LIMIT for t in office.texts(sent)), data
    assert answered == len(forged)
    assert failures.messages() == [], failures.messages()[:3]


async def test_find_words_that_are_both_a_unit_and_a_type_are_answered(harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(76202, "office", "区安委会办公室")
    for words in ("消防", "消防 消防", "重大 一般", "超期 已销账", "CBD 燃气", "建外 建外街道 朝外", "违建 违法建设",
                  "Ｃｂｄ", "消防 按行业", "xlsx"):
        await office.say(f"/find {words}")
        answer = office.last_text()
        assert answer and utf16_len(answer) <= TELEGRAM_TEXT_LIMIT, words
    assert failures.messages() == [], failures.messages()[:3]
