"""Engine and unit of work. One service call = one ``UnitOfWork`` = one transaction.

Repositories never commit; the unit of work rolls back unless the service calls ``commit()``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

import storage.tally  # noqa: F401  (installs the session hooks that keep the status's tallies)
from storage.sqlite_writers import serialise_writers


def create_engine(url: str, *, sqlite_write_timeout: float = 30.0, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url`` (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``); ``kwargs`` go to
    SQLAlchemy's ``create_async_engine`` (the run modes pass the pool from settings: ``pool_size``,
    ``max_overflow``, ``pool_timeout`` seconds; an in-memory SQLite database has no pool and ignores them).

    SQLite gets foreign keys, WAL, a busy timeout, and writers that take turns in this process
    (waiting at most ``sqlite_write_timeout`` seconds), so that several tasks can share the file.
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
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


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
