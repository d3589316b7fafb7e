"""A reply that meets Telegram's flood limit is sent again after a short wait, instead of being lost.

Telegram takes about one message per second in a chat; beyond that it answers 429 Too Many Requests with
``retry_after`` seconds (``TelegramRetryAfter``). A handler that answers twice in quick succession, or answers a
person who just got a notice, would otherwise fail its update there and the person would never see the answer
(the apology ``handlers.errors`` tries next meets the same limit). This session middleware waits ``retry_after``
and sends the same request again when the wait is short (at most ``MAX_WAIT`` seconds, at most ``RETRIES``
times): a long one would hold the handler, its update and a webhook request for minutes, so it fails as before.

The outbox's sender (``reminders.sender``) sends through the same ``Bot`` but paces itself and answers a 429 by
pausing all its sending (its ``Pacer``): its calls are marked with ``own_pacing`` and pass through untouched, so
they are never retried twice over.
"""

from __future__ import annotations

import asyncio
import logging
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
#: how many times one request is sent again
RETRIES = 2
#: the calls that answer a person: sending, editing or deleting a message, answering a press
REPLY_METHODS: tuple[type[TelegramMethod[Any]], ...] = (
    m.SendMessage, m.SendPhoto, m.SendDocument, m.SendMediaGroup, m.SendLocation, m.CopyMessage, m.ForwardMessage,
    m.EditMessageText, m.EditMessageCaption, m.EditMessageMedia, m.EditMessageReplyMarkup, m.DeleteMessage,
    m.AnswerCallbackQuery,
)

_own_pacing: ContextVar[bool] = ContextVar("hazardbot_own_pacing", default=False)


def _is_reply(method: TelegramMethod[Any]) -> bool:
    return isinstance(method, REPLY_METHODS)


@contextmanager
def own_pacing() -> Iterator[None]:
    """Within the block, calls of this task (and of tasks it starts) are not retried by ``RetryShortWaits``:
    for a caller that handles 429 itself (the outbox's sender)."""
    token = _own_pacing.set(True)
    try:
        yield
    finally:
        _own_pacing.reset(token)


class RetryShortWaits(BaseRequestMiddleware):
    """Session middleware: a reply method (``REPLY_METHODS``) refused with ``TelegramRetryAfter`` is sent again
    after ``retry_after`` seconds, at most ``retries`` times, when ``retry_after`` ≤ ``max_wait`` seconds;
    otherwise the ``TelegramRetryAfter`` is raised as it came. Other methods, and calls inside ``own_pacing``,
    pass through unchanged. ``sleep`` (seconds → awaitable) is ``asyncio.sleep`` unless a test gives another.
    Each wait and each refusal not waited out is one log line naming the method and ``retry_after`` (never the
    chat: a Telegram id)."""

    def __init__(self, max_wait: float = MAX_WAIT, retries: int = RETRIES,
                 sleep: Callable[[float], Awaitable[object]] | None = None) -> None:
        self.max_wait = max_wait
        self.retries = retries
        self.sleep = sleep or asyncio.sleep

    @override
    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        if _own_pacing.get() or not _is_reply(method):
            return await make_request(bot, method)
        attempt = 0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                name = type(method).__name__
                if attempt >= self.retries or exc.retry_after > self.max_wait:
                    log.warning("event=reply_retry_after_not_waited method=%s retry_after=%s attempts=%s",
                                name, exc.retry_after, attempt + 1)
                    raise
                attempt += 1
                log.info("event=reply_retry_after method=%s retry_after=%s attempt=%s", name, exc.retry_after,
                         attempt)
                await self.sleep(exc.retry_after)
