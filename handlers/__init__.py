"""aiogram routers, one module per feature. ``build_root_router`` assembles them in order:
group chats first (so nothing else answers there), then commands, then form answers."""

from __future__ import annotations

import importlib

from aiogram import Router

ROUTER_MODULES = (
    "handlers.errors",
    "handlers.groups",
    "handlers.start",
    "handlers.binding",
    "handlers.lifecycle_input",
    "handlers.lifecycle_late",
    "handlers.reminders",
    "handlers.summaries",
    "handlers.find",
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


def build_root_router() -> Router:
    root = Router(name="root")
    for name in ROUTER_MODULES:
        root.include_router(importlib.import_module(name).router())
    return root
