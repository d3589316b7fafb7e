"""One page of a work queue of hazards (/review, /office, /rectify; issue 16): the total, the order it is in, the
numbered lines (numbered through the whole list, not the page), a button per hazard that opens its card and the
pager row. The services decide the order and cut the page (``FindService.queue``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.services.find import HazardSummary
from bot.services.lifecycle import MAJOR
from bot.services.paging import Page
from handlers.hazard_callbacks import OPEN, HazardCb
from handlers.hazard_view import number_of, state_name
from handlers.message_limits import clip
from handlers.paging import pager_row
from handlers.texts import level_name, q


def count_line(page: Page[Any], order: str) -> str:
    """"25 in all · page 2/3 · most urgent first …": the total, where this page is, and the list's ``order``."""
    return _("{total} in all · page {n}/{m} · {order}").format(total=page.total, n=page.number + 1, m=page.pages,
                                                              order=order)


def urgency_words() -> str:
    """How a hazard queue is sorted (``hazard_query.urgency_order``)."""
    return _("overdue first, then major hazards, then the oldest")


def hazard_line(index: int, s: HazardSummary) -> str:
    """"12. site — state · 已逾期 · 重大隐患 — number" (user text escaped)."""
    flags = ""
    if s.overdue:
        flags += " · " + _("OVERDUE")
    if s.level == MAJOR:
        flags += " · " + q(level_name(s.level))
    return f"{index}. {q(s.site_name)} — {state_name(s.state)}{flags} — {q(number_of(s))}"


def page_text(title: str, page: Page[HazardSummary], ticked: Collection[int] | None = None) -> str:
    """The page as text under ``title``; with ``ticked`` (batch mode) each line starts with ☑ or ☐."""
    lines = [title, count_line(page, urgency_words())]
    if not page.items:
        lines.append(_("Nothing here."))
    for i, s in enumerate(page.items, page.first_index):
        box = "" if ticked is None else ("☑ " if s.id in ticked else "☐ ")
        lines.append(box + hazard_line(i, s))
    return clip("\n".join(lines))


def page_keyboard(page: Page[HazardSummary], view: str,
                  extra: list[list[InlineKeyboardButton]] | None = None) -> InlineKeyboardMarkup | None:
    """A button per hazard (opens its card), the pager row of list ``view`` and any ``extra`` rows."""
    rows = [[InlineKeyboardButton(text=f"{i}. {s.site_name[:40]}", callback_data=HazardCb(id=s.id, a=OPEN).pack())]
            for i, s in enumerate(page.items, page.first_index)]
    pager = pager_row(page, view)  # type: ignore[arg-type]
    if pager:
        rows.append(pager)
    rows.extend(extra or [])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
