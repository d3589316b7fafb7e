"""Correction buttons and ``/inspection``: open the pre-filled form of a hazard or inspection being corrected,
the transfer and void forms, and an inspection's view with its history. One service call each; the service
re-checks role, scope and state at press time (and the submission once more)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.services.actors import Actor
from handlers.correction_callbacks import (
    HAZARD_CORRECT,
    HAZARD_TRANSFER,
    INSPECTION_CORRECT,
    INSPECTION_OPEN,
    INSPECTION_VOID,
    CorrectCb,
)
from handlers.correction_view import inspection_keyboard, inspection_text
from handlers.form_view import send_prompt
from handlers.message_edits import message_of
from handlers.private import private_router


async def inspection(message: Message, command: CommandObject, actor: Actor, services: Services) -> None:
    """``/inspection J…``: the inspection's view with its history and correction buttons."""
    if not command.args:
        await message.answer(_("Send /inspection followed by an inspection number (J…)."))
        return
    case = await services.corrections.inspection_case(actor, command.args[:64])  # refusals: handlers.errors
    await message.answer(inspection_text(case), reply_markup=inspection_keyboard(case))


async def pressed(query: CallbackQuery, callback_data: CorrectCb, actor: Actor, services: Services,
                  locale: str) -> None:
    """A correction button: open an inspection's view, or the correct/transfer/void form it names."""
    c = services.corrections
    rid = callback_data.id
    message = message_of(query)
    if callback_data.a == INSPECTION_OPEN:
        case = await c.inspection_case(actor, rid)
        await query.answer()
        await message.answer(inspection_text(case), reply_markup=inspection_keyboard(case))
        return
    opens = {HAZARD_CORRECT: c.open_hazard, HAZARD_TRANSFER: c.open_transfer,
             INSPECTION_CORRECT: c.open_inspection, INSPECTION_VOID: c.open_void}
    if callback_data.a not in opens:
        await query.answer()
        return
    prompt = await opens[callback_data.a](actor, rid, locale)  # a refusal raises on to handlers.errors
    await query.answer()
    await send_prompt(message, prompt, locale)


def router() -> Router:
    """``/inspection NUMBER`` and the buttons of an inspection record's card, in private chats."""
    r = private_router("corrections")
    r.message.register(inspection, Command("inspection"))
    r.callback_query.register(pressed, CorrectCb.filter())
    return r
