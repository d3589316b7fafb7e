"""The buttons of ``handlers.form_switch``: "Discard it, open the other" (asks first) and "Yes, discard and open"
(discards the open form, then opens what was asked for)."""

from __future__ import annotations

from typing import Any

from aiogram import Dispatcher
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.forms import actions
from bot.services.actors import Actor
from handlers import form_switch
from handlers.callbacks import FormCb
from handlers.form_replies import act_by_button, send
from handlers.form_view import confirm_switch
from handlers.message_edits import drop_keyboard, message_of
from handlers.texts import q


async def ask(query: CallbackQuery, callback_data: FormCb, actor: Actor, services: Services, locale: str) -> None:
    """"Discard it, open the other": asks first, naming the open form; stale once that form was closed."""
    current = await services.forms.current(actor, locale)
    if current.kind == "none" or current.draft_id != callback_data.d:
        await query.answer(_("This form has already been closed (submitted or cancelled)."))
        return
    await query.answer()
    await message_of(query).answer(
        _("Discard the open form «{form}»? Everything entered in it will be deleted, and the form you asked for "
          "opens.").format(form=q(current.form_title)),
        reply_markup=confirm_switch(callback_data.d, callback_data.s))


async def discard_and_open(query: CallbackQuery, callback_data: FormCb, dispatcher: Dispatcher,
                           **data: Any) -> Any:
    """"Yes, discard and open": the open form is discarded (as /cancel's confirmation does, expired once the
    form moved on), then what was asked for opens: the button kept is pressed again (every check of that
    button made anew), the command's form started. Without anything kept (a restart with memory storage),
    the person is told to ask again."""
    actor: Actor = data["actor"]
    services: Services = data["services"]
    locale: str = data["locale"]
    state: FSMContext = data["state"]
    message = message_of(query)
    action = actions.NavAnswer(callback_data.d, actions.Nav.SWITCH_DISCARD, callback_data.s)
    prompt = await act_by_button(query, message, actor, services, action, locale)
    if prompt is None:
        return None
    await drop_keyboard(message)
    wanted = await form_switch.take(state, callback_data.d)
    if prompt.kind != "cancelled" or not wanted:
        await query.answer()
        await send(message, prompt, locale)
        if prompt.kind == "cancelled":
            await message.answer(_("Send the command or press the button again to open the form you asked for."))
        return None
    await message.answer(_("Form «{form}» discarded.").format(form=q(prompt.form_title)))
    if wanted.startswith(form_switch.COMMAND):
        await query.answer()
        opened = await services.forms.start(actor, wanted.removeprefix(form_switch.COMMAND), locale)
        await send(message, opened, locale)
        return None
    again = query.model_copy(update={"data": wanted})
    return await dispatcher.propagate_event("callback_query", again, dispatcher=dispatcher, **data)
