"""Migration 0010 (life cycle tables) goes down to 0001 and up again on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.db_inspect import tables_go_down_and_up

TABLES = {"rectification_plan", "rectification", "reinspection", "verification_sample", "verification",
          "supervision", "lookback_check", "hazard_link"}


async def test_the_life_cycle_tables_go_down_and_up_again(database_url: str) -> None:
    await tables_go_down_and_up(database_url, "0010@-1", TABLES, kept="hazard")
