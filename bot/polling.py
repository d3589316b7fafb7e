"""``hazardbot run``: long polling against any Bot API server, with the command menu set at start."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher

from bot.app import build_bot, build_dispatcher, finish_start
from bot.core import Core, open_core
from bot.settings import Settings
from handlers import USED_UPDATE_TYPES
from handlers.command_menu import set_public_menu

log = logging.getLogger("hazardbot")

async def set_commands(bot: Bot) -> None:
    """The public command menu (everyone's commands of ``bot.services.commands.CATALOG``): Chinese by default,
    English for English-speaking clients; each bound person's own menu is set per chat (``handlers.command_menu``)."""
    await set_public_menu(bot)


async def run_polling(
    settings: Settings, *, handle_signals: bool = True, stop: asyncio.Event | None = None
) -> None:
    """Poll ``settings.api_url`` until Ctrl-C / SIGTERM, or until ``stop`` is set (graceful either way)."""
    from bot.shared_state import open_shared_state

    # imported here: ``hazardbot run --webhook`` imports this module for ``set_commands`` and starts the
    # scheduler only once it serves (start-up time, issue 19 item 5)
    from reminders.scheduler import running_reminders

    async with open_core(settings) as core, open_shared_state(core) as shared:
        bot = build_bot(settings)
        dp = build_dispatcher(core, shared.storage, shared.guards, later=True)
        me = await bot.get_me()
        log.warning("hazardbot @%s polling %s", me.username, settings.api_url)
        # the menu and the routers a first update does not need, while the first updates are polled
        later = asyncio.create_task(_after_start(bot, dp, core))
        stopper = asyncio.create_task(_stop_when(stop, dp)) if stop is not None else None
        try:
            # reminders: the rules at the working hour on working days, the outbox sender alongside
            async with running_reminders(bot, core.uow, core.reminders, core.clock.tz, core.clock, core.rules.cal,
                                         engine=core.engine, prune=core.prune_job()):
                await dp.start_polling(bot, allowed_updates=list(USED_UPDATE_TYPES), handle_signals=handle_signals)
        finally:
            later.cancel()
            if stopper is not None:
                stopper.cancel()
            await bot.session.close()


async def _after_start(bot: Bot, dp: Dispatcher, core: Core) -> None:
    try:
        await set_commands(bot)
    except Exception:  # a menu not set is no reason to stop serving; the next start sets it
        log.exception("event=set_commands_failed")
    await finish_start(dp, core)


async def _stop_when(stop: asyncio.Event, dp: Dispatcher) -> None:
    await stop.wait()
    await dp.stop_polling()
