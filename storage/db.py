"""Engine and unit of work. One service call = one ``UnitOfWork`` = one transaction.

Repositories never commit; the unit of work rolls back unless the service calls ``commit()``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only
from sqlmodel.ext.asyncio.session import AsyncSession


def create_engine(url: str, *, sqlite_write_timeout: float = 30.0, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url`` (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``).

    SQLite gets foreign keys, WAL, a busy timeout, and writers that take turns in this process
    (waiting at most ``sqlite_write_timeout`` seconds), so that several tasks can share the file.
    """
    # errors would otherwise quote the statement's parameters (names, phones, reporters) into the logs
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # in WAL mode NORMAL survives a killed process; only a power cut may lose the last commits
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        _serialise_writers(engine, timeout=sqlite_write_timeout)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class _WriterTurn:
    """Which pooled connection may write to the SQLite file now; the others wait their turn in order."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.holder: object | None = None

    def release(self, connection: object) -> None:
        if connection is not None and self.holder is connection:
            self.holder = None
            self.lock.release()


def _serialise_writers(engine: AsyncEngine, timeout: float) -> None:
    """Let one connection of this process write at a time, the others queuing on an ``asyncio.Lock``.

    SQLite has one writer; a second connection that wants to write meanwhile gets SQLITE_BUSY and its
    busy handler sleeps with back-off (1, 2, 5 … 100 ms), so under concurrent chats a few form steps
    waited hundreds of milliseconds while the file was free again long before (paced benchmark p99
    150 ms → 18 ms with this turn; ``benchmarks/RESULTS-scale.md``). The turn is taken at a
    connection's first writing statement (pysqlite begins its transaction there too) and given back
    after its commit or rollback. Reading never waits.
    Waiting longer than ``timeout`` raises ``OperationalError`` like SQLite's own busy timeout.
    """
    turn = _WriterTurn()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _take_turn(conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if turn.holder is dbapi_connection:
            return
        writes = context is not None and (context.isinsert or context.isupdate or context.isdelete or context.isddl)
        if not writes and not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        try:
            await_only(asyncio.wait_for(turn.lock.acquire(), timeout))
        except TimeoutError as exc:
            raise OperationalError(statement, None, exc) from exc
        turn.holder = dbapi_connection

    dialect = engine.sync_engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    # given back once the commit or rollback is done (an event before it would let the next writer
    # meet the busy handler after all), or when the connection leaves the pool
    def do_commit(connection: Any) -> None:
        try:
            commit(connection)
        finally:
            turn.release(getattr(connection, "dbapi_connection", connection))

    def do_rollback(connection: Any) -> None:
        try:
            rollback(connection)
        finally:
            turn.release(getattr(connection, "dbapi_connection", connection))

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
    for name in ("checkin", "invalidate", "close"):
        event.listen(engine.sync_engine.pool, name, lambda dbapi_connection, *_: turn.release(dbapi_connection))


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
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


UowFactory = Callable[[], UnitOfWork]


def make_uow_factory(engine: AsyncEngine) -> UowFactory:
    """A factory of units of work bound to ``engine``; objects stay usable after commit."""
    session_factory = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    return lambda: UnitOfWork(session_factory)
