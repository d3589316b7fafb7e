"""Hostile use of the per-chat reply turns (``bot.reply_retry``): a chat named by its id as text and as a number
is one chat; two hundred chats that met the limit are forgotten once their turns have passed; a press's answer
(no chat) is retried within its bound and leaves no turn behind; fifty messages at once from one chat: the
answers within the bound arrive a second apart, another chat is not held up, and the chat is forgotten after.
The bot of the run modes over ``LocalSession``; Telegram's limit is played in ``VirtualTime`` (nothing slept)."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod

from bot.app import build_bot
from bot.local_session import LocalSession
from bot.reply_retry import MAX_TOTAL_WAIT, MAX_WAIT, RetryShortWaits
from bot.settings import Settings
from tests.conftest import FailureLog, Harness
from tests.test_reply_turns import GREETING, ChatLimit, _limited, _retry
from tests.virtual_time import VirtualTime, virtual_time


class Limit:
    """Telegram's limit of a chat for any reply: one per second per chat (the chat as Telegram reads it: ``"7"``
    and ``7`` alike); a press's answer refused ``press_refusals`` times."""

    def __init__(self, time: VirtualTime, press_refusals: int = 0, retry_after: int = 1) -> None:
        self.time, self.press_refusals, self.retry_after = time, press_refusals, retry_after
        self.last: dict[int, float] = {}
        self.refused = 0

    def __call__(self, method: TelegramMethod[Any]) -> None:
        if isinstance(method, AnswerCallbackQuery):
            if self.press_refusals > 0:
                self.press_refusals -= 1
                raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=self.retry_after)
            return
        if not isinstance(method, SendMessage):
            return
        chat, now = int(method.chat_id), self.time.now
        if (last := self.last.get(chat)) is not None and now - last < 1:
            self.refused += 1
            raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=self.retry_after)
        self.last[chat] = now


CHATS = 200


def _bot() -> tuple[Any, VirtualTime, Limit]:
    session = LocalSession()
    bot = build_bot(Settings(), session)
    time = virtual_time(bot)
    session.on_request = limit = Limit(time)
    return bot, time, limit


def _turns(bot: Any) -> Any:
    [retry] = [m for m in bot.session.middleware if isinstance(m, RetryShortWaits)]
    return retry.turns


async def _refusals_of(*chats: int | str) -> int:
    bot, time, limit = _bot()
    await time.run(*(bot.send_message(c, "你好") for c in chats))
    return limit.refused


async def test_a_chat_named_as_text_takes_turns_with_the_same_chat_named_as_a_number() -> None:
    as_numbers = await _refusals_of(7, 7, 7, 7)
    mixed = await _refusals_of(7, "7", 7, "7")
    assert mixed == as_numbers, (mixed, as_numbers)  # "7" is chat 7: its replies wait the same turns


async def test_many_chats_that_met_the_limit_are_forgotten_once_their_turns_have_passed() -> None:
    bot, time, limit = _bot()
    await time.run(*(bot.send_message(c, "一") for c in range(CHATS)), *(bot.send_message(c, "二") for c in range(CHATS)))
    assert limit.refused >= CHATS
    assert len(_turns(bot)) == CHATS  # each chat keeps its next turn while it is to come…
    time.now += 2 * MAX_TOTAL_WAIT
    await bot.send_message(5000, "三")
    assert len(_turns(bot)) == 0  # …and all are forgotten at the next reply after they passed


async def test_a_press_s_answer_refused_is_retried_within_its_bound_and_leaves_no_turn() -> None:
    bot, time, limit = _bot()
    limit.press_refusals = 3
    assert await bot.answer_callback_query("q1", text="已选")
    assert time.waits == [1, 1, 1] and len(_turns(bot)) == 0
    limit.press_refusals = 100  # refused for longer than anyone waits: given up after MAX_TOTAL_WAIT
    with pytest.raises(TelegramRetryAfter):
        await bot.answer_callback_query("q2", text="已选")
    assert sum(time.waits[3:]) == MAX_TOTAL_WAIT and len(_turns(bot)) == 0


async def test_a_retry_after_of_exactly_the_longest_wait_is_waited_out_up_to_the_total_bound() -> None:
    bot, time, limit = _bot()
    limit.press_refusals, limit.retry_after = 2, int(MAX_WAIT)
    assert await bot.answer_callback_query("q", text="好")  # 5 s + 5 s = the total bound: still waited
    assert time.waits == [MAX_WAIT, MAX_WAIT]
    limit.press_refusals, limit.retry_after = 1, int(MAX_WAIT) + 1
    with pytest.raises(TelegramRetryAfter):  # one second over the longest wait: not waited
        await bot.answer_callback_query("q", text="好")


pytestmark_sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
CITIZEN, OTHER = 880_131_001, 880_131_002


@pytestmark_sqlite
async def test_fifty_messages_at_once_from_one_chat(harness: Harness, failures: FailureLog) -> None:
    time, telegram = _limited(harness)
    assert isinstance(telegram, ChatLimit)
    citizen, other = harness.chat(CITIZEN), harness.chat(OTHER)
    await time.run(*(citizen.say("/help") for _ in range(50)), other.say("/help"))
    answers = [at for chat, text, at in telegram.accepted if chat == CITIZEN and GREETING in text]
    assert len(answers) >= int(MAX_TOTAL_WAIT), answers  # those within the bound all arrive…
    assert all(b - a >= 1 for a, b in zip(answers, answers[1:], strict=False)), answers  # …a second apart
    assert [at for chat, _t, at in telegram.accepted if chat == OTHER] == [0]  # the other chat is not held up
    assert time.now <= 3 * MAX_TOTAL_WAIT, time.now  # nobody waits without end
    assert len(_retry(harness).turns) <= 1
    time.now += 10 * MAX_TOTAL_WAIT
    await other.say("/help")
    assert len(_retry(harness).turns) == 0
