"""aiogram routers, one module per feature. ``build_root_router`` assembles them in order:
the error handlers first (a domain error or a rejected answer a handler raises is told there, in the user's
language: ``handlers.errors``), group chats next (so nothing else answers there), then commands, then form
answers. Each feature module's handlers are module-level functions that its ``router()`` registers."""

from __future__ import annotations

import importlib

from aiogram import Router

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


def build_root_router() -> Router:
    root = Router(name="root")
    for name in ROUTER_MODULES:
        root.include_router(importlib.import_module(name).router())
    return root
