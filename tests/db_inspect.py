"""What a migrated test database holds, for the migration tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.db import UowFactory, create_engine, make_uow_factory
from storage.migrate import downgrade, upgrade

T = TypeVar("T")


async def run_sync(url: str, work: Callable[[Connection], T]) -> T:
    """``work(connection)`` on a synchronous connection to the database at ``url``, in one transaction that is
    committed when ``work`` returns (an engine of its own, disposed after)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(work)
    finally:
        await engine.dispose()


async def table_names(url: str) -> set[str]:
    """The names of the tables in the database at ``url``."""
    return set(await run_sync(url, lambda c: inspect(c).get_table_names()))


async def tables_go_down_and_up(url: str, target: str, tables: set[str], kept: str) -> None:
    """Downgrade the database at ``url`` to ``target`` (an Alembic target such as ``0070@-1``): ``tables`` are
    gone and ``kept`` (a table of an earlier migration) is still there; upgrade to head: ``tables`` are back."""
    assert await table_names(url) >= tables
    await asyncio.to_thread(downgrade, url, target)
    left = await table_names(url)
    assert not tables & left and kept in left, left
    await asyncio.to_thread(upgrade, url)
    assert await table_names(url) >= tables


@dataclass(frozen=True)
class Parts:
    """Named parts of a schema: ``tables``, ``columns`` and ``indexes`` (both by table name)."""

    tables: frozenset[str] = frozenset()
    columns: Mapping[str, frozenset[str]] = field(default_factory=dict)
    indexes: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, tables: Iterable[str] = (), columns: Mapping[str, Iterable[str]] | None = None,
           indexes: Mapping[str, Iterable[str]] | None = None) -> Parts:
        """Parts from plain collections: ``Parts.of({"t"}, columns={"t": {"c"}})``."""
        return cls(frozenset(tables), {t: frozenset(c) for t, c in (columns or {}).items()},
                   {t: frozenset(i) for t, i in (indexes or {}).items()})


@dataclass(frozen=True)
class Schema:
    """What the database holds: every table's name, and the columns and indexes of the tables asked about."""

    tables: set[str]
    columns: dict[str, set[str]]
    indexes: dict[str, set[str]]

    def missing(self, parts: Parts) -> list[str]:
        """The names in ``parts`` that the database does not hold (``table.column`` for columns and indexes)."""
        return sorted((parts.tables - self.tables)
                      | {f"{t}.{c}" for t, cs in parts.columns.items() for c in cs - self.columns.get(t, set())}
                      | {f"{t}.{i}" for t, ix in parts.indexes.items() for i in ix - self.indexes.get(t, set())})

    def present(self, parts: Parts) -> list[str]:
        """The names in ``parts`` that the database holds."""
        return sorted((parts.tables & self.tables)
                      | {f"{t}.{c}" for t, cs in parts.columns.items() for c in cs & self.columns.get(t, set())}
                      | {f"{t}.{i}" for t, ix in parts.indexes.items() for i in ix & self.indexes.get(t, set())})


async def schema(url: str, *parts: Parts) -> Schema:
    """Read the database at ``url``: all table names, and the columns and indexes of the tables ``parts`` name
    (a table that is not there reads as having none)."""
    with_columns = {t for p in parts for t in p.columns}
    with_indexes = {t for p in parts for t in p.indexes}

    def read(c: Connection) -> Schema:
        found = inspect(c)
        tables = set(found.get_table_names())
        return Schema(tables, {t: {col["name"] for col in found.get_columns(t)} for t in with_columns & tables},
                      {t: {str(ix["name"]) for ix in found.get_indexes(t)} for t in with_indexes & tables})

    return await run_sync(url, read)


@asynccontextmanager
async def unit_of_work(url: str) -> AsyncIterator[UowFactory]:
    """A unit-of-work factory on an engine of its own for the database at ``url``, disposed on leaving."""
    engine = create_engine(url)
    try:
        yield make_uow_factory(engine)
    finally:
        await engine.dispose()


async def execute(url: str, *statements: str | tuple[str, Mapping[str, object]]) -> list[tuple[object, ...]]:
    """Run raw SQL ``statements`` (each a string, or a string and its bound parameters) in one transaction; the
    rows of the last that returns any."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            rows: list[tuple[object, ...]] = []
            for statement in statements:
                sql, params = (statement, {}) if isinstance(statement, str) else statement
                result = await conn.execute(text(sql), dict(params))
                if result.returns_rows:
                    rows = [tuple(r) for r in result.all()]
            return rows
    finally:
        await engine.dispose()


async def migration_goes_down_and_up(
    url: str, below: str, *, added: Parts = Parts(), removed: Parts = Parts(), kept: Parts = Parts(),
    seed: Callable[[str], Awaitable[T]] | None = None, check: Callable[[str, T | None], Awaitable[None]] | None = None,
) -> None:
    """One migration's round trip on the database at ``url`` (at head): ``added`` is there and ``removed`` is not;
    downgrade to ``below`` (an Alembic target such as ``0150-1``): ``added`` is gone, ``removed`` and ``kept`` are
    there; ``seed(url)`` writes rows the old schema's way; upgrade to head: ``added`` is back and ``removed`` gone;
    ``check(url, what seed returned)`` asserts what the migration made of the rows."""
    at_head = await schema(url, added, removed)
    assert not at_head.missing(added) and not at_head.present(removed), at_head
    await asyncio.to_thread(downgrade, url, below)
    below_it = await schema(url, added, removed, kept)
    assert not below_it.present(added), below_it.present(added)
    assert not below_it.missing(removed) and not below_it.missing(kept), below_it
    seeded = await seed(url) if seed is not None else None
    await asyncio.to_thread(upgrade, url)
    up_again = await schema(url, added, removed)
    assert not up_again.missing(added) and not up_again.present(removed), up_again
    if check is not None:
        await check(url, seeded)
