"""Per-chat flood limits: the flooding chat is cut off with one notice, other chats are not slowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.methods import SendMessage

from bot.shared_state import connect_redis
from bot.throttle import LocalThrottle, RedisThrottle
from tests.scale.conftest import open_cluster


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _bucket_rules(throttle, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    verdicts = [await throttle.take(1) for _ in range(5)]
    assert [v.allowed for v in verdicts] == [True, True, True, False, False]
    assert [v.notify for v in verdicts] == [False, False, False, True, False]  # one notice per flood
    assert (await throttle.take(2)).allowed  # another chat has its own bucket
    clock.now += 0.5  # half a token
    assert not (await throttle.take(1)).allowed
    clock.now += 0.5
    again = await throttle.take(1)
    assert again.allowed and not again.notify
    refused = await throttle.take(1)
    assert not refused.allowed and refused.notify  # a new flood gets a new notice
    clock.now += 100
    assert [(await throttle.take(1)).allowed for _ in range(4)] == [True, True, True, False]  # never above burst


async def test_local_bucket_allows_a_burst_then_one_per_second() -> None:
    clock = Clock()
    await _bucket_rules(LocalThrottle(rate=1.0, burst=3, clock=clock), clock)


async def test_redis_bucket_follows_the_same_rules(namespace: str, redis_url: str) -> None:
    clock = Clock()
    redis = connect_redis(redis_url)
    try:
        await _bucket_rules(RedisThrottle(redis, rate=1.0, burst=3, clock=clock, prefix=f"{namespace}:t"), clock)
    finally:
        await redis.aclose()


def test_a_bucket_needs_a_positive_rate_and_burst() -> None:
    with pytest.raises(ValueError):
        LocalThrottle(rate=0, burst=3)
    with pytest.raises(ValueError):
        LocalThrottle(rate=1, burst=0)


async def test_a_flooding_chat_is_told_once_and_others_are_served(database_url: str, tmp_path: Path) -> None:
    await _flood(database_url, tmp_path, None, "hazardbot")


async def test_a_flood_is_limited_across_instances_through_redis(
    database_url: str, tmp_path: Path, redis_url: str, namespace: str
) -> None:
    await _flood(database_url, tmp_path, redis_url, namespace, instances=2)


async def _flood(database_url: str, tmp_path: Path, redis_url: str | None, namespace: str, instances: int = 1) -> None:
    async with open_cluster(
        database_url, tmp_path / "data", count=instances, redis_url=redis_url, namespace=namespace,
        throttle_rate=0.001, throttle_burst=12,
    ) as cluster:
        flooder = cluster.chat(8201)
        calm = cluster.chat(8202)
        for _ in range(40):
            await flooder.say("/help")
        replies = [m for m in cluster.session.requests if isinstance(m, SendMessage) and m.chat_id == 8201]
        assert len(replies) == 12 + 1
        assert replies[-1].text == "消息发送过快，请稍慢一些，稍后再发送您的回答。"
        assert sum("过快" in m.text for m in replies) == 1
        await calm.say("/help")
        assert "朝阳" in calm.last_text()
