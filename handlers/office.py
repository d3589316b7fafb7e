"""The district safety office (区安委会办公室): ``/office`` lists what waits for it; confirm into the ledger
(挂账) or reject, close (销账), put under supervision (挂牌督办); ``/verify`` draws the verification sample
(核查) and records each check — a failure reopens the hazard as a rebound (方案 四(二)(三), 五(五))."""

from __future__ import annotations

from datetime import date

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.core import Core, Services
from bot.domain import HazardState
from bot.forms.dates import parse_date
from bot.services.actors import Actor
from bot.services.errors import PermissionDenied
from bot.services.lifecycle import SUPERVISION_LEVELS, Action
from bot.services.verification import DrawnSample, PendingCheck
from handlers.errors import OnRefusal
from handlers.hazard_callbacks import CODE_OF, HazardCb, SuperviseCb, VerifyCb
from handlers.hazard_view import list_keyboard, list_text
from handlers.lifecycle_common import press
from handlers.message_limits import clip
from handlers.texts import q


def supervision_keyboard(hazard_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=level, callback_data=SuperviseCb(id=hazard_id, lv=i).pack())]
        for i, level in enumerate(SUPERVISION_LEVELS)
    ])


def checks_text(samples: list[DrawnSample], checks: list[PendingCheck]) -> str:
    lines = []
    for s in samples:
        note = _(" (default ratio: the unit has no plan)") if s.default_ratio else ""
        lines.append(_("{unit}: {closed} closed, {ratio}% → {chosen} to check{note}").format(
            unit=q(s.unit_name), closed=s.closed_count, ratio=s.ratio_percent, chosen=len(s.chosen), note=note))
    lines.append(_("Checks waiting for a result:") if checks else _("No checks are waiting."))
    for i, c in enumerate(checks, 1):
        lines.append(f"{i}. {q(c.site_name)} — {q(c.ledger_number or '')} — {q(c.unit_name)}")
    return clip("\n".join(lines))


def checks_keyboard(checks: list[PendingCheck]) -> InlineKeyboardMarkup | None:
    if not checks:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("{n}. passed").format(n=i), callback_data=VerifyCb(id=c.verification_id, ok=1).pack()),
         InlineKeyboardButton(text=_("{n}. failed").format(n=i), callback_data=VerifyCb(id=c.verification_id, ok=0).pack())]
        for i, c in enumerate(checks[:30], 1)
    ])


def _period(args: str | None, today: date) -> tuple[date, date] | None:
    """``/verify`` alone: this month up to today; ``/verify FROM TO`` any period (dates as the forms read them)."""
    if not args:
        return today.replace(day=1), today
    parts = args.split()
    if len(parts) != 2:
        return None
    start, end = parse_date(parts[0], today), parse_date(parts[1], today)
    return (start, end) if start and end else None


def router() -> Router:
    r = Router(name="office")
    r.message.filter(F.chat.type == "private")

    @r.message(Command("office"))
    async def queue(message: Message, actor: Actor, services: Services) -> None:
        waiting = await services.find.in_states(
            actor, [HazardState.PENDING_CONFIRMATION, HazardState.CLOSURE_REQUESTED])
        await message.answer(list_text(_("Hazards awaiting confirmation or closure:"), waiting),
                             reply_markup=list_keyboard(waiting))

    @r.callback_query(HazardCb.filter(F.a == CODE_OF[Action.REGISTER]))
    async def register(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services,
                       on_refusal: OnRefusal) -> None:
        await press(query, actor, services.lifecycle.register(actor, callback_data.id), hazard_id=callback_data.id,
                    on_refusal=on_refusal)

    # 销账 and a passed 核查 open their forms (handlers.deadlines): the review card confirms, with a note and photos

    # the card's 📌 button opens the supervision form (handlers.deadlines); the level buttons below are kept for
    # messages sent before it did

    @r.callback_query(SuperviseCb.filter())
    async def supervise_at(query: CallbackQuery, callback_data: SuperviseCb, actor: Actor, services: Services,
                           bot: Bot) -> None:
        if not 0 <= callback_data.lv < len(SUPERVISION_LEVELS):
            raise PermissionDenied(action="supervise", level=callback_data.lv)
        level = SUPERVISION_LEVELS[callback_data.lv]
        await press(query, actor, services.lifecycle.supervise(actor, callback_data.id, level))

    @r.message(Command("verify"))
    async def verify(message: Message, command: CommandObject, actor: Actor, services: Services,
                     core: Core) -> None:
        period = _period(command.args, core.clock.today())
        if period is None:
            await message.answer(_("Send /verify, or /verify FROM TO (e.g. /verify 2026-01-01 2026-03-31)."))
            return
        samples = await services.verification.draw(actor, *period)
        checks = await services.verification.pending(actor)
        await message.answer(checks_text(samples, checks), reply_markup=checks_keyboard(checks))

    # a check's «passed» / «failed» opens its form (handlers.deadlines): the review card asks to confirm

    return r
