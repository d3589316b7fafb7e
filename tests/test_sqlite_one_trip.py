"""``storage.sqlite_one_trip``: a SQLite statement is one trip to aiosqlite's thread, and SQLAlchemy reads the same
results through it (rows, rowcount, inserted ids, many rows at once, errors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiosqlite.core
import pytest
from sqlalchemy import text
from sqlalchemy.dialects.sqlite import aiosqlite as sa_aiosqlite
from sqlalchemy.exc import IntegrityError

from storage.db import create_engine
from storage.sqlite_one_trip import OneTripCursor


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    queued = aiosqlite.core.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await queued(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
    return calls


async def test_statements_take_one_trip_each_with_the_same_results(tmp_path: Path, trips: list[str]) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    try:
        assert sa_aiosqlite.AsyncAdapt_aiosqlite_connection._cursor_cls is OneTripCursor
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
        async with engine.begin() as conn:
            trips.clear()
            inserted = await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": "甲"})
            assert trips == ["_run"]
            assert inserted.rowcount == 1 and inserted.lastrowid == 1
            many = await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "乙"}, {"n": "丙"}])
            assert many.rowcount == 2
            trips.clear()
            rows = (await conn.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
            assert trips == ["_run"]
            assert [tuple(r) for r in rows] == [(1, "甲"), (2, "乙"), (3, "丙")]
            returned = (await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 1 RETURNING id"))).all()
            assert sorted(r.id for r in returned) == [2, 3]
            changed = await conn.execute(text("DELETE FROM t WHERE id = 3"))
            assert changed.rowcount == 1
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (name) VALUES ('甲')"))
        async with engine.connect() as conn:  # the failed transaction was rolled back, the earlier one kept
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 2
    finally:
        await engine.dispose()
