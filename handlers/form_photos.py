"""管理照片/删除照片 on a form's photos question: the field's photos listed (numbered in the order received, with
the time each came, and as thumbnails in albums of up to 10), a button per photo to remove it from the form, and
the question asked again with the new count. The service refuses a list's button once the photos have changed
since (``bot.services.form_photos``)."""

from __future__ import annotations

from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
)
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.forms import actions
from bot.services.actors import Actor
from bot.services.errors import StaleAction
from bot.services.evidence import album_pages
from bot.services.form_photos import ListedPhoto, PhotoList
from handlers.callbacks import FormCb, form_data
from handlers.errors import OnRefusal
from handlers.form_replies import act_by_button, ask_again, send, stale_button
from handlers.message_edits import ButtonMessage, drop_keyboard, message_of
from handlers.message_limits import TELEGRAM_CAPTION_LIMIT, clip
from handlers.texts import q


def _when(photo: ListedPhoto) -> str:
    return photo.received_at.strftime("%m-%d %H:%M:%S") if photo.received_at else "?"


async def _thumbnails(message: ButtonMessage, listing: PhotoList) -> None:
    """The evidence copies of the listed photos, each captioned with its number, in albums of up to 10."""
    numbers = {p.photo_id: p for p in listing.photos}
    for page in album_pages(list(listing.copies)):
        media = [InputMediaPhoto(media=BufferedInputFile(c.data, c.filename),
                                 caption=f"#{numbers[c.photo_id].number} · {_when(numbers[c.photo_id])}"[:TELEGRAM_CAPTION_LIMIT])
                 for c in page]
        if len(media) == 1:
            await message.answer_photo(media[0].media, caption=media[0].caption)
        else:
            await message.answer_media_group(list(media))


def _list_message(listing: PhotoList) -> tuple[str, InlineKeyboardMarkup]:
    """The list (HTML): a line per photo, a 🗑 button per photo that can be removed, and back to the question."""
    if any(p.on_record for p in listing.photos):  # a resubmission: removing one of these changes the record too
        header = _("<b>{field}</b>: {count} photo(s), in the order received. Tap 🗑 beside a number to remove that "
                   "photo from this form; a photo marked “on the record” then leaves the record when you resubmit "
                   "(until then, or if you cancel, the record keeps it).")
    else:
        header = _("<b>{field}</b>: {count} photo(s), in the order received. Tap 🗑 beside a number to remove that "
                   "photo from this form (nothing already submitted changes).")
    lines = [header.format(field=q(listing.field_label), count=len(listing.photos))]
    buttons = []
    for photo in listing.photos:
        if photo.removable:
            if photo.on_record:  # a resubmission: what removing it does is said once, in the header
                lines.append(_("{number}. on the record, received {time}").format(
                    number=photo.number, time=_when(photo)))
            else:
                lines.append(_("{number}. received {time}").format(number=photo.number, time=_when(photo)))
            data = form_data(listing.draft_id, "x", listing.step_index, photo.number, listing.version)
            buttons.append(InlineKeyboardButton(text=_("🗑 No. {number}").format(number=photo.number),
                                                callback_data=data))
        else:
            lines.append(_("{number}. already on the record (stays; not removed here)").format(number=photo.number))
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    back = form_data(listing.draft_id, "n", listing.step_index, a=actions.Nav.STAY.value)
    rows.append([InlineKeyboardButton(text=_("« Back to the question"), callback_data=back)])
    return clip("\n".join(lines)), InlineKeyboardMarkup(inline_keyboard=rows)


async def photo_list(query: CallbackQuery, callback_data: FormCb, actor: Actor, services: Services, locale: str,
                     on_refusal: OnRefusal) -> None:
    """"Manage photos" under a photos question: the photos, then the list to remove one from."""
    message = message_of(query)
    on_refusal.answer = ask_again(message, actor, services, locale)
    try:
        listing = await services.forms.photo_list(actor, callback_data.d, callback_data.s, locale)
    except StaleAction as stale:
        await stale_button(query, message, actor, services, locale, stale)
        return
    if not listing.photos:
        await query.answer(_("This question has no photos yet."))
        return
    await query.answer()
    await _thumbnails(message, listing)
    text, keyboard = _list_message(listing)
    await message.answer(text, reply_markup=keyboard)


async def remove(query: CallbackQuery, callback_data: FormCb, actor: Actor, services: Services, locale: str,
                 on_refusal: OnRefusal) -> None:
    """🗑 beside a photo of the list: removed from the form, and the question asked again with the new count; a
    button of a list older than the photos now (or of another form) is refused, and nothing is removed."""
    message = message_of(query)
    on_refusal.answer = ask_again(message, actor, services, locale)
    action = actions.RemovePhoto(callback_data.d, callback_data.s, callback_data.i, callback_data.a)
    prompt = await act_by_button(query, message, actor, services, action, locale)
    if prompt is None:
        return
    if prompt.error:  # the list was older than the photos now: said on the button and above the question
        await query.answer(_("Nothing was removed."))
    else:
        await query.answer()
        await drop_keyboard(message)
    await send(message, prompt, locale)
