"""Exactly-once updates: a claimed update id is not handled again, on SQLite, PostgreSQL and Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.dedup import RedisUpdateLedger, SqlUpdateLedger
from bot.shared_state import connect_redis
from storage.db import UowFactory
from storage.models_scale import ProcessedUpdate
from tests.scale.conftest import open_cluster
from tests.scale.hazard_plan import at_site_name, where


async def test_an_update_id_is_claimed_once_per_bot(engine: AsyncEngine) -> None:
    ledger = SqlUpdateLedger(engine)
    assert await ledger.claim(111, 5) is True
    assert await ledger.claim(111, 5) is False
    assert await ledger.claim(222, 5) is True  # update ids are per bot
    assert await ledger.claim(111, 6) is True


async def test_claims_older_than_a_day_are_purged(engine: AsyncEngine, uow: UowFactory) -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    clock = {"now": now}
    ticks = iter(range(0, 100_000, 1000))
    ledger = SqlUpdateLedger(engine, now=lambda: clock["now"], purge_every=1500, monotonic=lambda: float(next(ticks)))
    assert await ledger.claim(1, 1)
    clock["now"] = now + timedelta(hours=23)
    assert await ledger.claim(1, 2)
    clock["now"] = now + timedelta(hours=25)
    assert await ledger.claim(1, 3)  # this claim's purge removes update 1 only
    async with uow() as u:
        left = (await u.session.exec(select(ProcessedUpdate.update_id).order_by(ProcessedUpdate.update_id))).all()
    assert left == [2, 3]


async def test_redis_claims_once_and_expires_in_a_day(namespace: str, redis_url: str) -> None:
    redis = connect_redis(redis_url)
    try:
        ledger = RedisUpdateLedger(redis, f"{namespace}:update")
        assert await ledger.claim(111, 5) is True
        assert await ledger.claim(111, 5) is False
        ttl = await redis.ttl(f"{namespace}:update:111:5")
        assert 86_000 < ttl <= 86_400
    finally:
        await redis.aclose()


async def test_the_same_update_fed_twice_is_processed_once(database_url: str, tmp_path: Path) -> None:
    async with open_cluster(database_url, tmp_path / "data", count=1) as cluster:
        chat, update = await at_site_name(cluster, 8101)
        instance = cluster.instances[0]
        before = len(cluster.session.requests)
        await instance.dp.feed_update(instance.bot, update)
        sent = len(cluster.session.requests)
        await instance.dp.feed_update(instance.bot, update)
        assert sent == before + 1  # the next question
        assert len(cluster.session.requests) == sent  # nothing said the second time
        assert (await where(cluster.core, chat)).field.key == "address"  # the answer was taken once
        async with cluster.core.uow() as u:
            claims = (await u.session.exec(select(func.count()).select_from(ProcessedUpdate))).one()
        assert claims == chat.fed + 1  # every update of the chat, and this one once


async def test_a_duplicate_callback_press_is_processed_once(database_url: str, tmp_path: Path) -> None:
    async with open_cluster(database_url, tmp_path / "data", count=1) as cluster:
        chat = await cluster.bind(8102)
        await chat.say("/hazard")
        button = chat.buttons()[0]
        update = cluster.factory.callback(chat.user, button.message, button.callback_data)
        instance = cluster.instances[0]
        await instance.dp.feed_update(instance.bot, update)
        await instance.dp.feed_update(instance.bot, update)
        assert (await where(cluster.core, chat)).field.key == "site_name"
        prompt = await where(cluster.core, chat)
        assert prompt.position[0] == 2
