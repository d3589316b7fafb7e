"""Keep aiogram's ``Response[T]`` classes alive between Bot API calls.

aiogram reads every Bot API answer as ``Response[method.__returning__]``. pydantic caches such
generic classes only weakly, so once the garbage collector has run the class is built again —
schema and validator included — on the next call: about 5 % of a form step's CPU, measured with
py-spy on the webhook benchmark (``benchmarks/RESULTS-scale.md``). Holding each class once fixes it.

Library internals (issue 18): relies on aiogram building ``Response[method.__returning__]`` per call and
on pydantic caching generics weakly; kept for the 5 % measured in ``benchmarks/RESULTS-scale.md``
(latest session, item 1). ``tests/scale/test_response_types.py`` fails if an upgrade changes either.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType


class PinResponseTypes(BaseRequestMiddleware):
    """Session middleware holding a strong reference to ``Response[T]`` for each ``T`` called."""

    def __init__(self) -> None:
        self.pinned: dict[Any, type[Response[Any]]] = {}

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self.pinned:
            self.pinned[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)
