"""The printable documents of a hazard, from its card: the case file (一患一案, PDF) and the notices
(Word). The documents service checks scope, role and state again; this only sends the file, to the
person who pressed (a private chat's id is the user's), so a deleted or inaccessible card does not matter."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import BufferedInputFile, CallbackQuery
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.services.actors import Actor
from bot.services.documents import DocumentFile
from handlers.hazard_callbacks import CASE_FILE, NOTICE_CODES, HazardCb

# Bot API: a bot uploads files of up to 50 MB
UPLOAD_LIMIT = 50 * 1024 * 1024


async def document(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services,
                   bot: Bot) -> None:
    """The case file (PDF) or a notice (Word) of the hazard, sent to the person who pressed. Raises
    ``NotFound``, ``PermissionDenied``, ``NoticeNotApplicable``."""
    if callback_data.a == CASE_FILE:
        made: DocumentFile = await services.documents.case_file(actor, callback_data.id)
        caption = _("Case file (one hazard, one file), ready to print.")
    else:
        made = await services.documents.notice(actor, callback_data.id, NOTICE_CODES[callback_data.a])
        caption = _("Issued and recorded on the hazard's card. Edit, print, sign and stamp it.")
    await query.answer()
    if len(made.data) > UPLOAD_LIMIT:
        await bot.send_message(query.from_user.id, _(
            "The file is too large to send here ({size} MB); the office can write it with "
            "hazardbot export casefile NUMBER -o FILE.").format(size=len(made.data) // 2**20))
        return
    await bot.send_document(query.from_user.id, BufferedInputFile(made.data, made.filename), caption=caption)


def router() -> Router:
    """The buttons that send a hazard's case file or one of its notices."""
    r = Router(name="documents")
    r.callback_query.register(document, HazardCb.filter(F.a.in_({CASE_FILE, *NOTICE_CODES})))
    return r
