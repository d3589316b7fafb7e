"""Hypothesis strategies for updates of every type and messages of every content type the Bot API has
(as aiogram models them), sent by people, bots or nobody, with forged and out-of-range data.

A strategy draws a plan (``Plan``); ``build`` turns it into an ``Update`` for one person's chat at the
moment it is sent, so that a plan can press a button that chat shows now or send a file the stand-in
Bot API can serve. ``UPDATE_TYPES`` and ``CONTENT_TYPES`` name what is covered; the fuzz test checks them
against aiogram's models, so a type a newer Bot API adds fails the test until it is generated here.
"""

from __future__ import annotations

import itertools
import types
import typing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiogram import types as tg
from aiogram.enums import ContentType
from aiogram.filters.callback_data import CallbackData
from aiogram.types import Chat, Location, Message, Update, User
from hypothesis import strategies as st
from pydantic import BaseModel

from bot.forms.actions import Nav
from bot.local_chat import LocalChat

JUNK = b"\x00junk" * 50
COMMANDS = ["/start", "/help", "/hazard", "/inspect", "/plan", "/report", "/cancel", "/resume", "/bind ABCD2345",
            "/review", "/office", "/verify", "/find 张", "/status", "/rank", "/tipoffs", "/track JB1",
            "/my_reports", "/add JB1", "/setrole 2147483648 建外街道 inspector", "/users", "/invites", "/nope",
            "/start@other_bot", "/help@hazardbot"]
# ids a forged button may carry: beyond PostgreSQL's INTEGER, beyond SQLite's, negative, unknown, small
IDS = [2**31, 2**63, 2**64 + 1, -(2**63) - 1, -1, 0, 1, 2, 3, 2**31 - 1]
WORDS = ["o", "h", "ap", "rj", "rg", "rr", "rp", "rf", "cl", "sv", "lp", "lr", "pl", "v", "c", "r", "ff", "m",
         "t", "p", "n", "e", "u", "add", "nf", "info", "summary", "plan", "rank", "zz", "", *(op.value for op in Nav)]
ANONYMOUS_ADMIN = User(id=1087968824, is_bot=True, first_name="Group", username="GroupAnonymousBot")
SOME_BOT = User(id=5550002, is_bot=True, first_name="otherbot", username="other_bot")
GROUP = Chat(id=-1001234567, type="supergroup", title="朝阳安全群")
CHANNEL = Chat(id=-1007654321, type="channel", title="通知频道")

# content types with a strategy of their own; every other content field of Message is built by Hypothesis
SPECIAL_CONTENT = ("text", "photo", "document", "location", "venue", "animation")
_NOT_CONTENT = ("any", "unknown")
CONTENT_TYPES = tuple(c.value for c in ContentType if c.value not in _NOT_CONTENT)
UPDATE_TYPES = tuple(name for name in Update.model_fields if name != "update_id")


@dataclass(frozen=True)
class Plan:
    """One update to send: ``kind`` (an ``Update`` field, or ``private_from_bot``, ``no_sender``,
    ``group`` …) and what it carries."""

    kind: str
    payload: Any = None


def _optional_type(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if len(args) == 1 else annotation


def minimal(annotation: Any) -> Any:
    """The smallest valid value of an aiogram type: its required fields only, each the smallest of its
    type (the first of a union or literal, one item of a list). Hypothesis's ``from_type`` builds the same
    types but takes seconds per example for the large ones (a message inside a message …)."""
    if hasattr(annotation, "__value__"):  # a type alias (RichTextUnion …)
        return minimal(annotation.__value__)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return minimal(args[0])
    if origin in (typing.Union, types.UnionType):
        return minimal(next(a for a in args if a is not type(None)))
    if origin is typing.Literal:
        return args[0]
    if origin is list:
        return [minimal(args[0])]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation(**{name: minimal(info.annotation) for name, info in annotation.model_fields.items()
                             if info.is_required()})
    return {str: "x", int: 1, float: 1.5, bool: True, datetime: datetime.now(UTC)}[annotation]


def _generic_content(name: str) -> st.SearchStrategy[Plan]:
    return st.just(Plan("content", (name, minimal(_optional_type(Message.model_fields[name].annotation)))))


def content_plans() -> st.SearchStrategy[Plan]:
    """A private message of any content type."""
    special = [
        st.one_of(st.text(min_size=1, max_size=300), st.sampled_from(COMMANDS)).map(lambda t: Plan("content", ("text", t))),
        st.tuples(st.sampled_from(["real", "junk"]), st.booleans()).map(lambda p: Plan("content", ("photo", p))),
        st.tuples(st.sampled_from(["a.jpg", "b.pdf", "c.heic", "", "d.PNG", "台账.xlsx", "e.gif.mp4"]),
                  st.sampled_from(["image/jpeg", "application/pdf", None, "image/png", "video/mp4"]),
                  st.sampled_from(["real", "junk"])).map(lambda p: Plan("content", ("document", p))),
        st.tuples(st.floats(-90, 90), st.floats(-180, 180), st.one_of(st.none(), st.integers(60, 86400)))
        .map(lambda p: Plan("content", ("location", p))),
        st.tuples(st.floats(-90, 90), st.floats(-180, 180), st.text(max_size=80), st.text(max_size=80))
        .map(lambda p: Plan("content", ("venue", p))),
        st.just(Plan("content", ("animation", minimal(tg.Animation)))),
    ]
    generic = [_generic_content(name) for name in CONTENT_TYPES if name not in SPECIAL_CONTENT]
    return st.one_of(*special, *generic)


def forged_data(kinds: list[type[CallbackData]]) -> st.SearchStrategy[str]:
    """Callback data of a registered kind with any ids (out of range included) and any words."""
    def pack(kind: type[CallbackData], draw: st.DrawFn) -> str:
        values = []
        for info in kind.model_fields.values():
            values.append(str(draw(st.sampled_from(IDS))) if info.annotation is int else draw(st.sampled_from(WORDS)))
        return kind.__separator__.join([kind.__prefix__, *values])

    @st.composite
    def forged(draw: st.DrawFn) -> str:
        return pack(draw(st.sampled_from(kinds)), draw)

    return forged()


def callback_plans(kinds: list[type[CallbackData]]) -> st.SearchStrategy[Plan]:
    """A press: of a button the chat shows now (by index), with forged or random data; on a message that
    is there or one Telegram reports inaccessible."""
    data = st.one_of(
        st.integers(0, 40).map(lambda i: ("shown", i)),
        forged_data(kinds).map(lambda d: ("data", d)),
        st.text(min_size=1, max_size=64).filter(lambda s: len(s.encode()) <= 64).map(lambda d: ("data", d)),
        st.sampled_from(["f1", "f1:", "f1:1:p", "h1:x:ap", "t1:v:1:0::0:9", "n1:done:"]).map(lambda d: ("data", d)),
    )
    return st.tuples(data, st.booleans()).map(lambda p: Plan("callback_query", p))


def edited_plans() -> st.SearchStrategy[Plan]:
    """An edit of the chat's last message: a new text, or a live location's new place."""
    return st.one_of(
        st.text(min_size=1, max_size=100).map(lambda t: Plan("edited_message", ("text", t))),
        st.tuples(st.floats(-90, 90), st.floats(-180, 180)).map(lambda p: Plan("edited_message", ("location", p))),
    )


def _generic_update(name: str) -> st.SearchStrategy[Plan]:
    return st.just(Plan(name, minimal(_optional_type(Update.model_fields[name].annotation))))


def update_plans(kinds: list[type[CallbackData]]) -> st.SearchStrategy[Plan]:
    """Any update a person's chat may receive, or one from nobody or a bot: a message or a press three
    times in ten each, an edit, an odd sender or another update type one in ten each."""
    odd = st.sampled_from(["private_from_bot", "no_sender", "group", "anonymous_admin", "channel_post",
                           "edited_channel_post", "inline_button", "impossible_ids"]).map(Plan)
    own = ("message", "edited_message", "callback_query", "channel_post", "edited_channel_post")
    generic = st.one_of(*(_generic_update(name) for name in UPDATE_TYPES if name not in own))
    content, press = content_plans(), callback_plans(kinds)
    groups = [content, content, content, press, press, press, edited_plans(), odd, generic, generic]
    return st.sampled_from(groups).flatmap(lambda group: group)


class Builder:
    """Turns plans into updates, numbering them like Telegram; ``photo``: the bytes of a real photo."""

    def __init__(self, photo: bytes, start: int = 500_000) -> None:
        self._photo = photo
        self._ids = itertools.count(start)

    def _message(self, chat: Chat, user: User | None, **content: Any) -> Message:
        return Message(message_id=next(self._ids), date=datetime.now(UTC), chat=chat, from_user=user, **content)

    def _update(self, **event: Any) -> Update:
        return Update(update_id=next(self._ids), **event)

    def build(self, plan: Plan, chat: LocalChat, last: Update | None) -> Update:
        """The update ``plan`` describes, from ``chat``'s person (``last``: their previous message update)."""
        user = chat.user
        private = Chat(id=user.id, type="private", first_name=user.first_name)
        if plan.kind == "content":
            return self._update(message=self._message(private, user, **self._content(chat, *plan.payload)))
        if plan.kind == "callback_query":
            return self._callback(chat, *plan.payload)
        if plan.kind == "edited_message":
            return self._edited(private, user, last, *plan.payload)
        return self._odd(plan, user, private)

    def _edited(self, private: Chat, user: User, last: Update | None, what: str, value: Any) -> Update:
        base = last.message if last is not None and last.message is not None else None
        base = base or self._message(private, user, text="旧")
        change: dict[str, Any] = {}
        if what == "text" and base.text is not None:
            change["text"] = value
        elif what == "location":
            change["location"] = Location(latitude=value[0], longitude=value[1], live_period=900)
        edited = base.model_copy(update={"edit_date": int(datetime.now(UTC).timestamp()), **change})
        return self._update(edited_message=edited)

    def _content(self, chat: LocalChat, name: str, value: Any) -> dict[str, Any]:
        if name == "photo":
            body, grouped = value
            update = chat.photo_update(self._photo if body == "real" else JUNK,
                                       f"album-{next(self._ids)}" if grouped else None)
            assert update.message is not None
            return {"photo": update.message.photo, "media_group_id": update.message.media_group_id}
        if name == "document":
            file_name, mime, body = value
            file_id, unique, size = chat.session.register_file(self._photo if body == "real" else b"%PDF-1.4 junk")
            return {"document": tg.Document(file_id=file_id, file_unique_id=unique, file_name=file_name,
                                         mime_type=mime, file_size=size)}
        if name == "animation":  # Telegram sends a GIF as an animation and as a document
            file_id, unique, size = chat.session.register_file(b"GIF89a junk")
            return {"animation": value, "document": tg.Document(file_id=file_id, file_unique_id=unique,
                                                             file_name="a.gif.mp4", mime_type="video/mp4")}
        if name == "location":
            lat, lon, live = value
            return {"location": Location(latitude=lat, longitude=lon, live_period=live)}
        if name == "venue":
            lat, lon, title, address = value
            pin = Location(latitude=lat, longitude=lon)
            return {"location": pin, "venue": tg.Venue(location=pin, title=title, address=address)}
        if name == "text":
            entities = None
            if value.startswith("/"):
                length = len(value.split()[0].encode("utf-16-le")) // 2
                entities = [tg.MessageEntity(type="bot_command", offset=0, length=length)]
            return {"text": value, "entities": entities}
        return {name: value}

    def _callback(self, chat: LocalChat, data: tuple[str, Any], gone: bool) -> Update:
        user = chat.user
        how, value = data
        message: Message | tg.InaccessibleMessage
        shown = chat.buttons()
        if how == "shown" and shown:
            button = shown[value % len(shown)]
            message, text = button.message, button.callback_data or "zz"
        else:
            message = self._message(Chat(id=user.id, type="private"), None, text="…")
            text = value if how == "data" else "zz"
        if gone:
            message = tg.InaccessibleMessage(chat=message.chat, message_id=message.message_id, date=0)
        query = tg.CallbackQuery(id=str(next(self._ids)), from_user=user, chat_instance="fuzz", message=message,
                              data=text)
        return self._update(callback_query=query)

    def _odd(self, plan: Plan, user: User, private: Chat) -> Update:
        kind = plan.kind
        if kind == "private_from_bot":
            return self._update(message=self._message(Chat(id=SOME_BOT.id, type="private"), SOME_BOT, text="/start"))
        if kind == "no_sender":
            return self._update(message=self._message(private, None, text="你好"))
        if kind == "group":
            return self._update(message=self._message(GROUP, user, text="/help@hazardbot"))
        if kind == "anonymous_admin":
            message = self._message(GROUP, ANONYMOUS_ADMIN, text="/report", sender_chat=GROUP)
            return self._update(message=message)
        if kind in ("channel_post", "edited_channel_post"):
            return self._update(**{kind: self._message(CHANNEL, None, text="公告", sender_chat=CHANNEL)})
        if kind == "inline_button":
            return self._update(callback_query=tg.CallbackQuery(id=str(next(self._ids)), from_user=user,
                                                             chat_instance="fuzz", inline_message_id="AAA",
                                                             data="h1:1:ap"))
        if kind == "impossible_ids":
            far = User(id=2**62, is_bot=False, first_name="x")
            return self._update(message=self._message(Chat(id=far.id, type="private"), far, text="/report"))
        return self._update(**{kind: _as_from(plan.payload, user, private)})


def _as_from(event: Any, user: User, private: Chat) -> Any:
    """A generated event, made to come from ``user`` in their private chat where it names a sender or chat."""
    changes: dict[str, Any] = {}
    for field in ("from_user", "user"):
        if field in type(event).model_fields:
            changes[field] = user
    if "chat" in type(event).model_fields:
        changes["chat"] = private
    return event.model_copy(update=changes) if changes else event
