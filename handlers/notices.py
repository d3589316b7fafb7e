"""Delivering the ``Notice``s a service returned: each rendered in its recipient's language and sent
with ``bot.send_message``. A recipient who blocked the bot is skipped; the log names the notice kind
and record number only, never the chat (a reporter's chat id is their Telegram identity)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.services.notices import Notice
from handlers.callbacks import TipCb
from handlers.tipoff_texts import notice_text

log = logging.getLogger("hazardbot.notices")

_OPEN_BUTTON_KINDS = ("tipoff_new", "tipoff_added", "tipoff_not_fixed", "tipoff_returned")


async def deliver(bot: Bot, notices: Iterable[Notice]) -> int:
    """Send every notice; returns how many were sent."""
    i18n = I18n.get_current(no_error=True)
    sent = 0
    for notice in notices:
        if i18n is not None:
            with i18n.use_locale(notice.locale):
                text, markup = _render(notice)
        else:
            text, markup = _render(notice)
        if not text:
            continue
        try:
            await bot.send_message(notice.chat_id, text, reply_markup=markup)
            sent += 1
        except TelegramAPIError as exc:
            log.warning("notice %s for %s not delivered: %s", notice.kind, notice.params.get("number"), type(exc).__name__)
    return sent


def _render(notice: Notice):  # type: ignore[no-untyped-def]
    text = notice_text(notice)
    markup = None
    if notice.kind in _OPEN_BUTTON_KINDS and notice.params.get("id"):
        builder = InlineKeyboardBuilder()
        builder.button(text=_("Open tip-off"), callback_data=TipCb(a="v", id=int(notice.params["id"])))
        markup = builder.as_markup()
    return text, markup
