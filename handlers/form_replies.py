"""How a form answers in the chat: the question (or card) a ``Prompt`` describes, with a warning line above it
when something was refused. Shared by the form handlers (``handlers.forms``, ``handlers.form_photos``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core import Services
from bot.forms.prompt import Prompt
from bot.services.actors import Actor
from handlers.form_view import render
from handlers.message_edits import ButtonMessage
from handlers.message_limits import clip


async def send(message: ButtonMessage, prompt: Prompt, locale: str, warning: str | None = None) -> None:
    """One message: an optional warning line, then the question (or card) ``prompt`` describes."""
    rendered = render(prompt, locale)
    if rendered is None or (warning and prompt.kind == "none"):
        if warning:
            await message.answer(warning)
    else:
        text, keyboard = rendered
        await message.answer(clip(f"⚠️ {warning}\n{text}") if warning else text, reply_markup=keyboard)


def ask_again(message: ButtonMessage, actor: Actor, services: Services, locale: str) -> Callable[[str], Awaitable[None]]:
    """How a refused answer is told: the reason as a warning line above the current question (or card)."""

    async def answer(warning: str) -> None:
        await send(message, await services.forms.current(actor, locale), locale, warning=warning)

    return answer
