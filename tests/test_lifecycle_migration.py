"""Migration 0010 (life cycle tables) goes down to 0001 and up again on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from storage.db import create_engine
from storage.migrate import downgrade, upgrade

TABLES = {"rectification_plan", "rectification", "reinspection", "verification_sample", "verification",
          "supervision", "lookback_check", "hazard_link"}


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_the_life_cycle_tables_go_down_and_up_again(database_url: str) -> None:
    assert await _tables(database_url) >= TABLES
    await asyncio.to_thread(downgrade, database_url, "0010@-1")
    left = await _tables(database_url)
    assert not TABLES & left and "hazard" in left
    await asyncio.to_thread(upgrade, database_url)
    assert await _tables(database_url) >= TABLES
