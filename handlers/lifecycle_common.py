"""What every life cycle handler does around its one service call: turn a refusal into a localized answer
(logging refused buttons: a forged or stale callback is worth a line in the log), answer the person who
pressed (the service queued the notices to the others), and re-check a button before asking for more input."""

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
from bot.services.lifecycle import Action, roles_for, roles_on
from bot.services.lifecycle_errors import FiveImplementationsMissing, InvalidTransition, ReinspectorMustDiffer
from bot.services.transitions import Outcome
from handlers.hazard_callbacks import CODE_OF, HazardCb
from handlers.hazard_view import button_label, card_keyboard, lifecycle_error, outcome_text
from handlers.message_edits import drop_keyboard, message_of

log = logging.getLogger("hazardbot.lifecycle")
_REFUSALS = (PermissionDenied, NotFound, NotBound)


async def refuse(query: CallbackQuery, actor: Actor, exc: DomainError,
                 reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer a refused button with the reason (and ``reply_markup``: what to do about it); log refusals of
    scope or role with who pressed what (our own user id: a Telegram id is personal data and stays out of the
    logs)."""
    if isinstance(exc, _REFUSALS):
        log.warning("refused callback %r from user %s: %s %s", query.data, actor.user_id, exc.code, exc.params)
    await query.answer(lifecycle_error(exc), show_alert=True)
    await message_of(query).answer(lifecycle_error(exc), reply_markup=reply_markup)


def remedy(hazard_id: int, exc: DomainError) -> InlineKeyboardMarkup | None:
    """A button that mends the refusal ``exc`` of an action on ``hazard_id``: «填写五落实» when 挂账 (or a
    rectification report) was refused for missing five implementations; the card offers the action again
    once they are filled (``lifecycle_input``)."""
    if isinstance(exc, FiveImplementationsMissing):
        data = HazardCb(id=hazard_id, a=CODE_OF[Action.SET_PLAN]).pack()
        return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=button_label(Action.SET_PLAN),
                                                                           callback_data=data)]])
    return None


async def press(query: CallbackQuery, actor: Actor, call: Awaitable[Outcome], clear: bool = True,
                hazard_id: int | None = None) -> Outcome | None:
    """Run one life cycle service call for a pressed button and answer the person who pressed it (the service
    queued the notices to the others in its own unit of work); a refusal of an action on ``hazard_id`` comes
    with its ``remedy`` button, if it has one."""
    try:
        outcome = await call
    except DomainError as exc:
        await refuse(query, actor, exc, remedy(hazard_id, exc) if hazard_id is not None else None)
        return None
    await query.answer()
    message = message_of(query)
    if clear:
        await drop_keyboard(message)
    await message.answer(outcome_text(outcome))
    return outcome


async def allowed_case(
    query: CallbackQuery, actor: Actor, services: Services, hazard_id: int, action: Action
) -> HazardCase | None:
    """The case if ``actor`` may take ``action`` on it now (checked again when the action runs); else refuse."""
    try:
        case = await services.find.case(actor, hazard_id)
        if action not in case.actions:
            if not roles_on(actor, case.hazard.unit_id, case.hazard.township_code, action) & roles_for(action):
                raise PermissionDenied(action=action.value, hazard_id=hazard_id)
            if action in (Action.REINSPECT_PASS, Action.REINSPECT_FAIL) and case.summary.state == HazardState.RECTIFIED:
                raise ReinspectorMustDiffer(reporter=actor.full_name)  # the card hides 复查 from the reporter
            raise InvalidTransition(state=case.summary.state.value, action=action.value)
    except DomainError as exc:
        await refuse(query, actor, exc)
        return None
    return case


async def card_markup(services: Services, actor: Actor, hazard_id: int) -> InlineKeyboardMarkup | None:
    """The buttons of the hazard's card as it is now for ``actor`` (after filling in the five implementations:
    确认挂账 again); None when it is out of their reach."""
    try:
        case = await services.find.case(actor, hazard_id)
    except DomainError:
        return None
    return card_keyboard(case, available_notices(actor, case))
