"""PostgreSQL connections are pinged only after idling (``storage.db.ping_when_idle``): a connection the server
dropped while it idled in the pool is replaced before it serves, and one in steady use is not pinged."""

from __future__ import annotations

import pytest
from sqlalchemy import text

import storage.db
from storage.db import create_engine


async def _backend_pid(engine: object) -> int:
    async with engine.connect() as conn:  # type: ignore[attr-defined]
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_killed_while_idle_is_replaced_before_it_serves(
        pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(pg_database, pool_size=1, max_overflow=0)
    admin = create_engine(pg_database, pool_size=1, max_overflow=0)
    try:
        first = await _backend_pid(engine)
        async with admin.connect() as conn:  # the server restarts, a firewall forgets: the pooled one is dead
            assert (await conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first})).scalar_one()
        monkeypatch.setattr(storage.db, "IDLE_PING_SECONDS", 0.0)
        second = await _backend_pid(engine)
        assert second != first
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_a_connection_in_steady_use_is_not_pinged_and_an_idle_one_is(
        pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(pg_database, pool_size=1, max_overflow=0)
    pings: list[object] = []
    real = engine.sync_engine.dialect.do_ping
    monkeypatch.setattr(engine.sync_engine.dialect, "do_ping", lambda c: pings.append(c) or real(c))
    try:
        pids = {await _backend_pid(engine) for _ in range(5)}
        assert len(pids) == 1 and pings == []
        monkeypatch.setattr(storage.db, "IDLE_PING_SECONDS", -1.0)  # every checkout counts as after idling
        assert await _backend_pid(engine) in pids
        assert len(pings) == 1
    finally:
        await engine.dispose()
