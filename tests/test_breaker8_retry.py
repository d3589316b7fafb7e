"""breaker8: replies refused with 429 (``bot.reply_retry``) through the real dispatcher on SQLite and PostgreSQL:
a refused answer to a press, a refused edit, a refused album, a burst from one chat, the update's exactly-once
claim; each reply arrives once. The Bot API is the harness's ``LocalSession``; the waits are recorded, not slept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    SendMediaGroup,
    SendMessage,
    TelegramMethod,
)

from bot.app import build_dispatcher
from bot.local_chat import LocalChat
from bot.shared_state import open_shared_state
from bot.updates import UpdateFactory
from tests.conftest import FailureLog, Harness, open_harness
from tests.tipoff_helpers import PHOTOS, SANLITUN, last, report, sent_to
from tests.virtual_time import virtual_time

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

CITIZEN, INSPECTOR = 880_081_001, 700_081


class Throttle:
    """``LocalSession.on_request``: the first ``n`` calls of ``kind`` (after ``armed``) refused with 429."""

    def __init__(self, kind: type[TelegramMethod[Any]], n: int = 1, retry_after: int = 1, chat: int | None = None) -> None:
        self.kind, self.left, self.retry_after, self.armed, self.chat = kind, n, retry_after, False, chat
        self.refused: list[TelegramMethod[Any]] = []
        self._just_refused = False  # each refusal is followed by one call taken: a chat's limit, met once a message

    def __call__(self, method: TelegramMethod[Any]) -> None:
        if not (self.armed and isinstance(method, self.kind)):
            return
        if self.chat is not None and getattr(method, "chat_id", None) != self.chat:
            return
        if self._just_refused or self.left <= 0:
            self._just_refused = False
        else:
            self.left -= 1
            self._just_refused = True
            self.refused.append(method)
            raise TelegramRetryAfter(method=method, message="Too Many Requests: retry after", retry_after=self.retry_after)


def throttled(h: Harness, throttle: Throttle) -> list[float]:
    """``h``'s Bot API refuses as ``throttle`` says; returns the list the retry's waits are recorded in (waited in
    ``VirtualTime``)."""
    h.session.on_request = throttle
    return virtual_time(h.bot).waits


def _no_repeats(texts: list[str]) -> None:
    assert all(a != b for a, b in zip(texts, texts[1:], strict=False)), texts


async def test_a_press_whose_answer_meets_429_is_answered_once_and_the_next_question_shown(
        harness: Harness, failures: FailureLog) -> None:
    throttle = Throttle(AnswerCallbackQuery)
    waits = throttled(harness, throttle)
    citizen = harness.chat(CITIZEN)
    await citizen.say("/report")
    await citizen.say("楼道里堆满纸箱，电动车在楼道充电")
    throttle.armed = True
    sent = await citizen.press("跳过")  # the photos skipped: its answer refused once, then sent again
    assert waits == [1] and len(throttle.refused) == 1
    answers = [m for m in sent if isinstance(m, AnswerCallbackQuery)]
    assert len(answers) == 2 and answers[0].callback_query_id == answers[1].callback_query_id  # refused, then taken
    assert sum(isinstance(m, SendMessage | EditMessageText) for m in sent) >= 1
    assert "位置" in last(citizen) or "地址" in last(citizen), last(citizen)
    _no_repeats(sent_to(CITIZEN, harness.session, edits=True))
    assert failures.messages() == []


async def test_a_press_whose_held_answer_meets_a_long_429_still_shows_the_next_question(
        harness: Harness, failures: FailureLog) -> None:
    """The plain answer to a press is a courtesy (``finish_press`` sends it best effort): when it meets a 429 too
    long to wait, the question the press leads to must still be shown."""
    throttle = Throttle(AnswerCallbackQuery, retry_after=60)
    throttled(harness, throttle)
    citizen = harness.chat(CITIZEN)
    await citizen.say("/report")
    await citizen.say("楼道里堆满纸箱，电动车在楼道充电")
    before = last(citizen)
    throttle.armed = True
    await citizen.press("跳过")
    assert last(citizen) != before and ("位置" in last(citizen) or "地址" in last(citizen)), last(citizen)
    assert not any("出错" in t for t in sent_to(CITIZEN, harness.session)), sent_to(CITIZEN, harness.session)


async def test_edits_that_meet_429_are_each_made_once(harness: Harness, failures: FailureLog) -> None:
    """Every edit of a tip-off's report and its verification (不属实 with a reason) refused once: each is made
    again once, and the verification lands: the reporter reads it once."""
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    throttle = Throttle(EditMessageReplyMarkup, n=50)
    waits = throttled(harness, throttle)
    throttle.armed = True
    citizen = harness.chat(CITIZEN)
    number = await report(citizen)
    await inspector.say("/tipoffs")
    await inspector.press(len(inspector.buttons()))
    await inspector.press("不属实")
    await inspector.press("隐患已消除")
    await inspector.press("确认不属实")
    # each refusal waited out (1 s); the chat's later replies then wait their turns, 1 s apart (time stands still here)
    assert throttle.refused and len(waits) >= len(throttle.refused) and set(waits) == {1}, waits
    edits = [m for m in harness.session.requests if isinstance(m, EditMessageReplyMarkup)]
    assert len(edits) == 2 * len(throttle.refused)
    assert all(edits[i] == edits[i + 1] for i in range(0, len(edits), 2)), edits  # each refused, then the same again
    told = [t for t in sent_to(CITIZEN, harness.session) if number in t and "不属实" in t]
    assert len(told) == 1, sent_to(CITIZEN, harness.session)
    assert failures.messages() == []


async def test_a_tipoff_s_album_that_meets_429_reaches_the_inspector_once(harness: Harness,
                                                                          failures: FailureLog) -> None:
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    citizen = harness.chat(CITIZEN)
    photos = sorted(PHOTOS.glob("*.jpg"))[:2]
    assert len(photos) == 2
    await report(citizen, photos=photos)
    throttle = Throttle(SendMediaGroup)
    waits = throttled(harness, throttle)
    throttle.armed = True
    await inspector.say("/tipoffs")
    sent = await inspector.press(len(inspector.buttons()))
    albums = [m for m in sent if isinstance(m, SendMediaGroup)]
    assert len(albums) == 2 and albums[0] == albums[1], albums  # refused, then again
    assert waits == [1, 1, 1], waits  # the album's refusal; then the pin and the card, each at its turn, 1 s apart
    assert failures.messages() == []


async def test_a_burst_from_one_chat_each_answered_once_in_order(harness: Harness, failures: FailureLog) -> None:
    """Five messages in a row, each answer refused once: each is sent again once, none is lost or doubled."""
    throttle = Throttle(SendMessage, n=5)
    waits = throttled(harness, throttle)
    citizen = harness.chat(CITIZEN)
    throttle.armed = True
    replies = []
    for _ in range(5):
        sent = await citizen.say("/help")
        replies.append([m for m in sent if isinstance(m, SendMessage)])
    assert waits == [1] * 9  # the first answer's refusal; each later one waits its turn, then its refusal (time
    # stands still here: the next message comes at once)
    assert all(len(r) == 2 and r[0].text == r[1].text for r in replies), [len(r) for r in replies]
    assert failures.messages() == []


async def test_an_update_delivered_again_after_its_answer_was_retried_is_not_answered_again(
        database_url: str, tmp_path: Path, failures: FailureLog) -> None:
    """With the run modes' guards (``bot.shared_state``: the exactly-once claim, ``bot.dedup``): the claim lands
    before the first request, so the request sent again does not claim twice, and the delivery again is dropped."""
    async with open_harness(database_url, tmp_path) as h, open_shared_state(h.core) as shared:
        dp = build_dispatcher(h.core, shared.storage, shared.guards)
        throttle = Throttle(SendMessage)
        waits = throttled(h, throttle)
        citizen = LocalChat(dp, h.bot, h.session, h.factory, UpdateFactory.user(CITIZEN, "测试用户", "zh-hans"))
        throttle.armed = True
        update = citizen.factory.text(citizen.user, "/report")
        first = await citizen._feed(update)
        again = await citizen._feed(update)  # the webhook's delivery again (Telegram had no 200 in time)
        assert waits[0] == 1 and len([m for m in first if isinstance(m, SendMessage)]) == 2
        assert again == [], again
        await citizen.say("楼道里堆满纸箱，电动车在楼道充电")  # the conversation goes on from the one question asked
        assert "照片" in citizen.last_text(), citizen.last_text()
    assert failures.messages() == []


@pytest.mark.parametrize("retry_after", [1, 5])
async def test_the_reminder_sender_s_429_is_not_retried_by_the_session(harness: Harness, retry_after: int) -> None:
    """The outbox's sender paces itself (``own_pacing``): the inspector's notice of a new tip-off, refused with
    429, is one request (the sender's own pause follows), never sent again by the session's retry."""
    await harness.bind(INSPECTOR, "inspector", SANLITUN)
    throttle = Throttle(SendMessage, retry_after=retry_after, chat=INSPECTOR)
    waits = throttled(harness, throttle)
    throttle.armed = True
    await report(harness.chat(CITIZEN))
    assert len(throttle.refused) == 1 and waits == [], (throttle.refused, waits)
