"""State shared by every instance of the bot when several run behind a load balancer.

Without ``HAZARDBOT_REDIS_URL``: FSM state in the database read through this process's memory
(``storage.fsm_storage``: one process), update claims in the database (which is shared when it is
PostgreSQL), throttle buckets in this process. With it: aiogram's ``RedisStorage``
for FSM state, claims and throttle buckets in Redis, and the generation of role changes that keeps
every instance's cache of actors current. Form drafts always live in the database
(``FormService``), so any instance can continue any chat's form either way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.fsm.storage.base import BaseStorage

from bot.dedup import ExactlyOnceMiddleware, RedisUpdateLedger, SqlUpdateLedger
from bot.throttle import LocalThrottle, RedisThrottle, ThrottleMiddleware
from storage.fsm_storage import SqlStorage

if TYPE_CHECKING:
    from bot.core import Core


@dataclass
class SharedState:
    """FSM storage and the update guards (claim first, then throttle) for ``build_dispatcher``."""

    storage: BaseStorage
    guards: list[BaseMiddleware] = field(default_factory=list)
    redis: Any = None


def connect_redis(url: str) -> Any:
    """A ``redis.asyncio.Redis`` client for ``url`` (``redis://host:port/db``)."""
    from redis.asyncio import Redis

    return Redis.from_url(url)


@asynccontextmanager
async def open_shared_state(
    core: Core, redis_url: str | None = None, namespace: str = "hazardbot"
) -> AsyncIterator[SharedState]:
    """Storage and guards for ``core`` (Redis from ``redis_url`` or ``core.settings.redis_url``).

    ``namespace`` prefixes every Redis key (one Redis may serve several bots or test runs).

    Raises ``redis.exceptions.ConnectionError`` at start when Redis is configured but unreachable:
    an instance must not run alone while its peers share state.
    """
    settings = core.settings
    url = redis_url or settings.redis_url
    if not url:
        guards: list[BaseMiddleware] = [
            ExactlyOnceMiddleware(SqlUpdateLedger(core.engine)),
            ThrottleMiddleware(LocalThrottle(settings.throttle_rate, settings.throttle_burst)),
        ]
        yield SharedState(SqlStorage(core.engine), guards)
        return
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisStorage

    redis = connect_redis(url)
    storage = RedisStorage(redis, key_builder=DefaultKeyBuilder(prefix=f"{namespace}:fsm", with_bot_id=True))
    try:
        await redis.ping()
        if core.actors is not None:
            from bot.services.actor_cache import RedisGeneration

            core.actors.share(RedisGeneration(redis, f"{namespace}:actors"))
        guards = [
            ExactlyOnceMiddleware(RedisUpdateLedger(redis, f"{namespace}:update")),
            ThrottleMiddleware(RedisThrottle(
                redis, settings.throttle_rate, settings.throttle_burst, prefix=f"{namespace}:throttle"
            )),
        ]
        yield SharedState(storage, guards, redis)
    finally:
        await storage.close()
