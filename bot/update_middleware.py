"""The one name for what an aiogram update middleware is handed to call next, so each middleware (people only,
actor, throttle, exactly-once, concurrency) states its ``__call__`` in a line."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import TelegramObject

#: the rest of the chain: the next middleware or the handler, given the update and the context data
NextHandler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
