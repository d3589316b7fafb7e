"""Reminder-related conversation: binding by shared phone number (附件4 registry), ``/report_info``
(work information, summaries, plans, lookback reports), the office's registry upload, and the
buttons under reminders (``rm:<action>:<id>``, re-checked here against the presser's units)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _

from bot.channels import telegram_address
from bot.core import Core, Services
from bot.domain import Role
from bot.keyed_locks import KeyedLocks
from bot.services.actors import Actor
from bot.services.errors import NotBound, PermissionDenied
from handlers.callbacks import Num
from handlers.command_menu import refresh_menu
from handlers.errors import OnRefusal
from handlers.media import FileDownloadFailed
from handlers.media import fetch as fetch_file
from handlers.message_edits import message_of
from handlers.private import private_router
from handlers.summaries import ranking_text
from handlers.texts import listed, q, role_name
from reminders.kind_words import KIND_NAMES
from reminders.submissions import Upload
from storage.upload_kinds import ACCEPTED_KINDS, check_size

KINDS = ("work_info", "summary", "lookback_report", "implementation_plan")  # the annual plan (附件3): /plan
ACTION_KIND = {"info": "work_info", "summary": "summary", "lookback": "lookback_report"}
_REPORT_KEYS = ("unit_id", "kind", "unit", "submission_id")  # a submission's keys in the conversation data
_lock = KeyedLocks()  # a person's taps one after another


class ReminderCb(CallbackData, prefix="rm"):
    """The button under a reminder, as ``reminders.actions.ReminderAction`` packs it (``rm:<action>:<id>``):
    ``action`` one of its ``ACTIONS``, ``id`` the unit or hazard it concerns (0 for ``rank``)."""

    action: str
    id: Num


class ReportCb(CallbackData, prefix="r1"):
    """Choose what to submit: kind index ``k`` for unit ``u``."""

    k: Num
    u: Num


class ReportStates(StatesGroup):
    """A submission being sent (``waiting``: text, photos or files until ``/done``) or a contacts sheet
    awaited."""

    waiting = State()
    contacts_file = State()


def kind_name(kind: str) -> str:
    """A submission kind in words, in the chat's locale."""
    return _(KIND_NAMES[kind])


async def ask_phone(message: Message) -> None:
    """``/phone``: the keyboard that shares the phone number."""
    keyboard = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_("Share my phone number"), request_contact=True)]],
        resize_keyboard=True, one_time_keyboard=True,
    )
    await message.answer(
        _("If your unit listed you in its contact form (Annex 4), share your phone number to bind "
          "your account and receive reminders."),
        reply_markup=keyboard,
    )


async def shared_contact(message: Message, bot: Bot, actor: Actor, services: Services, core: Core,
                         on_refusal: OnRefusal, locale: str) -> None:
    """A shared phone number binds the roles the unit's contact form (附件4) gives it. Raises ``NotOwnContact``,
    ``PhoneNotRegistered`` (answered with the share keyboard removed). Sent while a form is open, someone else's
    card, or the card of a person bound to nothing (a reporter at /report's contact question), goes to the form,
    which refuses it above its question asked again: it was meant as an answer, not to bind."""
    contact = message.contact
    assert contact is not None
    sender = message.from_user.id if message.from_user is not None else None
    if (contact.user_id != sender or not actor.is_bound) and (await services.forms.current(actor, locale)).kind != "none":
        raise SkipHandler()
    on_refusal.reply_markup = ReplyKeyboardRemove()  # the share button has done its work either way
    bound = await services.contacts.bind_by_phone(
        actor, contact.phone_number, telegram_address(contact.user_id) if contact.user_id is not None else None)
    lines = "\n".join(f"• {q(b.unit_name)}：{role_name(b.role)}" for b in bound)
    await message.answer(
        _("Bound by your phone number:\n{roles}\nYou will receive the campaign's reminders here.").format(
            roles=lines),
        reply_markup=ReplyKeyboardRemove(),
    )
    await refresh_menu(bot, core, actor.user_id)  # the roles the contact form gives them


async def report_info(message: Message, actor: Actor, services: Services) -> None:
    """``/report_info``: what the sender's units may submit. Raises ``NotBound``."""
    units = services.work_reports.units_of(actor)
    if not units:
        raise NotBound()
    rows = [
        [InlineKeyboardButton(
            text=kind_name(kind) if len(units) == 1 else f"{name}：{kind_name(kind)}",
            callback_data=ReportCb(k=i, u=unit_id).pack(),
        )]
        for unit_id, name in units[:5] for i, kind in enumerate(KINDS)
    ]
    await message.answer(_("What would you like to submit?"),
                         reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


def _ask(kind: str, unit: str) -> str:
    return _("Send the {kind} of {unit} now: text, photos (with a caption if you like) or a file. "
             "/cancel to stop.").format(kind=kind_name(kind), unit=q(unit))


def _ask_more() -> str:
    return _("Send more text or files for it now ({kinds} or photos; up to 20 MB each), "
             "or /done when it is complete.").format(kinds=listed(ACCEPTED_KINDS))


async def _start_report(query: CallbackQuery, state: FSMContext, actor: Actor, services: Services,
                        unit_id: int, kind: str) -> None:
    units = dict(services.work_reports.units_of(actor))
    if unit_id not in units:
        raise PermissionDenied(unit_id=unit_id)
    await state.set_state(ReportStates.waiting)
    # update, not replace: the person's other conversation data (/office's ticks, /find's filters) stays
    await state.update_data({"unit_id": unit_id, "kind": kind, "unit": units[unit_id], "submission_id": None})
    await query.answer()
    await message_of(query).answer(_ask(kind, units[unit_id]))


async def chose_kind(query: CallbackQuery, callback_data: ReportCb, state: FSMContext, actor: Actor,
                     services: Services) -> None:
    """A /report_info button: wait for that submission."""
    if not 0 <= callback_data.k < len(KINDS):
        await query.answer()
        return
    await _start_report(query, state, actor, services, callback_data.u, KINDS[callback_data.k])


async def reminder_button(query: CallbackQuery, callback_data: ReminderCb, state: FSMContext, actor: Actor,
                          services: Services) -> None:
    """A button under a reminder (``reminders.actions``), re-checked against the presser's units. Raises
    ``PermissionDenied``."""
    action = callback_data.action
    if action in ACTION_KIND:
        await _start_report(query, state, actor, services, callback_data.id, ACTION_KIND[action])
        return
    await query.answer()
    if action == "plan":
        text = _("Send /plan to file your unit's annual inspection plan (Annex 3) step by step, or "
                 "/plan_file for the Excel template.")
    elif action == "ledger":
        text = _("Record new inspections with /inspect and hazards with /hazard; each entry updates "
                 "your unit's ledger.")
    elif action == "hazard":
        text = _("Report the rectification of this hazard with its photos to your unit's reviewer, "
                 "who updates it in the ledger; new hazards go in with /hazard.")
    # "supervise" and "extend" open their forms (handlers.deadlines, before this router)
    elif action == "rank":
        text = ranking_text(await services.reports.rankings(actor))
    else:
        text = _("The district safety office updates the contact form: send it the new Annex 4.")
    await message_of(query).answer(text)


async def cancel(message: Message, state: FSMContext) -> None:
    """``/cancel`` while a submission or a contact form is awaited; what was already received is kept."""
    data = await _end_report(state)
    if data.get("submission_id"):
        await message.answer(_("Stopped; what you sent is kept."))
        return
    await message.answer(_("Stopped; nothing was submitted."))


async def _end_report(state: FSMContext) -> dict[str, Any]:
    """Stop waiting for a submission: the state and the submission's own keys go, the rest of the person's
    conversation data (/office's ticks, /find's filters) stays. Returns the data as it was."""
    data = await state.get_data()
    await state.set_state(None)
    await state.set_data({k: v for k, v in data.items() if k not in _REPORT_KEYS})
    return data


async def done(message: Message, state: FSMContext) -> None:
    """``/done``: the submission being sent is complete."""
    data = await _end_report(state)
    if data.get("submission_id"):
        await message.answer(_("Thank you: your {kind} is complete and the district safety office can read it.").format(
            kind=kind_name(str(data["kind"]))))
        return
    await message.answer(_("Stopped; nothing was submitted."))


async def _upload(message: Message, bot: Bot) -> Upload | None:
    """The photo or file of ``message`` as bytes, bounded before it is fetched (20 MB). Raises ``UploadTooBig``,
    ``FileTooBig``, ``FileDownloadFailed``."""
    if message.photo:
        photo = message.photo[-1]
        check_size(photo.file_size)
        return Upload(await fetch_file(bot, photo.file_id, photo.file_size, FileDownloadFailed), None, "photo")
    doc = message.document
    if doc is None:
        return None
    check_size(doc.file_size)
    return Upload(await fetch_file(bot, doc.file_id, doc.file_size, FileDownloadFailed), doc.file_name, "document")



async def submission(message: Message, bot: Bot, state: FSMContext, actor: Actor, services: Services,
                     on_refusal: OnRefusal) -> None:
    """The awaited submission (text, a photo or a file; several messages make one submission until /done). A
    refused file (too big, not a kind kept) is told with the question asked again; nothing received is lost.
    The photos of an album arrive as updates handled at once: they join one submission (a lock per person).
    Raises ``EmptySubmission``, ``PermissionDenied``, ``UploadTooBig``, ``FileKindRefused``, ``TooManyFiles``."""
    data = await state.get_data()
    question = _ask_more() if data.get("submission_id") else _ask(str(data["kind"]), str(data.get("unit", "")))

    async def ask_again(warning: str) -> None:
        await message.answer(f"{warning}\n\n{question}")

    on_refusal.answer = ask_again
    upload = await _upload(message, bot)
    async with _lock(actor.user_id):
        data = await state.get_data()  # again: another photo of the album may have made the submission meanwhile
        if "kind" not in data:
            return  # /done or /cancel came in between
        into = data.get("submission_id")
        done_ = await services.work_reports.submit(
            actor, int(data["unit_id"]), str(data["kind"]), message.text or message.caption or "", upload,
            into=int(into) if into else None)
        await state.update_data(submission_id=done_.id)
    if done_.kept_as:  # its bytes are another kind than its name says: kept, and said
        await message.answer(_("⚠️ {declared} is not what its name says: by its content it was kept as {name}. If "
                               "that is the wrong file, send the right one too.").format(
            declared=q(done_.declared), name=q(done_.kept_as)))
    if into:
        await message.answer(_("Added to your {kind} for {period} ({files} files so far).").format(
            kind=kind_name(done_.kind), period=q(done_.period), files=done_.files) + "\n" + _ask_more())
        return
    await message.answer(_("Received: {kind} for {period}. Thank you; the reminder is cleared.").format(
        kind=kind_name(done_.kind), period=q(done_.period)) + "\n" + _ask_more())


async def contacts_import(message: Message, state: FSMContext, actor: Actor) -> None:
    """``/contacts_import`` (office, admins): wait for the contact form (附件4). Raises ``PermissionDenied``."""
    if not (actor.is_admin or actor.has(Role.OFFICE)):
        raise PermissionDenied(action="contacts_import")
    await state.set_state(ReportStates.contacts_file)
    await message.answer(_("Send the contact form (Annex 4) as an .xlsx or .csv file. /cancel to stop."))


async def contacts_file(message: Message, bot: Bot, state: FSMContext, actor: Actor, services: Services) -> None:
    """The awaited contact form, imported whole or not at all. Raises ``ContactsImportRejected`` (its problems
    listed), ``PermissionDenied`` (then nothing is awaited any more)."""
    doc = message.document
    assert doc is not None

    async def fetch(path: Path) -> None:  # called only once the sender, the name and the size are fine
        path.write_bytes(await fetch_file(bot, doc.file_id, doc.file_size, FileDownloadFailed))

    try:
        report = await services.contacts.import_upload(actor, doc.file_name or "file", doc.file_size, fetch)
    except PermissionDenied:  # the role went while the file was awaited: stop waiting for one
        await state.set_state(None)
        raise
    await state.set_state(None)  # the person's other conversation data stays
    await message.answer(_("Imported {contacts} contacts of {units} units ({kept} bound accounts kept).").format(
        contacts=report.contacts, units=report.units, kept=report.bindings_kept))


def router() -> Router:
    """``/phone`` and shared contacts, ``/report_info`` and the submission it collects, reminder buttons and
    ``/contacts_import``, in private chats."""
    r = private_router("reminders")
    r.message.register(ask_phone, Command("phone"))
    r.message.register(shared_contact, F.contact)
    r.message.register(report_info, Command("report_info"))
    r.callback_query.register(chose_kind, ReportCb.filter())
    r.callback_query.register(reminder_button, ReminderCb.filter())
    r.message.register(cancel, StateFilter(ReportStates.waiting, ReportStates.contacts_file), Command("cancel"))
    r.message.register(done, StateFilter(ReportStates.waiting), Command("done"))
    r.message.register(submission, StateFilter(ReportStates.waiting), F.text & ~F.text.startswith("/") | F.photo | F.document)
    r.message.register(contacts_import, Command("contacts_import"))
    r.message.register(contacts_file, StateFilter(ReportStates.contacts_file), F.document)
    return r

