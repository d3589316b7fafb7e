"""``/find`` and the hazard card: search within scope (by any field: ``handlers.find_filter``), open a card with the buttons the viewer may press,
and the history (一患一案) with the photos of every stage and the acceptance documents."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.types import BufferedInputFile, CallbackQuery, InputMediaPhoto
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.domain import HazardState
from bot.services.acceptance_documents import AcceptanceDocument
from bot.services.actors import Actor
from bot.services.documents import available_notices
from bot.services.evidence import stage_albums
from bot.services.find import HazardCase
from handlers import find_filter
from handlers.hazard_callbacks import HISTORY, OPEN, HazardCb, InputCb
from handlers.hazard_view import (
    card_keyboard,
    card_text,
    history_text,
    stage_name,
)
from handlers.input_migration import closed_input_text
from handlers.message_edits import ButtonMessage, message_of
from handlers.private import private_router
from handlers.texts import q

_AFTER_RECTIFICATION = {HazardState.RECTIFIED, HazardState.CLOSURE_REQUESTED, HazardState.CLOSED}


async def send_card(message: ButtonMessage, case: HazardCase, services: Services, actor: Actor) -> None:
    """The card; once rectified, first the before/after picture (discovery beside the latest acceptance)."""
    if case.summary.state in _AFTER_RECTIFICATION:
        picture = await services.evidence.before_after(case.summary.id)
        if picture is not None:
            await message.answer_photo(BufferedInputFile(picture.data, "before_after.jpg"),
                                       caption=_("Before and after rectification"))
    await message.answer(card_text(case), reply_markup=card_keyboard(case, available_notices(actor, case)))


async def send_history(bot: Bot, chat_id: int, case: HazardCase, services: Services, actor: Actor) -> None:
    """The steps, then the evidence copies of every stage's photos (watermarked, EXIF-free) in albums of one stage
    each, captioned with it, then the acceptance documents of the rectification reports from the file store, byte
    for byte (one received before the store is named, and said to be unreachable)."""
    await bot.send_message(chat_id, history_text(case))
    copies = await services.evidence.copies(hazard_id=case.summary.id)
    for page in stage_albums(copies):  # one stage per album: its caption says it
        files = [BufferedInputFile(c.data, c.filename) for c in page]
        if len(files) == 1:
            await bot.send_photo(chat_id, files[0], caption=stage_name(page[0].stage))
        else:
            await bot.send_media_group(
                chat_id, [InputMediaPhoto(media=f, caption=stage_name(c.stage)) for f, c in zip(files, page, strict=True)]
            )
    for doc in await services.acceptance_documents.of_hazard(actor, case.summary.id):
        if doc.data is not None:
            await bot.send_document(chat_id, BufferedInputFile(doc.data, doc.name), caption=_(
                "Acceptance document of the rectification reported on {when}").format(when=_day(doc.reported_at, case)))
        else:
            await bot.send_message(chat_id, acceptance_document_missing(doc, _day(doc.reported_at, case)))


def _day(at: datetime, case: HazardCase) -> str:
    return at.astimezone(case.tz).strftime("%Y-%m-%d")


def acceptance_document_missing(doc: AcceptanceDocument, day: str) -> str:
    """Why an acceptance document is named but not sent: received before the bot kept files, or gone from the
    store."""
    if not doc.stored:
        return _("Acceptance document 《{name}》 of the rectification reported on {when}: not yet stored — sent "
                 "before the bot kept files, only a Telegram reference remains and it cannot be fetched here.").format(
            name=q(doc.name), when=day)
    return _("Acceptance document 《{name}》 of the rectification reported on {when}: its file is missing from the "
             "bot's file store or damaged; ask the unit to send it again.").format(name=q(doc.name), when=day)


async def finished_input(query: CallbackQuery) -> None:
    """A button of a life cycle question that is no longer asked."""
    # the step this button belonged to was answered, cancelled or timed out (checked before this router)
    # after a restart this is also what a re-tap of an answer that was stored meets: say how to check
    await query.answer(closed_input_text(), show_alert=True)


async def open_card(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services,
                    bot: Bot) -> None:
    """Open a hazard's card (``o``) or its history (``h``). Raises ``NotFound`` (also outside scope)."""
    case = await services.find.case(actor, callback_data.id)
    await query.answer()
    message = message_of(query)
    if callback_data.a == OPEN:
        await send_card(message, case, services, actor)
    else:
        await send_history(bot, message.chat.id, case, services, actor)


def router() -> Router:
    """``/find`` with its filter card, pager and export, and the buttons opening a hazard's card or history,
    in private chats."""
    r = private_router("find")
    find_filter.register(r)  # /find by any field, its filter card, pager and export
    r.callback_query.register(finished_input, InputCb.filter())
    r.callback_query.register(open_card, HazardCb.filter(F.a.in_({OPEN, HISTORY})))
    return r
