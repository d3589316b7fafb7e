"""Several messages from one chat within a second: Telegram refuses the answers beyond about one a second (429);
the reply retry (``bot.reply_retry``) gives them turns a second apart, so each person's answers all arrive,
within a bound on the time one answer waits. Through the real dispatcher on SQLite, the updates handled at
once; Telegram's per-chat limit is played by ``ChatLimit`` in ``VirtualTime`` (no second is slept)."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import SendMessage, TelegramMethod

from bot.local_chat import plain
from bot.reply_retry import MAX_TOTAL_WAIT, RetryShortWaits
from tests.conftest import FailureLog, Harness
from tests.virtual_time import VirtualTime, virtual_time

CITIZEN, OTHER = 880_121_001, 880_121_002
GREETING = "隐患"  # in every answer to /help
APOLOGY = "抱歉"

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


class ChatLimit:
    """``LocalSession.on_request``: Telegram's limit of a chat, one message per ``interval`` seconds of ``time``;
    a message sooner is refused with ``retry_after``. ``refusing``: chats refused whatever the time (restricted
    for longer than anyone waits). ``accepted``: (chat, text, when) of each message taken."""

    def __init__(self, time: VirtualTime, interval: float = 1.0, retry_after: int = 1,
                 refusing: frozenset[int] = frozenset()) -> None:
        self.time, self.interval, self.retry_after, self.refusing = time, interval, retry_after, refusing
        self.last: dict[int, float] = {}
        self.accepted: list[tuple[int, str, float]] = []
        self.refused = 0

    def __call__(self, method: TelegramMethod[Any]) -> None:
        if not isinstance(method, SendMessage):
            return
        chat, now = int(method.chat_id), self.time.now
        last = self.last.get(chat)
        if chat in self.refusing or (last is not None and now - last < self.interval):
            self.refused += 1
            raise TelegramRetryAfter(method=method, message="Too Many Requests: retry after", retry_after=self.retry_after)
        self.last[chat] = now
        self.accepted.append((chat, plain(method.text), now))


def _limited(h: Harness, **limit: Any) -> tuple[VirtualTime, ChatLimit]:
    time = virtual_time(h.bot)
    h.session.on_request = telegram = ChatLimit(time, **limit)
    return time, telegram


def _retry(h: Harness) -> RetryShortWaits:
    [retry] = [m for m in h.bot.session.middleware if isinstance(m, RetryShortWaits)]
    return retry


async def test_five_messages_at_once_from_one_chat_are_all_answered_a_second_apart(
        harness: Harness, failures: FailureLog) -> None:
    time, telegram = _limited(harness)
    citizen, other = harness.chat(CITIZEN), harness.chat(OTHER)
    await time.run(*(citizen.say("/help") for _ in range(5)), other.say("/help"))
    answers = [(text, at) for chat, text, at in telegram.accepted if chat == CITIZEN]
    assert telegram.refused >= 1  # they met the limit…
    assert len(answers) == 5 and all(GREETING in t for t, _ in answers), answers  # …and each arrived, once
    moments = [at for _, at in answers]
    assert all(b - a >= 1 for a, b in zip(moments, moments[1:], strict=False)), moments  # a second apart
    assert max(time.waits) <= MAX_TOTAL_WAIT and time.now <= 5, (time.waits, time.now)
    assert [t for c, t, _ in telegram.accepted if c == OTHER] and min(a for c, _, a in telegram.accepted if c == OTHER) == 0
    assert not any(APOLOGY in t for _, t, _ in telegram.accepted) and failures.messages() == []

    assert len(_retry(harness).turns) == 1  # the chat keeps its turns while they are to come…
    time.now += 10
    waits = len(time.waits)
    await citizen.say("/help")  # …and is forgotten once they have passed: the next answer goes at once
    assert len(time.waits) == waits and len(_retry(harness).turns) == 0
    assert telegram.accepted[-1][:2] == (CITIZEN, answers[0][0])


async def test_an_answer_refused_for_longer_than_its_bound_fails_as_before(
        harness: Harness, failures: FailureLog, caplog: pytest.LogCaptureFixture) -> None:
    """A chat refused again and again: the answer waits at most ``MAX_TOTAL_WAIT`` seconds, then its update fails
    as before (logged; the apology meets the same refusals and is not told)."""
    time, telegram = _limited(harness, refusing=frozenset({CITIZEN}))
    citizen = harness.chat(CITIZEN)
    await citizen.say("/help")
    # the answer tried at 0, 1, …, 10 s: an 11th wait would pass the bound; the apology, begun at 10 s, waits its
    # turn (11 s) and tries until 20 s
    assert telegram.accepted == [] and telegram.refused == 21, telegram.refused
    assert time.waits == [1] * 20 and time.now == 2 * MAX_TOTAL_WAIT, (time.waits, time.now)
    assert len(failures.messages()) == 1 and "event=failure_not_told" in caplog.text
    assert caplog.text.count("event=reply_retry_after_not_waited method=SendMessage retry_after=1") == 2
