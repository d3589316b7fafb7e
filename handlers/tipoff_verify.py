"""The township's side of tip-offs: the queue ``/tipoffs`` (all of it, page by page, oldest first: issue 16), the card with its photos (EXIF-free copies)
and the verify buttons (查实 → hazard form pre-filled, 不属实 with a preset reason, wrong township →
forward, merge into a duplicate), and the office's ``/block_sender`` / ``/unblock_sender``.
Every button is re-checked by the service for role and township scope."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core import Core, Services
from bot.services.actors import Actor
from bot.services.evidence import album_pages
from bot.services.tipoff_rules import NOT_CONFIRMED_REASONS
from bot.services.tipoffs import TipOffCard
from handlers.callbacks import TipCb
from handlers.form_view import send_prompt
from handlers.list_pager import ListPager
from handlers.message_edits import ButtonMessage, drop_keyboard, message_of, show_keyboard
from handlers.paging import pager_row
from handlers.private import private_router
from handlers.queue_view import count_line
from handlers.texts import q
from handlers.tipoff_texts import card_text, reason_words, status_words
from storage.registry import townships

log = logging.getLogger("hazardbot.tipoff_verify")


def _card_markup(card: TipOffCard):  # type: ignore[no-untyped-def]
    builder = InlineKeyboardBuilder()
    if not card.can_verify:
        return None
    builder.button(text=_("✅ Confirmed (查实)"), callback_data=TipCb(a="c", id=card.id))
    builder.button(text=_("❌ Not confirmed (不属实)"), callback_data=TipCb(a="r", id=card.id))
    builder.button(text=_("🔀 Assign a township") if card.unassigned else _("🔀 Wrong township"),
                   callback_data=TipCb(a="f", id=card.id))
    for c in card.candidates:
        builder.button(text=_("🔗 Merge into {number}").format(number=c.number)[:60],
                       callback_data=TipCb(a="m", id=card.id, k=c.kind, j=c.id))
    builder.adjust(2, 1)
    return builder.as_markup()


#: the most photos a card sends, two albums (``album_pages``): a reporter's six and an addition's six fit, and a
#: reporter adding again and again does not make every opening of the card a flood of albums
SHOWN = 20


async def _send_card(message: ButtonMessage, bot: Bot, core: Core, card: TipOffCard) -> None:
    """The tip-off's photos (albums as ``album_pages`` cuts them, ``SHOWN`` photos in all: the reporter's and those of
    their additions), its pin, then the card with the verifier's buttons: last, so the buttons are the newest
    message. A photo gone from the store is left out, and an album or pin Telegram refuses is let go: the card
    still comes, and says how many photos could not be shown (those beyond ``SHOWN`` too)."""
    files = []
    for i, key in enumerate(card.photo_keys[:SHOWN], start=1):
        data = await core.services.tipoffs.photo_bytes(key)
        if data is None:
            log.warning("event=tipoff_photo_missing number=%s", card.number)
        else:
            files.append(BufferedInputFile(data, f"{card.number}-{i}.jpg"))
    shown = 0
    for page in album_pages(files):
        shown += await _send_photos(bot, message.chat.id, page)
    if card.latitude is not None and card.longitude is not None:
        try:
            await bot.send_location(message.chat.id, card.latitude, card.longitude)
        except TelegramAPIError as exc:  # the card gives the place in words and numbers too
            log.warning("event=tipoff_pin_not_sent number=%s error=%s", card.number, type(exc).__name__)
    unshown = len(card.photo_keys) - shown
    await message.answer(card_text(card, core.settings.tz, unshown=unshown), reply_markup=_card_markup(card))


async def _send_photos(bot: Bot, chat_id: int, files: list[BufferedInputFile]) -> int:
    """``files`` as one photo or an album; how many were shown (0 when Telegram refused them: its refusal is
    logged, the card follows anyway)."""
    try:
        if len(files) == 1:
            await bot.send_photo(chat_id, files[0])
        elif files:
            await bot.send_media_group(chat_id, [InputMediaPhoto(media=f) for f in files])
    except TelegramAPIError as exc:
        log.warning("event=tipoff_photos_not_sent photos=%d error=%s", len(files), type(exc).__name__)
        return 0
    return len(files)


VIEW = "tp"  # the pager's key for /tipoffs


async def _page(actor: Actor, services: Services, number: int) -> tuple[str, InlineKeyboardMarkup | None]:
    page = await services.tipoffs.queue_page(actor, number)
    if not page.total:
        return _("No tip-offs are waiting for verification."), None
    builder = InlineKeyboardBuilder()
    for item in page.items:
        builder.button(text=f"{item.number} {item.township} {item.summary}"[:60], callback_data=TipCb(a="v", id=item.id))
    builder.adjust(1)
    pager = pager_row(page, VIEW)  # type: ignore[arg-type]
    if pager:
        builder.row(*pager)
    lines = [_("Tip-offs waiting for verification ({count}):").format(count=page.total),
             count_line(page, _("the longest waiting first"))]
    lines += [f"{n}. <code>{q(i.number)}</code> {q(i.township)} · {status_words(i.status, i.township)}"
              for n, i in enumerate(page.items, page.first_index)]
    return "\n".join(lines), builder.as_markup()


#: ``/tipoffs``: the first page of the tip-offs waiting for verification in the verifier's townships.
_pager = ListPager(_page)


async def button(query: CallbackQuery, callback_data: TipCb, bot: Bot, core: Core, actor: Actor,
                 services: Services, locale: str) -> None:
    """A verifier's button on a tip-off (``TipCb``: open, 查实, 不属实 with a reason, forward, merge); the service
    checks role, township and state again."""
    message = message_of(query)
    await query.answer()
    cb = callback_data
    if cb.a == "v":
        card = await services.tipoffs.open_card(actor, cb.id)
        await _send_card(message, bot, core, card)
    elif cb.a == "c":
        prompt = await services.tipoffs.confirm(actor, cb.id, locale)
        await drop_keyboard(message)
        await send_prompt(message, prompt, locale)
    elif cb.a == "r":
        builder = InlineKeyboardBuilder()
        for index, reason in enumerate(NOT_CONFIRMED_REASONS):
            builder.button(text=reason_words(reason)[:60], callback_data=TipCb(a="rr", id=cb.id, i=index))
        builder.button(text=_("« Back"), callback_data=TipCb(a="v", id=cb.id))
        builder.adjust(1)
        await show_keyboard(message, builder.as_markup(), _("Why is it not confirmed?"))
    elif cb.a == "f":
        builder = InlineKeyboardBuilder()
        for index, unit in enumerate(townships()):
            builder.button(text=unit.name, callback_data=TipCb(a="ff", id=cb.id, i=index))
        builder.adjust(3)
        builder.row(InlineKeyboardButton(text=_("« Back"), callback_data=TipCb(a="v", id=cb.id).pack()))
        await show_keyboard(message, builder.as_markup(), _("Which township is it in?"))
    elif cb.a == "rr":  # 不属实 closes the tip-off for good: asked to confirm (checked again when pressed)
        if not 0 <= cb.i < len(NOT_CONFIRMED_REASONS):
            await message.answer(_("Unknown button."))
            return
        await services.tipoffs.may_reject(actor, cb.id)
        builder = InlineKeyboardBuilder()
        builder.button(text=_("✅ Confirm: not confirmed"), callback_data=TipCb(a="rc", id=cb.id, i=cb.i))
        builder.button(text=_("« Back"), callback_data=TipCb(a="r", id=cb.id))
        builder.adjust(1)
        await drop_keyboard(message)  # the question is a message of its own: what it closes is in words
        await message.answer(_(
            "Close this tip-off as not confirmed ({reason})? The reporter is told and it cannot be reopened."
        ).format(reason=reason_words(NOT_CONFIRMED_REASONS[cb.i])), reply_markup=builder.as_markup())
    elif cb.a in ("rc", "ff", "m"):
        if cb.a == "rc":
            outcome = await services.tipoffs.reject(actor, cb.id, cb.i)
        elif cb.a == "ff":
            outcome = await services.tipoffs.forward(actor, cb.id, cb.i)
        else:
            outcome = await services.tipoffs.merge(actor, cb.id, cb.k, cb.j)
        await drop_keyboard(message)
        await message.answer(_("Tip-off <code>{number}</code>: {status}. The reporter has been told.").format(
            number=q(outcome.number), status=status_words(outcome.status, outcome.township)
        ))
    else:
        await message.answer(_("Unknown button."))


async def block(message: Message, actor: Actor, services: Services, command: CommandObject) -> None:
    """``/block_sender NUMBER`` / ``/unblock_sender NUMBER`` (the office): stop or allow the tip-off's sender."""
    number = (command.args or "").strip()
    if not number:
        await message.answer(_("Send /block_sender NUMBER (or /unblock_sender NUMBER) with a tip-off number."))
        return
    blocking = command.command == "block_sender"
    number = await services.tipoffs.block_sender(actor, number, block=blocking)
    if blocking:
        await message.answer(_("The sender of tip-off {number} can no longer report.").format(number=q(number)))
    else:
        await message.answer(_("The sender of tip-off {number} may report again.").format(number=q(number)))


def router() -> Router:
    """``/tipoffs`` with its pager and the verifier's buttons, ``/block_sender`` and ``/unblock_sender``, in
    private chats."""
    r = private_router("tipoff_verify", buttons=True)
    _pager.register(r, "tipoffs", VIEW)
    r.callback_query.register(button, TipCb.filter())
    r.message.register(block, Command("block_sender", "unblock_sender"))
    return r
