"""SQLite writers of one process take turns on an ``asyncio.Lock`` instead of meeting SQLite's busy handler.

Library internals (issue 18): hooks SQLAlchemy's dialect through ``storage.commit_hooks`` (SQLAlchemy 2.1.9).
Kept because ``benchmarks/RESULTS-scale.md`` (session 2, item 3) measured it on a quieter machine: paced p99 of
a form step on SQLite 150–180 ms with the busy handler's sleeps, 15–27 ms with the turn. Re-measured on
2026-12-07 under a load of 12–15 (``benchmarks/form_step.py --variants``, ``RESULTS-perf.md``) the gain did not
show (p99 with the turn 136–1285 ms, without 200–476 ms, both swamped by the load): re-measure on a quiet
machine before relying on it or removing it.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

from storage.commit_hooks import after_transaction

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


class _WriterTurn:
    """Which pooled connection may write to the SQLite file now; the others wait their turn in order."""

    def __init__(self) -> None:
        self.timeout = 30.0  # seconds a writer waits for its turn (``serialise_writers``)
        self.lock = asyncio.Lock()
        self.holder: object | None = None
        self.holder_task: asyncio.Task[Any] | None = None  # the task whose transaction holds the turn
        self._loop: asyncio.AbstractEventLoop | None = None

    def held_here(self) -> bool:
        """True when the task running now holds the turn (through any of its connections)."""
        return (self.holder is not None and self._loop is asyncio.get_running_loop()
                and self.holder_task is asyncio.current_task())

    async def take(self, connection: object, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # an asyncio.Lock belongs to the loop it first waited in; an engine disposed and used again
            # under another loop (one asyncio.run per CLI command or test) starts with a fresh turn
            self.lock, self.holder, self.holder_task, self._loop = asyncio.Lock(), None, None, loop
        if self.held_here():
            # the holder's transaction cannot end while its own task waits here: fail now rather than stall
            # every writer of the process until the timeout
            raise SelfWait()
        if self.lock.locked():
            async with asyncio.timeout(timeout):
                await self.lock.acquire()
        else:
            await self.lock.acquire()  # free: taken at once, without arming a timer on every write
        self.holder, self.holder_task = connection, asyncio.current_task()

    def release(self, connection: object) -> None:
        if connection is not None and self.holder is connection:
            self.holder, self.holder_task = None, None
            self.lock.release()


class SelfWait(RuntimeError):
    """A task wanted to write through a second connection while its own open transaction holds the turn."""


_TURNS: weakref.WeakKeyDictionary[Engine, _WriterTurn] = weakref.WeakKeyDictionary()


def holds_writer_turn(engine: AsyncEngine) -> bool:
    """True when the task running now holds ``engine``'s writer turn, i.e. has a write transaction open on
    SQLite: a write of its own through another connection (another transaction) would wait for itself.
    Always False for an engine without the turn (PostgreSQL)."""
    turn = _TURNS.get(engine.sync_engine)
    return turn is not None and turn.held_here()


async def take_writer_turn(engine: Engine, dbapi_connection: object, statement: str) -> None:
    """Take ``engine``'s writer turn for ``dbapi_connection`` before a write sent past SQLAlchemy's events
    (``storage.driver_sql``), as ``serialise_writers`` does for the statements SQLAlchemy sends; nothing for
    an engine without the turn or a connection holding it. Raises ``OperationalError`` as that does."""
    turn = _TURNS.get(engine)
    if turn is None or turn.holder is dbapi_connection:
        return
    try:
        await turn.take(dbapi_connection, turn.timeout)
    except (TimeoutError, SelfWait) as exc:
        raise OperationalError(statement, None, exc) from exc


def serialise_writers(engine: AsyncEngine, timeout: float) -> None:
    """Let one connection of this process write at a time, the others queuing on an ``asyncio.Lock``.

    SQLite has one writer; a second connection that wants to write meanwhile gets SQLITE_BUSY and its
    busy handler sleeps with back-off (1, 2, 5 … 100 ms), so under concurrent chats a few form steps
    waited hundreds of milliseconds while the file was free again long before (paced benchmark p99
    150 ms → 18 ms with this turn; ``benchmarks/RESULTS-scale.md``). The turn is taken at a
    connection's first writing statement (pysqlite begins its transaction there too) and given back
    after its commit or rollback. Reading never waits.
    Waiting longer than ``timeout`` raises ``OperationalError`` like SQLite's own busy timeout; so does, at
    once, a task that wants to write through a second connection while its own open transaction holds the
    turn (it would only wait for itself; ``holds_writer_turn`` lets code avoid that).
    """
    turn = _WriterTurn()
    turn.timeout = timeout
    _TURNS[engine.sync_engine] = turn

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _take_turn(conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if turn.holder is dbapi_connection:
            return
        writes = context is not None and (context.isinsert or context.isupdate or context.isdelete or context.isddl)
        if not writes and not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        try:
            await_only(turn.take(dbapi_connection, timeout))
        except (TimeoutError, SelfWait) as exc:
            raise OperationalError(statement, None, exc) from exc

    # given back once the commit or rollback is done (the connection events fire before it, which
    # would let the next writer meet the busy handler after all), or when the connection leaves
    after_transaction(engine, lambda raw, _committed: turn.release(raw))
    for name in ("checkin", "invalidate", "close"):
        event.listen(engine.sync_engine.pool, name, lambda dbapi_connection, *_: turn.release(dbapi_connection))
