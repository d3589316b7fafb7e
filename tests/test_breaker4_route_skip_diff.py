"""The route skip (``bot.route_skip``) changes nothing a person sees: the same hostile script — commands, captions
with commands, edits, files, pins, contacts, group messages and a button of every registered kind under a private
and a group message — while a form is open at a text question and at its photos question, and in each FSM state
of /find and /report_info, gets the same replies (ids aside) from the real dispatcher with its skips and without
them, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from typing import Any

from aiogram import Router
from aiogram.methods import GetMe
from aiogram.types import Chat, Contact, Message, Update

from bot.app import build_dispatcher
from bot.local_chat import LocalChat
from bot.route_skip import RouteSkip
from handlers import USED_UPDATE_TYPES
from handlers.find_filter import FindStates
from handlers.reminders import ReportStates
from tests.callback_kinds import registered_kinds
from tests.conftest import Harness
from tests.forms_flow import PHOTOS, fill_hazard_until_photos


def _drop_skips(router: Router) -> int:
    dropped = 0
    for update_type in USED_UPDATE_TYPES:
        manager = router.observers[update_type].outer_middleware
        for m in [m for m in manager if isinstance(m, RouteSkip)]:
            manager.unregister(m)
            dropped += 1
    return dropped + sum(_drop_skips(child) for child in router.sub_routers)


_IDS = re.compile(r"[0-9a-f]{6,}|\d+")


def _said(sent: list[Any]) -> list[str]:
    out = []
    for method in sent:
        if isinstance(method, GetMe):  # asked once per bot, whichever user comes first
            continue
        text = getattr(method, "text", None) or getattr(method, "caption", None) or ""
        out.append(type(method).__name__ + ":" + _IDS.sub("#", text))
    return out


def _updates(chat: LocalChat, dp_router: Router) -> list[Update]:
    f, user = chat.factory, chat.user
    group = Chat(id=-100800, type="supergroup", title="群")
    texts = ["/help", "/status", "/find 燃气", "/rank 建外街道", "/export 本月", "/hazard", "/start", "/nosuch",
             "hello /cancel", "  ", "/hazard@hazardbot", "某某出租房"]
    ups = [f.text(user, t) for t in texts] + [f.text(user, t, chat=group) for t in ("/hazard", "/help", "文字")]
    base = f.text(user, "原来的话")
    ups += [base, f.edited(base, text="/cancel"), f.edited(base, text="改过的话")]
    ups += [f.photo(user, "p", "pu", 100, 10, 10, caption="/help"),
            f.document(user, "d", "du", 100, "台账.xlsx", None), f.document(user, "d2", "du2", 100, "a.pdf", None),
            f.location(user, 39.9, 116.4), f.message(user, contact=Contact(phone_number="13800000000", first_name="王",
                                                                            user_id=user.id)),
            f.message(user, contact=Contact(phone_number="13900000000", first_name="李"))]
    origins = [Message(message_id=1, date=datetime.now(UTC), chat=chat_) for chat_ in (Chat(id=user.id, type="private"),
                                                                                         group)]
    for kind in registered_kinds(dp_router):
        fields = len(kind.model_fields)
        for data in (kind.__prefix__, f"{kind.__prefix__}{kind.__separator__}" + kind.__separator__.join(["1"] * fields)):
            ups += [f.callback(user, origin, data) for origin in origins]
    return ups


async def _script(h: Harness, user_id: int) -> list[str]:
    chat = await h.bind(user_id, "inspector", "110105001", name="王检查")
    heard: list[str] = []
    await chat.say("/hazard")
    for update in _updates(chat, h.dp):  # at the form's first question
        heard += _said(await chat._feed(update))
    await chat.say("/cancel")
    await fill_hazard_until_photos(chat)
    await chat.photo(PHOTOS / "landscape_1.jpg")
    for update in _updates(chat, h.dp):  # at its photos question
        heard += _said(await chat._feed(update))
    await chat.say("/cancel")
    context = h.dp.fsm.get_context(h.bot, chat_id=chat.user.id, user_id=chat.user.id)
    for state in (FindStates.typing, ReportStates.waiting, ReportStates.contacts_file):
        for update in _updates(chat, h.dp):  # each update meets the state, whatever the last one did
            await context.set_state(state)
            heard += _said(await chat._feed(update))
    return heard


async def test_the_skips_change_no_reply(harness: Harness) -> None:
    h = harness
    with_skips = await _script(h, 85001)
    assert _drop_skips(h.dp) > 0
    without = await _script(h, 85002)
    assert len(with_skips) > 50
    diff = [(i, a, b) for i, (a, b) in enumerate(zip(with_skips, without, strict=False)) if a != b]
    assert with_skips == without, (len(with_skips), len(without), diff[:5])


async def test_the_skips_change_no_reply_while_the_later_routers_are_still_being_built(harness: Harness) -> None:
    # the run modes' dispatcher: the later routers built once an update needs them
    h = dataclasses.replace(harness, dp=build_dispatcher(harness.core, later=True))
    with_skips = await _script(h, 85003)
    assert _drop_skips(h.dp) > 0
    assert with_skips == await _script(h, 85004)
