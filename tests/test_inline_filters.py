"""Plain filters (``F`` expressions, lambdas, on handlers and on an observer) run in the event loop after
``inline_plain_filters`` and still decide as before (issue 19 item 4; ``bot/inline_filters.py`` reads aiogram's
dispatcher internals, so this fails if an upgrade changes them)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.types import Message

from bot.inline_filters import inline_plain_filters
from bot.local_session import LocalSession
from bot.updates import UpdateFactory
from tests.conftest import Harness


def _dispatcher(seen: list[str]) -> Dispatcher:
    dp = Dispatcher()
    router = Router()
    router.message.filter(F.chat.type == "private")

    @router.message(F.text == "hello", lambda message: message.from_user.id == 7)
    async def hello(message: Message) -> None:
        seen.append(f"hello {message.text}")

    @router.message(F.text.startswith("bye"))
    async def bye(message: Message) -> None:
        seen.append(f"bye {message.text}")

    dp.include_router(router)
    return dp


async def test_plain_filters_decide_as_before_without_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    dp = _dispatcher(seen)
    assert inline_plain_filters(dp) == 4  # the observer's, the magic and the lambda of hello, bye's

    async def no_thread(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a filter went to a worker thread")

    monkeypatch.setattr(asyncio, "to_thread", no_thread)
    bot = Bot("42:" + "A" * 35, session=LocalSession())
    factory = UpdateFactory(1)
    for user_id, text in ((7, "hello"), (8, "hello"), (8, "bye now"), (7, "other")):
        await dp.feed_update(bot, factory.text(UpdateFactory.user(user_id), text))
    assert seen == ["hello hello", "bye bye now"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_production_dispatcher_keeps_no_plain_filter(harness: Harness) -> None:
    def plain(router: Router) -> list[str]:
        found = []
        for name, observer in router.observers.items():
            for handler in (*observer.handlers, observer._handler):
                found += [f"{router.name}.{name}" for f in handler.filters or [] if not f.awaitable]
        return found + [x for child in router.sub_routers for x in plain(child)]

    assert plain(harness.dp) == []
