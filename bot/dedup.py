"""Exactly-once updates: an update delivered twice (webhook retry, polling restart, two instances
behind a load balancer) reaches the handlers once.

Each update id is *claimed* before any handler runs, in its own committed transaction (PostgreSQL
or SQLite: ``INSERT … ON CONFLICT DO NOTHING`` on ``processed_update``) or with Redis ``SET NX EX``.
Whoever inserts first handles the update; everybody else drops it.

Trade-off (crash between claim and handling): the claim commits *before* the handler's own
transactions, so a process killed after the claim and before the handler commits loses that one
update (at most once). We take this side because a form answer applied twice is worse than one
lost: a replayed text would answer the *next* question, while a lost answer leaves the draft at its
last committed step and the user, who got no reply, simply sends it again (``/resume`` shows where
the form is). The claim cannot share the handler's transaction because every service call commits
its own unit of work (and one update may make several), by design.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.update_middleware import NextHandler
from storage.models_scale import ProcessedUpdate
from storage.types import utcnow
from storage.upsert import dialect_insert

log = logging.getLogger("hazardbot.dedup")

# Telegram drops an update it could not deliver after 24 hours, so a day of memory is enough.
REMEMBER = timedelta(days=1)


class UpdateLedger(Protocol):
    async def claim(self, bot_id: int, update_id: int) -> bool:
        """True when this caller is the first to claim ``update_id`` of ``bot_id`` (within a day)."""


class SqlUpdateLedger:
    """Claims in the ``processed_update`` table; purges rows older than a day every ``purge_every`` s.

    Uses the engine directly (one short transaction, no ORM session): this runs for every update.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        now: Callable[[], datetime] = utcnow,
        purge_every: float = 600.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine, self._now, self._purge_every, self._monotonic = engine, now, purge_every, monotonic
        self._next_purge = monotonic()
        insert = dialect_insert(engine.dialect.name)
        self._insert = insert(ProcessedUpdate.__table__).on_conflict_do_nothing()  # type: ignore[attr-defined]

    async def claim(self, bot_id: int, update_id: int) -> bool:
        async with self._engine.begin() as conn:
            result = await conn.execute(self._insert, {"bot_id": bot_id, "update_id": update_id, "at": self._now()})
        claimed = result.rowcount == 1
        if self._monotonic() >= self._next_purge:
            self._next_purge = self._monotonic() + self._purge_every
            await self.purge()
        return claimed

    async def purge(self) -> int:
        """Forget claims older than a day; returns how many were removed."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.at < self._now() - REMEMBER)  # type: ignore[arg-type]
            )
        return int(result.rowcount or 0)


class RedisUpdateLedger:
    """Claims as Redis keys ``hazardbot:update:<bot>:<update>`` living a day (``SET NX EX``)."""

    def __init__(self, redis: Any, prefix: str = "hazardbot:update") -> None:
        self._redis, self._prefix = redis, prefix

    async def claim(self, bot_id: int, update_id: int) -> bool:
        key = f"{self._prefix}:{bot_id}:{update_id}"
        return bool(await self._redis.set(key, b"1", nx=True, ex=int(REMEMBER.total_seconds())))


class ExactlyOnceMiddleware(BaseMiddleware):
    """Outer middleware on ``dp.update``: drops an update whose id was already claimed."""

    def __init__(self, ledger: UpdateLedger) -> None:
        self._ledger = ledger

    async def __call__(self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        if not await self._ledger.claim(data["bot"].id, event.update_id):
            log.info("event=duplicate_update update_id=%s", event.update_id)
            return UNHANDLED
        return await handler(event, data)
