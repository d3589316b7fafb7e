"""Just after a life-cycle input that took photos ended (``LifecycleInput.closed``): photos that arrive
late — an album's last ones, or an album sent while Done was pressed — are answered plainly instead of
the forms' "no open form". A new photo goes to a form open now; a file that is no image goes wherever
it always went (ledger and plan uploads)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.core import Core, Services
from bot.services.actors import Actor
from handlers.lifecycle_input import LifecycleInput, late_media, locked


def router() -> Router:
    r = Router(name="lifecycle_late")
    r.message.filter(F.chat.type == "private", StateFilter(LifecycleInput.closed))

    @r.message(F.photo | F.document)
    async def late(message: Message, state: FSMContext, actor: Actor, services: Services, core: Core,
                   locale: str) -> None:
        form_open = (await services.forms.current(actor, locale)).kind != "none"
        async with locked(state):
            if await state.get_state() != LifecycleInput.closed.state or not await late_media(
                    message, state, core.clock(), form_open=form_open):
                raise SkipHandler()

    return r
