"""``hazardbot run``: long polling against any Bot API server, with the command menu set at start."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher

from bot.app import build_bot, build_dispatcher
from bot.core import open_core
from bot.settings import Settings
from handlers.command_menu import set_public_menu
from reminders.scheduler import running_reminders

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

    async with open_core(settings) as core, open_shared_state(core) as shared:
        bot = build_bot(settings)
        dp = build_dispatcher(core, shared.storage, shared.guards)
        me = await bot.get_me()
        log.warning("hazardbot @%s polling %s", me.username, settings.api_url)
        await set_commands(bot)
        stopper = asyncio.create_task(_stop_when(stop, dp)) if stop is not None else None
        try:
            # reminders: the rules at the working hour on working days, the outbox sender alongside
            async with running_reminders(bot, core.uow, core.reminders, core.clock.tz, core.clock, core.rules.cal,
                                         engine=core.engine):
                await dp.start_polling(
                    bot, allowed_updates=dp.resolve_used_update_types(), handle_signals=handle_signals
                )
        finally:
            if stopper is not None:
                stopper.cancel()
            await bot.session.close()


async def _stop_when(stop: asyncio.Event, dp: Dispatcher) -> None:
    await stop.wait()
    await dp.stop_polling()
