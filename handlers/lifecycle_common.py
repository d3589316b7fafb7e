"""What every life cycle handler does around its one service call: answer the person who pressed (the
service queued the notices to the others), and re-check a button before asking for more input. A refusal
raises on to ``handlers.errors``, which answers it (and logs refused buttons)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from aiogram.types import CallbackQuery

from bot.core import Services
from bot.services.actors import Actor
from bot.services.errors import PermissionDenied
from bot.services.find import HazardCase
from bot.services.lifecycle import Action, roles_for, roles_on
from bot.services.lifecycle_errors import InvalidTransition
from bot.services.transitions import Outcome
from handlers.hazard_view import outcome_text
from handlers.message_edits import drop_keyboard, message_of

log = logging.getLogger("hazardbot.lifecycle")


async def press(query: CallbackQuery, actor: Actor, call: Awaitable[Outcome], clear: bool = True) -> Outcome:
    """Run one life cycle service call for a pressed button and answer the person who pressed it (the service
    queued the notices to the others in its own unit of work). Raises the call's ``DomainError``."""
    outcome = await call
    await query.answer()
    message = message_of(query)
    if clear:
        await drop_keyboard(message)
    await message.answer(outcome_text(outcome))
    return outcome


async def allowed_case(actor: Actor, services: Services, hazard_id: int, action: Action) -> HazardCase:
    """The case if ``actor`` may take ``action`` on it now (checked again when the action runs). Raises
    ``PermissionDenied`` (role or scope), ``InvalidTransition`` (state), ``NotFound``."""
    case = await services.find.case(actor, hazard_id)
    if action not in case.actions:
        if not roles_on(actor, case.hazard.unit_id, case.hazard.township_code, action) & roles_for(action):
            raise PermissionDenied(action=action.value, hazard_id=hazard_id)
        raise InvalidTransition(state=case.summary.state.value, action=action.value)
    return case
