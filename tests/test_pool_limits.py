"""Pool and limits come from settings (issue 14, finding 9): the connections of the pool, how long an update
may wait for one, and how many updates are handled at once. Bounded below the pool, a burst of chats waits
its turn and nobody gets an error — here with a pool of two connections and a wait of 10 ms, fifty chats
answering a form question at the same moment; without the bound the same burst fails on the pool
(the finding: "QueuePool limit of size 5 overflow 10 reached"). On SQLite and PostgreSQL, through the
dispatcher. The throughput at 200 chats is measured in ``benchmarks/dispatch_throughput.py``
(``benchmarks/RESULTS-hardening.md``)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlmodel import select

from bot.core import Core
from bot.domain import Role
from bot.services.actors import Actor
from storage.models import Draft
from tests.conftest import open_harness
from tests.lifecycle_factories import person

CHATS = 50
TINY_POOL = {"db_pool_size": 2, "db_max_overflow": 0, "db_pool_timeout": 0.01}


async def _forms_open(core: Core, n: int) -> list[Actor]:
    """``n`` inspectors, each with the hazard form open at its first question."""
    actors = []
    for i in range(n):
        actor = await person(core.uow, f"检查员{i}", (Role.INSPECTOR, "110105001"), telegram_id=660_000 + i)
        await core.services.forms.start(actor, "hazard", "zh")
        actors.append(actor)
    return actors


async def _burst(database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, bound: int) -> tuple[int, int]:
    """Every inspector types the answer at once; (failed updates, forms that moved on)."""
    caplog.clear()
    async with open_harness(database_url, tmp_path, max_concurrent_updates=bound, **TINY_POOL) as h:
        pool = h.core.engine.pool
        assert (pool.size(), pool._max_overflow, pool._timeout) == (2, 0, 0.01)  # type: ignore[attr-defined]
        actors = await _forms_open(h.core, CHATS)
        chats = [h.chat(int(a.address.address), a.full_name) for a in actors]
        with caplog.at_level(logging.ERROR, logger="hazardbot.errors"):
            await asyncio.gather(*(chat.say("建外街道") for chat in chats))  # 所属街乡, typed
        failed = sum(1 for r in caplog.records if r.name == "hazardbot.errors" and r.levelno >= logging.ERROR)
        async with h.core.uow() as u:
            moved = sum(1 for d in (await u.session.exec(select(Draft))).all() if d.step != "township")
        return failed, moved


async def test_bounded_below_the_pool_a_burst_of_chats_waits_its_turn_without_errors(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert await _burst(database_url, tmp_path / "bounded", caplog, bound=2) == (0, CHATS)


async def test_without_the_bound_the_same_burst_fails_on_the_pool(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    failed, moved = await _burst(database_url, tmp_path / "unbounded", caplog, bound=0)
    assert failed > 0 and moved == CHATS - failed
    assert any("QueuePool limit" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


async def test_a_steady_load_at_the_bound_keeps_its_connections(database_url: str, tmp_path: Path) -> None:
    """With the default pool and bound, a burst of chats answering again opens no connection: a connection above
    the pool's size is closed when it comes back, and at 10 connections for 16 updates a busy bot opened a new
    one every 30 form steps (``benchmarks/RESULTS-perf.md``, session 13)."""
    from sqlalchemy import event

    async with open_harness(database_url, tmp_path) as h:
        actors = await _forms_open(h.core, CHATS)
        chats = [h.chat(int(a.address.address), a.full_name) for a in actors]
        await asyncio.gather(*(chat.say("建外街道") for chat in chats))  # the pool fills up to the bound
        opened: list[object] = []
        event.listen(h.core.engine.sync_engine.pool, "connect", lambda *_a: opened.append(1))
        for _ in range(2):
            await asyncio.gather(*(chat.say("« 上一步") for chat in chats))
            await asyncio.gather(*(chat.say("建外街道") for chat in chats))
        assert opened == []


@pytest.mark.sqlite_only
async def test_a_pool_smaller_than_the_bound_is_told_at_start(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="hazardbot.core"):
        async with open_harness(database_url, tmp_path / "default"):
            pass
        assert not [r for r in caplog.records if "pool_below_load" in r.getMessage()]
        async with open_harness(database_url, tmp_path / "small", db_pool_size=10, max_concurrent_updates=16):
            pass
    assert [r.getMessage() for r in caplog.records if "pool_below_load" in r.getMessage()] == [
        "event=pool_below_load db_pool_size=10 max_concurrent_updates=16 wanted=20"]
