"""The public's side of tip-offs (群众举报): ``/report``, ``/track NUMBER``, ``/my_reports``, ``/add NUMBER``
and the photos of an open report (stripped of EXIF before they are stored). Anyone may use these,
bound or not. The report's answers themselves go through the form handlers (``handlers.forms``).
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core import Services
from bot.forms.actions import PhotoAnswer
from bot.services.actors import Actor
from bot.services.tipoffs import TrackView
from handlers.callbacks import TrackCb
from handlers.errors import OnRefusal
from handlers.form_replies import ask_again
from handlers.form_view import send_prompt
from handlers.media import fetch, might_be_image
from handlers.message_edits import ButtonMessage, drop_keyboard, message_of
from handlers.message_limits import shorten
from handlers.private import private_router
from handlers.texts import q
from handlers.tipoff_texts import status_words, track_text


def _track_markup(view: TrackView):  # type: ignore[no-untyped-def]
    builder = InlineKeyboardBuilder()
    if view.can_add:
        builder.button(text=_("➕ Add photos or details"), callback_data=TrackCb(a="add", n=view.number))
    if view.can_say_not_fixed:
        builder.button(text=_("⚠️ Not fixed"), callback_data=TrackCb(a="nf", n=view.number))
    builder.adjust(1)
    return builder.as_markup() if (view.can_add or view.can_say_not_fixed) else None


async def reporting(message: Message, actor: Actor, services: Services) -> bool:
    """Filter: the sender is filling in a report or an addition (their photos get the EXIF treatment)."""
    return await services.tipoffs.is_reporting(actor)


async def report(message: Message, bot: Bot, actor: Actor, services: Services, locale: str) -> None:
    """``/report``: a tip-off form (anonymous unless a contact is left). Raises ``ReportRefused``."""
    prompt = await services.tipoffs.start_report(actor, locale)
    intro = None
    if prompt.kind == "question" and prompt.form_key == "tipoff" and prompt.notice is None:
        intro = _(
            "Thank you for reporting a safety hazard. Who you are (your Telegram name) and any contact you leave "
            "are visible only to the district safety office, never to the township. Photo metadata (such as GPS) "
            "is removed."
        )
    await send_prompt(message, prompt, locale, lead=intro)  # one message: Telegram takes ~1 a second per chat


async def track(message: Message, actor: Actor, services: Services, command: CommandObject) -> None:
    """``/track NUMBER``: the reporter's own tip-off, with what they may do next."""
    number = (command.args or "").strip()
    if not number:
        await message.answer(_("Send /track followed by your tracking number, e.g. /track JB201810150001."))
        return
    view = await services.tipoffs.track(actor, number)
    if view is None:
        await message.answer(_("No tip-off of yours has the number {number}.").format(number=q(shorten(number, 64))))
        return
    await message.answer(track_text(view), reply_markup=_track_markup(view))


async def my_reports(message: Message, actor: Actor, services: Services) -> None:
    """``/my_reports``: the sender's tip-offs."""
    views = await services.tipoffs.my_reports(actor)
    if not views:
        await message.answer(_("You have not reported anything yet. Send /report to report a hazard."))
        return
    lines = [_("Your tip-offs:")]
    lines += [f"• <code>{q(v.number)}</code> {v.reported_on:%m-%d} {status_words(v.status, v.township)}" for v in views]
    lines.append(_("Send /track NUMBER for details."))
    await message.answer("\n".join(lines))


async def add(message: Message, bot: Bot, actor: Actor, services: Services, locale: str, command: CommandObject) -> None:
    """``/add NUMBER``: add photos or details to an open tip-off. Raises ``TipOffClosed``, ``NotFound``."""
    await _start_addition(message, bot, actor, services, locale, (command.args or "").strip())


async def track_button(query: CallbackQuery, callback_data: TrackCb, bot: Bot, actor: Actor,
                       services: Services, locale: str) -> None:
    """A reporter's button: add to the tip-off, or say it is not fixed. Raises ``TipOffClosed``, ``NotFound``."""
    message = message_of(query)
    await query.answer()
    if callback_data.a == "add":
        await _start_addition(message, bot, actor, services, locale, callback_data.n)
        return
    view = await services.tipoffs.not_fixed(actor, callback_data.n)
    await drop_keyboard(message)
    await message.answer(_("Thank you. The township will check tip-off <code>{number}</code> again.").format(
        number=q(view.number)
    ))


async def photo(message: Message, bot: Bot, actor: Actor, services: Services, locale: str,
                on_refusal: OnRefusal) -> None:
    """A photo for the open report; one refused (too big, no image, not downloaded) is told above the question
    asked again, the report as it was."""
    assert message.photo
    largest = message.photo[-1]
    on_refusal.answer = ask_again(message, actor, services, locale)
    await _photo(message, bot, actor, services, locale, largest.file_id, largest.file_size)


async def document(message: Message, bot: Bot, actor: Actor, services: Services, locale: str,
                   on_refusal: OnRefusal) -> None:
    """An image file for the open report; any other file, or an image refused, is told above the question asked
    again, the report as it was."""
    doc = message.document
    assert doc is not None
    on_refusal.answer = again = ask_again(message, actor, services, locale)
    if not might_be_image(doc):
        await again(_("Please send photos as pictures or image files."))
        return
    await _photo(message, bot, actor, services, locale, doc.file_id, doc.file_size)


def router() -> Router:
    """The public's tip-offs: ``/report``, ``/track``, ``/my_reports``, ``/add``, and the photos and documents
    sent while reporting, in private chats."""
    r = private_router("tipoffs", buttons=True)
    r.message.register(report, Command("report"))
    r.message.register(track, Command("track"))
    r.message.register(my_reports, Command("my_reports"))
    r.message.register(add, Command("add"))
    r.callback_query.register(track_button, TrackCb.filter())
    r.message.register(photo, F.photo, reporting)
    r.message.register(document, F.document, reporting)
    return r


async def _start_addition(message: ButtonMessage, bot: Bot, actor: Actor, services: Services, locale: str, number: str) -> None:
    if not number:
        await message.answer(_("Send /add followed by your tracking number."))
        return
    prompt = await services.tipoffs.start_addition(actor, number, locale)
    await send_prompt(message, prompt, locale)


async def _photo(message: Message, bot: Bot, actor: Actor, services: Services, locale: str,
                 file_id: str, declared_size: int | None) -> None:
    """Once the open report's question takes it: download, strip metadata, keep only the clean copy; the
    channel's media reference is not kept, so the original (which may carry GPS) can never be forwarded to anyone."""
    prompt = await services.forms.act(actor, PhotoAnswer(None, None, message.media_group_id), locale)
    if prompt.kind == "photo_wanted":
        stored = await services.tipoffs.keep_photo(await fetch(bot, file_id, declared_size))
        prompt = await services.forms.act(actor, PhotoAnswer(stored, None, message.media_group_id), locale)
    await send_prompt(message, prompt, locale)
