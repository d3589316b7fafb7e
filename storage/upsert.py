"""``INSERT … ON CONFLICT`` for whichever engine is in use (SQLite and PostgreSQL spell it alike in
SQLAlchemy, but through their own dialect's ``insert``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession


def dialect_insert(where: AsyncSession | str) -> Any:
    """The dialect ``insert`` construct (with ``on_conflict_do_nothing``/``_do_update``) for the
    session's database, or for a dialect name (``"postgresql"``; anything else is SQLite)."""
    if isinstance(where, str):
        name = where
    else:
        name = where.bind.dialect.name if where.bind is not None else "sqlite"
    return postgresql.insert if name == "postgresql" else sqlite.insert
