"""Deadlines, supervision and returned closures (issue 15) in a chat: the buttons that start their forms — a
deadline extension request (from the card or the overdue reminder), the office's decision on it (approve, or
refuse with a reason), 挂牌督办 with level, requirement, deadline and person responsible, and 退回 of a closure
request. Each press is checked again by the service; the forms themselves run in ``handlers.forms``."""

from __future__ import annotations

from collections.abc import Awaitable

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.forms.prompt import Prompt
from bot.services.actors import Actor
from bot.services.deadlines import ExtensionView
from bot.services.lifecycle import Action
from handlers.callbacks import Num
from handlers.error_texts import extension_status
from handlers.form_view import send_prompt
from handlers.hazard_callbacks import CODE_OF, HazardCb, VerifyCb
from handlers.lifecycle_common import press
from handlers.message_edits import drop_keyboard, message_of
from handlers.reminders import ReminderCb
from handlers.texts import q
from storage.models_deadlines import LAPSED


class ExtensionCb(CallbackData, prefix="e1"):
    """A button on extension request ``id``: ``a`` ``o`` (show it to decide), ``ap`` approve, ``rf`` refuse."""

    a: str
    id: Num





def extension_text(view: ExtensionView) -> str:
    """A deadline extension request (HTML, user text escaped): the hazard, the current and asked deadline (ISO
    dates), the reason, who asked and, once decided, the decision."""
    lines = [
        _("Deadline extension request for {site} ({number})").format(site=q(view.site_name), number=q(view.number)),
        _("Current deadline: {date}").format(date=view.old_deadline.isoformat() if view.old_deadline else "—"),
        _("Requested: {date}").format(date=view.new_deadline.isoformat()),
        _("Reason: {reason}").format(reason=q(view.reason)),
        _("Asked by: {name}").format(name=q(view.requested_by)),
    ]
    if view.status == LAPSED:
        lines.append(_("Closed without a decision: the rectification was reported, so no extension is needed."))
    elif view.status != "pending":
        lines.append(_("Already decided: {status}.").format(status=extension_status(view.status)))
    return "\n".join(lines)


def extension_keyboard(view: ExtensionView) -> InlineKeyboardMarkup | None:
    """Approve and refuse buttons while the request is pending, else None."""
    if view.status != "pending":
        return None
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("✅ Approve the extension"), callback_data=ExtensionCb(a="ap", id=view.id).pack()),
        InlineKeyboardButton(text=_("❌ Refuse"), callback_data=ExtensionCb(a="rf", id=view.id).pack()),
    ]])


async def _open_form(query: CallbackQuery, start: Awaitable[Prompt], locale: str) -> None:
    """Open the form ``start`` opens (a refusal raises on to ``handlers.errors``) and ask its first question."""
    prompt = await start
    await query.answer()
    await send_prompt(message_of(query), prompt, locale)


async def request(query: CallbackQuery, callback_data: HazardCb | ReminderCb, actor: Actor, services: Services,
                  locale: str) -> None:
    """From the hazard's card or from the overdue reminder."""
    await _open_form(query, services.deadlines.start_request(actor, callback_data.id, locale), locale)


async def show(query: CallbackQuery, callback_data: ExtensionCb, actor: Actor, services: Services) -> None:
    """An extension request with the approver's buttons."""
    view = await services.deadlines.view(actor, callback_data.id)
    await query.answer()
    await message_of(query).answer(extension_text(view), reply_markup=extension_keyboard(view))


async def approve(query: CallbackQuery, callback_data: ExtensionCb, actor: Actor, services: Services) -> None:
    """The office approves the extension request under the button."""
    await press(query, actor, services.deadlines.approve(actor, callback_data.id))


async def refuse_request(query: CallbackQuery, callback_data: ExtensionCb, actor: Actor, services: Services,
                         locale: str) -> None:
    """The office refuses the extension request: removes the buttons and opens the refusal form (its reason)."""
    await drop_keyboard(message_of(query))
    await _open_form(query, services.deadlines.start_refusal(actor, callback_data.id, locale), locale)


async def supervise(query: CallbackQuery, callback_data: HazardCb | ReminderCb, actor: Actor,
                    services: Services, locale: str) -> None:
    """From the hazard's card or from the office's reminder."""
    await _open_form(query, services.supervision.start(actor, callback_data.id, locale), locale)


async def return_closure(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services,
                         locale: str) -> None:
    """Open the form returning a closure request to its unit."""
    await _open_form(query, services.closure_return.start(actor, callback_data.id, locale), locale)


async def close(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services,
                locale: str) -> None:
    """Open the closure (销账) form of the hazard, after the office's checks."""
    await _open_form(query, services.closure_checks.start_closure(actor, callback_data.id, locale), locale)


async def verified(query: CallbackQuery, callback_data: VerifyCb, actor: Actor, services: Services,
                   locale: str) -> None:
    """Open the form recording the district's verification (核查) as passed or failed (``ok``)."""
    start = services.closure_checks.start_verification(actor, callback_data.id, bool(callback_data.ok), locale)
    await _open_form(query, start, locale)


def router() -> Router:
    """The buttons of deadline extensions, supervision, closure and verification, in private chats."""
    r = Router(name="deadlines")
    r.callback_query.filter(F.message.chat.type == "private")
    cb = r.callback_query
    # the order decides which handler a press reaches first, as the decorators did
    cb.register(request, ReminderCb.filter(F.action == "extend"))
    cb.register(request, HazardCb.filter(F.a == CODE_OF[Action.REQUEST_EXTENSION]))
    cb.register(show, ExtensionCb.filter(F.a == "o"))
    cb.register(approve, ExtensionCb.filter(F.a == "ap"))
    cb.register(refuse_request, ExtensionCb.filter(F.a == "rf"))
    cb.register(supervise, ReminderCb.filter(F.action == "supervise"))
    cb.register(supervise, HazardCb.filter(F.a == CODE_OF[Action.SUPERVISE]))
    cb.register(return_closure, HazardCb.filter(F.a == CODE_OF[Action.RETURN_CLOSURE]))
    cb.register(close, HazardCb.filter(F.a == CODE_OF[Action.CLOSE]))
    cb.register(verified, VerifyCb.filter())
    return r
