"""Time for the reply retry (``bot.reply_retry.RetryShortWaits``) that passes only when it waits: its waits are
recorded, none is slept, and what Telegram's limit sees (``now``) moves with them.

``run(*calls)`` runs calls at once (several updates of one chat handled together): time then moves only once
every one of them waits, to the earliest moment one of them waits for, so which reply goes out when is what it
would be with real time, minus the time the handlers take."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from typing import Any, TypeVar

from bot.reply_retry import RetryShortWaits

T = TypeVar("T")


class VirtualTime:
    """``clock`` and ``sleep`` for a ``RetryShortWaits``; ``waits`` lists each wait asked for (seconds)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._running = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if not self._running:  # one call at a time: its wait is over at once
            self.now += seconds
            return
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), woken))
        await woken

    async def run(self, *calls: Awaitable[T]) -> list[T]:
        """The results of ``calls``, run at once; time moves only while every one not yet done waits."""
        tasks = [asyncio.ensure_future(c) for c in calls]
        self._running += 1
        try:
            while pending := [t for t in tasks if not t.done()]:
                if self._sleepers and len(self._sleepers) == len(pending):
                    at, _order, woken = heapq.heappop(self._sleepers)
                    self.now = max(self.now, at)
                    woken.set_result(None)
                await asyncio.wait(pending, timeout=0.001)
        finally:
            self._running -= 1
        return [t.result() for t in tasks]


def virtual_time(bot: Any) -> VirtualTime:
    """``bot``'s reply retry (``build_bot`` installs it) waits in a new ``VirtualTime``, which is returned."""
    [retry] = [m for m in bot.session.middleware if isinstance(m, RetryShortWaits)]
    time = VirtualTime()
    retry.sleep, retry.clock = time.sleep, time.clock
    return time
