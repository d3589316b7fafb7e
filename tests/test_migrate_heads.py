"""``hazardbot run`` skips Alembic when the database is at the packaged heads (issue 19 item 5): the heads read
from the scripts' lines must be what Alembic itself records, and a database behind them must still be migrated."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from storage.migrate import at_heads, downgrade, packaged_heads, upgrade, upgrade_async


def test_the_heads_read_from_the_scripts_are_what_alembic_records(tmp_path: Path) -> None:
    upgrade(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    with sqlite3.connect(tmp_path / "h.db") as conn:
        recorded = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
    assert packaged_heads() == recorded


async def test_a_database_behind_the_heads_is_migrated_and_one_at_them_is_left_alone(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"
    assert not await at_heads(url)  # no database yet
    await upgrade_async(url)
    assert await at_heads(url)
    await asyncio.to_thread(downgrade, url, "0110")
    assert not await at_heads(url)
    await upgrade_async(url)
    assert await at_heads(url)
