"""Each person's Telegram command menu: exactly the commands of ``bot.services.commands.CATALOG`` they may use,
set for their private chat (``BotCommandScopeChat``) in their language, the same set their /help lists; and the
public menu, set at start-up for everyone else.

A menu is a courtesy: a person who blocked the bot (403), a flood limit (429) or a network failure is logged
and never breaks the update that asked for it; the next /start, /help or role change sets it again.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.channels import TELEGRAM, ChannelAddress
from bot.core import Core
from bot.i18n import DEFAULT_LOCALE, locale_for
from bot.services.actors import Actor
from bot.services.commands import Command, commands_for, held_of, help_line, person_now

log = logging.getLogger("hazardbot.menu")


def actor_commands(actor: Actor) -> list[Command]:
    """The catalog's commands ``actor`` may use, in the catalog's order."""
    return commands_for(held_of(actor.grants), actor.is_admin)


def help_lines(actor: Actor, locale: str) -> list[str]:
    """``/name USAGE — description`` of each command ``actor`` may use (plain text)."""
    return [help_line(c, locale) for c in actor_commands(actor)]


def menu(commands: list[Command], locale: str) -> list[BotCommand]:
    """The Bot API's command list of ``commands`` in ``locale``."""
    return [BotCommand(command=c.name, description=c.description().render(locale)) for c in commands]


async def set_menu(bot: Bot, chat_id: int, commands: list[Command], locale: str) -> bool:
    """Set the menu of one private chat to ``commands`` (setMyCommands, ``BotCommandScopeChat``). False, logged,
    when Telegram refused it or could not be reached (blocked by the user, 429, network): never raises those."""
    try:
        await bot.set_my_commands(menu(commands, locale), scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError as error:  # TelegramForbiddenError, TelegramRetryAfter, TelegramNetworkError…
        log.info("event=menu_not_set error=%s", type(error).__name__)
        return False
    return True


async def set_actor_menu(bot: Bot, actor: Actor, locale: str) -> bool:
    """``set_menu`` of ``actor``'s private chat (its id is their Telegram id) with their commands; False for a
    person reached on another channel."""
    if actor.address.channel != TELEGRAM:
        return False
    return await set_menu(bot, int(actor.address.address), actor_commands(actor), locale)


async def refresh_menu(bot: Bot, core: Core, user_id: int) -> bool:
    """After a role of user ``user_id`` (internal id) was given or taken — by /bind, a shared phone, /setrole —:
    their menu set to the commands of their roles as stored now, in their language. False when there is no such
    user or Telegram did not take it (never raises a Bot API error)."""
    admins = [ChannelAddress(TELEGRAM, str(i)) for i in core.settings.admin_ids]
    person = await person_now(core.uow, user_id, admins)
    if person is None or person.address.channel != TELEGRAM:
        return False
    return await set_menu(bot, int(person.address.address), person.commands, locale_for(person.language))


async def set_public_menu(bot: Bot) -> None:
    """The default menu (everyone's commands, ``BotCommandScopeDefault``): Chinese, and English for English
    clients. A failure is logged, not raised: the bot answers without a menu."""
    public = commands_for((), False)
    for locale, language in ((DEFAULT_LOCALE, None), ("en", "en")):
        try:
            await bot.set_my_commands(menu(public, locale), scope=BotCommandScopeDefault(), language_code=language)
        except TelegramAPIError as error:
            log.warning("event=public_menu_not_set error=%s", type(error).__name__)
