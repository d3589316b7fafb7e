"""What every life cycle handler does around its one service call: turn a refusal into a localized answer
(logging refused buttons: a forged or stale callback is worth a line in the log), answer the person who
pressed (the service queued the notices to the others), and re-check a button before asking for more input."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from aiogram.types import CallbackQuery

from bot.core import Services
from bot.services.actors import Actor
from bot.services.errors import DomainError, NotBound, NotFound, PermissionDenied
from bot.services.find import HazardCase
from bot.services.lifecycle import Action, roles_for, roles_on
from bot.services.lifecycle_errors import InvalidTransition
from bot.services.transitions import Outcome
from handlers.hazard_view import lifecycle_error, outcome_text
from handlers.message_edits import drop_keyboard, message_of

log = logging.getLogger("hazardbot.lifecycle")
_REFUSALS = (PermissionDenied, NotFound, NotBound)


async def refuse(query: CallbackQuery, actor: Actor, exc: DomainError) -> None:
    """Answer a refused button with the reason; log refusals of scope or role with who pressed what (our own
    user id: a Telegram id is personal data and stays out of the logs)."""
    if isinstance(exc, _REFUSALS):
        log.warning("refused callback %r from user %s: %s %s", query.data, actor.user_id, exc.code, exc.params)
    await query.answer(lifecycle_error(exc), show_alert=True)
    await message_of(query).answer(lifecycle_error(exc))


async def press(query: CallbackQuery, actor: Actor, call: Awaitable[Outcome], clear: bool = True) -> Outcome | None:
    """Run one life cycle service call for a pressed button and answer the person who pressed it (the service
    queued the notices to the others in its own unit of work)."""
    try:
        outcome = await call
    except DomainError as exc:
        await refuse(query, actor, exc)
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
            raise InvalidTransition(state=case.summary.state.value, action=action.value)
    except DomainError as exc:
        await refuse(query, actor, exc)
        return None
    return case
