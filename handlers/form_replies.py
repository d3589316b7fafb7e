"""How a form answers in the chat: the question (or card) a ``Prompt`` describes, with a warning line above it
when something was refused. Shared by the form handlers (``handlers.forms``, ``handlers.form_photos``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.forms.actions import FormAction
from bot.forms.prompt import Prompt
from bot.services.actors import Actor
from bot.services.errors import StaleAction
from handlers.error_texts import error_text
from handlers.form_switch import remember
from handlers.form_view import render
from handlers.message_edits import ButtonMessage, drop_keyboard, holds_button
from handlers.message_limits import clip


async def send(message: ButtonMessage, prompt: Prompt, locale: str, warning: str | None = None) -> None:
    """One message: an optional warning line, then the question (or card) ``prompt`` describes."""
    await remember(prompt)
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


async def stale_button(query: CallbackQuery, message: ButtonMessage, actor: Actor, services: Services, locale: str,
                       stale: StaleAction) -> None:
    """A form's button that no longer applies (another draft's, an older question's, a list older than the
    photos): a short note on the button, and the question the form is at now below it."""
    await query.answer(error_text(stale), show_alert=False)
    await send(message, await services.forms.current(actor, locale), locale)


async def act_by_button(query: CallbackQuery, message: ButtonMessage, actor: Actor, services: Services,
                        action: FormAction, locale: str) -> Prompt | None:
    """``services.forms.act`` for a form's button. None when the press is already answered: a stale button
    (``stale_button``), or a form already submitted or cancelled (an alert; the keyboard dropped when the button
    pressed is one of the message's own: a double tap on 提交); else the prompt, the press not yet answered."""
    try:
        prompt = await services.forms.act(actor, action, locale)
    except StaleAction as stale:
        await stale_button(query, message, actor, services, locale, stale)
        return None
    if prompt.kind == "none":
        await query.answer(_("This form has already been closed (submitted or cancelled)."), show_alert=True)
        # forged data (another person's draft, an old form's button) under some other message: that message's
        # buttons are its own business and stay
        if holds_button(message, query.data):
            await drop_keyboard(message)
        return None
    return prompt
