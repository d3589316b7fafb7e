"""Migration 0110 (extension requests; a supervision's requirement, deadline and person responsible) goes down
and up again on SQLite and PostgreSQL, and the database keeps one pending request per hazard."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from storage.db import create_engine, make_uow_factory
from storage.migrate import downgrade, upgrade
from storage.models_deadlines import DeadlineExtension
from tests.lifecycle_factories import hazard, person


async def _schema(url: str) -> tuple[set[str], set[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            def read(c):  # type: ignore[no-untyped-def]
                found = inspect(c)
                return set(found.get_table_names()), {col["name"] for col in found.get_columns("supervision")}
            return await conn.run_sync(read)
    finally:
        await engine.dispose()


async def test_extensions_and_supervision_details_go_down_and_up(database_url: str) -> None:
    tables, columns = await _schema(database_url)
    assert "deadline_extension" in tables and {"requirement", "deadline", "responsible"} <= columns
    await asyncio.to_thread(downgrade, database_url, "0110-1")
    tables, columns = await _schema(database_url)
    assert "deadline_extension" not in tables and not {"requirement", "deadline", "responsible"} & columns
    assert "supervision" in tables
    await asyncio.to_thread(upgrade, database_url)
    tables, columns = await _schema(database_url)
    assert "deadline_extension" in tables and {"requirement", "deadline", "responsible"} <= columns

    engine = create_engine(database_url)
    try:
        uow = make_uow_factory(engine)
        someone = await person(uow, "李检查")
        hid = await hazard(uow, someone)
        async with uow() as u:
            u.session.add(DeadlineExtension(hazard_id=hid, new_deadline=date(2026, 5, 30), reason="一",
                                            requested_by=someone.user_id, status="refused"))
            u.session.add(DeadlineExtension(hazard_id=hid, new_deadline=date(2026, 5, 31), reason="二",
                                            requested_by=someone.user_id))
            await u.commit()
        with pytest.raises(IntegrityError):
            async with uow() as u:
                u.session.add(DeadlineExtension(hazard_id=hid, new_deadline=date(2026, 6, 1), reason="三",
                                                requested_by=someone.user_id))
                await u.commit()
    finally:
        await engine.dispose()
