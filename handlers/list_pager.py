"""The two handlers every paged list has (issue 16): its command shows the first page, a pager press
(``PageCb``) shows page ``n`` read again from the database. A list module gives its page renderer once and
registers both handlers of the ``ListPager`` on its router (``register``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.core import Services
from bot.services.actors import Actor
from handlers.message_edits import message_of, show_in_place
from handlers.paging import PageCb

#: (actor, services, 0-based page number) → the page's text and its keyboard (clamped to the last page)
PageRenderer = Callable[[Actor, Services, int], Awaitable[tuple[str, InlineKeyboardMarkup | None]]]


class ListPager:
    """The command and pager-button handlers of one paged list, both rendering through ``render``."""

    def __init__(self, render: PageRenderer) -> None:
        self._render = render

    async def first_page(self, message: Message, actor: Actor, services: Services) -> None:
        """The list's command: its first page as a new message."""
        text, keyboard = await self._render(actor, services, 0)
        await message.answer(text, reply_markup=keyboard)

    async def turn_page(self, query: CallbackQuery, callback_data: PageCb, actor: Actor,
                        services: Services) -> None:
        """A pager button: the page read again from the database (clamped when the list has shrunk since),
        shown in place of the pressed message."""
        await query.answer()
        text, keyboard = await self._render(actor, services, callback_data.n)
        await show_in_place(message_of(query), text, keyboard)

    def register(self, router: Router, command: str, view: str) -> None:
        """``/command`` answered with the first page, a pager press of ``view`` (``PageCb.v``) with its page."""
        router.message.register(self.first_page, Command(command))
        router.callback_query.register(self.turn_page, PageCb.filter(F.v == view))
