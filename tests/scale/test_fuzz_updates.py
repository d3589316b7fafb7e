"""Property-based fuzzing through the production dispatcher (exactly-once guard and throttle included).

The first test: the common content types and callbacks with random or forged data, on messages Telegram
no longer shows, in every state of both forms. The second (issue 14): updates of every type and messages
of every content type the Bot API has (``update_strategies``), live locations, venues, edits, presses on
shown and forged buttons with out-of-range ids, from bots and from nobody, to the public, inspectors,
reviewers and the office with a form or an input open, on SQLite and PostgreSQL. Whatever arrives, nothing
fails (the errors router logs nothing), every person's private message and press is answered (a press
before any photo is sent), and nothing from nobody or a bot is."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiogram import methods as api
from aiogram.types import Chat, Contact, InaccessibleMessage, Sticker, Video, Voice
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.channels import telegram_address
from handlers.callbacks import FormCb, InspectionCb
from storage.migrate import upgrade_async
from tests.conftest import FailureLog
from tests.lifecycle_factories import hazard
from tests.scale.conftest import open_cluster
from tests.scale.hazard_plan import PHOTO, step, where
from tests.scale.update_strategies import CONTENT_TYPES, UPDATE_TYPES

COMMANDS = ["/start", "/help", "/hazard", "/inspect", "/cancel", "/resume", "/bind", "/bind ABCD2345", "/nope"]
ANSWERING = (api.SendMessage, api.EditMessageText, api.EditMessageReplyMarkup, api.AnswerCallbackQuery)

ids = st.integers(min_value=-5, max_value=2**31)
forged_form = st.builds(
    # packed by hand: ``FormCb`` itself refuses the negative numbers a forger may send (``handlers.callbacks.Num``)
    lambda d, k, s, i, a: FormCb.__separator__.join([FormCb.__prefix__, str(d), k, str(s), str(i), a]),
    ids, st.sampled_from(["p", "n", "e", "x", ""]), st.integers(-3, 40), st.integers(-3, 300),
    st.sampled_from(["", "back", "skip", "cancel", "submit", "review", "done", "none", "keep", "zz"]),
)
callback_data = st.one_of(
    st.text(min_size=1, max_size=64).filter(lambda s: len(s.encode()) <= 64),
    forged_form,
    st.builds(lambda i: f"{InspectionCb.__prefix__}{InspectionCb.__separator__}{i}", ids),
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


@contextmanager
def _running(url: str, data_dir: Path) -> Iterator[tuple[asyncio.AbstractEventLoop, Any]]:
    """A loop of the test's own (Hypothesis drives it example by example) and one production instance
    (``open_cluster``: exactly-once guard and throttle included) on the migrated database at ``url``."""
    loop = asyncio.new_event_loop()
    stack = AsyncExitStack()
    try:
        loop.run_until_complete(upgrade_async(url))
        if url.startswith("postgresql"):  # the session's database: empty it of what the test before left
            loop.run_until_complete(_emptied(url))
        yield loop, loop.run_until_complete(stack.enter_async_context(open_cluster(url, data_dir, count=1)))
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()


def _sqlite_copy(template: Path, tmp_path: Path) -> str:
    """The URL of a copy of the session's migrated SQLite template (units loaded, as ``_emptied`` leaves the
    PostgreSQL half): a copy costs milliseconds where migrating a new file costs about a second of CPU."""
    from tests.conftest import _copy_sqlite

    _copy_sqlite(template, tmp_path / "fuzz.db")
    return f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}"


async def _emptied(url: str) -> None:
    """As ``database_url`` leaves it: no rows (the exactly-once ledger included, whose update ids this
    test's would meet) but the unit registry."""
    from storage.db import create_engine
    from tests.conftest import _empty_pg, _sync_registry

    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await _empty_pg(conn)
        await _sync_registry(engine)
    finally:
        await engine.dispose()


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
        # a message Telegram no longer shows (deleted, or too old): chat and id only
        message = InaccessibleMessage(message_id=abs(hash(value)) % 10_000 + 1, chat=Chat(id=user.id, type="private"))
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


def test_any_update_in_any_form_state_is_answered_and_never_fails(tmp_path: Path, failures: FailureLog,
                                                                 sqlite_template: Path) -> None:
    users = itertools.count(20_000)
    with _running(_sqlite_copy(sqlite_template, tmp_path), tmp_path / "data") as (loop, cluster):

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
        @given(command=form, state=form_state, update=content)
        def check(command: str, state: int, update: tuple[str, Any]) -> None:
            uid = next(users)
            failures.records.clear()
            chat = loop.run_until_complete(_reach(cluster, uid, state, command))
            sent = loop.run_until_complete(_send(cluster, chat, *update))
            assert not failures.records, failures.messages()
            answers = [m for m in sent if isinstance(m, ANSWERING)]
            assert answers, f"no answer to {update[0]} in state {state}"
            for m in answers:
                target = getattr(m, "chat_id", None)
                assert target in (None, uid), f"answered chat {target} instead of {uid}"

        check()


# ---- every update type and content type, from every kind of sender, in every role ----------------------

ROLES = ("public", "inspector", "reviewer", "office")
MEDIA = (api.SendMediaGroup, api.SendPhoto, api.SendDocument)
ANSWERS = (*ANSWERING, api.SendPhoto, api.SendMediaGroup, api.SendDocument, api.SendLocation)


def test_the_strategies_cover_every_update_type_and_content_type() -> None:
    from aiogram.enums import ContentType
    from aiogram.types import Message, Update

    assert set(UPDATE_TYPES) == set(Update.model_fields) - {"update_id"}
    assert set(CONTENT_TYPES) == {c.value for c in ContentType} - {"any", "unknown"}
    assert all(name in Message.model_fields for name in CONTENT_TYPES)


async def _reach_role(cluster: Any, uid: int, role: str, state: int, command: str) -> Any:
    """A person of ``role`` with something open: a hazard or inspection form ``state`` answers in
    (inspector, office), a report (public), the reason of a rejection (reviewer); nothing when ``state`` < 0."""
    if role == "inspector":
        return await _reach(cluster, uid, state, command)
    if role == "public":
        chat = cluster.chat(uid)
        if state >= 0:
            await chat.say("/report")
        return chat
    chat = await cluster.bind(uid, role, "dept-01" if role == "office" else "110105001")
    if state < 0:
        return chat
    if role == "office":
        await chat.say("/hazard")
        for _ in range(state):
            await step(cluster.core, chat)
        return chat
    inspector = await cluster.core.services.users.touch(telegram_address(uid + 500_000), "李检查", "zh-hans")
    await hazard(cluster.core.uow, inspector)
    await chat.say("/review")
    await chat.press(1)
    await chat.press("驳回")
    assert "理由" in chat.last_text(), chat.last_text()
    return chat


def _check(update: Any, sent: list[Any], uid: int) -> None:
    """What every update must get: a person's private message an answer in their chat, a press on a
    button an answer before any photo is sent, an update from nobody or a bot nothing at all."""
    to_person = [m for m in sent if isinstance(m, ANSWERS) and getattr(m, "chat_id", None) == uid]
    human = _from_a_person(update)
    if update.message is not None and human and update.message.chat.id == uid:
        assert to_person, f"no answer to a {update.message.content_type} message"
    if update.callback_query is not None and human:
        kinds = [type(m) for m in sent]
        assert api.AnswerCallbackQuery in kinds, "a press left unanswered"
        media = [i for i, k in enumerate(kinds) if issubclass(k, MEDIA)]
        assert not media or kinds.index(api.AnswerCallbackQuery) < media[0], kinds
    if update.edited_message is not None and human and update.edited_message.chat.id == uid:
        if update.edited_message.location is not None:
            assert not [m for m in sent if isinstance(m, api.SendMessage)], "a live location was answered"
        else:
            assert to_person, "an edited message was not answered"
    if not human:
        assert not [m for m in sent if isinstance(m, api.SendMessage)], f"{update.event_type} from nobody answered"


def _from_a_person(update: Any) -> bool:
    """Whether ``update`` comes from a person with ids Telegram could have sent, and (for a press) under a
    message: what ``bot.middlewares.PeopleOnly`` lets through."""
    from bot.middlewares import TELEGRAM_ID_LIMIT

    event = update.event
    user = getattr(event, "from_user", None) or getattr(event, "user", None)
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    if user is None or user.is_bot or not 0 < user.id < TELEGRAM_ID_LIMIT:
        return False
    if update.callback_query is not None and update.callback_query.message is None:
        return False
    return chat is None or abs(chat.id) < TELEGRAM_ID_LIMIT


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_updates_of_every_type_from_anyone_never_fail_and_every_person_is_answered(
    database: str, tmp_path: Path, request: pytest.FixtureRequest, failures: FailureLog
) -> None:
    from tests.callback_kinds import registered_kinds
    from tests.scale.update_strategies import Builder, update_plans

    url = (_sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path) if database == "sqlite"
           else request.getfixturevalue("pg_database"))
    users = itertools.count(40_000)
    builder = Builder(PHOTO.read_bytes())
    with _running(url, tmp_path / "data") as (loop, cluster):
        kinds = registered_kinds(cluster.instances[0].dp)

        # no shrinking: a failure names its update already, and shrinking through the database takes minutes
        @settings(max_examples=75, deadline=None, suppress_health_check=list(HealthCheck),
                  phases=[Phase.explicit, Phase.reuse, Phase.generate])
        @given(role=st.sampled_from(ROLES), state=st.integers(-1, 22), command=form,
               plans=st.lists(update_plans(kinds), min_size=1, max_size=4))
        def check(role: str, state: int, command: str, plans: list[Any]) -> None:
            uid = next(users)
            chat = loop.run_until_complete(_reach_role(cluster, uid, role, state, command))
            last = None
            for plan in plans:
                failures.records.clear()
                update = builder.build(plan, chat, last)
                sent = loop.run_until_complete(chat._feed(update))
                assert not failures.records, (plan, failures.messages())
                _check(update, sent, uid)
                last = update if update.message is not None else last

        check()
