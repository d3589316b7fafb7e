"""The last router: a button nobody else recognises (an old keyboard, forged or foreign callback
data) is still answered, so the user's client stops waiting and says why nothing happened."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.i18n import gettext as _


async def unknown_button(query: CallbackQuery) -> None:
    """A button nobody recognised: answered, so the client stops waiting."""
    # an old list's or card's button as often as a form's: name both ways back, not only /resume
    await query.answer(_("This button is no longer valid. Send the command again (e.g. /review, /find), "
                         "or /resume for the form you are filling in."), show_alert=True)


def router() -> Router:
    """The last router: a button no other router took is answered as no longer valid."""
    r = Router(name="fallback")
    r.callback_query.register(unknown_button)
    return r
