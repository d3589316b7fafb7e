"""Two bot instances on one PostgreSQL database and one Redis take alternating updates of the same
conversations: every form ends in exactly one hazard, and the FSM state is shared."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from sqlalchemy import func
from sqlmodel import select

from bot.channels import telegram_address
from storage.models import Draft, Hazard
from tests.scale.conftest import open_cluster
from tests.scale.hazard_plan import fill_and_submit, step, where

USERS = [7101, 7102, 7103, 7104]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_alternating_instances_complete_every_form_once(
    database_url: str, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    async with open_cluster(database_url, tmp_path / "data", redis_url=redis_url, namespace=namespace) as cluster:
        assert all(isinstance(i.shared.storage, RedisStorage) for i in cluster.instances)
        chats = [await cluster.bind(uid) for uid in USERS]
        for chat in chats:
            await chat.say("/hazard")

        async def converse(chat):  # type: ignore[no-untyped-def]
            await fill_and_submit(cluster.core, chat)

        await asyncio.gather(*(converse(c) for c in chats))

        for chat in chats:
            assert chat.by_instance[0] > 10 and chat.by_instance[1] > 10, chat.by_instance
            assert "已提交" in "\n".join(chat.texts()) or "待审核" in "\n".join(chat.texts())
        async with cluster.core.uow() as u:
            numbers = (await u.session.exec(select(Hazard.draft_number))).all()
            active = (await u.session.exec(select(func.count()).select_from(Draft).where(Draft.status == "active"))).one()
        assert len(numbers) == len(USERS)
        assert len(set(numbers)) == len(USERS)
        assert active == 0


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_form_started_on_one_instance_continues_on_the_other(
    database_url: str, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    async with open_cluster(database_url, tmp_path / "data", redis_url=redis_url, namespace=namespace) as cluster:
        chat = await cluster.bind(7201)  # /bind went to instance 0
        await chat.say("/hazard")  # instance 1
        for _ in range(5):
            await step(cluster.core, chat)  # 0, 1, 0, 1, 0
        stored = await where(cluster.instances[1].core, chat)
        assert stored.kind == "question" and stored.field.key == "entity_nature"
        assert chat.by_instance == [4, 3]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_same_update_on_both_instances_is_handled_once(
    database_url: str, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    async with open_cluster(database_url, tmp_path / "data", redis_url=redis_url, namespace=namespace) as cluster:
        chat = await cluster.bind(7301)
        await chat.say("/hazard")
        await chat.press(1)  # township
        update = cluster.factory.text(chat.user, "某某出租房")
        a, b = cluster.instances
        before = len(cluster.session.requests)
        await asyncio.gather(a.dp.feed_update(a.bot, update), b.dp.feed_update(b.bot, update))
        assert len(cluster.session.requests) - before == 1
        stored = await where(cluster.core, chat)
        assert stored.field.key == "address"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_fsm_state_set_on_one_instance_is_seen_by_the_other(
    database_url: str, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    async with open_cluster(database_url, tmp_path / "data", redis_url=redis_url, namespace=namespace) as cluster:
        a, b = cluster.instances
        key = StorageKey(bot_id=a.bot.id, chat_id=7401, user_id=7401)
        await FSMContext(a.shared.storage, key).set_state("tipoff:waiting_photo")
        await FSMContext(a.shared.storage, key).update_data(site="朝阳路1号")
        assert await FSMContext(b.shared.storage, key).get_state() == "tipoff:waiting_photo"
        assert await FSMContext(b.shared.storage, key).get_data() == {"site": "朝阳路1号"}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_role_given_or_taken_on_one_instance_counts_at_once_on_the_other(
    database_url: str, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    """Each instance caches who a user is; Redis tells the others when roles changed."""
    from bot.domain import Role

    async with open_cluster(database_url, tmp_path / "data", redis_url=redis_url, namespace=namespace) as cluster:
        office = await cluster.bind(7301, "office", "区安委会办公室")
        chat = cluster.chat(7302)
        await chat.say("/start")  # instance 0 now knows 7302 as not bound
        issued = await cluster.core.services.invites.issue(Role.INSPECTOR, "110105001", issuer=None)
        await chat.say(f"/bind {issued.code}")  # instance 1 binds
        assert "已绑定" in chat.last_text()
        await chat.say("/hazard")  # instance 0 again
        assert "尚未绑定" not in chat.last_text() and "隐患" in chat.last_text(), chat.last_text()
        await chat.say("/cancel")  # instance 1, which now knows 7302 as an inspector
        actor = await cluster.core.services.users.touch(telegram_address(7302), chat.user.full_name, chat.user.language_code)
        while office.fed % 2 != 0:  # the removal goes to instance 0
            await office.say("/help")
        await office.say(f"/unsetrole {actor.user_id} 110105001 inspector")
        assert "完成" in office.last_text(), office.last_text()
        await chat.say("/hazard")  # instance 0
        await chat.say("/hazard")  # instance 1
        refused = [t for t in chat.texts()[-2:] if "尚未绑定" in t]
        assert len(refused) == 2, chat.texts()[-2:]
