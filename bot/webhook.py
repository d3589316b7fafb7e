"""``hazardbot run --webhook URL``: serve Telegram's webhook over aiohttp.

Several instances may run behind a load balancer on one PostgreSQL (and Redis): each update is
claimed once (``bot.dedup``), drafts are in the database, FSM state in Redis. Telegram's
``X-Telegram-Bot-Api-Secret-Token`` header is checked on every request. ``GET /healthz`` answers
200 when the database (and Redis, when configured) answer, 503 otherwise.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from sqlalchemy import text

from bot.settings import Settings

log = logging.getLogger("hazardbot.webhook")

DEFAULT_LISTEN = "127.0.0.1:8080"


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram sends back in every webhook request.

    ``HAZARDBOT_WEBHOOK_SECRET`` when set; otherwise derived from the bot token, so that every
    instance of one bot agrees on it without extra configuration (Telegram allows [A-Za-z0-9_-]).
    """
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    token = settings.token.get_secret_value() if settings.token else ""
    return hashlib.sha256(f"hazardbot-webhook:{token}".encode()).hexdigest()


def webhook_path(url: str) -> str:
    """The local route for the public ``url`` (its path; ``/webhook`` when it has none)."""
    path = urlsplit(url).path
    return path if path and path != "/" else "/webhook"


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` (IPv6 as ``[::1]:8080``) → ``(host, port)``; raises ``ValueError`` when malformed."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"--listen needs HOST:PORT, got {listen!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


async def health(core: Any, redis: Any = None) -> dict[str, str]:
    """``{"database": "ok"|"error", "redis": …}``: a ``SELECT 1`` and a Redis ``PING``."""
    result: dict[str, str] = {}
    try:
        async with core.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        result["database"] = "ok"
    except Exception as exc:  # noqa: BLE001  (any failure means "not healthy")
        log.warning("event=health_database_failed error=%s", type(exc).__name__)
        result["database"] = "error"
    if redis is not None:
        try:
            await redis.ping()
            result["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            log.warning("event=health_redis_failed error=%s", type(exc).__name__)
            result["redis"] = "error"
    return result


# Telegram's update ids are positive and fit PostgreSQL's BIGINT (and SQLite's INTEGER)
_MAX_UPDATE_ID = 2**63 - 1


class CheckedRequestHandler(SimpleRequestHandler):
    """aiogram's webhook handler, refusing a body that is not a Telegram update with 400 and one
    log line that names the error's kind only: the body (user text) never reaches the log, and a
    500 would only make the sender retry. Telegram itself never sends such a body; a probe might."""

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            update = Update.model_validate(await request.json(loads=bot.session.json_loads), context={"bot": bot})
        except ValueError as exc:  # not JSON (JSONDecodeError), or not an update (pydantic's ValidationError)
            log.warning("event=webhook_bad_body error=%s", type(exc).__name__)
            return web.Response(status=400, text="not a Telegram update")
        if not 0 <= update.update_id <= _MAX_UPDATE_ID:
            log.warning("event=webhook_bad_body error=update_id_out_of_range")
            return web.Response(status=400, text="not a Telegram update")
        result: Any = await self.dispatcher.feed_webhook_update(bot, update, **self.data)
        return web.Response(body=self._build_response_writer(bot=bot, result=result))


def build_webhook_app(core: Any, dp: Dispatcher, bot: Bot, *, path: str, secret: str, redis: Any = None) -> web.Application:
    """The aiohttp application: ``POST path`` (Telegram updates) and ``GET /healthz``.

    Updates are handled before the response (not in the background), so an instance that dies
    before claiming an update leaves it to Telegram's redelivery, which any instance may take.
    """
    app = web.Application()
    CheckedRequestHandler(dispatcher=dp, bot=bot, handle_in_background=False, secret_token=secret).register(
        app, path=path
    )

    async def healthz(request: web.Request) -> web.Response:
        checks = await health(core, redis)
        ok = all(v == "ok" for v in checks.values())
        return web.json_response({"status": "ok" if ok else "error", **checks}, status=200 if ok else 503)

    app.router.add_get("/healthz", healthz)
    setup_application(app, dp, bot=bot)
    return app


async def run_webhook(
    settings: Settings, url: str, listen: str = DEFAULT_LISTEN, stop: asyncio.Event | None = None
) -> None:
    """Serve the webhook on ``listen`` until SIGINT/SIGTERM (or ``stop`` is set); registers ``url``
    with Telegram, keeping pending updates (another instance may be serving while this one starts)."""
    from bot.app import build_bot, build_dispatcher, finish_start
    from bot.core import open_core
    from bot.polling import set_commands
    from bot.shared_state import open_shared_state
    from handlers import USED_UPDATE_TYPES

    host, port = parse_listen(listen)
    secret = webhook_secret(settings)
    async with open_core(settings) as core, open_shared_state(core) as shared:
        bot = build_bot(settings)
        dp = build_dispatcher(core, shared.storage, shared.guards, later=True)
        app = build_webhook_app(core, dp, bot, path=webhook_path(url), secret=secret, redis=shared.redis)
        runner = web.AppRunner(app)
        await runner.setup()
        finishing: asyncio.Task[None] | None = None
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            finishing = asyncio.create_task(finish_start(dp, core))  # while Telegram is told where to send
            await bot.set_webhook(
                url,
                secret_token=secret,
                allowed_updates=list(USED_UPDATE_TYPES),
                drop_pending_updates=False,
            )
            await set_commands(bot)
            log.warning("event=webhook_serving listen=%s:%s path=%s", host, port, webhook_path(url))
            from reminders.scheduler import running_reminders

            # every instance runs the rules (the outbox key keeps them exactly-once) and a sender
            # (rows are claimed with SKIP LOCKED); set HAZARDBOT_REMINDERS_GLOBAL_RATE to 29.5 / instances
            async with running_reminders(bot, core.uow, core.reminders, core.clock.tz, core.clock, core.rules.cal,
                                         engine=core.engine, prune=core.prune_job()):
                await (stop.wait() if stop is not None else _until_signalled())
        finally:
            if finishing is not None:
                finishing.cancel()
            await runner.cleanup()
            await bot.session.close()


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
