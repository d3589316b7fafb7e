"""Magic filters run on the event loop: an update through the whole router tree makes no thread hop."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Dispatcher, F, Router
from aiogram.types import Message

from bot.fast_filters import inline_magic_filters
from bot.local_session import LocalSession
from bot.updates import UpdateFactory


async def test_the_application_dispatcher_resolves_filters_without_threads(
    harness, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    chat = await harness.bind(7701, "inspector", "110105001")
    hops: list[object] = []
    real = asyncio.to_thread

    async def counting(func, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        hops.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counting)
    await chat.say("/hazard")
    await chat.press(1)
    await chat.say("某某出租房")
    assert "地址" in chat.last_text()
    assert hops == []


async def test_inlined_filters_keep_their_meaning() -> None:
    seen: list[str] = []
    router = Router()
    router.message.filter(F.chat.type == "private")

    @router.message(F.photo)
    async def photo(message: Message) -> None:
        seen.append("photo")

    @router.message(F.text.startswith("/"))
    async def command(message: Message) -> None:
        seen.append("command")

    @router.message(F.text)
    async def text(message: Message) -> None:
        seen.append("text")

    dp = Dispatcher()
    dp.include_router(router)
    assert inline_magic_filters(dp) == 4
    assert inline_magic_filters(dp) == 0  # idempotent
    from aiogram import Bot

    bot = Bot("123456789:" + "A" * 35, session=LocalSession())
    factory = UpdateFactory()
    user = factory.user(5)
    from aiogram.types import Chat

    await dp.feed_update(bot, factory.text(user, "/x"))
    await dp.feed_update(bot, factory.text(user, "hello"))
    await dp.feed_update(bot, factory.text(user, "hello", chat=Chat(id=-100, type="group")))
    assert seen == ["command", "text"]
