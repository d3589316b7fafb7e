"""A live location keeps moving (an edited message every few seconds) through the real dispatcher on SQLite and
PostgreSQL after its sender lost their role, after the form was cancelled, submitted or replaced, and the same
move delivered twice at once: nothing is said, nothing fails, no draft changes."""

from __future__ import annotations

import asyncio

from aiogram.methods import SendMessage
from aiogram.types import Location, Update
from sqlmodel import select

from bot.local_chat import LocalChat
from storage.models import Draft
from tests.chat_helpers import actor_of
from tests.conftest import FailureLog, Harness

HOME = "110105001"


async def _at_address_with_live(h: Harness, user_id: int) -> tuple[LocalChat, Update]:
    chat = await h.bind(user_id, "inspector", HOME, "王检查")
    await chat.say("/hazard")
    await chat.press("保持当前值")
    await chat.say("张XX出租房")
    live = h.factory.location(chat.user, 39.9087, 116.4605, live_period=900)
    await chat._feed(live)
    assert "位置已记录" in chat.last_text(), chat.last_text()
    return chat, live


def _moved(h: Harness, live: Update, step: int) -> Update:
    return h.factory.edited(live, location=Location(latitude=39.9087 + step / 1e4, longitude=116.4605,
                                                    live_period=900))


async def _drafts(h: Harness, chat: LocalChat) -> list[tuple[str, object]]:
    user_id = (await actor_of(h, chat)).user_id
    async with h.core.uow() as u:
        rows = (await u.session.exec(select(Draft).where(Draft.user_id == user_id).order_by(Draft.id))).all()  # type: ignore[arg-type]
    return [(d.status, d.data.get("address")) for d in rows]


async def test_a_live_location_of_someone_who_lost_their_role_says_nothing(harness: Harness,
                                                                            failures: FailureLog) -> None:
    h = harness
    chat, live = await _at_address_with_live(h, 85801)
    office = await h.bind(85802, "office", "区安委会办公室", "张办公室")
    uid = (await actor_of(h, chat)).user_id
    await office.say(f"/unsetrole {uid} 建外街道 inspector")
    before = await _drafts(h, chat)
    said: list[object] = []
    for step in range(1, 4):
        said += [m for m in await chat._feed(_moved(h, live, step)) if isinstance(m, SendMessage)]
    assert len(said) <= 1, [getattr(m, "text", m) for m in said]  # not once every few seconds
    assert await _drafts(h, chat) == before
    assert not failures.records, failures.messages()


async def test_a_live_location_after_the_form_ended_says_nothing(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat, live = await _at_address_with_live(h, 85803)
    await chat.say("/cancel")
    await chat.press("确认放弃")
    await chat.say("/hazard")  # a new form, at its first question
    before = await _drafts(h, chat)
    for step in range(1, 3):
        sent = await chat._feed(_moved(h, live, step))
        assert not [m for m in sent if isinstance(m, SendMessage)], sent
    assert await _drafts(h, chat) == before
    assert not failures.records, failures.messages()


async def test_the_same_move_delivered_twice_at_once_moves_the_pin_once(harness: Harness,
                                                                        failures: FailureLog) -> None:
    h = harness
    chat, live = await _at_address_with_live(h, 85804)
    move = _moved(h, live, 5)
    await asyncio.gather(chat._feed(move), chat._feed(_moved(h, live, 6)), chat._feed(move))
    assert not failures.records, failures.messages()
    [(status, place)] = await _drafts(h, chat)
    assert status == "active" and isinstance(place, dict) and round(place["lat"], 6) in (39.9092, 39.9093), place
