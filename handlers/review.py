"""The unit reviewer: ``/review`` lists the hazards submitted in their unit, all of them page by page, most urgent
first (issue 16); approve or reject (with a reason) from the card. The inspector is told either way
(方案 四(二): 各单位负责审核)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.domain import HazardState
from bot.services.actors import Actor
from bot.services.lifecycle import Action
from handlers.forms import open_form
from handlers.hazard_callbacks import CODE_OF, HazardCb
from handlers.lifecycle_common import allowed_case, press
from handlers.list_pager import ListPager
from handlers.message_edits import message_of
from handlers.private import private_router
from handlers.queue_view import page_keyboard, page_text

VIEW = "rv"  # the pager's key for /review


async def _page(actor: Actor, services: Services, number: int) -> tuple[str, InlineKeyboardMarkup | None]:
    page = await services.find.queue(actor, [HazardState.PENDING_REVIEW], number, action=Action.APPROVE)
    return page_text(_("Hazards awaiting review:"), page), page_keyboard(page, VIEW)


#: ``/review``: the first page of the hazards waiting for the reviewer's decision.
_pager = ListPager(_page)


async def approve(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services) -> None:
    """«Approve» on the card: pending_review → pending_confirmation (checked again by the service)."""
    await press(query, actor, services.lifecycle.approve(actor, callback_data.id))


async def reject(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services, locale: str) -> None:
    """«Reject» on the card: the rejection form (its reason), if the reviewer may reject it now."""
    await allowed_case(actor, services, callback_data.id, Action.REJECT)
    await query.answer()
    await open_form(message_of(query), actor, services, locale, "hazard_reject", context={"hazard_id": callback_data.id})


def router() -> Router:
    """``/review`` with its pager and the approve and reject buttons, in private chats."""
    r = private_router("review")
    _pager.register(r, "review", VIEW)
    r.callback_query.register(approve, HazardCb.filter(F.a == CODE_OF[Action.APPROVE]))
    r.callback_query.register(reject, HazardCb.filter(F.a == CODE_OF[Action.REJECT]))
    return r
