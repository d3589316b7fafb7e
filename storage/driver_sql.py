"""A Core statement sent on the driver's connection of a unit of work's open transaction, past SQLAlchemy's
execution path (issue 19 item 4: the form step's draft UPDATE and its exactly-once claim).

SQLAlchemy compiles the statement once per dialect, as it would itself (same SQL text, same parameters' order),
and each value goes through its column type's own ``bind_processor`` (JSON serialised, ``UTCDateTime`` made naive
UTC), so the row written is the one ``connection.execute`` would write. What is skipped is the per-execution
path: the execution context, the adapter's cursor, the result object and the greenlet switch, about 0.1 ms of
CPU a statement on a form step of 2 ms (``benchmarks/RESULTS-perf.md``, session 13).

Only where it lands in the same transaction:
- PostgreSQL (asyncpg) once the session's transaction has begun on the server
  (``asyncpg.Connection.is_in_transaction``; SQLAlchemy's adapter sends BEGIN lazily, with the transaction's
  first statement); before that, through SQLAlchemy.
- SQLite (aiosqlite): pysqlite begins the connection's transaction before its first write whoever sends it.
  The process's writer turn, which SQLAlchemy's statements take in an engine event, is taken here first
  (``storage.sqlite_writers.take_writer_turn``) and given back by that commit or rollback as usual.
The statement lands with the transaction's COMMIT or not at all, like any other of the unit of work.

What a caller gives up on this path, and why the form step may: no ``before_cursor_execute`` event sees the
statement (``storage.commit_hooks.after_commit_writing`` watches ``membership``, ``app_user``,
``blocked_recipient`` and the outbox, never the tables sent here), and a failure is the driver's exception, not
SQLAlchemy's ``DBAPIError`` (nothing on the form step tells them apart: a failed step is logged and the person
told to try again; a broken connection is found and dropped by the pool's reset when the session closes).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.dml import UpdateBase

from storage.sqlite_writers import take_writer_turn


class DriverStatement:
    """``statement`` (an INSERT or UPDATE whose values come from parameters named ``keys``), ready to be sent on
    the driver's connection: ``sql`` and the processed positional values, compiled once per dialect."""

    def __init__(self, statement: UpdateBase, keys: Sequence[str]) -> None:
        self.statement, self._keys = statement, list(keys)
        self._compiled: weakref.WeakKeyDictionary[Dialect, tuple[str, list[tuple[str, Callable[[Any], Any] | None]]]]
        self._compiled = weakref.WeakKeyDictionary()

    def prepared(self, dialect: Dialect, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """The SQL text for ``dialect`` and ``params``' values in its positional order, each processed by its
        column type as SQLAlchemy would. Raises ``KeyError`` for a parameter missing from ``params``."""
        compiled = self._compiled.get(dialect)
        if compiled is None:
            done = self.statement.compile(dialect=dialect, column_keys=self._keys)
            names = done.positiontup or []
            compiled = (done.string, [(name, done.binds[name].type.bind_processor(dialect)) for name in names])
            self._compiled[dialect] = compiled
        sql, binds = compiled
        return sql, [params[name] if process is None else process(params[name]) for name, process in binds]


_HELD = "hazardbot.transaction_connection"


async def transaction_connection(session: AsyncSession) -> AsyncConnection:
    """``session.connection()``, remembered for the session's current transaction (in ``session.info``): each
    call of SQLAlchemy's is a trip into a greenlet, and a form step asked three times for the same connection.
    A new transaction (after a commit or a rollback) asks SQLAlchemy again."""
    transaction = session.sync_session.get_transaction()
    held = session.info.get(_HELD)
    if transaction is not None and held is not None and held[0] is transaction:
        return held[1]  # type: ignore[no-any-return]
    connection = await session.connection()
    session.info[_HELD] = (session.sync_session.get_transaction(), connection)
    return connection


async def execute_in_transaction(session: AsyncSession, statement: DriverStatement, params: Mapping[str, Any]) -> int:
    """Run ``statement`` with ``params`` in ``session``'s transaction; returns the rows it wrote.

    On the driver's connection directly (SQLite always, after taking the writer turn; PostgreSQL once the
    transaction has begun on the server), else through SQLAlchemy on the session's connection. Raises what the
    database raises (the driver's exceptions on the direct path, SQLAlchemy's otherwise; ``OperationalError``
    when SQLite's writer turn is not had within its timeout)."""
    connection = await transaction_connection(session)
    sync = connection.sync_connection
    assert sync is not None  # a session's connection is always begun
    pooled = sync.connection
    driver = pooled.driver_connection
    if connection.dialect.driver == "aiosqlite" and driver is not None:
        # pysqlite begins the connection's transaction before its first write, raw or not; what SQLAlchemy's
        # events would do first, the writer turn (``storage.sqlite_writers``), is taken here
        sql, values = statement.prepared(connection.dialect, params)
        await take_writer_turn(sync.engine, pooled.dbapi_connection, sql)
        cursor = await driver.execute(sql, values)
        return int(cursor.rowcount)
    if connection.dialect.driver == "asyncpg" and driver is not None and driver.is_in_transaction():
        sql, values = statement.prepared(connection.dialect, params)
        status: str = await driver.execute(sql, *values)
        return int(status.rsplit(" ", 1)[-1])  # "UPDATE 1", "INSERT 0 1"
    result = await connection.execute(statement.statement, dict(params))
    return int(result.rowcount)
