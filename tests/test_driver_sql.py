"""``storage.driver_sql``: a statement sent past SQLAlchemy's execution path writes what SQLAlchemy would, inside the
unit of work's transaction; on PostgreSQL only once the transaction has begun, on SQLite after the writer turn."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, event, select, update
from sqlmodel import select as orm_select

from storage.db import UowFactory
from storage.driver_sql import DriverStatement, execute_in_transaction, transaction_connection
from storage.models import Draft, User
from storage.sqlite_writers import holds_writer_turn

_DRAFT = Draft.__table__  # type: ignore[attr-defined]
_UPDATE = DriverStatement(update(_DRAFT).where(_DRAFT.c.id == bindparam("draft_id")),
                          ("data", "step", "history", "reviewing", "context", "updated_at"))
_VALUES = {"data": {"site_name": "张某出租房 <b>&", "n": 3, "nested": {"ok": True}}, "step": "address",
           "history": ["site_name"], "reviewing": True, "context": {"from": "补充"},
           "updated_at": datetime(2026, 12, 8, 1, 2, 3, 456000, tzinfo=UTC)}


async def _a_draft(uow: UowFactory) -> int:
    async with uow() as u:
        user = User(channel="telegram", address="4242", full_name="甲")
        u.session.add(user)
        await u.session.flush()
        draft = Draft(user_id=user.id or 0, form="hazard", step="site_name")
        u.session.add(draft)
        await u.session.commit()
        return draft.id or 0


def _seen(engine: Any) -> list[str]:
    seen: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: seen.append(a[2].split()[0]))
    return seen


async def test_the_row_written_is_the_one_sqlalchemy_reads_back(engine: Any, uow: UowFactory) -> None:
    draft_id = await _a_draft(uow)
    async with uow() as u:
        await (await u.session.connection()).execute(select(_DRAFT.c.id).where(_DRAFT.c.id == draft_id).with_for_update())
        assert await execute_in_transaction(u.session, _UPDATE, {"draft_id": draft_id, **_VALUES}) == 1
        assert await execute_in_transaction(u.session, _UPDATE, {"draft_id": draft_id + 99, **_VALUES}) == 0
        await u.session.commit()
    async with uow() as u:
        row = (await u.session.exec(orm_select(Draft).where(Draft.id == draft_id))).one()
        assert (row.data, row.step, row.history, row.reviewing, row.context, row.updated_at) == tuple(
            _VALUES[k] for k in ("data", "step", "history", "reviewing", "context", "updated_at"))


async def test_it_rides_the_transaction_and_is_undone_with_it(engine: Any, uow: UowFactory) -> None:
    draft_id = await _a_draft(uow)
    async with uow() as u:
        await (await u.session.connection()).execute(select(_DRAFT.c.id).where(_DRAFT.c.id == draft_id))
        await execute_in_transaction(u.session, _UPDATE, {"draft_id": draft_id, **_VALUES})
        await u.rollback()
    async with uow() as u:
        assert (await u.session.exec(orm_select(Draft.step).where(Draft.id == draft_id))).one() == "site_name"


async def test_postgresql_goes_past_sqlalchemy_once_the_transaction_has_begun(engine: Any, uow: UowFactory) -> None:
    draft_id = await _a_draft(uow)
    seen = _seen(engine)
    async with uow() as u:
        await execute_in_transaction(u.session, _UPDATE, {"draft_id": draft_id, **_VALUES})
        await execute_in_transaction(u.session, _UPDATE, {"draft_id": draft_id, **_VALUES, "step": "photos"})
        await u.session.commit()
    if engine.dialect.driver == "asyncpg":
        # the transaction's first statement: not begun on the server yet, so through SQLAlchemy
        assert seen == ["UPDATE"]
    else:  # SQLite: pysqlite begins before any write, so both go on the driver
        assert seen == []
    async with uow() as u:
        assert (await u.session.exec(orm_select(Draft.step).where(Draft.id == draft_id))).one() == "photos"


@pytest.mark.sqlite_only
async def test_on_sqlite_a_write_on_the_driver_takes_the_writer_turn(engine: Any, uow: UowFactory) -> None:
    """Another task's write waits until the transaction that wrote on the driver has committed, as it would for a
    statement SQLAlchemy sent (``storage.sqlite_writers``): no SQLITE_BUSY, and the second sees the first's row."""
    draft_id = await _a_draft(uow)
    order: list[str] = []

    async def other() -> None:
        async with uow() as u:
            await execute_in_transaction(u.session, _UPDATE, {"draft_id": draft_id, **_VALUES, "step": "second"})
            order.append("second wrote")
            await u.session.commit()

    async with uow() as u:
        await execute_in_transaction(u.session, _UPDATE, {"draft_id": draft_id, **_VALUES, "step": "first"})
        assert holds_writer_turn(engine)  # taken as SQLAlchemy's own write would have taken it
        task = asyncio.create_task(other())
        await asyncio.sleep(0.05)
        assert order == []  # waiting for the turn
        order.append("first commits")
        await u.session.commit()
    assert not holds_writer_turn(engine)  # given back by the commit
    await task
    assert order == ["first commits", "second wrote"]
    async with uow() as u:
        assert (await u.session.exec(orm_select(Draft.step).where(Draft.id == draft_id))).one() == "second"


async def test_the_transactions_connection_is_asked_once_per_transaction(engine: Any, uow: UowFactory) -> None:
    draft_id = await _a_draft(uow)
    async with uow() as u:
        first = await transaction_connection(u.session)
        assert await transaction_connection(u.session) is first
        await execute_in_transaction(u.session, _UPDATE, {"draft_id": draft_id, **_VALUES})
        await u.session.commit()
        # a new transaction: SQLAlchemy is asked again, and what is written there lands with its own commit
        again = await transaction_connection(u.session)
        assert again is not first
        await again.execute(select(_DRAFT.c.id))
        await execute_in_transaction(u.session, _UPDATE, {"draft_id": draft_id, **_VALUES, "step": "photos"})
        await u.rollback()
    async with uow() as u:
        assert (await u.session.exec(orm_select(Draft.step).where(Draft.id == draft_id))).one() == "address"
