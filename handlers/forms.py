"""Every form in a private chat — the records (inspection, hazard, plan) and the life-cycle steps opened from a
hazard's buttons (``open_form``) — commands, answers of every kind, buttons.

Each handler turns the update into one ``FormAction`` and asks ``FormService`` what comes next.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, InputMediaPhoto, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.channels import MediaRef
from bot.core import Services
from bot.forms import actions
from bot.forms.prompt import Prompt
from bot.services.actors import Actor
from bot.services.errors import StaleAction
from bot.services.evidence import EvidencePhoto, album_pages
from bot.services.lifecycle import Action
from bot.services.transitions import Outcome
from handlers import form_photos, form_switch, form_switch_buttons
from handlers.callbacks import FormCb, InspectionCb
from handlers.error_texts import error_text
from handlers.errors import ExplainBinding, OnRefusal
from handlers.form_replies import act_by_button
from handlers.form_replies import ask_again as _ask_again
from handlers.form_replies import send as _send
from handlers.form_view import confirm_discard, render
from handlers.lifecycle_common import card_markup
from handlers.media import FileDownloadFailed, fetch, might_be_image, telegram_media
from handlers.message_edits import ButtonMessage, drop_keyboard, message_of, show_in_place
from handlers.message_limits import shorten
from handlers.private import private_router
from handlers.texts import q
from storage.images import FileTooBig, NotAnImage
from storage.upload_kinds import UploadTooBig, check_size

log = logging.getLogger("hazardbot.forms")

ALBUM_SIZE = 10
def _discard_question() -> str:
    return _("Discard this form? Everything entered in it will be deleted.")


async def _card_after(prompt: Prompt, services: Services, actor: Actor) -> InlineKeyboardMarkup | None:
    """After the five implementations are filled in (e.g. when 挂账 was refused for want of them), the card's
    buttons as they are now: 确认挂账 again."""
    result = prompt.submitted
    if prompt.kind != "submitted" or result is None or not isinstance(result.detail, Outcome) \
            or result.detail.action != Action.SET_PLAN:
        return None
    return await card_markup(services, actor, result.detail.hazard_id)


async def _show_evidence(message: ButtonMessage, services: Services, prompt: Prompt) -> None:
    """Under a submitted hazard's card: its evidence copies (upright, watermarked, EXIF-free),
    in albums of up to 10."""
    result = prompt.submitted
    if prompt.kind != "submitted" or result is None or result.kind != "hazard" or not result.photo_count:
        return
    copies = await services.evidence.copies(hazard_id=result.record_id)
    for page in range(len(album_pages(copies))):
        await _send_album_page(message, copies, page)


async def _send_album_page(message: ButtonMessage, copies: list[EvidencePhoto], page: int) -> None:
    """Album ``page`` (0-based, 10 photos each: Telegram's album limit) with a caption saying which."""
    pages = album_pages(copies)
    if not 0 <= page < len(pages):
        return
    first = sum(len(p) for p in pages[:page]) + 1
    last = first + len(pages[page]) - 1
    caption = (_("Evidence photo {number} of {total}").format(number=first, total=len(copies)) if last == first
               else _("Evidence photos {first}–{last} of {total}").format(first=first, last=last, total=len(copies)))
    files = [BufferedInputFile(c.data, c.filename) for c in pages[page]]
    if len(files) == 1:
        await message.answer_photo(files[0], caption=caption)
    else:
        await message.answer_media_group(
            [InputMediaPhoto(media=f, caption=caption if i == 0 else None) for i, f in enumerate(files)]
        )


async def _review_photos(message: ButtonMessage, copies: list[EvidencePhoto], draft_id: int, page: int) -> None:
    """The evidence copies of the open form's photos (``FormService.draft_evidence``), a page at a time,
    with "more" while any remain."""
    await _send_album_page(message, copies, page)
    if (page + 1) * ALBUM_SIZE < len(copies):
        more = InlineKeyboardBuilder()
        more.button(text=_("More photos"), callback_data=FormCb(d=draft_id, k="v", i=page + 1))
        await message.answer(_("{shown} of {total} photos shown.").format(
            shown=(page + 1) * ALBUM_SIZE, total=len(copies)), reply_markup=more.as_markup())


async def open_form(message: ButtonMessage, actor: Actor, services: Services, locale: str, form_key: str, *,
                    prefill: dict[str, object] | None = None, context: dict[str, object] | None = None) -> None:
    """Open ``form_key`` (a life-cycle step on the record ``context`` names: ``hazard_id`` or
    ``verification_id``) and ask its first question; the same form open is resumed, another open form is named
    with the choice to continue it or discard it for this one (``handlers.form_switch``), as ``/hazard`` does.
    A refusal raises on to ``handlers.errors``."""
    prompt = await services.forms.start(actor, form_key, locale, prefill=prefill, context=context)
    await _send(message, prompt, locale)


async def _act(message: Message, actor: Actor, services: Services, locale: str, action: actions.FormAction,
               on_refusal: OnRefusal) -> Prompt:
    """Apply ``action`` and answer; returns the prompt. A ``photo_wanted`` or ``document_wanted`` prompt is
    returned unanswered: the caller fetches the file. A refusal (a domain error) reaches ``handlers.errors``,
    which gives the reason above the question asked again."""
    on_refusal.answer = _ask_again(message, actor, services, locale)
    prompt = await services.forms.act(actor, action, locale)
    if prompt.kind in ("photo_wanted", "document_wanted"):
        return prompt
    await _send(message, prompt, locale)  # with no open form, the public are pointed to /report
    await _show_evidence(message, services, prompt)
    return prompt


async def _start(message: Message, actor: Actor, services: Services, locale: str, form: str,
                 state: FSMContext) -> None:
    prompt = await services.forms.start(actor, form, locale)
    await form_switch.remember(prompt, state=state, form=form)  # another form open: this one, once it is gone
    await _send(message, prompt, locale)


async def inspect(message: Message, actor: Actor, services: Services, locale: str, state: FSMContext) -> None:
    """``/inspect``: the inspection form (附件1)."""
    await _start(message, actor, services, locale, "inspection", state)


async def hazard(message: Message, actor: Actor, services: Services, locale: str, state: FSMContext) -> None:
    """``/hazard``: the hazard form (附件2)."""
    await _start(message, actor, services, locale, "hazard", state)


async def plan(message: Message, actor: Actor, services: Services, locale: str, state: FSMContext) -> None:
    """``/plan``: the inspection plan form."""
    await _start(message, actor, services, locale, "plan", state)


async def cancel(message: Message, actor: Actor, services: Services, locale: str) -> None:
    """``/cancel``: ask before discarding the open form."""
    current = await services.forms.current(actor, locale)
    if current.kind == "none":
        await message.answer(_("There is nothing to cancel."))
        return
    await message.answer(_discard_question(), reply_markup=confirm_discard(current))


async def resume(message: Message, actor: Actor, services: Services, locale: str) -> None:
    """``/resume``: the open form's current question (or where the person is)."""
    await _send(message, await services.forms.current(actor, locale), locale)


async def button(
    query: CallbackQuery, callback_data: FormCb, bot: Bot, actor: Actor, services: Services, locale: str,
    on_refusal: OnRefusal,
) -> None:
    """A form's button: pick, edit, back/skip/cancel/submit, or more photos of the review."""
    action: actions.FormAction
    message = message_of(query)
    # a refused press (e.g. a submission the service turned down): the form as it stands now, and why
    on_refusal.answer = _ask_again(message, actor, services, locale)
    if callback_data.k == "v":
        try:  # the photos to show are looked up first, so that the press is answered before they are sent
            copies = await services.forms.draft_evidence(actor, callback_data.d)
        except StaleAction:
            await query.answer(error_text(StaleAction()))
            return
        await query.answer()
        await _review_photos(message, copies, callback_data.d, callback_data.i)
        return
    if callback_data.k == "p":
        action = actions.PickAnswer(callback_data.d, callback_data.s, callback_data.i)
    elif callback_data.k == "e":
        action = actions.EditAnswer(callback_data.d, callback_data.i)
    else:
        try:
            action = actions.NavAnswer(callback_data.d, actions.Nav(callback_data.a), callback_data.s)
        except ValueError:
            await query.answer(_("Unknown button."))
            return
    if isinstance(action, actions.NavAnswer) and action.op == actions.Nav.CANCEL:
        current = await services.forms.current(actor, locale)
        if current.kind == "none":  # this form was submitted or cancelled, and none is open
            await query.answer(_("This form has already been closed (submitted or cancelled)."))
            return
        if current.draft_id != callback_data.d:
            await query.answer(error_text(StaleAction()))
            await _send(message, current, locale)
            return
        await query.answer()
        await message.answer(_discard_question(), reply_markup=confirm_discard(current))
        return
    prompt = await act_by_button(query, message, actor, services, action, locale)
    if prompt is None:
        return
    await query.answer()
    rendered = render(prompt, locale)
    if rendered is not None:
        text, keyboard = rendered
        stays = prompt.kind == "question" and prompt.option_kind == "hazard_link" and callback_data.k == "p"
        if stays:
            await show_in_place(message, text, keyboard)
        else:
            await drop_keyboard(message)
            await message.answer(text, reply_markup=keyboard or await _card_after(prompt, services, actor))
            await _show_evidence(message, services, prompt)


async def hazard_from_inspection(
    query: CallbackQuery, callback_data: InspectionCb, actor: Actor, services: Services, locale: str
) -> None:
    """Under a saved inspection: open a hazard form linked to it."""
    message = message_of(query)
    await query.answer()
    prompt = await services.forms.start(actor, "hazard", locale, from_inspection=callback_data.id)
    await _send(message, prompt, locale)


async def photo(message: Message, bot: Bot, actor: Actor, services: Services, locale: str,
                on_refusal: OnRefusal) -> None:
    """A photo: offered to the open form, fetched only if its question takes it."""
    assert message.photo
    largest = message.photo[-1]
    await _image(message, bot, actor, services, locale, telegram_media(largest), largest.file_size,
                 on_refusal)


async def document(message: Message, bot: Bot, actor: Actor, services: Services, locale: str,
                   on_refusal: OnRefusal) -> None:
    """A file: an image sent as a file is a photo; a PDF or Word file answers a question taking documents."""
    doc = message.document
    assert doc is not None
    if not might_be_image(doc):  # a PDF or Word file: the answer of a question that takes documents only

        async def download() -> bytes:
            check_size(doc.file_size)  # before anything is fetched
            try:
                return await fetch(bot, doc.file_id, doc.file_size, FileDownloadFailed)
            except FileTooBig as exc:  # Telegram's or the stream's bound: said as a file's, not a photo's
                raise UploadTooBig(**exc.params) from exc

        await _document(message, actor, services, locale, doc.file_name or "document", download, on_refusal)
        return
    await _image(message, bot, actor, services, locale, telegram_media(doc), doc.file_size,
                 on_refusal, doc.file_name or "document")


async def _document(message: Message, actor: Actor, services: Services, locale: str, name: str,
                    download: Callable[[], Awaitable[bytes]], on_refusal: OnRefusal) -> None:
    """Offer a document named ``name`` to the open form; only if its question takes one now is it downloaded
    (``download``: at most 20 MB), recognised by its bytes and kept in the file store, then given as the answer.
    A refusal (too big, a kind not kept, not downloaded) is told above the question asked again."""
    offer = await _act(message, actor, services, locale, actions.DocumentAnswer(name, None, message.media_group_id),
                       on_refusal)
    if offer.kind != "document_wanted":  # answered: no question takes it now, or it already holds one
        return
    stored = await services.acceptance_documents.keep(await download(), name)
    await _act(message, actor, services, locale, actions.DocumentAnswer(name, stored, message.media_group_id), on_refusal)


async def location(message: Message, actor: Actor, services: Services, locale: str,
                   on_refusal: OnRefusal) -> None:
    """A location or venue: the answer to a place question."""
    assert message.location is not None
    pin, venue = message.location, message.venue
    live = str(message.message_id) if pin.live_period else None  # its updates come as edits of this message
    action = actions.LocationAnswer(pin.latitude, pin.longitude, venue.address if venue else None,
                            venue.title if venue else None, live)
    await _act(message, actor, services, locale, action, on_refusal)


async def live_location(message: Message, actor: Actor, services: Services, locale: str) -> None:
    """A live location moving (an edit of its message)."""
    # a live location moving: the form moves the pin it gave while that question is asked; never
    # answered (an update comes every few seconds, and the person sent nothing)
    assert message.location is not None
    moved = actions.PinMoved(str(message.message_id), message.location.latitude, message.location.longitude)
    await services.forms.act(actor, moved, locale)


async def edited(message: Message, actor: Actor, services: Services, locale: str) -> None:
    """An edited message is not read again: within a form, send the corrected answer anew; outside one, send
    the message (a command: that command) again, as a new message."""
    if (await services.forms.current(actor, locale)).kind != "none":
        await message.answer(_("Edited messages are not read again. Please send the corrected answer as a new "
                               "message (« Back returns to an earlier question)."))
        return
    words = (message.text or "").split()
    if words and words[0].startswith("/"):
        await message.answer(_("Edited messages are not read again. To run {command}, send it again as a new "
                               "message.").format(command=q(shorten(words[0].split("@")[0], 64))))
        return
    await message.answer(_("Edited messages are not read again. Please send it again as a new message; /help "
                           "lists what you can do."))


async def unknown_command(message: Message, actor: Actor) -> None:
    """A command no router took."""
    await message.answer(_("Unknown command. Send /help to see what you can do."))


async def text(message: Message, actor: Actor, services: Services, locale: str, on_refusal: OnRefusal) -> None:
    """Typed text: the answer to the open form's question."""
    await _act(message, actor, services, locale, actions.TextAnswer(message.text or ""), on_refusal)


async def anything_else(message: Message, actor: Actor, services: Services, locale: str,
                        on_refusal: OnRefusal) -> None:
    """Any other content (a sticker, a voice note…): refused above the question asked again."""
    await _act(message, actor, services, locale, actions.UnsupportedAnswer(str(message.content_type)), on_refusal)


def router() -> Router:
    """Every form: ``/inspect``, ``/hazard``, ``/plan``, ``/cancel``, ``/resume``, the form buttons, and the
    photos, documents and locations sent as answers, in private chats."""
    r = private_router("forms", buttons=True, edits=True)
    r.message.middleware(ExplainBinding())
    r.callback_query.middleware(ExplainBinding())
    r.message.register(inspect, Command("inspect"))
    r.message.register(hazard, Command("hazard"))
    r.message.register(plan, Command("plan"))
    r.message.register(cancel, Command("cancel"))
    r.message.register(resume, Command("resume"))
    r.callback_query.register(form_photos.photo_list, FormCb.filter(F.k == "m"))
    r.callback_query.register(form_photos.remove, FormCb.filter(F.k == "x"))
    r.callback_query.register(form_switch_buttons.ask, FormCb.filter((F.k == "n") & (F.a == actions.Nav.SWITCH.value)))
    r.callback_query.register(form_switch_buttons.discard_and_open,
                              FormCb.filter((F.k == "n") & (F.a == actions.Nav.SWITCH_DISCARD.value)))
    r.callback_query.register(button, FormCb.filter())
    r.callback_query.register(hazard_from_inspection, InspectionCb.filter())
    r.message.register(photo, F.photo)
    r.message.register(document, F.document)
    r.message.register(location, F.location)
    r.edited_message.register(live_location, F.location)
    r.edited_message.register(edited)
    r.message.register(unknown_command, F.text.startswith("/"))
    r.message.register(text, F.text)
    r.message.register(anything_else)
    return r


async def _image(
    message: Message,
    bot: Bot,
    actor: Actor,
    services: Services,
    locale: str,
    media: MediaRef,
    declared_size: int | None,
    on_refusal: OnRefusal,
    document_name: str | None = None,
) -> None:
    """Ask the service first whether the question asked now takes a photo; only then download it. A file
    sent as a document (``document_name``) whose bytes are no image is offered as a document instead."""
    offer = await _act(message, actor, services, locale, actions.PhotoAnswer(None, media, message.media_group_id),
                       on_refusal)
    if offer.kind != "photo_wanted":  # answered: no question takes it now
        return
    # a photo refused (too big, not an image, not downloaded) is told above the question, as a refused answer
    data = await fetch(bot, media.ref, declared_size)
    try:
        stored = await services.photos.keep_original(data)
    except NotAnImage:
        if document_name is None or not await services.forms.takes_document(actor, locale):
            raise

        async def fetched() -> bytes:
            return data

        await _document(message, actor, services, locale, document_name, fetched, on_refusal)
        return
    action = actions.PhotoAnswer(stored, media, message.media_group_id)
    await _act(message, actor, services, locale, action, on_refusal)
