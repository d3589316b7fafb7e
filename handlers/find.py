"""``/find`` and the hazard card: search within scope, open a card with the buttons the viewer may press,
and the history (一患一案) with the photos of every stage."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InputMediaPhoto, Message
from aiogram.utils.i18n import gettext as _

from bot.app import Services
from bot.services.actors import Actor
from bot.services.errors import DomainError
from bot.services.find import HazardCase
from handlers.hazard_callbacks import HISTORY, OPEN, HazardCb, InputCb
from handlers.hazard_view import card_keyboard, card_text, history_text, list_keyboard, list_text
from handlers.lifecycle_common import message_of, refuse
from handlers.texts import domain_error

_ALBUM = 10  # Telegram's limit of photos in one media group


async def send_card(message: Message, case: HazardCase) -> None:
    await message.answer(card_text(case), reply_markup=card_keyboard(case))


async def send_history(bot: Bot, chat_id: int, case: HazardCase) -> None:
    await bot.send_message(chat_id, history_text(case))
    photos = [p for step in case.steps for p in step.photos if p.telegram_file_id]
    listed = {p.id for p in photos}
    photos += [p for refs in case.photos_by_stage.values() for p in refs if p.id not in listed and p.telegram_file_id]
    for start in range(0, len(photos), _ALBUM):
        chunk = photos[start : start + _ALBUM]
        media = [InputMediaPhoto(media=p.telegram_file_id, caption=p.stage) for p in chunk]  # type: ignore[arg-type]
        await bot.send_media_group(chat_id, media)  # type: ignore[arg-type]


def router() -> Router:
    r = Router(name="find")
    r.message.filter(F.chat.type == "private")

    @r.message(Command("find"))
    async def find(message: Message, command: CommandObject, actor: Actor, services: Services) -> None:
        if not command.args:
            await message.answer(_("Send /find followed by a ledger number, draft number, site name or address."))
            return
        try:
            found = await services.find.find(actor, command.args)
        except DomainError as exc:
            await message.answer(domain_error(exc.code, exc.params))
            return
        await message.answer(list_text(_("Found:"), found), reply_markup=list_keyboard(found))

    @r.callback_query(InputCb.filter())
    async def finished_input(query: CallbackQuery) -> None:
        # the step this button belonged to was answered, cancelled or timed out (checked before this router)
        await query.answer(_("That question is closed; nothing was changed."))

    @r.callback_query(HazardCb.filter(F.a.in_({OPEN, HISTORY})))
    async def open_card(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services,
                        bot: Bot) -> None:
        try:
            case = await services.find.case(actor, callback_data.id)
        except DomainError as exc:
            await refuse(query, actor, exc)
            return
        await query.answer()
        message = message_of(query)
        if callback_data.a == OPEN:
            await send_card(message, case)
        else:
            await send_history(bot, message.chat.id, case)

    return r
