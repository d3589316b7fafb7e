"""Let an update skip a feature router at once when none of its handlers could take it.

aiogram tries a router's handlers one by one, running each handler's filters. A plain text answer
to a form passed about sixty command and button filters before it reached the forms router — a
quarter of a form step's time (``benchmarks/RESULTS-scale.md``). For each router this derives, from
the handlers' own filters, a router-level gate that is true exactly when at least one of them might
match:

- messages, when every message handler has a ``Command`` filter: the text or caption starts with one
  of their command prefixes;
- callback queries, when every callback handler has a ``CallbackData`` filter: the data starts with
  one of their prefixes followed by the separator.

A router with any other kind of handler on an observer gets no gate there, so adding such a handler
can never make it unreachable; nor does a router with sub-routers (aiogram does not offer an update to
the sub-routers of a router whose observer filters refused it).

Library internals (issue 18): reads aiogram's ``HandlerObject.filters`` and ``CallbackQueryFilter``; kept
for the measured quarter of a form step (``benchmarks/RESULTS-scale.md``, session 2, item 2).
``tests/scale/test_router_gates.py`` fails if an upgrade changes what the gates read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.dispatcher.event.telegram import TelegramEventObserver
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.types import CallbackQuery, Message


def _only(handlers: Iterable[HandlerObject], kind: type) -> list[Any] | None:
    """The ``kind`` filters of ``handlers`` when every handler has one, else ``None``."""
    found: list[Any] = []
    for handler in handlers:
        mine = [f.callback for f in handler.filters or [] if isinstance(f.callback, kind)]
        if not mine:
            return None
        found.extend(mine)
    return found


def _message_gate(commands: list[Command]) -> Callable[[Message], Any]:
    prefixes = tuple({prefix for command in commands for prefix in command.prefix})

    async def may_be_a_command(message: Message) -> bool:
        text = message.text or message.caption
        # Command splits the text on whitespace before it looks at the prefix
        return bool(text) and text.lstrip().startswith(prefixes)  # type: ignore[union-attr]

    return may_be_a_command


def _callback_gate(filters: list[CallbackQueryFilter]) -> Callable[[CallbackQuery], Any]:
    heads = tuple({f"{f.callback_data.__prefix__}{f.callback_data.__separator__}" for f in filters})

    async def may_be_ours(query: CallbackQuery) -> bool:
        return bool(query.data) and query.data.startswith(heads)  # type: ignore[union-attr]

    return may_be_ours


def _gate(observer: TelegramEventObserver, kind: type, make: Callable[[list[Any]], Callable[..., Any]]) -> bool:
    if not observer.handlers:
        return False
    found = _only(observer.handlers, kind)
    if found is None:
        return False
    observer.filter(make(found))
    return True


def add_router_gates(router: Router) -> int:
    """Add the gates to every router under ``router`` (recursively); returns how many were added."""
    added = 0
    for child in router.sub_routers:
        if not child.sub_routers:
            added += _gate(child.message, Command, _message_gate)
            added += _gate(child.callback_query, CallbackQueryFilter, _callback_gate)
        added += add_router_gates(child)
    return added
