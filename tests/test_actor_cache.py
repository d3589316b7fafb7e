"""Who sent an update is cached for a few seconds (bot/services/actor_cache.py): a role change made
in this process counts from the next update; on another instance, from when its entry expires."""

from __future__ import annotations

from bot.channels import telegram_address
from bot.domain import Role
from bot.services.actor_cache import ActorCache, watch_role_changes
from bot.services.actors import Actor, UserService
from bot.services.admin import AdminService
from bot.services.invites import InviteService
from storage.db import create_engine, make_uow_factory


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _actor(user_id: int, telegram_id: int) -> Actor:
    return Actor(user_id, telegram_address(telegram_id), "某某")


def test_an_entry_is_used_only_while_fresh_and_while_name_and_language_are_unchanged() -> None:
    clock = Clock()
    cache = ActorCache(ttl=10, clock=clock)
    cache.put(_actor(1, 501), "某某", "zh-hans")
    assert cache.get(telegram_address(501), "某某", "zh-hans") == _actor(1, 501)
    assert cache.get(telegram_address(501), "某某某", "zh-hans") is None  # renamed in Telegram: the user row must be written
    cache.put(_actor(1, 501), "某某", "zh-hans")
    assert cache.get(telegram_address(501), "某某", "en") is None
    cache.put(_actor(1, 501), "某某", "zh-hans")
    clock.now += 9.9
    assert cache.get(telegram_address(501), "某某", "zh-hans") is not None
    clock.now += 0.2
    assert cache.get(telegram_address(501), "某某", "zh-hans") is None


def test_size_bound_clear_and_zero_ttl() -> None:
    cache = ActorCache(ttl=10, size=2, clock=Clock())
    for user_id in (1, 2, 3):
        cache.put(_actor(user_id, 500 + user_id), "某某", None)
    assert cache.get(telegram_address(501), "某某", None) is None  # the oldest went when the third came
    assert cache.get(telegram_address(502), "某某", None) is not None
    assert cache.get(telegram_address(503), "某某", None) is not None
    before = cache.generation
    cache.clear()
    assert cache.get(telegram_address(502), "某某", None) is None and cache.generation == before + 1
    off = ActorCache(ttl=0)
    off.put(_actor(1, 501), "某某", None)
    assert off.get(501, "某某", None) is None


async def test_a_role_removed_here_counts_from_the_next_update(harness) -> None:  # type: ignore[no-untyped-def]
    office = await harness.bind(8801, "office", "区安委会办公室")
    inspector = await harness.bind(8802, "inspector", "110105001")
    await inspector.say("/hazard")
    assert "隐患" in inspector.last_text()
    await inspector.say("/cancel")
    await inspector.press("确认放弃")
    actor = await harness.core.services.users.touch(telegram_address(8802), inspector.user.full_name, inspector.user.language_code)
    await office.say(f"/unsetrole {actor.user_id} 110105001 inspector")
    assert "完成" in office.last_text() or "Done" in office.last_text(), office.last_text()
    await inspector.say("/hazard")
    assert "尚未绑定" in inspector.last_text(), inspector.last_text()


async def test_another_instance_sees_a_role_change_when_its_entry_expires(database_url: str) -> None:
    """Two instances (engines) on one database: the one that commits the change forgets at once."""
    engines = [create_engine(database_url), create_engine(database_url)]
    clock = Clock()
    caches = [ActorCache(ttl=10, clock=clock), ActorCache(ttl=10, clock=clock)]
    try:
        for engine, cache in zip(engines, caches, strict=True):
            watch_role_changes(engine, cache)
        here_uow, there_uow = (make_uow_factory(e) for e in engines)
        here, there = UserService(here_uow, [], caches[0]), UserService(there_uow, [], caches[1])
        invites = InviteService(there_uow)
        issued = await invites.issue(Role.INSPECTOR, "110105001", issuer=None)
        me = await here.touch(telegram_address(9901), "某某", "zh-hans")
        assert not (await there.touch(telegram_address(9901), "某某", "zh-hans")).is_bound
        await invites.redeem(me, issued.code)  # committed through "there"
        assert (await there.touch(telegram_address(9901), "某某", "zh-hans")).has(Role.INSPECTOR)
        assert not (await here.touch(telegram_address(9901), "某某", "zh-hans")).is_bound  # stale here for at most the ttl
        clock.now += 10.1
        assert (await here.touch(telegram_address(9901), "某某", "zh-hans")).has(Role.INSPECTOR)
        assert (await there.touch(telegram_address(9901), "某某", "zh-hans")).has(Role.INSPECTOR)  # loaded again, fresh
        boss = Actor(me.user_id + 1000, telegram_address(1), "主任", is_admin=True)
        await AdminService(here_uow, InviteService(here_uow)).remove_role(boss, me.user_id, "110105001", Role.INSPECTOR)
        assert not (await here.touch(telegram_address(9901), "某某", "zh-hans")).is_bound
        assert (await there.touch(telegram_address(9901), "某某", "zh-hans")).has(Role.INSPECTOR)
        clock.now += 10.1
        assert not (await there.touch(telegram_address(9901), "某某", "zh-hans")).is_bound
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_role_change_committed_while_an_actor_loads_is_not_cached(database_url: str) -> None:
    """An update's touch read the memberships just before another task committed a new role: the actor it
    loaded is already stale, so it must not be kept for the next update."""
    import asyncio

    from sqlalchemy import event
    from sqlalchemy.util import await_only

    engine = create_engine(database_url)
    cache = ActorCache(ttl=10)
    watch_role_changes(engine, cache)
    uow = make_uow_factory(engine)
    users, invites = UserService(uow, [], cache), InviteService(uow)
    read, go_on = asyncio.Event(), asyncio.Event()

    def _pause_after_reading_roles(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if pause and "FROM membership" in statement:
            read.set()
            await_only(go_on.wait())

    pause = False
    event.listen(engine.sync_engine, "after_cursor_execute", _pause_after_reading_roles)
    try:
        issued = await invites.issue(Role.INSPECTOR, "110105001", issuer=None)
        me = await users.touch(telegram_address(9911), "某某", "zh-hans")
        cache.clear()
        pause = True
        loading = asyncio.create_task(users.touch(telegram_address(9911), "某某", "zh-hans"))
        await read.wait()
        pause = False
        await invites.redeem(me, issued.code)  # committed while the other update's touch is still loading
        go_on.set()
        assert not (await loading).is_bound  # read before the commit: fine for that update
        assert (await users.touch(telegram_address(9911), "某某", "zh-hans")).has(Role.INSPECTOR)  # but not for the next one
    finally:
        await engine.dispose()


async def test_the_first_updates_of_a_new_user_arriving_at_once_make_one_user(uow) -> None:  # type: ignore[no-untyped-def]
    """A double tap or an album as a new user's very first message: every update gets the same user."""
    import asyncio

    users = UserService(uow, [])
    actors = await asyncio.gather(*(users.touch(telegram_address(9950), "新用户", "zh-hans") for _ in range(6)))
    assert len({a.user_id for a in actors}) == 1
    from sqlalchemy import func
    from sqlmodel import select

    from storage.models import User

    async with uow() as u:
        assert (await u.session.exec(select(func.count()).select_from(User).where(User.address == "9950"))).one() == 1
