"""The pager row under a long list: ◀ previous · page n/m · next ▶ (issue 16). Each list registers a short
``view`` key; its handler turns a ``PageCb`` press into the page, re-reading the list as it is now."""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _
from pydantic import Field

from bot.services.paging import Page
from handlers.callbacks import Num


class PageCb(CallbackData, prefix="p1"):
    """Show page ``n`` (0-based) of list ``v`` (a short key such as ``rv`` /review, ``fd`` /find); ``k`` is an
    optional short token the list needs to rebuild itself (for example a saved filter's id). ≤ 64 bytes."""

    v: str
    n: Num
    k: Annotated[str, Field(max_length=16)] = ""


def pager_row(page: Page[object], view: str, key: str = "") -> list[InlineKeyboardButton]:
    """The buttons to go one page back or forward; empty when the whole list fits one page. The middle
    button repeats the current page so that pressing it refreshes the list."""
    if page.pages <= 1:
        return []
    row: list[InlineKeyboardButton] = []
    if page.has_prev:
        row.append(InlineKeyboardButton(text=_("◀ previous"), callback_data=PageCb(v=view, n=page.number - 1, k=key).pack()))
    row.append(InlineKeyboardButton(text=_("page {n}/{m}").format(n=page.number + 1, m=page.pages),
                                    callback_data=PageCb(v=view, n=page.number, k=key).pack()))
    if page.has_next:
        row.append(InlineKeyboardButton(text=_("next ▶"), callback_data=PageCb(v=view, n=page.number + 1, k=key).pack()))
    return row
