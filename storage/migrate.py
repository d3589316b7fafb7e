"""Run the Alembic migrations programmatically (``hazardbot db upgrade``)."""

from __future__ import annotations

import asyncio
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Alembic loads only when a database needs migrating (about 1 s of every start otherwise)
    from alembic.config import Config

_REVISION = re.compile(r"^(revision|down_revision|depends_on)\b[^=]*=\s*(.+)$", re.MULTILINE)


def alembic_config(database_url: str) -> Config:
    """An Alembic ``Config`` for the packaged migrations, pointed at ``database_url``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(str(resources.files("storage") / "migrations"))))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the database at ``database_url`` to ``revision`` (all heads by default)."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Take the database at ``database_url`` down to ``revision``."""
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def packaged_heads() -> frozenset[str]:
    """The head revisions of the packaged migrations, read from the scripts' ``revision``, ``down_revision`` and
    ``depends_on`` lines without loading Alembic: the revisions no script names as its ``down_revision`` or in
    its ``depends_on`` (what Alembic keeps in ``alembic_version`` once at ``heads``)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (Path(str(resources.files("storage") / "migrations")) / "versions").glob("*.py"):
        for name, value in _REVISION.findall(script.read_text(encoding="utf-8")):
            names = re.findall(r"[\"']([^\"']+)[\"']", value)
            (revisions if name == "revision" else parents).update(names)
    return frozenset(revisions - parents)


async def at_heads(database_url: str) -> bool:
    """Whether the database's ``alembic_version`` holds exactly the packaged heads (nothing to migrate);
    false also when the database or the table does not exist yet."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            found = frozenset((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    except DBAPIError:
        return False
    finally:
        await engine.dispose()
    return found == packaged_heads()


async def upgrade_async(database_url: str, revision: str = "heads") -> None:
    """``upgrade`` from async code: Alembic's async env runs its own event loop, so use a thread. A database
    already at the packaged heads is left alone without loading Alembic (``hazardbot run`` starts faster)."""
    if revision == "heads" and await at_heads(database_url):
        return
    await asyncio.to_thread(upgrade, database_url, revision)
