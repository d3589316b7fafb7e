"""What a migrated test database holds, for the migration tests."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from storage.db import create_engine
from storage.migrate import downgrade, upgrade


async def table_names(url: str) -> set[str]:
    """The names of the tables in the database at ``url``."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def tables_go_down_and_up(url: str, target: str, tables: set[str], kept: str) -> None:
    """Downgrade the database at ``url`` to ``target`` (an Alembic target such as ``0070@-1``): ``tables`` are
    gone and ``kept`` (a table of an earlier migration) is still there; upgrade to head: ``tables`` are back."""
    assert await table_names(url) >= tables
    await asyncio.to_thread(downgrade, url, target)
    left = await table_names(url)
    assert not tables & left and kept in left, left
    await asyncio.to_thread(upgrade, url)
    assert await table_names(url) >= tables
