"""Property-based fuzzing: updates of every content type (text, photo, document, location, sticker,
voice, video, contact, callbacks with random or forged data) in every state of both forms,
through the production dispatcher (exactly-once guard and throttle included). Whatever arrives,
nothing fails (the errors router logs nothing) and the user always gets an answer."""

from __future__ import annotations

import asyncio
import itertools
import logging
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, EditMessageText, SendMessage
from aiogram.types import Chat, Contact, Message, Sticker, Video, Voice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.callbacks import FormCb, InspectionCb
from storage.migrate import upgrade_async
from tests.scale.conftest import open_cluster
from tests.scale.hazard_plan import PHOTO, step, where

COMMANDS = ["/start", "/help", "/hazard", "/inspect", "/cancel", "/resume", "/bind", "/bind ABCD2345", "/nope"]
ANSWERING = (SendMessage, EditMessageText, EditMessageReplyMarkup, AnswerCallbackQuery)

ids = st.integers(min_value=-5, max_value=2**31)
forged_form = st.builds(
    lambda d, k, s, i, a: FormCb(d=d, k=k, s=s, i=i, a=a).pack(),
    ids, st.sampled_from(["p", "n", "e", "x", ""]), st.integers(-3, 40), st.integers(-3, 300),
    st.sampled_from(["", "back", "skip", "cancel", "submit", "review", "done", "none", "keep", "zz"]),
)
callback_data = st.one_of(
    st.text(min_size=1, max_size=64).filter(lambda s: len(s.encode()) <= 64),
    forged_form,
    st.builds(lambda i: InspectionCb(id=i).pack(), ids),
    st.sampled_from(["f1", "f1:", "f1:1:p", "i1:x", "f1:1:p:0:0:"]),
)
content = st.one_of(
    st.tuples(st.just("text"), st.one_of(st.text(min_size=1, max_size=300), st.sampled_from(COMMANDS))),
    st.tuples(st.just("photo"), st.sampled_from(["real", "junk"])),
    st.tuples(st.just("document"), st.tuples(st.sampled_from(["a.jpg", "b.pdf", "c.heic", "", "d.PNG"]),
                                             st.sampled_from(["image/jpeg", "application/pdf", None, "image/png"]),
                                             st.sampled_from(["real", "junk"]))),
    st.tuples(st.just("location"), st.tuples(st.floats(-90, 90), st.floats(-180, 180),
                                             st.one_of(st.none(), st.text(min_size=1, max_size=80)))),
    st.tuples(st.just("sticker"), st.none()),
    st.tuples(st.just("voice"), st.none()),
    st.tuples(st.just("video"), st.none()),
    st.tuples(st.just("contact"), st.text(min_size=1, max_size=20)),
    st.tuples(st.just("callback"), callback_data),
)
# -2: a stranger; -1: bound, no form open; 0..: that many valid answers into the form (stopping at
# the review card); 99: the form submitted.
form_state = st.one_of(st.integers(-2, 22), st.just(99))
form = st.sampled_from(["/hazard", "/inspect"])


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def _reach(cluster: Any, uid: int, state: int, command: str = "/hazard") -> Any:
    if state == -2:
        return cluster.chat(uid)
    chat = await cluster.bind(uid)
    if state == -1:
        return chat
    await chat.say(command)
    for _ in range(60 if state == 99 else state):
        prompt = await where(cluster.core, chat)
        if prompt.kind == "none" or (prompt.kind == "review" and state != 99):
            break
        await step(cluster.core, chat)
    return chat


async def _send(cluster: Any, chat: Any, kind: str, value: Any) -> list[Any]:
    user = chat.user
    factory = cluster.factory
    if kind == "text":
        return await chat.say(value)
    if kind == "photo":
        return await chat.photo(PHOTO if value == "real" else b"\x00junk" * 50)
    if kind == "document":
        name, mime, body = value
        return await chat.file(PHOTO if body == "real" else b"%PDF-1.4 junk", name, mime)
    if kind == "location":
        return await chat.location(*value)
    if kind == "callback":
        message = Message(message_id=abs(hash(value)) % 10_000 + 1, date=0, chat=Chat(id=user.id, type="private"))
        return await chat._feed(factory.callback(user, message, value))
    if kind == "sticker":
        extra: Any = Sticker(file_id="st", file_unique_id="stu", type="regular", width=512, height=512,
                             is_animated=False, is_video=False)
    elif kind == "voice":
        extra = Voice(file_id="vo", file_unique_id="vou", duration=3)
    elif kind == "video":
        extra = Video(file_id="vi", file_unique_id="viu", width=640, height=480, duration=5)
    else:
        extra = Contact(phone_number="13800138000", first_name=value)
    return await chat._feed(factory.message(user, **{kind: extra}))


def test_any_update_in_any_form_state_is_answered_and_never_fails(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    stack = AsyncExitStack()
    errors = ErrorLog()
    logging.getLogger("hazardbot").addHandler(errors)
    logging.getLogger("aiogram").addHandler(errors)
    users = itertools.count(20_000)
    try:
        url = f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}"
        loop.run_until_complete(upgrade_async(url))
        cluster = loop.run_until_complete(stack.enter_async_context(open_cluster(url, tmp_path / "data", count=1)))

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(command=form, state=form_state, update=content)
        def check(command: str, state: int, update: tuple[str, Any]) -> None:
            uid = next(users)
            errors.records.clear()
            chat = loop.run_until_complete(_reach(cluster, uid, state, command))
            sent = loop.run_until_complete(_send(cluster, chat, *update))
            assert not errors.records, [r.getMessage() for r in errors.records]
            answers = [m for m in sent if isinstance(m, ANSWERING)]
            assert answers, f"no answer to {update[0]} in state {state}"
            for m in answers:
                target = getattr(m, "chat_id", None)
                assert target in (None, uid), f"answered chat {target} instead of {uid}"

        check()
    finally:
        logging.getLogger("hazardbot").removeHandler(errors)
        logging.getLogger("aiogram").removeHandler(errors)
        loop.run_until_complete(stack.aclose())
        loop.close()
