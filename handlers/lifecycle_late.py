"""Just after a life-cycle input ended (``LifecycleInput.closed``): photos and files that arrive late —
an album's last ones, or an album sent while Done was pressed — get one plain answer instead of the
forms' "no open form", unless a form is open now and takes them."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.app import Core, Services
from bot.services.actors import Actor
from handlers.lifecycle_input import LifecycleInput, late_media, locked


def router() -> Router:
    r = Router(name="lifecycle_late")
    r.message.filter(F.chat.type == "private", StateFilter(LifecycleInput.closed))

    @r.message(F.photo | F.document | F.video | F.animation)
    async def late(message: Message, state: FSMContext, actor: Actor, services: Services, core: Core,
                   locale: str) -> None:
        if (await services.forms.current(actor, locale)).kind != "none":
            raise SkipHandler()  # a form opened since: the photo is its answer
        async with locked(state):
            if await state.get_state() != LifecycleInput.closed.state or not await late_media(
                    message, state, core.clock()):
                raise SkipHandler()

    return r
