"""Middlewares: who is acting (``actor``), in which language (``locale``).

Installed on the message and callback-query observers (and every observer that carries a user),
so that filters and handlers of every feature get the same ``actor``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from bot.i18n import build_i18n, locale_for

if TYPE_CHECKING:
    from bot.app import Core


class ActorMiddleware(BaseMiddleware):
    """Loads (or creates) the user behind the update and passes ``actor`` to handlers."""

    def __init__(self, core: Core) -> None:
        self._users = core.services.users

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None and not user.is_bot:
            data["actor"] = await self._users.touch(user.id, user.full_name, user.language_code)
        return await handler(event, data)


class LocaleMiddleware(I18nMiddleware):
    """``zh`` unless the user's Telegram client speaks English; also passed as ``locale``."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("event_from_user")
        return locale_for(user.language_code if user else None)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["locale"] = await self.get_locale(event, data)
        return await super().__call__(handler, event, data)


def install_middlewares(dp: Dispatcher, core: Core) -> I18n:
    """Locale and actor on every update (after aiogram's own context middleware); returns the catalog."""
    i18n = build_i18n()
    dp.update.outer_middleware(LocaleMiddleware(i18n))
    dp.update.outer_middleware(ActorMiddleware(core))
    return i18n
