"""Migration 0010 (life cycle tables) goes down to 0001 and up again on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from storage.migrate import downgrade, upgrade
from tests.db_inspect import table_names

TABLES = {"rectification_plan", "rectification", "reinspection", "verification_sample", "verification",
          "supervision", "lookback_check", "hazard_link"}


async def test_the_life_cycle_tables_go_down_and_up_again(database_url: str) -> None:
    assert await table_names(database_url) >= TABLES
    await asyncio.to_thread(downgrade, database_url, "0010@-1")
    left = await table_names(database_url)
    assert not TABLES & left and "hazard" in left
    await asyncio.to_thread(upgrade, database_url)
    assert await table_names(database_url) >= TABLES
