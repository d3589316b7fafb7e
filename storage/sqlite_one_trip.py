"""Each SQLite statement in one trip to aiosqlite's thread instead of three or four.

SQLAlchemy's aiosqlite adapter makes a cursor in aiosqlite's worker thread (one trip), executes there (two),
fetches the rows (three) and closes the cursor (four); every trip is a queue put, the thread's wake-up, the
GIL passed over and back and the event loop woken. A form step's four statements made eleven trips, more
than its SQL cost (``benchmarks/form_step_profile.py``; the raw-driver floor makes seven). Here one function
run in the thread makes the cursor, executes, fetches every row (the adapter buffers them all anyway) and
closes it, and the adapter's cursor keeps what SQLAlchemy reads afterwards (description, rowcount,
lastrowid). Transactions are untouched: the statement runs on the same ``sqlite3`` connection, which opens
its transaction before a writing statement as before.

Library internals (issue 18): replaces ``_cursor_cls`` of SQLAlchemy's ``AsyncAdapt_aiosqlite_connection``
(its server-side cursors, for streamed results, are left as they are), and uses aiosqlite's
``Connection._execute`` and ``_conn``. Checked against SQLAlchemy 2.1.9 and aiosqlite 0.22;
``tests/test_sqlite_one_trip.py`` fails if an upgrade changes what this relies on.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.sqlite import aiosqlite as sa_aiosqlite
from sqlalchemy.util import EMPTY_DICT


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> tuple[Any, list[Any], int, Any]:
    """In aiosqlite's thread: execute and fetch all; (description, rows, rowcount, lastrowid)."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(sa_aiosqlite.AsyncAdapt_aiosqlite_cursor):
    """The adapter's buffered cursor, executing and fetching in one call to aiosqlite's thread."""

    __slots__ = ("_description", "_rowcount", "_lastrowid")

    def __init__(self, adapt_connection: Any) -> None:  # no cursor made ahead in the thread
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: Any = None

    @property
    def description(self) -> Any:
        """The DB-API description of the last statement's result, None when it returned no rows."""
        return self._description

    @property
    def rowcount(self) -> int:
        """The rows the last statement changed (-1 before any)."""
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        """The rowid of the last row inserted."""
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        """Rows per ``fetchmany`` by default: 1, as sqlite3's (setting it changes nothing)."""
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass  # every row is fetched at once

    async def _one_trip(self, operation: Any, parameters: Any, many: bool) -> None:
        connection = self._connection
        async with self._adapt_connection._execute_mutex:
            found = await connection._execute(_run, connection._conn, operation, parameters, many)
        self._description, rows, self._rowcount, self._lastrowid = found
        self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._one_trip(operation, parameters, False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> None:
        await self._one_trip(operation, seq_of_parameters, True)

    async def _async_soft_close(self) -> None:
        return  # closed in the thread already

    def close(self) -> None:
        """Drop the rows not fetched."""
        self._rows.clear()


def install() -> None:
    """Make every aiosqlite engine of this process run a statement in one trip (idempotent)."""
    sa_aiosqlite.AsyncAdapt_aiosqlite_connection._cursor_cls = OneTripCursor
