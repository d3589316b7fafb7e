"""Exactly-once updates: an update delivered twice (webhook retry, polling restart, two instances
behind a load balancer) reaches the handlers once.

Each update id is *claimed*: on PostgreSQL or SQLite an ``INSERT … ON CONFLICT DO NOTHING`` of
``processed_update``, with Redis ``SET NX EX``. Whoever inserts first handles the update; everybody else drops it.

In the database the claim rides in the update's own transaction (``storage.db.ride_next_commit``): it is
inserted by the first unit of work that commits while the update is handled, just before that commit, so the
claim and what the update changed land together or not at all. A form step (one service call, one
transaction) is therefore applied exactly once: a process killed before its commit left neither the answer
nor the claim, and the update delivered again is handled afresh; killed after it, the answer and the claim
are both there and the delivery again is dropped (the person, who may have had no reply, sees the next
question with ``/resume``). A duplicate that meets the claim in its own transaction rolls that transaction
back (``DuplicateUpdate``) before anything is said.

An update that commits nothing before it first speaks (a command that only reads, a refusal) is claimed in a
transaction of its own just before its first Bot API request (``ClaimBeforeSending``), and one that neither
commits nor speaks, after its handler: nothing visible happens twice. On SQLite an update that speaks while
its own write transaction is open (a ledger import's "正在保存" progress) cannot claim in a transaction of
its own: SQLite has one writer, and that is the open transaction, which cannot end while its task waits
(``storage.sqlite_writers.holds_writer_turn``). Its claim rides that transaction's commit instead, so what it
says meanwhile may be said again only when that transaction never committed (the update is handled afresh
then). What an update commits after its
first commit is at most once: a process killed between two of its transactions (e.g. a photo offered, then
stored) loses the later ones, and the delivery again is dropped, as before the claim rode along. The
actor's own upsert (``bot.middlewares.ActorMiddleware``, idempotent) never carries the claim.

With Redis the claim is taken before the handlers in a command of its own (Redis is not in the database's
transaction): at most once, the side we take because a form answer applied twice is worse than one lost
(a replayed text would answer the *next* question).
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession
from typing_extensions import override

from bot.update_middleware import NextHandler
from storage.db import current_rider, end_ride, ride_next_commit
from storage.driver_sql import DriverStatement, execute_in_transaction
from storage.models_scale import ProcessedUpdate
from storage.sqlite_writers import holds_writer_turn
from storage.types import utcnow
from storage.upsert import dialect_insert

log = logging.getLogger("hazardbot.dedup")

# Telegram drops an update it could not deliver after 24 hours, so a day of memory is enough.
REMEMBER = timedelta(days=1)


class DuplicateUpdate(Exception):
    """The update's claim met an earlier one: this delivery is a duplicate; its transaction is rolled back."""


class UpdateLedger(Protocol):
    """Where the claims on updates are kept, so that an update delivered twice is handled once."""

    async def claim(self, bot_id: int, update_id: int) -> bool:
        """True when this caller is the first to claim ``update_id`` of ``bot_id`` (within a day)."""


class SqlUpdateLedger:
    """Claims in the ``processed_update`` table; purges rows older than a day every ``purge_every`` s.

    ``claim`` uses the engine directly (one short transaction, no ORM session); ``claim_in`` inserts in a
    transaction of the caller's.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        now: Callable[[], datetime] = utcnow,
        purge_every: float = 600.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine, self._now, self._purge_every, self._monotonic = engine, now, purge_every, monotonic
        self._next_purge = monotonic()
        insert = dialect_insert(engine.dialect.name)
        self._insert = insert(ProcessedUpdate.__table__).on_conflict_do_nothing()  # type: ignore[attr-defined]
        self._insert_in = DriverStatement(self._insert, ("bot_id", "update_id", "at"))

    async def claim(self, bot_id: int, update_id: int) -> bool:
        """``UpdateLedger.claim`` as an insert that does nothing on conflict; purges old rows when due."""
        async with self.engine.begin() as conn:
            result = await conn.execute(self._insert, {"bot_id": bot_id, "update_id": update_id, "at": self._now()})
        await self.purge_when_due()
        return result.rowcount == 1

    async def claim_in(self, session: AsyncSession, bot_id: int, update_id: int) -> bool:
        """``claim`` inside ``session``'s transaction: True when inserted (it lands with that commit).

        Sent on the session's connection rather than through ``session.exec``: a Core statement needs none of
        the ORM's execution path, which costs a form step about 0.1 ms of CPU per statement (issue 19 item 4); on
        PostgreSQL, once the transaction has begun, on the driver's connection (``storage.driver_sql``)."""
        params = {"bot_id": bot_id, "update_id": update_id, "at": self._now()}
        return await execute_in_transaction(session, self._insert_in, params) == 1

    async def purge_when_due(self) -> None:
        """``purge`` when ``purge_every`` seconds have passed since the last one."""
        if self._monotonic() >= self._next_purge:
            self._next_purge = self._monotonic() + self._purge_every
            await self.purge()

    async def purge(self) -> int:
        """Forget claims older than a day; returns how many were removed."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.at < self._now() - REMEMBER)  # type: ignore[arg-type]
            )
        return int(result.rowcount or 0)


class RedisUpdateLedger:
    """Claims as Redis keys ``hazardbot:update:<bot>:<update>`` living a day (``SET NX EX``)."""

    def __init__(self, redis: Any, prefix: str = "hazardbot:update") -> None:
        self._redis, self._prefix = redis, prefix

    async def claim(self, bot_id: int, update_id: int) -> bool:
        """``UpdateLedger.claim`` as ``SET NX`` of a key that expires after ``REMEMBER`` (a day)."""
        key = f"{self._prefix}:{bot_id}:{update_id}"
        return bool(await self._redis.set(key, b"1", nx=True, ex=int(REMEMBER.total_seconds())))


class _Claim:
    """One update's claim on its way into the database: waiting for a commit to ride, boarding one, landed
    (committed), or refused (the update was claimed before). A ``storage.db.CommitRider``."""

    def __init__(self, ledger: SqlUpdateLedger, bot_id: int, update_id: int) -> None:
        self._ledger, self.bot_id, self.update_id = ledger, bot_id, update_id
        self.state = "waiting"

    def waiting(self) -> bool:
        return self.state == "waiting"

    async def board(self, session: AsyncSession) -> None:
        self.state = "boarding"  # another unit of work committing meanwhile (a task this one started) goes without
        try:
            inserted = await self._ledger.claim_in(session, self.bot_id, self.update_id)
        except BaseException:
            self.state = "waiting"
            raise
        if not inserted:
            self.state = "refused"
            raise DuplicateUpdate(self.update_id)

    def landed(self, ok: bool) -> None:
        self.state = "landed" if ok else "waiting"

    def rides_open_write(self) -> bool:
        """True when the claim still waits and this task has a SQLite write transaction open: a claim of its
        own would wait for that transaction, which waits for this task; it boards that transaction's commit
        instead (or is settled after the handler when that transaction rolls back)."""
        return self.state == "waiting" and holds_writer_turn(self._ledger.engine)

    async def settle(self) -> None:
        """Claim in a transaction of its own, unless it landed already; raises ``DuplicateUpdate`` when refused."""
        if self.state != "waiting":
            if self.state == "refused":
                raise DuplicateUpdate(self.update_id)
            return
        self.state = "boarding"
        try:
            inserted = await self._ledger.claim(self.bot_id, self.update_id)
        except BaseException:
            self.state = "waiting"
            raise
        self.state = "landed" if inserted else "refused"
        if not inserted:
            raise DuplicateUpdate(self.update_id)


class ClaimBeforeSending(BaseRequestMiddleware):
    """Request middleware of the bot's session: the claim of the update being handled lands before the first
    Bot API request it makes (an update that commits nothing first still speaks once only), unless the update
    has its own SQLite write transaction open (``_Claim.rides_open_write``): then it rides that commit."""

    @override
    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Any:
        claim = current_rider()
        if isinstance(claim, _Claim) and claim.state != "landed" and not claim.rides_open_write():
            await claim.settle()
        return await make_request(bot, method)


class ExactlyOnceMiddleware(BaseMiddleware):
    """Outer middleware on ``dp.update``: drops an update whose id was already claimed.

    With a ``SqlUpdateLedger`` the claim rides the update's first commit (see the module's docstring);
    with any other ledger it is taken before the handlers."""

    def __init__(self, ledger: UpdateLedger) -> None:
        self._ledger = ledger
        self._sessions: weakref.WeakSet[Any] = weakref.WeakSet()  # bot sessions that claim before sending

    @override
    async def __call__(self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        bot = data["bot"]
        if not isinstance(self._ledger, SqlUpdateLedger):
            if not await self._ledger.claim(bot.id, event.update_id):
                log.info("event=duplicate_update update_id=%s", event.update_id)
                return UNHANDLED
            return await handler(event, data)
        if bot.session not in self._sessions:
            bot.session.middleware(ClaimBeforeSending())
            self._sessions.add(bot.session)
        claim = _Claim(self._ledger, bot.id, event.update_id)
        token = ride_next_commit(claim)
        try:
            try:
                result = await handler(event, data)
            finally:
                await claim.settle()  # also after a failure: the update is not handled again (as it was not before)
        except DuplicateUpdate:
            log.info("event=duplicate_update update_id=%s", event.update_id)
            return UNHANDLED
        finally:
            end_ride(token)
        await self._ledger.purge_when_due()
        return result
