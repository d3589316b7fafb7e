"""Editing a message the bot sent earlier, as a courtesy that may fail.

Telegram refuses an edit when nothing changes ("message is not modified": a double tap already
removed the buttons), when the message is older than 48 hours, or when the user deleted it. By then
the step the button made is stored, so a refused edit must not turn into "something went wrong".
"""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message

log = logging.getLogger("hazardbot.edits")


async def drop_keyboard(message: Message) -> bool:
    """Remove the buttons under ``message``; False when Telegram refused (logged, otherwise ignored)."""
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as exc:
        log.info("event=keyboard_not_removed reason=%r", exc.message)
        return False
    return True


async def show_in_place(message: Message, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Replace ``message``'s text and buttons; when it cannot be edited any more, send ``text`` anew."""
    try:
        await message.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as exc:
        if "not modified" in exc.message:
            return
        log.info("event=message_not_edited reason=%r", exc.message)
        await message.answer(text, reply_markup=keyboard)
