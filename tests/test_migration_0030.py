"""Migration 0030 (plans, summary indexes) goes down and up again on both databases."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from storage.db import create_engine
from storage.migrate import downgrade, upgrade


async def _tables_and_indexes(url: str) -> tuple[set[str], set[str]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as c:
            def read(conn):  # type: ignore[no-untyped-def]
                i = inspect(conn)
                return set(i.get_table_names()), {x["name"] for x in i.get_indexes("inspection")} | {
                    x["name"] for x in i.get_indexes("hazard")} | {x["name"] for x in i.get_indexes("hazard_event")}
            return await c.run_sync(read)
    finally:
        await engine.dispose()


async def test_0030_downgrades_and_upgrades(database_url: str) -> None:
    tables, indexes = await _tables_and_indexes(database_url)
    assert {"inspection_plan", "plan_arrangement"} <= tables and {"ix_hazard_summary", "ix_hazard_event_closure"} <= indexes
    await asyncio.to_thread(downgrade, database_url, "0030-1")
    tables, indexes = await _tables_and_indexes(database_url)
    assert "inspection_plan" not in tables and "ix_hazard_summary" not in indexes and "hazard" in tables
    await asyncio.to_thread(upgrade, database_url, "0030")
    tables, indexes = await _tables_and_indexes(database_url)
    assert {"inspection_plan", "plan_arrangement"} <= tables and "ix_inspection_unit_on" in indexes
