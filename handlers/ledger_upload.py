"""Ledger and plan files (.xlsx) sent by the office (issue 16 item 7, issue 19 item 2).

The file is checked in the parse worker while a "已处理 N 行" message counts the rows (edited at most every
``PROGRESS_EDIT_SECONDS``). A ledger whose rows are all good is saved at once, with what was normalised
listed; when some rows are bad, the problems are listed and the office chooses with two buttons: save the
good rows and leave the bad ones out, or save nothing. The choice goes to ``ReportService.finish_import``,
which re-checks who pressed and that the ledger still waits."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from aiogram import Bot
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.services.actors import Actor
from bot.services.import_summary import imported_summary
from bot.services.ledger_rows import ImportReport
from handlers.callbacks import ImportCb
from handlers.media import FileDownloadFailed
from handlers.media import fetch as fetch_file
from handlers.message_edits import drop_keyboard, message_of
from handlers.message_limits import clip
from handlers.texts import q

log = logging.getLogger("hazardbot.import")
PROGRESS_EDIT_SECONDS = 3.0  # Telegram allows about one edit a second per chat; a few seconds is plenty
ERROR_LINES = 30
NOTE_LINES = 20
GOOD_ROWS, NOTHING = "g", "n"


class ProgressMessage:
    """One "已处理 N 行" message in ``chat_id``, sent on the first report and edited at most every
    ``PROGRESS_EDIT_SECONDS`` after, and once more when the last batch is saved, so it never stops short of the
    total (a refused edit is skipped: it is a courtesy)."""

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self.bot, self.chat_id = bot, chat_id
        self.message_id: int | None = None
        self.shown = 0.0
        self.text = ""

    async def __call__(self, phase: str, done: int, total: int) -> None:
        """Report ``done`` of ``total`` rows of ``phase`` (``check`` or ``save``) in the message."""
        text = (_("Processed {n} rows…").format(n=done) if phase == "check"
                else _("Saving: {n} of {total} rows…").format(n=done, total=total))
        now = time.monotonic()
        last = phase == "save" and done >= total  # the last batch saved is always shown, whatever the throttle
        if text == self.text or (self.message_id is not None and now - self.shown < PROGRESS_EDIT_SECONDS
                                 and not last):
            return
        self.shown, self.text = now, text
        try:
            if self.message_id is None:
                self.message_id = (await self.bot.send_message(self.chat_id, text)).message_id
            else:
                await self.bot.edit_message_text(text, chat_id=self.chat_id, message_id=self.message_id)
        except TelegramAPIError as exc:  # a courtesy: the import goes on whatever Telegram says
            log.info("event=progress_not_shown reason=%r", exc.message)


def _notes(report: ImportReport) -> list[str]:
    count = len(report.notes) + report.notes_omitted
    if not count:
        return []
    lines = [_("Read as the annex's values ({count} cells):").format(count=count)]
    lines += [q(str(n)) for n in report.notes[:NOTE_LINES]]
    if count > NOTE_LINES:
        lines.append(_("… and {more} more.").format(more=count - NOTE_LINES))
    return lines


def _errors(report: ImportReport) -> list[str]:
    lines = [q(str(e)) for e in report.errors[:ERROR_LINES]]
    if report.error_count > ERROR_LINES:
        lines.append(_("… and {more} more.").format(more=report.error_count - ERROR_LINES))
    return lines


def _saved(report: ImportReport, locale: str) -> str:
    lines = [imported_summary(report).render(locale)]
    if report.skipped:
        lines.append(_("{skipped} rows with problems were left out:").format(skipped=report.skipped))
        lines += _errors(report)
    return clip("\n".join(lines + _notes(report)))


async def ledger_file(message: Message, bot: Bot, actor: Actor, services: Services, locale: str) -> None:
    """An .xlsx sent by the office: a ledger (附件1/2) or plan (附件3) imported, or every problem listed and,
    when some rows are good, the choice asked. A question of the sender's open form that takes a document
    (a rectification's 验收材料) takes it instead: an acceptance list kept as a workbook is no ledger. Raises
    ``UnknownLedgerFile``, ``SpreadsheetRefused``, ``FileDownloadFailed``, ``PermissionDenied``."""
    doc = message.document
    assert doc is not None
    if await services.forms.takes_document(actor, locale):
        raise SkipHandler  # to handlers.forms

    async def fetch(path: Path) -> None:  # called only once the sender may import and the size is fine
        path.write_bytes(await fetch_file(bot, doc.file_id, doc.file_size, FileDownloadFailed))
        await bot.send_chat_action(message.chat.id, ChatAction.TYPING)

    checked = await services.reports.import_upload(actor, doc.file_size, fetch, ProgressMessage(bot, message.chat.id),
                                                   doc.file_name or "")
    report = checked.report
    if report.ok and checked.kind == "plans":
        await message.answer(_("Plans filed: {added}. /status compares the ledger with them.").format(added=report.added))
        return
    if report.ok:
        await message.answer(_saved(report, locale))
        return
    if checked.token is None:
        lines = [_("Nothing was imported: {count} problems. Fix them and send the file again.").format(
            count=report.error_count)]
        await message.answer(clip("\n".join(lines + _errors(report))))
        return
    lines = [_("{bad} of {rows} rows have problems:").format(bad=report.bad_rows, rows=report.rows)]
    lines += _errors(report) + _notes(report)
    lines.append(_("Import the {good} good rows and leave these out, or import nothing (fix the file and send it "
                   "again)?").format(good=report.good_rows))
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("Import {good} good rows").format(good=report.good_rows),
                             callback_data=ImportCb(t=checked.token, a=GOOD_ROWS).pack()),
        InlineKeyboardButton(text=_("Import nothing"), callback_data=ImportCb(t=checked.token, a=NOTHING).pack()),
    ]])
    await message.answer(clip("\n".join(lines)), reply_markup=keyboard)


async def other_sheet(message: Message, actor: Actor, services: Services, locale: str) -> None:
    """A spreadsheet that is no .xlsx (a .csv, an .xls) outside ``/contacts_import``: when no form is open (where it
    might answer a question), whoever imports files is told how ledgers and contacts lists are imported (raises
    ``LedgerNotXlsx``) rather than "no form is open"; anyone else's goes on to the forms."""
    if (await services.forms.current(actor, locale)).kind == "none":
        services.reports.refuse_other_sheet(actor)
    raise SkipHandler()


async def import_choice(query: CallbackQuery, callback_data: ImportCb, bot: Bot, actor: Actor,
                        services: Services, locale: str) -> None:
    """The office's answer to "import the good rows or nothing": re-checked by ``finish_import`` (the sender
    only, once, within the hour). Raises ``StagedImportGone``, ``PermissionDenied``."""
    at = message_of(query)
    good = callback_data.a == GOOD_ROWS
    await query.answer()
    report = await services.reports.finish_import(actor, callback_data.t, good, ProgressMessage(bot, at.chat.id))
    await drop_keyboard(at)
    if good:
        await at.answer(_saved(report, locale))
    else:
        await at.answer(_("Nothing was imported. Fix the rows listed above and send the file again."))
