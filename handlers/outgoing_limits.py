"""Every text the bot sends fits Telegram's limits, whoever wrote the handler.

A handler that echoes what a user typed (a number given to /track, a unit name) can exceed 4096 characters
when the user sent close to 4096 themselves; Telegram then refuses the whole message ("message is too
long") and the user meets the generic error. Cards and questions shorten what they show
(``message_limits.shorten``); this session middleware is the net under all of them: a message text over
4096 UTF-16 units, or a caption over 1024, is clipped with ``message_limits.clip`` (tags closed, "…"
marking the cut) before it is sent, and the clipping is logged so the handler can be fixed.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.enums import ParseMode
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from typing_extensions import override

from handlers.message_limits import TELEGRAM_CAPTION_LIMIT, TELEGRAM_TEXT_LIMIT, clip

log = logging.getLogger("hazardbot.limits")


class ClipOutgoing(BaseRequestMiddleware):
    """Session middleware: ``text`` over 4096 and ``caption`` over 1024 (UTF-16 units after HTML parsing)
    are clipped on any method that carries them; everything else passes unchanged."""

    @override
    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        for field, limit in (("text", TELEGRAM_TEXT_LIMIT), ("caption", TELEGRAM_CAPTION_LIMIT)):
            value = getattr(method, field, None)
            if isinstance(value, str):
                mode = getattr(method, "parse_mode", None)  # the bot's default (HTML), None (plain) or another
                html = mode is not None and (not isinstance(mode, str) or mode.upper() == ParseMode.HTML.upper())
                clipped = clip(value, limit, html=html)
                if clipped != value:
                    log.warning("event=outgoing_clipped method=%s field=%s", type(method).__name__, field)
                    setattr(method, field, clipped)
        return await make_request(bot, method)
