"""Migration 0040 (tip-off tables) goes down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.db_inspect import tables_go_down_and_up

TABLES = {"tipoff", "tipoff_addition", "tipoff_photo", "tipoff_block", "tipoff_daily_count"}


async def test_tipoff_tables_go_down_and_up(database_url: str) -> None:
    await tables_go_down_and_up(database_url, "0040@0001", TABLES, kept="hazard")
