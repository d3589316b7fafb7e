"""What every life cycle handler does around its one service call: answer the person who pressed (the service
queued the notices to the others), and re-check a button before asking for more input. A refusal
raises on to ``handlers.errors``, which answers it (and logs refused buttons)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from bot.core import Services
from bot.domain import HazardState
from bot.services.actors import Actor
from bot.services.documents import available_notices
from bot.services.errors import DomainError, NotBound, NotFound, PermissionDenied
from bot.services.find import HazardCase
from bot.services.hazard_query import roles_on
from bot.services.lifecycle import Action, roles_for
from bot.services.lifecycle_errors import FiveImplementationsMissing, InvalidTransition, ReinspectorMustDiffer
from bot.services.transitions import Outcome
from handlers.errors import OnRefusal
from handlers.hazard_callbacks import CODE_OF, HazardCb
from handlers.hazard_view import button_label, card_keyboard, outcome_text
from handlers.message_edits import drop_keyboard, message_of

log = logging.getLogger("hazardbot.lifecycle")


def remedy(hazard_id: int, exc: DomainError) -> InlineKeyboardMarkup | None:
    """A button that mends the refusal ``exc`` of an action on ``hazard_id``: «填写五落实» when 挂账 (or a
    rectification report) was refused for missing five implementations; the card offers the action again
    once they are filled (the ``five_implementations`` form's answer carries the card's buttons)."""
    if isinstance(exc, FiveImplementationsMissing):
        data = HazardCb(id=hazard_id, a=CODE_OF[Action.SET_PLAN]).pack()
        return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=button_label(Action.SET_PLAN),
                                                                           callback_data=data)]])
    return None


async def press(query: CallbackQuery, actor: Actor, call: Awaitable[Outcome], clear: bool = True,
                hazard_id: int | None = None, on_refusal: OnRefusal | None = None) -> Outcome:
    """Run one life cycle service call for a pressed button and answer the person who pressed it (the service
    queued the notices to the others in its own unit of work). Raises the call's ``DomainError``; a refusal of
    an action on ``hazard_id`` that has a ``remedy`` button is told with it (``on_refusal``)."""
    try:
        outcome = await call
    except FiveImplementationsMissing as exc:
        if on_refusal is not None and hazard_id is not None:
            on_refusal.reply_markup = remedy(hazard_id, exc)
        raise
    await query.answer()
    message = message_of(query)
    if clear:
        await drop_keyboard(message)
    await message.answer(outcome_text(outcome))
    return outcome


async def allowed_case(actor: Actor, services: Services, hazard_id: int, action: Action) -> HazardCase:
    """The case if ``actor`` may take ``action`` on it now (checked again when the action runs). Raises
    ``PermissionDenied`` (role or scope), ``ReinspectorMustDiffer`` (复查 by the rectification's reporter),
    ``InvalidTransition`` (state), ``NotFound``."""
    case = await services.find.case(actor, hazard_id)
    if action not in case.actions:
        if not roles_on(actor, case.hazard, action) & roles_for(action):
            raise PermissionDenied(action=action.value, hazard_id=hazard_id)
        if action in (Action.REINSPECT_PASS, Action.REINSPECT_FAIL) and case.summary.state == HazardState.RECTIFIED:
            raise ReinspectorMustDiffer(reporter=actor.record_name)  # the card hides 复查 from the reporter
        raise InvalidTransition(state=case.summary.state.value, action=action.value)
    return case


async def card_markup(services: Services, actor: Actor, hazard_id: int) -> InlineKeyboardMarkup | None:
    """The buttons of the hazard's card as it is now for ``actor`` (after filling in the five implementations:
    确认挂账 again); None when it is out of their reach."""
    try:
        case = await services.find.case(actor, hazard_id)
    except (NotBound, NotFound, PermissionDenied):  # out of reach now: the answer goes without buttons
        return None
    return card_keyboard(case, available_notices(actor, case))
