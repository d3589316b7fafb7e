"""Migration 0040 (tip-off tables) goes down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

from storage.migrate import downgrade, upgrade
from tests.db_inspect import table_names

TABLES = {"tipoff", "tipoff_addition", "tipoff_photo", "tipoff_block", "tipoff_daily_count"}


async def test_tipoff_tables_go_down_and_up(database_url: str) -> None:
    import asyncio

    assert await table_names(database_url) >= TABLES
    await asyncio.to_thread(downgrade, database_url, "0040@0001")
    remaining = await table_names(database_url)
    assert not TABLES & remaining and "hazard" in remaining
    await asyncio.to_thread(upgrade, database_url)
    assert await table_names(database_url) >= TABLES
