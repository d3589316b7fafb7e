"""The unit reviewer: ``/review`` lists the hazards submitted in their unit; approve or reject (with a
reason) from the card. The inspector is told either way (方案 四(二): 各单位负责审核)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.domain import HazardState
from bot.services.actors import Actor
from bot.services.errors import DomainError
from bot.services.lifecycle import Action
from handlers.hazard_callbacks import CODE_OF, HazardCb
from handlers.hazard_view import lifecycle_error, list_keyboard, list_text
from handlers.lifecycle_common import press


def router() -> Router:
    r = Router(name="review")
    r.message.filter(F.chat.type == "private")

    @r.message(Command("review"))
    async def queue(message: Message, actor: Actor, services: Services) -> None:
        try:
            waiting = await services.find.in_states(actor, [HazardState.PENDING_REVIEW], action=Action.APPROVE)
        except DomainError as exc:
            await message.answer(lifecycle_error(exc))
            return
        await message.answer(list_text(_("Hazards awaiting review:"), waiting), reply_markup=list_keyboard(waiting))

    @r.callback_query(HazardCb.filter(F.a == CODE_OF[Action.APPROVE]))
    async def approve(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services,
                      bot: Bot) -> None:
        await press(query, actor, services.lifecycle.approve(actor, callback_data.id))

    # ❌ Reject opens the rejection form (handlers.deadlines): its review card asks to confirm

    return r
