"""Answering a pressed button is a courtesy that may come too late.

Telegram accepts ``answerCallbackQuery`` only for a short while after the press (about 15 s; a slow
send, a busy database or a queue of updates after a restart can take longer) and then refuses it:
"query is too old and response timeout expired or query ID is invalid". By then the step the button
made is stored, so the refusal must not turn a committed change into "something went wrong": this
session middleware logs it and reports the answer as given.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from typing_extensions import override

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
