"""Another form asked for while one is open (``Prompt`` kind ``other_open``): the person chooses between
continuing the open form and discarding it — asked to confirm, as /cancel asks — for the one asked for, which
then opens as if asked again: the button pressed is pressed once more, the command sent once more. Nothing
entered is lost until "Yes, discard and open" is pressed.

What to open afterwards is kept in the person's conversation data (``FSMContext``: memory, Redis or the
database), tied to the open draft: the button's callback data (``RememberPress`` sees every press) or the form
a command opens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, TelegramObject

from bot.forms.prompt import Prompt

_KEY = "form_switch"
COMMAND = "form:"  # what is kept for a command: the form it opens, not a button's data
#: the press being handled and the person's conversation data, for ``remember``
_pressed: ContextVar[tuple[FSMContext, str] | None] = ContextVar("hazardbot_form_switch_press", default=None)


class RememberPress(BaseMiddleware):
    """Callback-query middleware: makes the press being handled known to ``remember`` (a button that opens a
    form may meet another form open; pressed again after the discard, it opens its own)."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        """Handle ``event`` with its press known to ``remember``."""
        state = data.get("state")
        if not isinstance(event, CallbackQuery) or state is None or not event.data:
            return await handler(event, data)
        token = _pressed.set((state, event.data))
        try:
            return await handler(event, data)
        finally:
            _pressed.reset(token)


async def remember(prompt: Prompt, *, state: FSMContext | None = None, form: str | None = None) -> None:
    """When ``prompt`` is ``other_open``, keep what was asked for — ``form`` (opened by a command, with its
    ``state``) or else the button being pressed — to open once the open draft is discarded."""
    if prompt.kind != "other_open":
        return
    pressed = _pressed.get()
    if form is not None and state is not None:
        wanted = COMMAND + form
    elif pressed is not None:
        state, wanted = pressed
    else:
        return
    await state.update_data({_KEY: {"d": prompt.draft_id, "open": wanted}})


async def take(state: FSMContext, draft_id: int) -> str | None:
    """What was asked for while draft ``draft_id`` was open (a button's callback data, or ``COMMAND`` and a form
    key), forgotten as it is given; None when nothing is kept for that draft."""
    kept = (await state.get_data()).get(_KEY) or {}
    await state.update_data({_KEY: None})
    return kept.get("open") if kept.get("d") == draft_id else None
