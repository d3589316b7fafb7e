"""Recently loaded actors, so that an update does not cost a database transaction just to learn who sent it.

An entry is used only while it is younger than ``ttl`` seconds and the update carries the same name and
language as the stored user (otherwise the user row must be written). Any committed write to the
``membership`` table through this process's engine — binding with an invite, the admin's role commands,
a contact sharing their phone, whatever comes next — empties the cache once the commit is done
(``watch_role_changes``). Instances of a scaled-out deployment share a generation number in Redis
(``RedisGeneration``): the instance that committed the change increments it, and every instance checks
it before using its cache, so the change counts from the next update everywhere. Should Redis lose the
increment, ``ttl`` still bounds how long a removed role can be used on the other instances.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels import ChannelAddress
from storage.commit_hooks import after_commit_writing

log = logging.getLogger("hazardbot.actors")


class Generation(Protocol):
    """A counter shared by the instances: read before each use of the cache, bumped after a role change."""

    async def current(self) -> int:
        """The counter's value now; a cached actor read under another value is stale."""

    def bump(self) -> None:
        """Advance the counter so every instance drops its cached actors (called after a commit; must not
        block)."""


class RedisGeneration:
    """``Generation`` in the Redis key ``key`` (``redis``: a ``redis.asyncio.Redis``)."""

    def __init__(self, redis: Any, key: str) -> None:
        self._redis = redis
        self._key = key
        self._pending: set[asyncio.Task[Any]] = set()

    async def current(self) -> int:
        """The value of the Redis key, 0 while it does not exist."""
        return int(await self._redis.get(self._key) or 0)

    def bump(self) -> None:
        """``INCR`` the key in a task on the running loop (a failure is logged, not raised: the cache then
        only lives until its TTL)."""
        # called from a commit hook, which cannot wait: the increment runs on the loop right after
        task = asyncio.get_running_loop().create_task(self._redis.incr(self._key))
        self._pending.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("event=actor_generation_bump_failed error=%s", type(task.exception()).__name__)


class Keyed(Protocol):
    """What the cache keeps: anything with a ``ChannelAddress`` (``bot.services.actors.Actor``; the cache does
    not import it, so the two modules do not import each other)."""

    @property
    def address(self) -> ChannelAddress:
        """Where the cached value's user is reached: the cache's key."""


A = TypeVar("A", bound=Keyed)


class ActorCache(Generic[A]):
    """At most ``size`` actors by their address, each for ``ttl`` seconds (monotonic ``clock``); ``ttl=0`` disables it."""

    def __init__(self, ttl: float, size: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[ChannelAddress, tuple[float, str, str | None, A]] = OrderedDict()
        self._generation = 0  # bumped whenever entries are dropped: an actor read before it may be stale
        self._shared: Generation | None = None
        self._seen: int | None = None

    def share(self, generation: Generation) -> None:
        """Keep this cache in step with the other instances' through ``generation``."""
        self._shared = generation
        self._seen = None

    async def refresh(self) -> None:
        """Before using the cache: forget everything when another instance changed roles meanwhile
        (or when the shared counter cannot be read)."""
        if self._shared is None:
            return
        try:
            now = await self._shared.current()
        except Exception as exc:  # noqa: BLE001  (Redis away: do not trust the cache)
            log.warning("event=actor_generation_unreadable error=%s", type(exc).__name__)
            self._forget_all()
            self._seen = None
            return
        if now != self._seen:
            self._forget_all()
            self._seen = now

    @property
    def generation(self) -> int:
        """Take it before reading an actor from the database and hand it to ``put``."""
        return self._generation

    def get(self, address: ChannelAddress, full_name: str, language: str | None) -> A | None:
        """The cached actor at ``address`` when it is fresh and ``full_name``/``language`` are what is stored,
        else ``None``."""
        entry = self._entries.get(address)
        if entry is None:
            return None
        expires, name, lang, actor = entry
        if expires <= self._clock() or name != full_name or lang != language:
            self._drop(address)
            return None
        self._entries.move_to_end(address)
        return actor

    def put(self, actor: A, full_name: str, language: str | None, generation: int | None = None) -> None:
        """Remember ``actor`` as loaded from a user stored with ``full_name`` and ``language``; not when
        the cache was cleared since ``generation`` was taken (a role change committed while it loaded)."""
        if self._ttl <= 0 or (generation is not None and generation != self._generation):
            return
        self._entries[actor.address] = (self._clock() + self._ttl, full_name, language, actor)
        self._entries.move_to_end(actor.address)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every actor here and tell the other instances to do the same (roles have changed)."""
        self._forget_all()
        if self._shared is not None:
            self._shared.bump()

    def _forget_all(self) -> None:
        self._generation += 1
        self._entries.clear()

    def _drop(self, address: ChannelAddress) -> None:
        self._entries.pop(address, None)


def watch_role_changes(engine: AsyncEngine, cache: ActorCache[Any]) -> None:
    """Empty ``cache`` after every transaction on ``engine`` that wrote memberships has committed, and after one
    that marked someone as having blocked the bot (``reminders.delivery.record_blocked``): their next update
    is read from the database, which notices they are back (``UserService.touch``); and after one that
    updated users (a registered name set by binding to the contact form, 附件4), so records carry it at once."""
    after_commit_writing(engine, "membership", cache.clear)
    after_commit_writing(engine, "app_user", cache.clear, verbs=("UPDATE",))
    after_commit_writing(engine, "blocked_recipient", cache.clear, verbs=("INSERT",))
