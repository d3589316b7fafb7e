"""The bare aiogram bot of ``webhook_throughput.py``: one echo handler per update type, served on
aiogram's own webhook handler exactly as ``hazardbot run --webhook`` serves the project.

    python benchmarks/bare_webhook_bot.py API_URL TOKEN SECRET PORT
"""

from __future__ import annotations

import asyncio
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web


def bare_dispatcher() -> Dispatcher:
    """Echo every text; answer every button."""
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @dp.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()

    return dp


async def main(api_url: str, token: str, secret: str, port: int) -> None:
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    dp = bare_dispatcher()
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, handle_in_background=False, secret_token=secret).register(
        app, path="/webhook"
    )
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app.router.add_get("/healthz", healthz)
    setup_application(app, dp, bot=bot)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
