"""How the benchmarks drive chats: closed loop (each chat sends when answered) or paced (a fixed total rate)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

#: ``feed(n, update)``: send the ``n``-th update of a chat and return the seconds until it was answered
Feeder = Callable[[int, Any], Awaitable[float]]


async def closed_loop(feed: Feeder, per_chat: list[list[Any]]) -> tuple[float, list[float]]:
    """Every chat sends its next update when the previous one was answered; wall seconds, latencies."""
    latencies: list[float] = []

    async def chat(updates: list[Any]) -> None:
        for n, update in enumerate(updates):
            latencies.append(await feed(n, update))

    start = time.perf_counter()
    await asyncio.gather(*(chat(u) for u in per_chat))
    return time.perf_counter() - start, latencies


async def paced(feed: Feeder, per_chat: list[list[Any]], rate: float) -> list[float]:
    """All chats together send ``rate`` updates/s spread evenly (each chat one update every
    ``len(per_chat) / rate`` s, whatever the answers take); per-update latencies."""
    latencies: list[float] = []
    period = len(per_chat) / rate
    loop = asyncio.get_running_loop()
    begin = loop.time() + 0.5

    async def chat(index: int, updates: list[Any]) -> None:
        for n, update in enumerate(updates):
            await asyncio.sleep(max(0.0, begin + index / rate + n * period - loop.time()))
            latencies.append(await feed(n, update))

    await asyncio.gather(*(chat(i, u) for i, u in enumerate(per_chat)))
    return latencies
