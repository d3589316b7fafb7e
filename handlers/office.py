"""The district safety office (区安委会办公室): ``/office`` lists what waits for it, all of it page by page, most
urgent first (issue 16); confirm into the ledger (挂账) or reject, close (销账) — one by one from the card or a
selected batch (``handlers.office_batch``) —, put under supervision (挂牌督办); ``/verify`` draws the verification
sample (核查) and records each check — a failure reopens the hazard as a rebound (方案 四(二)(三), 五(五))."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.core import Core, Services
from bot.forms.dates import parse_date
from bot.services.actors import Actor
from bot.services.errors import PermissionDenied
from bot.services.lifecycle import MAJOR, SUPERVISION_LEVELS, Action
from bot.services.paging import Page
from bot.services.verification import DrawnSample, PendingCheck
from handlers.errors import OnRefusal
from handlers.hazard_callbacks import CODE_OF, HazardCb, SuperviseCb, VerifyCb
from handlers.lifecycle_common import press
from handlers.list_pager import ListPager
from handlers.message_edits import answer_in_place
from handlers.message_limits import clip
from handlers.office_batch import (
    BATCH_VIEW,
    BatchCb,
    ask_batch,
    batch_button,
    confirm_batch,
    office_page,
    turn_batch_page,
)
from handlers.paging import PageCb, pager_row
from handlers.private import private_router
from handlers.queue_view import count_line
from handlers.texts import q

OFFICE_VIEW, VERIFY_VIEW = "of", "vf"  # the pager's keys for /office and /verify's checks


def supervision_keyboard(hazard_id: int) -> InlineKeyboardMarkup:
    """The supervision level buttons of messages sent before the supervision form existed."""
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=level, callback_data=SuperviseCb(id=hazard_id, lv=i).pack())]
        for i, level in enumerate(SUPERVISION_LEVELS)
    ])


def checks_text(samples: list[DrawnSample], checks: Page[PendingCheck]) -> str:
    """What a draw chose per unit (none on a pager press) and one page of the checks waiting for a result."""
    lines = []
    for s in samples:
        note = _(" (default ratio: the unit has no plan)") if s.default_ratio else ""
        lines.append(_("{unit}: {closed} closed, {ratio}% → {chosen} to check{note}").format(
            unit=q(s.unit_name), closed=s.closed_count, ratio=s.ratio_percent, chosen=len(s.chosen), note=note))
    if not checks.total:
        lines.append(_("No checks are waiting."))
        return clip("\n".join(lines))
    lines.append(_("Checks waiting for a result:"))
    lines.append(count_line(checks, _("major hazards first, then the oldest draw")))
    for i, c in enumerate(checks.items, checks.first_index):
        major = f" · {q(c.level)}" if c.level == MAJOR else ""
        lines.append(f"{i}. {q(c.site_name)} — {q(c.ledger_number or '')} — {q(c.unit_name)}{major}")
    return clip("\n".join(lines))


def checks_keyboard(checks: Page[PendingCheck]) -> InlineKeyboardMarkup | None:
    """«n. passed» / «n. failed» per check of the page (numbered through the whole list), then the pager row."""
    rows = [
        [InlineKeyboardButton(text=_("{n}. passed").format(n=i), callback_data=VerifyCb(id=c.verification_id, ok=1).pack()),
         InlineKeyboardButton(text=_("{n}. failed").format(n=i), callback_data=VerifyCb(id=c.verification_id, ok=0).pack())]
        for i, c in enumerate(checks.items, checks.first_index)
    ]
    pager = pager_row(checks, VERIFY_VIEW)  # type: ignore[arg-type]
    if pager:
        rows.append(pager)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _period(args: str | None, today: date) -> tuple[date, date] | None:
    """``/verify`` alone: this month up to today; ``/verify FROM TO`` any period (dates as the forms read them)."""
    if not args:
        return today.replace(day=1), today
    parts = args.split()
    if len(parts) != 2:
        return None
    start, end = parse_date(parts[0], today), parse_date(parts[1], today)
    return (start, end) if start and end else None


#: ``/office``: the first page of the hazards awaiting confirmation (挂账) or closure (销账).
_pager = ListPager(office_page)


async def register(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services,
                   on_refusal: OnRefusal) -> None:
    """«Register in the ledger» (挂账) on the card; a refusal for missing five implementations offers the form."""
    await press(query, actor, services.lifecycle.register(actor, callback_data.id), hazard_id=callback_data.id,
                on_refusal=on_refusal)

# 销账 and a passed 核查 open their forms (handlers.deadlines): the review card confirms, with a note and photos

# the card's 📌 button opens the supervision form (handlers.deadlines); the level buttons below are kept for
# messages sent before it did


async def supervise_at(query: CallbackQuery, callback_data: SuperviseCb, actor: Actor, services: Services) -> None:
    """A supervision level button of an old message. Raises ``PermissionDenied`` for a level out of range."""
    if not 0 <= callback_data.lv < len(SUPERVISION_LEVELS):
        raise PermissionDenied(action="supervise", level=callback_data.lv)
    level = SUPERVISION_LEVELS[callback_data.lv]
    await press(query, actor, services.lifecycle.supervise(actor, callback_data.id, level))


async def verify(message: Message, command: CommandObject, actor: Actor, services: Services, core: Core) -> None:
    """``/verify [FROM TO]``: draw the period's sample, then the first page of the checks waiting for a result."""
    period = _period(command.args, core.clock.today())
    if period is None:
        await message.answer(_("Send /verify, or /verify FROM TO (e.g. /verify 2026-01-01 2026-03-31)."))
        return
    samples = await services.verification.draw(actor, *period)
    checks = await services.verification.pending_page(actor, 0)
    await message.answer(checks_text(samples, checks), reply_markup=checks_keyboard(checks))


async def turn_checks_page(query: CallbackQuery, callback_data: PageCb, actor: Actor, services: Services) -> None:
    """A pager button of /verify: that page of the checks waiting, read again (nothing is drawn)."""
    checks = await services.verification.pending_page(actor, callback_data.n)
    await answer_in_place(query, checks_text([], checks), checks_keyboard(checks))

# a check's «passed» / «failed» opens its form (handlers.deadlines): the review card asks to confirm


def router() -> Router:
    """The office's lists and buttons: ``/office``, ``/verify``, batch decisions, registration and supervision
    levels, in private chats."""
    r = private_router("office")
    _pager.register(r, "office", OFFICE_VIEW)
    r.message.register(verify, Command("verify"))
    r.callback_query.register(turn_checks_page, PageCb.filter(F.v == VERIFY_VIEW))
    r.callback_query.register(turn_batch_page, PageCb.filter(F.v == BATCH_VIEW))
    r.callback_query.register(batch_button, BatchCb.filter(F.a.in_({"m", "t", "x", "q"})))
    r.callback_query.register(ask_batch, BatchCb.filter(F.a.in_({"r", "c"})))
    r.callback_query.register(confirm_batch, BatchCb.filter(F.a.in_({"yr", "yc"})))
    r.callback_query.register(register, HazardCb.filter(F.a == CODE_OF[Action.REGISTER]))
    r.callback_query.register(supervise_at, SuperviseCb.filter())
    return r
