"""Where every failure of a handler ends (registered on the root router, first):

- a refusal — a domain error (``bot.services.errors.DomainError``, any service's) or a rejected answer
  (``bot.forms.checks.Rejected``) — is told to the person in their language, from the one renderer
  (``handlers.error_texts``): a sent message gets a message, a pressed button an alert and a message (the
  alert is gone once read; the message stays in the chat). The alert is the press's one answer: a plain
  ``query.answer()`` the handler gave before failing was held back for it (``bot.callback_answers``). A
  handler that must answer differently (ask its question again, remove a reply keyboard) says so on
  ``OnRefusal`` before its service call;
- anything else is the last line of defence: logged with the update, a polite text, never a traceback.
  Answers already stored stay stored (the draft is in the database).

Neither logs a Telegram id (personal data): the update id and our own user id only."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import unescape
from typing import Any

from aiogram import BaseMiddleware, Bot, Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import (
    ErrorEvent,
    ForceReply,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from typing_extensions import override

from bot.callback_answers import finish_press, was_answered
from bot.forms.checks import Rejected
from bot.i18n import locale_for
from bot.services.actors import Actor
from bot.services.errors import DomainError, NotBound, NotFound, PermissionDenied
from bot.update_middleware import NextHandler
from handlers.message_limits import clip, shorten

log = logging.getLogger("hazardbot.errors")
ALERT_LIMIT = 200
_TAGS = re.compile(r"<[^>]*>")
_SCOPE_REFUSALS = (PermissionDenied, NotFound, NotBound)  # a forged or stale button is worth a line in the log
#: a press refused with these ("not yours", "not found") is told by its alert alone when the alert holds the whole
#: text: the same words again as a message would be the refusal twice
_ALERT_ENOUGH = (PermissionDenied, NotFound)

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


@dataclass
class OnRefusal:
    """How to answer a refusal of this update, when not with a plain message (one per update, handed to
    handlers as ``on_refusal``). ``answer``: sends the refusal's text itself (e.g. as a warning line above
    the question asked again); ``reply_markup``: goes with the plain message (e.g. removing the phone
    keyboard); ``explain_binding``: a refusal of permission to someone who holds no role says how to bind
    instead (the forms, where "your role does not allow this" would puzzle a newcomer)."""

    answer: Callable[[str], Awaitable[Any]] | None = None
    reply_markup: ReplyMarkup | None = None
    explain_binding: bool = False


class RefusalScope(BaseMiddleware):
    """Update middleware: a fresh ``OnRefusal`` per update, in the data that both the handlers and this
    module's error handlers receive."""

    @override
    async def __call__(self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["on_refusal"] = OnRefusal()
        return await handler(event, data)


class ExplainBinding(BaseMiddleware):
    """Middleware of a router's observer: its handlers' refusals of permission to people with no role say
    how to bind (``OnRefusal.explain_binding``)."""

    @override
    async def __call__(self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]) -> Any:
        refusal = data.get("on_refusal")
        if refusal is not None:
            refusal.explain_binding = True
        return await handler(event, data)


async def tell_refusal(event: ErrorEvent, bot: Bot, i18n_catalog: I18n, actor: Actor | None = None,
                     on_refusal: OnRefusal | None = None) -> bool:
    """Tell the person why their message or button was refused; other updates (an edited live location)
    are refused silently. A press gets an alert and a message (the alert is cut at ``ALERT_LIMIT`` and gone once
    closed), except a press refused as not the person's (``_ALERT_ENOUGH``) whose alert holds the whole text:
    that alert alone, not the same words twice."""
    update, error = event.update, event.exception
    assert isinstance(error, DomainError | Rejected)
    query = update.callback_query
    message = update.message or (query.message if query else None)
    user = update.message.from_user if update.message else (query.from_user if query else None)
    who = actor.user_id if actor else None
    if query is not None and isinstance(error, _SCOPE_REFUSALS):
        log.warning("refused callback %r from user %s: %s %s", query.data, who, error.code, error.params)
    else:
        log.info("event=refused update_id=%s user=%s code=%s", update.update_id, who, error.code)
    if message is None:
        return True
    # imported here: the renderer knows every feature's refusals (their views and services), which ``hazardbot run``
    # should not load before it answers its first update (issue 19 item 5, start-up time)
    from handlers.error_texts import error_text

    locale = locale_for(user.language_code if user else None)
    with i18n_catalog.context(), i18n_catalog.use_locale(locale):
        special = on_refusal or OnRefusal()
        text = clip(error_text(error, bound=actor.is_bound if actor and special.explain_binding else True))
        alerted = False  # the press's alert shows the whole refusal
        if query is not None and was_answered(query.id):  # answered with words already: the message tells it
            log.info("event=refusal_alert_not_shown update_id=%s reason=answered", update.update_id)
        elif query is not None:
            try:  # the alert, in place of the plain answer the handler gave (held back: bot.callback_answers)
                alert = _alert(text)
                await bot.answer_callback_query(query.id, alert, show_alert=True)
                alerted = alert == unescape(_TAGS.sub("", text))
            except Exception:  # noqa: BLE001
                log.info("event=refusal_alert_not_shown update_id=%s", update.update_id)
        if alerted and isinstance(error, _ALERT_ENOUGH) and special.answer is None and special.reply_markup is None:
            await finish_press(bot)
            return True
        try:
            if special.answer is not None:
                await special.answer(text)
            else:
                await bot.send_message(message.chat.id, text, reply_markup=special.reply_markup)
        except Exception:  # noqa: BLE001  (best effort, as for any failure: the refusal is logged above)
            log.warning("event=refusal_not_told update_id=%s", update.update_id)
    await finish_press(bot)
    return True


def _alert(html_text: str) -> str:
    """An alert shows plain text of at most 200 characters (Bot API ``answerCallbackQuery``); the message
    that follows it has the whole text."""
    return shorten(unescape(_TAGS.sub("", html_text)), ALERT_LIMIT)


async def on_failure(event: ErrorEvent, bot: Bot, i18n_catalog: I18n) -> bool:
    """Any other failure: logged with the update; the person is told politely (never a traceback) and the
    button's spinner is stopped. Returns True (handled)."""
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
        try:  # stops the button's spinner (skipped when the press was answered already: bot.callback_answers)
            await bot.answer_callback_query(update.callback_query.id)
        except Exception:  # noqa: BLE001
            log.info("event=failure_callback_not_answered update_id=%s", update.update_id)
    await finish_press(bot)
    return True


def router() -> Router:
    """The error handlers: refusals (``DomainError``, ``Rejected``) explained, anything else ``on_failure``."""
    r = Router(name="errors")
    r.errors.register(tell_refusal, ExceptionTypeFilter(DomainError, Rejected))
    r.errors.register(on_failure)
    return r
