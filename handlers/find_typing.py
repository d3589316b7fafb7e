"""The value of a /find criterion typed after its button (``handlers.find_filter.typed``): a router of its own,
so that the /find router stays command- and button-only and a form's plain answer is not offered to it."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter

from handlers.find_filter import FindStates, typed


def router() -> Router:
    """A criterion's value typed while a ``/find`` card waits for it (not a command)."""
    r = Router(name="find_typing")
    r.message.filter(F.chat.type == "private", StateFilter(FindStates.typing))
    r.message.register(typed, F.text, ~F.text.startswith("/"))
    return r
