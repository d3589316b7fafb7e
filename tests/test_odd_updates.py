"""Updates of the odd kinds (issue 14, finding 10), through the dispatcher on SQLite and PostgreSQL: no
sender (a channel post, a group message sent as the group by an anonymous admin), a bot sender or an id
Telegram cannot have is ignored quietly; a live location's updates (edited messages) move the pin of the location question while it is
asked, and nothing after; another edited message is answered with what to do instead; a venue's name is
kept with its address."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import CallbackQuery, Chat, Location, Message, MessageEntity, Update, User
from sqlmodel import select

from bot.domain import DraftStatus
from bot.local_chat import LocalChat
from storage.models import Draft
from storage.models import User as UserRow
from tests.conftest import FailureLog, Harness

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

ANONYMOUS_ADMIN = User(id=1087968824, is_bot=True, first_name="Group", username="GroupAnonymousBot")
OTHER_BOT = User(id=5550001, is_bot=True, first_name="otherbot", username="other_bot")


def _no_sender_updates(h: Harness) -> list[Update]:
    now = datetime.now(UTC)
    group = Chat(id=-1001234, type="supergroup", title="朝阳安全群")
    channel = Chat(id=-1005678, type="channel", title="通知频道")
    private = Chat(id=970, type="private", first_name="某人")
    command = [MessageEntity(type="bot_command", offset=0, length=len("/help@hazardbot"))]
    return [
        Update(update_id=90001, message=Message(message_id=1, date=now, chat=private, text="/start",
                                                entities=[MessageEntity(type="bot_command", offset=0, length=6)])),
        Update(update_id=90002, message=Message(message_id=2, date=now, chat=group, from_user=ANONYMOUS_ADMIN,
                                                sender_chat=group, text="/help@hazardbot", entities=command)),
        Update(update_id=90003, channel_post=Message(message_id=3, date=now, chat=channel, sender_chat=channel,
                                                     text="/report")),
        h.factory.text(OTHER_BOT, "/start"),
        h.factory.text(OTHER_BOT, "你好"),
        h.factory.text(User(id=2**63, is_bot=False, first_name="x"), "/report"),  # ids Telegram cannot have
        h.factory.text(h.factory.user(976), "/report", Chat(id=-(2**62), type="private")),
        Update(update_id=90004, callback_query=CallbackQuery(
            id="q1", from_user=OTHER_BOT, chat_instance="x", data="f1:1:n:0:0:submit",
            message=Message(message_id=4, date=now, chat=Chat(id=OTHER_BOT.id, type="private")))),
        Update(update_id=90005, callback_query=CallbackQuery(  # a button of an inline-mode message: no chat
            id="q2", from_user=h.factory.user(971), chat_instance="x", inline_message_id="AAA", data="h1:1:ap")),
    ]


async def test_updates_from_no_person_a_bot_or_an_impossible_id_are_ignored_quietly(harness: Harness, failures: FailureLog) -> None:
    for update in _no_sender_updates(harness):
        before = len(harness.session.requests)
        await harness.dp.feed_update(harness.bot, update)
        sent = harness.session.requests[before:]
        assert not failures.records, (update.event_type, failures.messages())
        if update.callback_query is not None and not update.callback_query.from_user.is_bot:
            assert [type(m) for m in sent] == [AnswerCallbackQuery], sent  # the button's spinner stops
        else:
            assert not [m for m in sent if isinstance(m, SendMessage | AnswerCallbackQuery)], (update.event_type, sent)
    async with harness.core.uow() as u:  # nobody was recorded as a user
        ids = {int(a) for a in (await u.session.exec(select(UserRow.address))).all()}
    assert not ids & {OTHER_BOT.id, ANONYMOUS_ADMIN.id, 970, 2**63, 976}


async def _open_draft(h: Harness, chat: LocalChat) -> Draft:
    async with h.core.uow() as u:
        user = (await u.session.exec(select(UserRow).where(UserRow.address == str(chat.user.id)))).one()
        return (await u.session.exec(select(Draft).where(
            Draft.user_id == user.id, Draft.status == DraftStatus.ACTIVE.value))).one()


async def _at_the_address(h: Harness, uid: int) -> LocalChat:
    chat = await h.bind(uid, "inspector", "建外街道", "李检查")
    await chat.say("/hazard")
    await chat.press("保持当前值")
    await chat.say("张XX出租房")
    assert "地址" in chat.last_text(), chat.last_text()
    return chat


async def test_a_venue_keeps_its_name_with_its_address(harness: Harness) -> None:
    chat = await _at_the_address(harness, 972)
    await chat._feed(harness.factory.location(chat.user, 39.9216, 116.4836, "朝阳北路101号", "朝阳大悦城"))
    assert "负责人" in chat.last_text(), chat.last_text()  # a venue's address answers the question
    draft = await _open_draft(harness, chat)
    assert draft.data["address"]["address"] == "朝阳北路101号（朝阳大悦城）"
    assert (draft.data["address"]["lat"], draft.data["address"]["lon"]) == (39.9216, 116.4836)


async def test_a_live_location_moves_the_pin_while_its_question_is_asked_and_never_answers(
    harness: Harness, failures: FailureLog
) -> None:
    h = harness
    chat = await _at_the_address(h, 973)
    live = h.factory.location(chat.user, 39.9087, 116.4605, live_period=900)
    await chat._feed(live)
    assert "位置已记录" in chat.last_text()

    def moved(lat: float, lon: float) -> Update:
        return h.factory.edited(live, location=Location(latitude=lat, longitude=lon, live_period=900))

    sent = await chat._feed(moved(39.9091, 116.4611))
    assert not [m for m in sent if isinstance(m, SendMessage)], sent
    place = (await _open_draft(h, chat)).data["address"]
    assert (place["lat"], place["lon"]) == (39.9091, 116.4611)

    await chat.say("建国门外大街永安里8号")  # the address: the question is answered, the pin stays
    assert "负责人" in chat.last_text()
    sent = await chat._feed(moved(39.95, 116.50))
    assert not [m for m in sent if isinstance(m, SendMessage)], sent
    place = (await _open_draft(h, chat)).data["address"]
    assert place == {"address": "建国门外大街永安里8号", "lat": 39.9091, "lon": 116.4611}
    assert not failures.records, failures.messages()


async def test_a_live_location_of_an_earlier_pin_does_not_move_a_pin_sent_since(harness: Harness) -> None:
    h = harness
    chat = await _at_the_address(h, 974)
    live = h.factory.location(chat.user, 39.9087, 116.4605, live_period=900)
    await chat._feed(live)
    await chat.location(39.93, 116.44)  # a plain pin, sent instead
    await chat._feed(h.factory.edited(live, location=Location(latitude=39.0, longitude=116.0, live_period=900)))
    place = (await _open_draft(h, chat)).data["address"]
    assert (place["lat"], place["lon"]) == (39.93, 116.44)


async def test_an_edited_answer_is_not_taken_and_the_sender_is_told(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await _at_the_address(h, 975)
    typed = h.factory.text(chat.user, "建国门外大街永安里8号")
    await chat._feed(typed)
    assert "负责人" in chat.last_text()
    sent = await chat._feed(h.factory.edited(typed, text="建国门外大街永安里9号"))
    assert "修改过的消息不会被重新读取" in chat.texts(sent)[-1], chat.texts(sent)
    assert (await _open_draft(h, chat)).data["address"]["address"] == "建国门外大街永安里8号"
    assert not failures.records, failures.messages()
