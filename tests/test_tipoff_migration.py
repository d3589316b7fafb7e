"""Migration 0040 (tip-off tables) goes down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from storage.db import create_engine
from storage.migrate import downgrade, upgrade

TABLES = {"tipoff", "tipoff_addition", "tipoff_photo", "tipoff_block", "tipoff_daily_count"}


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_tipoff_tables_go_down_and_up(database_url: str) -> None:
    import asyncio

    assert await _tables(database_url) >= TABLES
    await asyncio.to_thread(downgrade, database_url, "0040@0001")
    remaining = await _tables(database_url)
    assert not TABLES & remaining and "hazard" in remaining
    await asyncio.to_thread(upgrade, database_url)
    assert await _tables(database_url) >= TABLES
