"""What a migrated test database holds, for the migration tests."""

from __future__ import annotations

from sqlalchemy import inspect

from storage.db import create_engine


async def table_names(url: str) -> set[str]:
    """The names of the tables in the database at ``url``."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()
