"""Router gates (bot/router_gates.py): an update skips a router none of whose handlers could take it,
and a router with any other kind of handler is never gated."""

from __future__ import annotations

from collections import Counter

from aiogram import Bot, Dispatcher, F, Router
from aiogram.dispatcher.event import handler as aiogram_handler
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message

from bot.local_session import LocalSession
from bot.router_gates import add_router_gates
from bot.updates import UpdateFactory


class PingCb(CallbackData, prefix="pg"):
    n: int


def _routers(seen: list[str]) -> Dispatcher:
    commands = Router(name="commands")

    @commands.message(Command("ping"))
    async def ping(message: Message) -> None:
        seen.append("ping")

    @commands.callback_query(PingCb.filter())
    async def pressed(query: CallbackQuery, callback_data: PingCb) -> None:
        seen.append(f"pressed {callback_data.n}")

    mixed = Router(name="mixed")

    @mixed.message(Command("pong"))
    async def pong(message: Message) -> None:
        seen.append("pong")

    @mixed.message(F.text)
    async def text(message: Message) -> None:
        seen.append("text")

    @mixed.callback_query()
    async def other(query: CallbackQuery) -> None:
        seen.append("other button")

    dp = Dispatcher()
    dp.include_routers(commands, mixed)
    assert add_router_gates(dp) == 2  # the command router's messages and buttons; nothing on the mixed one
    return dp


async def test_gated_routers_still_take_what_they_handle_and_pass_on_the_rest() -> None:
    seen: list[str] = []
    dp = _routers(seen)
    bot = Bot("123456789:" + "A" * 35, session=LocalSession())
    factory = UpdateFactory()
    user = factory.user(5)
    message = Message.model_validate({"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}})
    for update in (factory.text(user, "/ping"), factory.text(user, "/pong"), factory.text(user, "你好"),
                   factory.callback(user, message, PingCb(n=3).pack()), factory.callback(user, message, "pgx:1"),
                   factory.callback(user, message, "zz:1")):
        await dp.feed_update(bot, update)
    assert seen == ["ping", "pong", "text", "pressed 3", "other button", "other button"]


async def test_a_form_answer_in_the_application_checks_few_handlers(harness, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    chat = await harness.bind(7702, "inspector", "110105001")
    await chat.say("/hazard")
    await chat.press(1)
    checked: Counter[str] = Counter()
    real = aiogram_handler.HandlerObject.check

    async def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        checked[getattr(self.callback, "__qualname__", "?")] += 1
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(aiogram_handler.HandlerObject, "check", counting)
    await chat.say("某某出租房")
    assert "地址" in chat.last_text()
    # without gates a plain answer was offered to every command handler on its way, /bind's and /setrole's
    # included (65 checks); now only routers with non-command handlers look at it
    names = {name.rsplit(".", 1)[-1] for name in checked}
    assert "text" in names
    assert not names & {"bind", "set_role", "invite", "find", "review", "help_"}, sorted(names)
    assert sum(checked.values()) < 58, checked  # 57: /find's typed criteria (handlers.find_typing) and the inbox's
    # submission messages (handlers.inbox) each added a router with non-command handlers


async def test_a_router_with_sub_routers_is_not_gated_so_they_stay_reachable() -> None:
    """aiogram skips a router's sub-routers too when its observer filters fail: a command-only router
    that includes a router for plain text must not be gated on commands."""
    seen: list[str] = []
    outer = Router(name="outer")

    @outer.message(Command("ping"))
    async def ping(message: Message) -> None:
        seen.append("ping")

    @outer.callback_query(PingCb.filter())
    async def pressed(query: CallbackQuery, callback_data: PingCb) -> None:
        seen.append("pressed")

    inner = Router(name="inner")

    @inner.message(F.text)
    async def text(message: Message) -> None:
        seen.append("text")

    @inner.callback_query()
    async def other(query: CallbackQuery) -> None:
        seen.append("other button")

    outer.include_router(inner)
    dp = Dispatcher()
    dp.include_router(outer)
    add_router_gates(dp)
    bot = Bot("123456789:" + "A" * 35, session=LocalSession())
    factory = UpdateFactory()
    user = factory.user(5)
    message = Message.model_validate({"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}})
    for update in (factory.text(user, "/ping"), factory.text(user, "你好"), factory.callback(user, message, "zz:1")):
        await dp.feed_update(bot, update)
    assert seen == ["ping", "text", "other button"]


async def test_a_command_after_leading_whitespace_still_reaches_its_router() -> None:
    """aiogram's ``Command`` splits the text on whitespace first, so " /ping" is the /ping command."""
    seen: list[str] = []
    dp = _routers(seen)
    bot = Bot("123456789:" + "A" * 35, session=LocalSession())
    factory = UpdateFactory()
    user = factory.user(5)
    await dp.feed_update(bot, factory.text(user, " /ping"))
    await dp.feed_update(bot, factory.message(user, None, text="\n/ping"))
    assert seen == ["ping", "ping"]
