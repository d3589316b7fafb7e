"""Resolve magic filters (``F.chat.type == "private"``, ``F.photo``…) on the event loop.

aiogram 3.31 runs every synchronous filter callable through ``asyncio.to_thread``, magic filters
included. A text message passes about ten of them on its way through our routers, so each update
made ten thread-pool round trips; with many chats at once they queued on the default executor's
few threads and dominated the step latency (see ``benchmarks/RESULTS-scale.md``). A magic filter
only reads attributes of the update, so running it inline is safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject


def _filters(router: Router) -> Iterator[FilterObject]:
    for observer in router.observers.values():
        yield from observer._handler.filters or []  # the router-level filters of this observer
        for handler in observer.handlers:
            yield from handler.filters or []
    for child in router.sub_routers:
        yield from _filters(child)


def _inline(resolve: Callable[[Any], Any]) -> Callable[[Any], Any]:
    async def resolved(value: Any) -> Any:
        return resolve(value)

    return resolved


def inline_magic_filters(router: Router) -> int:
    """Make every magic filter under ``router`` (recursively) run on the loop; returns how many."""
    count = 0
    for filter_object in _filters(router):
        if filter_object.magic is not None and not filter_object.awaitable:
            filter_object.callback = _inline(filter_object.callback)
            filter_object.awaitable = True
            count += 1
    return count
