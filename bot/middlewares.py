"""Middlewares: whether a person sent the update at all, who is acting (``actor``), in which language
(``locale``).

Installed on the update observer, so that filters and handlers of every feature get the same ``actor``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import Chat, TelegramObject, Update, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from aiogram.utils.i18n import gettext as _
from typing_extensions import override

from bot.channels import telegram_address
from bot.i18n import locale_for
from bot.i18n_telegram import build_i18n
from bot.update_middleware import NextHandler
from storage.db import no_rider

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger("hazardbot.updates")


# Telegram's user and chat ids "have at most 52 significant bits" (Bot API): an id beyond names nobody
TELEGRAM_ID_LIMIT = 2**52


class PeopleOnly(BaseMiddleware):
    """Only people act. An update with no sender (a channel post, a group message sent as the group by an
    anonymous admin), sent by a bot, or naming a user or chat id Telegram cannot have, is ignored quietly:
    nothing answers it and no handler sees it, so every handler can count on an ``actor``. A button under
    no message (one sent in inline mode, which this bot does not use) is answered as no longer valid, so
    every handler can count on a chat to answer in."""

    @override
    async def __call__(self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if user is None or user.is_bot:
            log.debug("event=update_ignored reason=%s", "bot" if user else "no sender")
            return UNHANDLED
        if not 0 < user.id < TELEGRAM_ID_LIMIT or (chat is not None and not abs(chat.id) < TELEGRAM_ID_LIMIT):
            log.info("event=update_ignored reason='id out of range'")
            return UNHANDLED
        query = event.callback_query if isinstance(event, Update) else None
        if query is not None and query.message is None:
            await query.answer(_("This button is no longer valid. Send /resume to see where you are."))
            return UNHANDLED
        return await handler(event, data)


class NoNul(BaseMiddleware):
    """A NUL character in a message's text, caption or venue (a custom client can send one) becomes a space
    before any handler reads it: PostgreSQL stores no NUL in a text value, so a typed answer, a search or a code
    holding one failed its update, and a form kept it until its submission failed. A space keeps the entities'
    offsets. (A name holding one: ``UserService.touch``.)"""

    @override
    async def __call__(self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Update):
            for kind in ("message", "edited_message"):
                message = getattr(event, kind)
                if message is None:
                    continue
                fixed: dict[str, Any] = _without_nul(message, ("text", "caption"))
                if message.venue is not None and (venue := _without_nul(message.venue, ("title", "address"))):
                    fixed["venue"] = message.venue.model_copy(update=venue)
                if fixed:
                    event = event.model_copy(update={kind: message.model_copy(update=fixed)})
        return await handler(event, data)


def _without_nul(obj: TelegramObject, keys: tuple[str, ...]) -> dict[str, Any]:
    """The string attributes ``keys`` of ``obj`` that hold a NUL, each with its NULs made spaces."""
    return {key: value.replace("\x00", " ") for key in keys if "\x00" in (value := getattr(obj, key) or "")}


class ActorMiddleware(BaseMiddleware):
    """Loads (or creates) the user behind the update and passes ``actor`` to handlers."""

    def __init__(self, core: Core) -> None:
        self._users = core.services.users

    @override
    async def __call__(self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User = data["event_from_user"]  # a person: ``PeopleOnly`` runs first
        # the upsert may be repeated harmlessly: the update's exactly-once claim rides its real work (bot.dedup)
        with no_rider():
            data["actor"] = await self._users.touch(telegram_address(user.id), user.full_name, user.language_code)
        return await handler(event, data)


class LocaleMiddleware(I18nMiddleware):
    """``zh`` unless the user's Telegram client speaks English; also passed as ``locale``."""

    @override
    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("event_from_user")
        return locale_for(user.language_code if user else None)

    @override
    async def __call__(self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["locale"] = await self.get_locale(event, data)
        return await super().__call__(handler, event, data)


def install_middlewares(dp: Dispatcher, core: Core) -> I18n:
    """No NUL, locale, people only, and actor on every update (after aiogram's own context middleware);
    returns the catalog."""
    i18n = build_i18n()
    dp.update.outer_middleware(NoNul())
    dp.update.outer_middleware(LocaleMiddleware(i18n))
    dp.update.outer_middleware(PeopleOnly())
    dp.update.outer_middleware(ActorMiddleware(core))
    return i18n
