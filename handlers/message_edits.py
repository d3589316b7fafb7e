"""The message under a pressed button, and editing it as a courtesy that may fail.

Telegram reports the message a button sits on as an ``InaccessibleMessage`` (``date`` 0) once the user
deleted it or it is too old; it carries the chat and the message id only. Handlers work from the callback
data and the database, answer into the chat (both kinds can ``answer``) and leave edits to the helpers
here, which skip a message that is not there.

Telegram also refuses an edit when nothing changes ("message is not modified": a double tap already
removed the buttons) or when the message is older than 48 hours. By then the step the button made is
stored, so a refused edit must not turn into "something went wrong".
"""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message

log = logging.getLogger("hazardbot.edits")

ButtonMessage = Message | InaccessibleMessage


class NoMessage(LookupError):
    """A button pressed under no message at all (one sent in inline mode); ``bot.middlewares`` answers
    such presses before any handler, so a handler never meets one."""


def message_of(query: CallbackQuery) -> ButtonMessage:
    """The message ``query``'s button sits on: a ``Message``, or an ``InaccessibleMessage`` (deleted or too
    old) that can still ``answer`` into its chat but cannot be edited. Raises ``NoMessage`` (see there)."""
    if query.message is None:
        raise NoMessage(query.id)
    return query.message


def holds_button(message: ButtonMessage, data: str | None) -> bool:
    """Whether a button with callback data ``data`` is under ``message`` as the press carries it (Telegram sends
    the message with its keyboard). False for an inaccessible message, whose keyboard is not known: a press of
    data forged or kept from elsewhere must not decide the fate of some other message's buttons."""
    markup = message.reply_markup if isinstance(message, Message) else None
    return data is not None and markup is not None and any(
        button.callback_data == data for row in markup.inline_keyboard for button in row)


async def drop_keyboard(message: ButtonMessage) -> bool:
    """Remove the buttons under ``message``; False when it is not there or Telegram refused (logged)."""
    if not isinstance(message, Message):
        log.info("event=keyboard_not_removed reason='inaccessible message'")
        return False
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramBadRequest as exc:
        log.info("event=keyboard_not_removed reason=%r", exc.message)
        return False
    return True


async def show_in_place(message: ButtonMessage, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Replace ``message``'s text and buttons; when it is not there or cannot be edited, send ``text`` anew."""
    if not isinstance(message, Message):
        await message.answer(text, reply_markup=keyboard)
        return
    try:
        await message.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as exc:
        if "not modified" in exc.message:
            return
        log.info("event=message_not_edited reason=%r", exc.message)
        await message.answer(text, reply_markup=keyboard)


async def answer_in_place(query: CallbackQuery, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Answer the press ``query`` (the client stops showing its button as busy), then show ``text`` and
    ``keyboard`` in place of the message the button sits on (``show_in_place``)."""
    await query.answer()
    await show_in_place(message_of(query), text, keyboard)


async def show_keyboard(message: ButtonMessage, keyboard: InlineKeyboardMarkup, text: str) -> None:
    """Put ``keyboard`` under ``message`` (a sub-menu in place of its buttons); when the message is not
    there or cannot be edited, send ``text`` with the keyboard instead."""
    if isinstance(message, Message):
        try:
            await message.edit_reply_markup(reply_markup=keyboard)
            return
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:
                return
            log.info("event=keyboard_not_replaced reason=%r", exc.message)
    await message.answer(text, reply_markup=keyboard)
