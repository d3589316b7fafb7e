"""Every kind of callback data the application registers, found in the built dispatcher itself (the
``CallbackData`` filters of its handlers), so that a new kind of button is tried without a test edit."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter


def registered_kinds(router: Router) -> list[type[CallbackData]]:
    """The ``CallbackData`` classes filtered on by any callback handler under ``router``, by prefix."""
    found: dict[str, type[CallbackData]] = {}

    def walk(r: Router) -> None:
        for handler in r.callback_query.handlers:
            for f in handler.filters or []:
                if isinstance(f.callback, CallbackQueryFilter):
                    found[f.callback.callback_data.__prefix__] = f.callback.callback_data
        for child in r.sub_routers:
            walk(child)

    walk(router)
    return [found[p] for p in sorted(found)]


def field_types(kind: type[CallbackData]) -> dict[str, Any]:
    """Each field of ``kind`` and its Python type (``int`` for a bounded id as for a plain one)."""
    out: dict[str, Any] = {}
    for name, info in kind.model_fields.items():
        out[name] = int if info.annotation is int else info.annotation
    return out
