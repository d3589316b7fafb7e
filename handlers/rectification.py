"""The unit's inspectors and reviewers after registration: ``/rectify`` lists the hazards being rectified or
waiting for re-inspection; report the rectification with the five implementations and evidence (整改/验收),
record the re-inspection (复查), and the December lookback (回头看) of closed hazards (方案 四(三)(四)). The list
holds all of them, page by page, most urgent first (issue 16)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.domain import HazardState
from bot.services.actors import Actor
from bot.services.lifecycle import MAJOR, Action
from bot.services.lifecycle_forms import FAILED, NO_REBOUND, PASSED, REBOUND
from handlers.forms import open_form
from handlers.hazard_callbacks import ASK_RAISE, CANCEL_RAISE, CODE_OF, CONFIRM_RAISE, LEVEL_CODES, HazardCb
from handlers.hazard_view import outcome_text
from handlers.lifecycle_common import allowed_case, card_markup, press
from handlers.list_pager import ListPager
from handlers.message_edits import drop_keyboard, message_of, show_keyboard
from handlers.private import private_router
from handlers.queue_view import page_keyboard, page_text

#: the button → the action it is checked for, the form it opens and the answer the button already gave
_ASKED: dict[str, tuple[Action, str, dict[str, object]]] = {
    CODE_OF[Action.REPORT_RECTIFICATION]: (Action.REPORT_RECTIFICATION, "rectification", {}),
    CODE_OF[Action.REINSPECT_PASS]: (Action.REINSPECT_PASS, "reinspection", {"result": PASSED}),
    CODE_OF[Action.REINSPECT_FAIL]: (Action.REINSPECT_FAIL, "reinspection", {"result": FAILED}),
    CODE_OF[Action.LOOKBACK_PASS]: (Action.LOOKBACK_PASS, "lookback", {"rebound": NO_REBOUND}),
    CODE_OF[Action.LOOKBACK_REBOUND]: (Action.LOOKBACK_REBOUND, "lookback", {"rebound": REBOUND}),
    CODE_OF[Action.SET_PLAN]: (Action.SET_PLAN, "five_implementations", {}),
}


VIEW = "rc"  # the pager's key for /rectify


async def _page(actor: Actor, services: Services, number: int) -> tuple[str, InlineKeyboardMarkup | None]:
    page = await services.find.queue(actor, [HazardState.REGISTERED, HazardState.RECTIFIED], number)
    return page_text(_("Hazards being rectified or awaiting re-inspection:"), page), page_keyboard(page, VIEW)


#: ``/rectify``: the first page of the hazards being rectified or waiting for re-inspection.
_pager = ListPager(_page)


async def link(message: Message, command: CommandObject, actor: Actor, services: Services) -> None:
    """``/link OLD NEW``: NEW (新生隐患, already submitted) was found in the lookback of OLD."""
    parts = (command.args or "").split()
    if len(parts) != 2:
        await message.answer(_("Send /link OLD NEW with two ledger or draft numbers: the hazard looked back at, "
                               "then the new hazard found there."))
        return
    old = await services.find.by_number(actor, parts[0])
    new = await services.find.by_number(actor, parts[1])
    outcome = await services.lifecycle.link_new_hazard(actor, old.id, new.id)
    await message.answer(outcome_text(outcome))


async def ask(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services, locale: str) -> None:
    """A button that opens the form of its step (``_ASKED``), after checking the step is allowed now."""
    action, form, given = _ASKED[callback_data.a]
    await allowed_case(actor, services, callback_data.id, action)
    await query.answer()
    await open_form(message_of(query), actor, services, locale, form, prefill=given,
                    context={"hazard_id": callback_data.id})


async def set_level(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services) -> None:
    """Lower to 一般隐患, or raise to 重大隐患 once confirmed (the button names the level it sets); the service
    checks the roles held and the hazard's state and level as they are at this press."""
    level = LEVEL_CODES[callback_data.a]
    await press(query, actor, services.lifecycle.set_level(actor, callback_data.id, level))


def raise_confirmation(hazard_id: int) -> InlineKeyboardMarkup:
    """确认升级 / 取消, in place of the card's buttons."""
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("Confirm raise"), callback_data=HazardCb(id=hazard_id, a=CONFIRM_RAISE).pack()),
        InlineKeyboardButton(text=_("Cancel"), callback_data=HazardCb(id=hazard_id, a=CANCEL_RAISE).pack()),
    ]])


async def ask_raise(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services) -> None:
    """升级为重大隐患 on a card: nothing changes yet. Offered only if the change could be made now (a refusal
    raises on to ``handlers.errors``); the card's buttons become 确认升级 / 取消."""
    await services.lifecycle.check_level(actor, callback_data.id, MAJOR)
    ask = _("Raise this hazard to a major hazard? Press “Confirm raise” on the card, or “Cancel”.")
    await query.answer(ask)
    await show_keyboard(message_of(query), raise_confirmation(callback_data.id), ask)


async def cancel_raise(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services) -> None:
    """取消: the card's buttons as they are now for the person (none when it is out of their reach)."""
    markup = await card_markup(services, actor, callback_data.id)
    await query.answer(_("Not raised; nothing changed."))
    message = message_of(query)
    if markup is None:
        await drop_keyboard(message)
    else:
        await show_keyboard(message, markup, _("Not raised; nothing changed."))


def router() -> Router:
    """``/rectify`` with its pager, ``/link``, and the buttons asking for a rectification step or a
    supervision level, in private chats."""
    r = private_router("rectification")
    _pager.register(r, "rectify", VIEW)
    r.message.register(link, Command("link"))
    r.callback_query.register(ask, HazardCb.filter(F.a.in_(set(_ASKED))))
    r.callback_query.register(set_level, HazardCb.filter(F.a.in_(set(LEVEL_CODES))))
    r.callback_query.register(ask_raise, HazardCb.filter(F.a == ASK_RAISE))
    r.callback_query.register(cancel_raise, HazardCb.filter(F.a == CANCEL_RAISE))
    return r
