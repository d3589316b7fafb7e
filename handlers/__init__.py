"""aiogram routers, one module per feature. ``build_root_router`` assembles them in order:
the error handlers first (a domain error or a rejected answer a handler raises is told there, in the user's
language: ``handlers.errors``), group chats next (so nothing else answers there), then commands, then form
answers. Each feature module's handlers are module-level functions that its ``router()`` registers."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Router
from aiogram.types import TelegramObject
from typing_extensions import override

from bot.inline_filters import inline_plain_filters

ROUTER_MODULES = (
    "handlers.errors",
    "handlers.groups",
    "handlers.start",
    "handlers.binding",
    "handlers.input_migration",  # life-cycle questions left open before the form engine asked them
    "handlers.deadlines",  # before handlers.reminders: it takes the overdue reminder's "extend" button
    "handlers.reminders",
    "handlers.inbox",
    "handlers.summaries",
    "handlers.find",
    "handlers.find_typing",  # a /find criterion's typed value, before a form's answer
    "handlers.corrections",
    "handlers.documents",
    "handlers.review",
    "handlers.office",
    "handlers.rectification",
    "handlers.admin",
    "handlers.tipoffs",
    "handlers.tipoff_verify",
    "handlers.forms",
    "handlers.fallback",  # callbacks only, after everything else: answers buttons nobody handled
)
#: what every chat meets first (its /start), built before the bot serves; the rest can come later (``LaterRouters``)
FIRST_MODULES = 3
#: the update kinds the routers handle, asked of Telegram when the bot starts (before the later routers exist);
#: ``tests/test_startup.py`` checks it against ``Dispatcher.resolve_used_update_types`` over every router
USED_UPDATE_TYPES = ("callback_query", "edited_message", "message")


class LaterRouters(Router):
    """The feature routers after the first ones, in ``ROUTER_MODULES`` order, imported and built one by one
    by ``load_later`` while the bot already serves, or all at once when an update reaches them first. They
    and the views and services they import cost about half a second of CPU, which ``hazardbot run`` would
    otherwise spend before it answers its first update (issue 19 item 5, start-up time). Order and
    behaviour are those of the eager tree: a module is included only after every one before it."""

    def __init__(self, modules: tuple[str, ...]) -> None:
        super().__init__(name="later")
        self.pending = list(modules)

    def load_next(self) -> None:
        """Import and include the next pending module's router (nothing when none is left)."""
        if not self.pending:
            return
        router = importlib.import_module(self.pending[0]).router()
        inline_plain_filters(router)  # what ``bot.app.build_dispatcher`` does for the routers it finds built
        self.include_router(router)
        self.pending.pop(0)

    def load(self) -> None:
        """Import and include every pending router now."""
        while self.pending:
            self.load_next()

    @override
    async def propagate_event(self, update_type: str, event: TelegramObject, **kwargs: Any) -> Any:
        self.load()
        return await super().propagate_event(update_type, event, **kwargs)


def build_root_router(*, later: bool = False) -> Router:
    """Every feature router under one root. ``later``: only the first ones are built now; the others sit in a
    ``LaterRouters`` for ``load_later`` (the run modes); default: all built (tests walk the tree)."""
    root = Router(name="root")
    modules = ROUTER_MODULES[:FIRST_MODULES] if later else ROUTER_MODULES
    for name in modules:
        root.include_router(importlib.import_module(name).router())
    if later:
        root.include_router(LaterRouters(ROUTER_MODULES[FIRST_MODULES:]))
    return root


async def load_later(router: Router, pause: Callable[[], Awaitable[None]] = lambda: asyncio.sleep(0)) -> None:
    """Build the routers ``build_root_router(later=True)`` left for later, one module at a time, awaiting
    ``pause()`` before each (default: one turn of the event loop), so that updates arriving meanwhile are
    handled between two modules."""
    for child in router.sub_routers:
        if isinstance(child, LaterRouters):
            while child.pending:
                await pause()
                child.load_next()
        else:
            await load_later(child, pause)
