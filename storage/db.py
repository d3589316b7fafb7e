"""Engine and unit of work. One service call = one ``UnitOfWork`` = one transaction.

Repositories never commit; the unit of work rolls back unless the service calls ``commit()``.
A statement may ride along with the next unit of work that commits in this task (``ride_next_commit``: an
update's exactly-once claim, ``bot.dedup``), so that it lands with that work or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

import storage.tally  # noqa: F401  (installs the session hooks that keep the status's tallies)
from storage.sqlite_one_trip import install as one_trip
from storage.sqlite_writers import serialise_writers


def create_engine(url: str, *, sqlite_write_timeout: float = 30.0, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url`` (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``); ``kwargs`` go to
    SQLAlchemy's ``create_async_engine`` (the run modes pass the pool from settings: ``pool_size``,
    ``max_overflow``, ``pool_timeout`` seconds; an in-memory SQLite database has no pool and ignores them).

    SQLite gets foreign keys, WAL, a busy timeout, and writers that take turns in this process
    (waiting at most ``sqlite_write_timeout`` seconds), so that several tasks can share the file; each of its
    statements takes one trip to aiosqlite's thread (``storage.sqlite_one_trip``).
    """
    # errors would otherwise quote the statement's parameters (names, phones, reporters) into the logs
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        if ":memory:" in url or url.rstrip("/").endswith("sqlite+aiosqlite:"):
            for option in ("pool_size", "max_overflow", "pool_timeout"):
                kwargs.pop(option, None)
        kwargs.setdefault("connect_args", {"timeout": 30})
        # the pool's reset (a ROLLBACK when a connection comes back) only where a transaction is still open: after
        # a COMMIT it is a no-op that still costs a trip to aiosqlite's thread, two of a form step's twenty
        kwargs.setdefault("pool_reset_on_return", None)
        one_trip()  # a statement in one trip to aiosqlite's thread, not three or four (storage/sqlite_one_trip.py)
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine.pool, "reset")
        def _rollback_if_open(dbapi_connection: Any, _record: Any, state: Any) -> None:
            if not state.terminate_only and dbapi_connection.driver_connection.in_transaction:
                dbapi_connection.rollback()

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # in WAL mode NORMAL survives a killed process; only a power cut may lose the last commits
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        serialise_writers(engine, timeout=sqlite_write_timeout)
        return engine
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        ping_when_idle(engine)
    return engine


#: a pooled connection unused for longer than this (seconds) is pinged before it serves again
IDLE_PING_SECONDS = 10.0


def ping_when_idle(engine: AsyncEngine) -> None:
    """Check a pooled PostgreSQL connection before it serves only when it has been idle more than
    ``IDLE_PING_SECONDS``; a dead one is replaced before the work starts.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout, and asyncpg's ping is a BEGIN, a statement and a
    ROLLBACK: three round trips before each form step's six (issue 19 item 4). A connection in steady use has just
    proved itself; one idle across a server restart or a firewall's timeout is pinged. A server lost in the middle
    of a busy second fails the statements then running; SQLAlchemy sees the disconnect and drops the whole pool, so
    the next ones connect afresh (the "optimistic" handling of SQLAlchemy's "Dealing with Disconnects")."""

    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _stamp(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= IDLE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001  (any failure of the ping means a dead connection)
            raise DisconnectionError("the idle connection did not answer its ping") from exc


class CommitRider(Protocol):
    """Work that must land in the same transaction as the next commit (``ride_next_commit``)."""

    def waiting(self) -> bool:
        """True while the rider still has to board a commit (false once it landed or is boarding one)."""

    async def board(self, session: AsyncSession) -> None:
        """Run inside ``session``'s transaction just before its commit; raises to refuse the commit."""

    def landed(self, ok: bool) -> None:
        """After the commit it boarded: ``ok`` when it was committed, else it waits for the next."""


_RIDER: ContextVar[CommitRider | None] = ContextVar("hazardbot_commit_rider", default=None)


def ride_next_commit(rider: CommitRider | None) -> Token[CommitRider | None]:
    """Make ``rider`` board the next ``UnitOfWork.commit`` of this task (and of tasks it starts); give the token
    to ``_RIDER.reset`` through ``end_ride`` when the scope is over."""
    return _RIDER.set(rider)


def current_rider() -> CommitRider | None:
    """The rider waiting for (or boarding, or done with) this task's next commit, if any."""
    return _RIDER.get()


def end_ride(token: Token[CommitRider | None]) -> None:
    """Undo ``ride_next_commit``."""
    _RIDER.reset(token)


@contextmanager
def no_rider() -> Iterator[None]:
    """Commits inside this block carry no rider (work that may be repeated, e.g. the user's upsert)."""
    token = _RIDER.set(None)
    try:
        yield
    finally:
        _RIDER.reset(token)


class UnitOfWork:
    """An ``AsyncSession`` in one transaction: ``async with uow: ...; await uow.commit()``."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self.session: AsyncSession

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed, and leaves loaded objects readable
        await self.session.close()

    async def commit(self) -> None:
        """Commit; a waiting rider (``ride_next_commit``) runs first in the same transaction, and may refuse."""
        rider = _RIDER.get()
        if rider is None or not rider.waiting():
            await self.session.commit()
            return
        await rider.board(self.session)
        try:
            await self.session.commit()
        except BaseException:
            rider.landed(False)
            raise
        rider.landed(True)

    async def rollback(self) -> None:
        """Roll the session's transaction back."""
        await self.session.rollback()


UowFactory = Callable[[], UnitOfWork]


def make_uow_factory(engine: AsyncEngine) -> UowFactory:
    """A factory of units of work bound to ``engine``; objects stay usable after commit."""
    session_factory = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    return lambda: UnitOfWork(session_factory)
