"""A reply that meets Telegram's flood limit is sent again after a short wait, instead of being lost; the replies
to one chat that meet it are then spaced out, so that several waiting at once do not meet it again together.

Telegram takes about one message per second in a chat; beyond that it answers 429 Too Many Requests with
``retry_after`` seconds (``TelegramRetryAfter``). A handler that answers twice in quick succession, or answers a
person who just got a notice, would otherwise fail its update there and the person would never see the answer
(the apology ``handlers.errors`` tries next meets the same limit). This session middleware waits and sends the
same request again when ``retry_after`` is short (at most ``MAX_WAIT`` seconds): a long one (the bot over its
overall limit, a flood ban) would hold the handler, its update and a webhook request for minutes, so it fails as
before.

Several replies to one chat pending at once (a person sending four messages within a second) would each wait the
same ``retry_after`` and meet the limit again together, over and over. So once a chat has met the limit, its
replies take turns: each is given the chat's next free moment, ``SPACING`` seconds after the one before
(``_ChatTurns``), until the chat's turns have all passed. One request waits at most ``MAX_TOTAL_WAIT`` seconds in
all, retries and turns together; beyond that it fails as before (not a count of retries: a turn that comes ninth
waits longer than one that comes first, yet neither should be given up while its turn is near).

The turns are kept in this process only (several instances each keep their own), and only for chats whose
turns are still to come: the state is as large as the chats that met the limit in the last few seconds.

The outbox's sender (``reminders.sender``) sends through the same ``Bot`` but paces itself and answers a 429 by
pausing all its sending (its ``Pacer``): its calls are marked with ``own_pacing`` and pass through untouched, so
they are never retried twice over nor given turns.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram import methods as m
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from typing_extensions import override

log = logging.getLogger("hazardbot.reply_retry")

#: the longest ``retry_after`` (seconds) waited out: a chat's limit asks for a second or a few; a longer one (the
#: bot over its overall limit, a flood ban) would hold the handler, its update and a webhook request that long
MAX_WAIT = 5.0
#: the most one request waits in all (seconds), its turns and retries together: ten replies pending in one chat
#: are all delivered, one a second; the eleventh fails as a long wait does
MAX_TOTAL_WAIT = 2 * MAX_WAIT
#: seconds between two replies to a chat that met the limit: Telegram's "about one message per second in a chat"
SPACING = 1.0
#: the calls that answer a person: sending, editing or deleting a message, answering a press
REPLY_METHODS: tuple[type[TelegramMethod[Any]], ...] = (
    m.SendMessage, m.SendPhoto, m.SendDocument, m.SendMediaGroup, m.SendLocation, m.CopyMessage, m.ForwardMessage,
    m.EditMessageText, m.EditMessageCaption, m.EditMessageMedia, m.EditMessageReplyMarkup, m.DeleteMessage,
    m.AnswerCallbackQuery,
)

_own_pacing: ContextVar[bool] = ContextVar("hazardbot_own_pacing", default=False)

ChatKey = int | str


def _is_reply(method: TelegramMethod[Any]) -> bool:
    return isinstance(method, REPLY_METHODS)


def _chat_of(method: TelegramMethod[Any]) -> ChatKey | None:
    """The chat a reply goes to; None for one that names no chat (a press's answer, an inline message's edit):
    such a request is spaced from its own earlier tries only. A numeric id given as text (``"7"``, ``"-100…"``)
    is the same chat as the number, which Telegram limits as one: it takes the same turns."""
    chat = getattr(method, "chat_id", None)
    if isinstance(chat, str) and re.fullmatch(r"-?\d+", chat.strip()):
        return int(chat)
    return chat if isinstance(chat, int | str) else None


@contextmanager
def own_pacing() -> Iterator[None]:
    """Within the block, calls of this task (and of tasks it starts) are not retried by ``RetryShortWaits``:
    for a caller that handles 429 itself (the outbox's sender)."""
    token = _own_pacing.set(True)
    try:
        yield
    finally:
        _own_pacing.reset(token)


class _ChatTurns:
    """Each chat that met the flood limit, with its next free moment (``clock`` seconds); a chat is forgotten once
    that moment has passed (``prune``), so only the chats of the last few seconds are held."""

    def __init__(self) -> None:
        self._free: dict[ChatKey, float] = {}

    def __len__(self) -> int:
        return len(self._free)

    def prune(self, now: float) -> None:
        """Forget the chats whose next free moment is not after ``now``."""
        for chat in [c for c, free in self._free.items() if free <= now]:
            del self._free[chat]

    def free(self, chat: ChatKey | None) -> float | None:
        """``chat``'s next free moment, None when it has none (it met no limit lately, or names no chat)."""
        return None if chat is None else self._free.get(chat)

    def take(self, chat: ChatKey | None, turn: float, spacing: float) -> None:
        """``turn`` is ``chat``'s: its next free moment becomes ``spacing`` seconds after it."""
        if chat is not None:
            self._free[chat] = max(self._free.get(chat, turn), turn + spacing)


class RetryShortWaits(BaseRequestMiddleware):
    """Session middleware: a reply method (``REPLY_METHODS``) refused with ``TelegramRetryAfter`` is sent again
    at its turn: not before ``retry_after`` seconds, nor before its chat's next free moment (each turn given
    ``spacing`` seconds after the chat's one before), when ``retry_after`` ≤ ``max_wait`` seconds and the turn
    comes at most ``max_total_wait`` seconds after the request began; otherwise the ``TelegramRetryAfter`` is
    raised as it came. A reply to a chat whose turns are still being given waits for its own turn before it is
    first sent (unless that turn is beyond ``max_total_wait``: then it is sent at once, and Telegram decides).
    Other methods, and calls inside ``own_pacing``, pass through unchanged.

    ``sleep`` (seconds → awaitable) and ``clock`` (→ monotonic seconds) are ``asyncio.sleep`` and
    ``time.monotonic`` unless a test gives others. Each wait and each refusal not waited out is one log line
    naming the method and ``retry_after`` or the wait (never the chat: a Telegram id)."""

    def __init__(self, max_wait: float = MAX_WAIT, max_total_wait: float = MAX_TOTAL_WAIT, spacing: float = SPACING,
                 sleep: Callable[[float], Awaitable[object]] | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.max_wait = max_wait
        self.max_total_wait = max_total_wait
        self.spacing = spacing
        self.sleep = sleep or asyncio.sleep
        self.clock = clock or time.monotonic
        self.turns = _ChatTurns()

    @override
    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        if _own_pacing.get() or not _is_reply(method):
            return await make_request(bot, method)
        name, chat = type(method).__name__, _chat_of(method)
        start = self.clock()
        self.turns.prune(start)
        mine = start  # this request's own next free moment: its tries spaced even when it names no chat
        free = self.turns.free(chat)
        if free is not None and free - start <= self.max_total_wait:
            self.turns.take(chat, free, self.spacing)
            mine = free + self.spacing
            log.info("event=reply_paced method=%s wait=%.1f", name, free - start)
            await self.sleep(free - start)
        attempt = 0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                now, free = self.clock(), self.turns.free(chat)
                turn = max(now + exc.retry_after, mine, mine if free is None else free)
                if exc.retry_after > self.max_wait or turn - start > self.max_total_wait:
                    log.warning("event=reply_retry_after_not_waited method=%s retry_after=%s attempts=%s "
                                "waited=%.1f", name, exc.retry_after, attempt + 1, now - start)
                    raise
                attempt += 1
                self.turns.take(chat, turn, self.spacing)
                mine = turn + self.spacing
                log.info("event=reply_retry_after method=%s retry_after=%s attempt=%s wait=%.1f", name,
                         exc.retry_after, attempt, turn - now)
                await self.sleep(turn - now)
