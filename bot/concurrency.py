"""At most so many updates handled at once by this process (``max_concurrent_updates``).

Every update needs a database connection for its exactly-once claim, its actor and its service call. With
more updates in flight than the pool holds (``db_pool_size`` + ``db_max_overflow``), the rest wait in the
pool's queue, which is neither ordered nor patient: under a burst (200 chats answering at once) some waited
past ``db_pool_timeout`` and failed with "QueuePool limit … reached". Here they wait their turn in arrival
order instead, before they touch the database, for as long as it takes; the pool keeps spare connections for
the sender and the scheduler. Telegram answers later under such a burst, but nobody gets an error.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from typing_extensions import override

from bot.update_middleware import NextHandler


class UpdateLimit(BaseMiddleware):
    """Outer middleware on ``dp.update``, installed before every other: at most ``limit`` updates at once."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("at least one update at a time")
        self.limit = limit
        self._slots = asyncio.Semaphore(limit)
        self.in_flight = 0
        self.most_in_flight = 0  # the most updates handled at once since the start (for tests and benchmarks)

    @override
    async def __call__(self, handler: NextHandler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self._slots:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                return await handler(event, data)
            finally:
                self.in_flight -= 1
