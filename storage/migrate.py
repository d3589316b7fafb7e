"""Run the Alembic migrations programmatically (``hazardbot db upgrade``)."""

from __future__ import annotations

import asyncio
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config


def alembic_config(database_url: str) -> Config:
    """An Alembic ``Config`` for the packaged migrations, pointed at ``database_url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(str(resources.files("storage") / "migrations"))))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the database at ``database_url`` to ``revision`` (all heads by default)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "heads") -> None:
    """``upgrade`` from async code: Alembic's async env runs its own event loop, so use a thread."""
    await asyncio.to_thread(upgrade, database_url, revision)
