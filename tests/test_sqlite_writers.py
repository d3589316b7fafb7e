"""SQLite writers of one process take turns (storage/db.py ``_serialise_writers``) instead of meeting
SQLite's busy handler: with the busy timeout at zero, overlapping write transactions still all commit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from storage.db import create_engine
from storage.sqlite_writers import holds_writer_turn


async def _overlapping_writers(engine, count: int) -> list[BaseException]:  # type: ignore[no-untyped-def]
    """``count`` write transactions at once; the errors they met (every one of them has finished)."""
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS t (n INTEGER)"))

    async def writer(n: int) -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT count(*) FROM t"))  # reading never waits
            await conn.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})
            await asyncio.sleep(0.01)  # still inside the write transaction: the others must wait
            await conn.commit()

    results = await asyncio.gather(*(writer(n) for n in range(count)), return_exceptions=True)
    return [r for r in results if isinstance(r, BaseException)]


def _no_busy_wait(engine) -> None:  # type: ignore[no-untyped-def]
    @event.listens_for(engine.sync_engine, "connect")
    def _zero(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA busy_timeout=0")  # aiosqlite's sync connection


async def test_overlapping_write_transactions_take_turns(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", pool_size=10, max_overflow=0)
    _no_busy_wait(engine)
    try:
        assert await _overlapping_writers(engine, 10) == []
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 10
    finally:
        await engine.dispose()


async def test_without_turns_the_same_writers_collide(tmp_path: Path) -> None:
    """The control: a plain engine with the same settings fails, so the test above can fail."""
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", pool_size=10, max_overflow=0)
    _no_busy_wait(engine)

    @event.listens_for(engine.sync_engine, "connect")
    def _wal(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    try:
        errors = await _overlapping_writers(engine, 10)
        assert errors and all(isinstance(e, OperationalError) and "locked" in str(e) for e in errors), errors
    finally:
        await engine.dispose()


async def test_a_writer_that_never_gets_its_turn_fails_instead_of_hanging(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", sqlite_write_timeout=0.2)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))
    try:
        async with engine.connect() as holder, engine.connect() as other:
            await holder.execute(text("INSERT INTO t (n) VALUES (1)"))
            with pytest.raises(OperationalError) as waited:  # from another task: it waits, then gives up
                await asyncio.create_task(other.execute(text("INSERT INTO t (n) VALUES (2)")))
            assert isinstance(waited.value.orig, TimeoutError)
            await holder.commit()
            await other.rollback()
            await other.execute(text("INSERT INTO t (n) VALUES (3)"))  # the turn is free again
            await other.commit()
    finally:
        await engine.dispose()


async def test_a_task_writing_beside_its_own_open_write_transaction_fails_at_once(tmp_path: Path) -> None:
    """The turn its own transaction holds cannot come back while the task waits: an error now, not a stall of
    every writer until the timeout (what a ledger import's progress message met, ``bot.dedup``)."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", sqlite_write_timeout=30.0)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))
    try:
        async with engine.connect() as holder, engine.connect() as other:
            assert not holds_writer_turn(engine)
            await holder.execute(text("INSERT INTO t (n) VALUES (1)"))
            assert holds_writer_turn(engine)
            assert not await asyncio.create_task(_holds(engine))  # another task does not hold it
            async with asyncio.timeout(5):
                with pytest.raises(OperationalError):
                    await other.execute(text("INSERT INTO t (n) VALUES (2)"))
            await holder.commit()
            assert not holds_writer_turn(engine)
    finally:
        await engine.dispose()


async def _holds(engine) -> bool:  # type: ignore[no-untyped-def]
    return holds_writer_turn(engine)


def test_an_engine_disposed_and_used_again_under_another_event_loop_still_takes_turns(tmp_path: Path) -> None:
    """One ``asyncio.run`` after another (CLI commands, tests) on one engine: the turn's lock must not stay
    bound to the first loop ("is bound to a different event loop" at the first contention)."""
    import concurrent.futures

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}", pool_size=3, max_overflow=0)

    async def run() -> list[BaseException]:
        try:
            return await _overlapping_writers(engine, 3)
        finally:
            await engine.dispose()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a loop of its own, away from the test's
        for _ in range(2):
            assert pool.submit(asyncio.run, run()).result() == []
