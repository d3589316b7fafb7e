"""Answering a pressed button: once, and as a courtesy that may come too late.

Telegram accepts ``answerCallbackQuery`` only for a short while after the press (about 15 s; a slow
send, a busy database or a queue of updates after a restart can take longer) and then refuses it:
"query is too old and response timeout expired or query ID is invalid". By then the step the button
made is stored, so the refusal must not turn a committed change into "something went wrong": this
session middleware logs it and reports the answer as given.

Telegram also takes only the first answer of a press. A handler that answers first (``query.answer()``, to
stop the button's spinner) and then meets a refusal would leave ``handlers.errors`` no way to show the
refusal as an alert. So, while a press is handled (``AnswerOnce``, an update middleware), a *plain* answer
(no text, no URL) is held back until the handler sends anything else (it goes first then, in its place) or
the update is done; an alert sent meanwhile takes its place. ``was_answered`` tells the error handler
whether the press can still get its alert (else the message that follows carries the text).
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update
from typing_extensions import override

from bot.update_middleware import NextHandler

log = logging.getLogger("hazardbot.callbacks")

_TOO_LATE = ("query is too old", "query id is invalid")


class ForgiveLateAnswers(BaseRequestMiddleware):
    """Session middleware: an ``answerCallbackQuery`` refused as too late returns True (logged at info);
    every other call and every other refusal passes through unchanged."""

    @override
    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        if not isinstance(method, AnswerCallbackQuery):
            return await make_request(bot, method)
        try:
            return await make_request(bot, method)  # type: ignore[arg-type]  # narrowed to AnswerCallbackQuery
        except TelegramBadRequest as exc:
            if not any(words in exc.message.lower() for words in _TOO_LATE):
                raise
            log.info("event=callback_answer_too_late")
            return True  # type: ignore[return-value]  # what Telegram returns for an answer it took


@dataclass
class _Press:
    """The press being handled: its query id, the plain answer held back, whether it was answered (sent)."""

    query_id: str
    held: AnswerCallbackQuery | None = None
    answered: bool = False
    done: bool = False


_press: ContextVar[_Press | None] = ContextVar("hazardbot_press", default=None)


def was_answered(query_id: str) -> bool:
    """Whether the press ``query_id`` being handled was already answered (an alert would be refused now).
    A plain answer still held back does not count: an alert takes its place."""
    press = _press.get()
    return press is not None and press.query_id == query_id and press.answered


class AnswerOnce(BaseMiddleware):
    """Update middleware: tracks the press of a ``callback_query`` update while it is handled (``_press``); when
    the handler returns, sends the plain answer held back if nothing answered the press meanwhile
    (``finish_press``). A handler's exception goes on to aiogram's error middleware, which sits outside every
    other: the press stays tracked for ``handlers.errors``, which answers it and then calls ``finish_press``."""

    @override
    async def __call__(self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]) -> Any:
        query = event.callback_query if isinstance(event, Update) else None
        _press.set(_Press(query.id) if query is not None else None)  # an update's own: never the last one's
        result = await handler(event, data)
        await finish_press(data["bot"])
        return result


async def finish_press(bot: Bot) -> None:
    """Stop tracking the press being handled, first sending its plain answer held back if it got no other.
    Nothing outside a press."""
    press = _press.get()
    if press is None or press.done:
        return
    press.done = True  # from here on, calls pass straight through
    held, press.held = press.held, None
    if held is not None and not press.answered:
        press.answered = True
        try:
            await bot(held)
        except Exception:  # noqa: BLE001  (a courtesy: the update's work is done and stored)
            log.info("event=held_callback_answer_not_sent")


class HoldPlainAnswers(BaseRequestMiddleware):
    """Session middleware (the outermost): during a press tracked by ``AnswerOnce``, a plain answer of that
    press is held back; any other call first sends it; an answer with text goes at once in its place, unless
    the press was already answered (Telegram would refuse it: skipped, logged, reported as given). Outside a
    tracked press every call passes through."""

    @override
    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        press = _press.get()
        if press is None or press.done:
            return await make_request(bot, method)
        answer = method if isinstance(method, AnswerCallbackQuery) else None
        if answer is not None and answer.callback_query_id == press.query_id:
            if press.answered:
                log.info("event=second_callback_answer_skipped")
                return True  # type: ignore[return-value]  # what Telegram returns for an answer it took
            if answer.text is None and answer.url is None:
                press.held = answer
                return True  # type: ignore[return-value]
            press.held, press.answered = None, True
            return await make_request(bot, method)
        if press.held is not None:  # the press is answered before what it made is shown, as the handler meant
            held, press.held, press.answered = press.held, None, True
            try:  # a courtesy, as in ``finish_press``: a 429 too long to wait must not keep back what the press made
                await make_request(bot, held)  # type: ignore[arg-type]
            except Exception:  # noqa: BLE001
                log.info("event=held_callback_answer_not_sent")
        return await make_request(bot, method)
