"""Run the routers' plain (non-async) filters and handlers in the event loop instead of a worker thread.

aiogram 3 calls every filter or handler that is not a coroutine function through ``asyncio.to_thread``: each
``F.text``, ``F.data.startswith(…)`` or lambda filter an update meets on its way through the routers is a hop to
the default thread pool and back. A form step met about fourteen of them; the hops (the queue put, the thread's
wake-up, the GIL passed back and forth) cost more than the filters themselves. The filters here are pure
attribute checks, so they run inline, wrapped in an awaitable ``Filter`` (aiogram's public filter type).

Library internals (issue 18): reads ``CallableObject.awaitable``/``params``/``varkw`` and replaces entries of
``HandlerObject.filters`` (also the observer's own ``_handler``) in aiogram's dispatcher. Checked against
aiogram 3.31.0 (``aiogram.dispatcher.event.handler``). Kept for its measured gain: a form step on SQLite took
0.4–1.6 ms more CPU (about 10–15 %) without it in each of three interleaved runs of
``benchmarks/form_step.py --variants`` on 2026-12-07 (``benchmarks/RESULTS-perf.md``; load 12–15, so the
spread is wide). ``tests/test_inline_filters.py`` fails if an upgrade changes what this reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject, HandlerObject
from aiogram.filters import Filter
from typing_extensions import override


class InlineFilter(Filter):
    """A plain filter callable (a resolved ``F`` expression, a lambda), awaited without a thread."""

    def __init__(self, check: Callable[..., Any]) -> None:
        self.check = check

    @override
    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.check(*args, **kwargs)


def _inline(handler: HandlerObject) -> int:
    changed = 0
    for i, each in enumerate(handler.filters or []):
        if not each.awaitable:
            inline = FilterObject(InlineFilter(each.callback))
            # the wrapped callable takes what the original took (its own parameter names)
            inline.params, inline.varkw = each.params, each.varkw
            handler.filters[i] = inline  # type: ignore[index]
            changed += 1
    return changed


def inline_plain_filters(router: Router) -> int:
    """Make every plain filter under ``router`` (recursively) run inline; returns how many were changed.
    Plain *handlers* are left to aiogram's thread: a handler may block."""
    changed = 0
    for observer in router.observers.values():
        # the observer's own filters (``router.message.filter(…)``) sit in a handler object of their own
        for handler in (*observer.handlers, getattr(observer, "_handler", None)):
            if isinstance(handler, HandlerObject):
                changed += _inline(handler)
    for child in router.sub_routers:
        changed += inline_plain_filters(child)
    return changed
