"""Graceful limits: a flood of updates from one chat is dropped for that chat only, with a single
"please slow down" reply per flood; other chats are not slowed.

A token bucket per chat: ``burst`` updates at once (an album of 10 photos must pass), refilled at
``rate`` per second. In-process by default; in Redis (one bucket per chat for all instances) when
Redis is configured.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import Chat, TelegramObject, Update, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from typing_extensions import override

from bot.i18n import locale_for
from bot.update_middleware import NextHandler

log = logging.getLogger("hazardbot.throttle")


@dataclass(frozen=True)
class Verdict:
    """Whether an update may be handled, and whether to tell the user to slow down (the first refusal only)."""

    allowed: bool
    notify: bool  # the first refusal of a flood: tell the user once


class Throttle(Protocol):
    """A token bucket per chat: ``burst`` updates at once, refilled at ``rate`` per second."""

    async def take(self, chat_id: int) -> Verdict:
        """Take a token of ``chat_id``'s bucket; the verdict refuses when it is empty."""


@dataclass
class _Bucket:
    tokens: float
    at: float
    notified: bool = False


class LocalThrottle:
    """Token buckets in this process. ``clock`` is monotonic seconds (tests pass their own)."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("throttle needs rate > 0 and burst >= 1")
        self._rate, self._burst, self._clock = rate, burst, clock
        self._buckets: dict[int, _Bucket] = {}
        self._full_after = burst / rate

    async def take(self, chat_id: int) -> Verdict:
        """``Throttle.take`` in this process's memory."""
        now = self._clock()
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            if len(self._buckets) > 10_000:
                self._forget_full(now)
            bucket = self._buckets[chat_id] = _Bucket(float(self._burst), now)
        bucket.tokens = min(float(self._burst), bucket.tokens + (now - bucket.at) * self._rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.notified = False
            return Verdict(True, False)
        notify = not bucket.notified
        bucket.notified = True
        return Verdict(False, notify)

    def _forget_full(self, now: float) -> None:
        # a bucket untouched long enough to be full again is the same as no bucket
        stale = [k for k, b in self._buckets.items() if now - b.at >= self._full_after]
        for key in stale:
            del self._buckets[key]


_REDIS_BUCKET = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 't', 'ts', 'n')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
local notified = tonumber(b[3]) or 0
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local notify = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
  notified = 0
elseif notified == 0 then
  notify = 1
  notified = 1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(now), 'n', notified)
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return {allowed, notify}
"""


class RedisThrottle:
    """The same bucket in Redis, updated atomically by a Lua script; ``clock`` is wall seconds."""

    def __init__(
        self, redis: Any, rate: float, burst: int, clock: Callable[[], float] = time.time,
        prefix: str = "hazardbot:throttle",
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("throttle needs rate > 0 and burst >= 1")
        self._rate, self._burst, self._clock, self._prefix = rate, burst, clock, prefix
        self._script = redis.register_script(_REDIS_BUCKET)

    async def take(self, chat_id: int) -> Verdict:
        """``Throttle.take`` in Redis, shared by the instances (one Lua script, atomic)."""
        allowed, notify = await self._script(
            keys=[f"{self._prefix}:{chat_id}"], args=[self._rate, self._burst, repr(self._clock())]
        )
        return Verdict(bool(int(allowed)), bool(int(notify)))


class ThrottleMiddleware(BaseMiddleware):
    """Outer middleware on ``dp.update``: asks the chat's bucket before anything else runs."""

    def __init__(self, throttle: Throttle) -> None:
        self._throttle = throttle

    @override
    async def __call__(self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        user: User | None = data.get("event_from_user")
        key = chat.id if chat is not None else (user.id if user is not None else None)
        if key is None:
            return await handler(event, data)
        verdict = await self._throttle.take(key)
        if verdict.allowed:
            return await handler(event, data)
        assert isinstance(event, Update)
        log.info("event=throttled update_id=%s notify=%s", event.update_id, verdict.notify)
        if verdict.notify and chat is not None and chat.type == "private":
            await _slow_down(data["bot"], chat.id, user, data.get("i18n_catalog"))
        return UNHANDLED


async def _slow_down(bot: Bot, chat_id: int, user: User | None, catalog: I18n | None) -> None:
    locale = locale_for(user.language_code if user else None)
    if catalog is None:
        text = "Too many messages at once. Please slow down and send your answer again in a moment."
    else:
        with catalog.context(), catalog.use_locale(locale):
            text = _("Too many messages at once. Please slow down and send your answer again in a moment.")
    try:
        await bot.send_message(chat_id, text)
    except Exception:  # noqa: BLE001  (the notice is best effort; the flood is dropped anyway)
        log.warning("event=slow_down_notice_failed")
