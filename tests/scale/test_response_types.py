"""aiogram's ``Response[T]`` classes stay alive between Bot API calls (``bot.response_types``)."""

from __future__ import annotations

import gc
import weakref

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import Response
from aiogram.types import Message

from bot.app import build_bot
from bot.settings import Settings
from tests.botapi_standin import fake_api

TOKEN = "4242:" + "R" * 35


async def test_response_classes_survive_the_garbage_collector() -> None:
    async with fake_api() as (api, api_url):
        bot = build_bot(Settings(token=TOKEN), AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
        try:
            await bot.send_message(1, "a")
            gc.collect()
            kept = weakref.ref(Response[Message])
            gc.collect()
            assert kept() is not None
            await bot.send_message(1, "b")
            assert Response[Message] is kept()
        finally:
            await bot.session.close()
