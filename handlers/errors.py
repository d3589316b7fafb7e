"""The last line of defence: log the failure with the update, tell the user politely, never leak
a traceback. Answers already stored stay stored (the draft is in the database)."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.i18n import locale_for

log = logging.getLogger("hazardbot.errors")


def router() -> Router:
    r = Router(name="errors")

    @r.errors()
    async def on_error(event: ErrorEvent, bot: Bot, i18n_catalog: I18n) -> bool:
        update = event.update
        log.exception("update %s failed: %r", update.update_id, event.exception, exc_info=event.exception)
        message = update.message or (update.callback_query.message if update.callback_query else None)
        user = update.message.from_user if update.message else (
            update.callback_query.from_user if update.callback_query else None
        )
        if message is None:
            return True
        with i18n_catalog.context(), i18n_catalog.use_locale(locale_for(user.language_code if user else None)):
            text = _("Sorry, something went wrong on our side. What you entered is saved; please try again.")
        try:
            await bot.send_message(message.chat.id, text)
        except Exception:  # noqa: BLE001  (telling the user is best effort; the failure is logged above)
            log.warning("event=failure_not_told update_id=%s", update.update_id)  # a chat id is a Telegram id
        if update.callback_query:
            try:  # stops the button's spinner; refused when the handler had answered it already
                await bot.answer_callback_query(update.callback_query.id)
            except Exception:  # noqa: BLE001
                log.info("event=failure_callback_not_answered update_id=%s", update.update_id)
        return True

    return r
