"""Fixtures of the scale-out tests: a real Redis (required under ``CI=true``, skipped elsewhere
when absent) and several bot instances sharing one database, fed by one "Telegram"."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.clock import fixed_clock
from bot.local_chat import LocalChat
from bot.local_session import LocalSession
from bot.updates import UpdateFactory
from tests.conftest import TODAY

REDIS_URL = os.environ.get("HAZARDBOT_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """The test Redis URL; fails under CI=true when Redis is unreachable, skips otherwise."""
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # noqa: BLE001  (any failure means "no server")
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required under CI=true but unreachable at {REDIS_URL}: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    finally:
        await client.aclose()
    yield REDIS_URL


@pytest.fixture
async def namespace(redis_url: str) -> AsyncIterator[str]:
    """A Redis key prefix of this test alone; its keys are deleted afterwards."""
    from redis.asyncio import Redis

    ns = f"hbtest-{uuid.uuid4().hex[:12]}"
    yield ns
    client = Redis.from_url(redis_url)
    try:
        keys = [k async for k in client.scan_iter(match=f"{ns}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@dataclass
class Instance:
    core: Any
    dp: Any
    bot: Any
    shared: Any


@dataclass
class Cluster:
    """Instances of the bot on one database, and one recording Telegram stand-in for all."""

    instances: list[Instance]
    session: LocalSession
    factory: UpdateFactory = field(default_factory=UpdateFactory)

    @property
    def core(self) -> Any:
        return self.instances[0].core

    def chat(self, user_id: int, name: str = "测试用户") -> AlternatingChat:
        first = self.instances[0]
        return AlternatingChat(self, first.dp, first.bot, self.session, self.factory, UpdateFactory.user(user_id, name))

    async def bind(self, user_id: int, role: str = "inspector", unit: str = "110105001") -> AlternatingChat:
        from bot.domain import Role

        issued = await self.core.services.invites.issue(Role(role), unit, issuer=None)
        chat = self.chat(user_id)
        await chat.say(f"/bind {issued.code}")
        assert "已绑定" in chat.last_text(), chat.last_text()
        return chat


class AlternatingChat(LocalChat):
    """A chat whose updates go to the instances in turn (update n to instance n mod len)."""

    def __init__(self, cluster: Cluster, *args: Any) -> None:
        super().__init__(*args)
        self.cluster = cluster
        self.fed = 0
        self.by_instance: list[int] = [0] * len(cluster.instances)

    async def _feed(self, update: Any) -> list[Any]:
        index = self.fed % len(self.cluster.instances)
        self.fed += 1
        self.by_instance[index] += 1
        instance = self.cluster.instances[index]
        before = len(self.session.requests)
        await instance.dp.feed_update(instance.bot, update)
        return self.session.requests[before:]


@asynccontextmanager
async def open_cluster(
    database_url: str, data_dir: Path, count: int = 2, redis_url: str | None = None, namespace: str = "hazardbot",
    **settings: Any,
) -> AsyncIterator[Cluster]:
    """``count`` instances (``open_core`` + ``open_shared_state`` + ``build_dispatcher`` each)."""
    from bot.app import build_bot, build_dispatcher
    from bot.core import open_core
    from bot.settings import Settings
    from bot.shared_state import open_shared_state

    # the test drivers answer faster than any person: no flood limit unless a test asks for one
    settings.setdefault("throttle_rate", 1e6)
    settings.setdefault("throttle_burst", 1_000_000)
    session = LocalSession()
    instances = []
    async with AsyncExitStack() as stack:
        for _ in range(count):
            s = Settings(database_url=database_url, data_dir=data_dir, admin_ids=[], redis_url=redis_url, **settings)
            core = await stack.enter_async_context(open_core(s, clock=fixed_clock(TODAY), migrate=False))
            shared = await stack.enter_async_context(open_shared_state(core, namespace=namespace))
            bot = build_bot(s, session)
            instances.append(Instance(core, build_dispatcher(core, shared.storage, shared.guards), bot, shared))
        yield Cluster(instances, session)
