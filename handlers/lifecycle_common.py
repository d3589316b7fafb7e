"""What every life cycle handler does around its one service call: turn a refusal into a localized answer
(logging refused buttons: a forged or stale callback is worth a line in the log), tell the people the
service named, and re-check a button before asking for more input."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from aiogram import Bot
from aiogram.types import CallbackQuery, Message

from bot.app import Services
from bot.services.actors import Actor
from bot.services.errors import DomainError, NotBound, NotFound, PermissionDenied
from bot.services.find import HazardCase
from bot.services.lifecycle import Action, roles_for, roles_on
from bot.services.lifecycle_errors import InvalidTransition
from bot.services.transitions import Outcome
from handlers.hazard_view import lifecycle_error, notice_text, outcome_text
from handlers.message_edits import drop_keyboard
from handlers.notices import deliver

log = logging.getLogger("hazardbot.lifecycle")
_REFUSALS = (PermissionDenied, NotFound, NotBound)


def message_of(query: CallbackQuery) -> Message:
    message = query.message
    assert isinstance(message, Message)
    return message


async def refuse(query: CallbackQuery, actor: Actor, exc: DomainError) -> None:
    """Answer a refused button with the reason; log refusals of scope or role with who pressed what (our own
    user id: a Telegram id is personal data and stays out of the logs)."""
    if isinstance(exc, _REFUSALS):
        log.warning("refused callback %r from user %s: %s %s", query.data, actor.user_id, exc.code, exc.params)
    await query.answer(lifecycle_error(exc), show_alert=True)
    await message_of(query).answer(lifecycle_error(exc))


async def tell_others(bot: Bot, outcome: Outcome, actor: Actor, note: str | None = None) -> None:
    """Send the notice to everyone the service named; best effort (a blocked bot must not undo the action)."""
    text = notice_text(outcome, actor.full_name, note)
    for chat_id in outcome.notify:
        try:
            await bot.send_message(chat_id, text)
        except Exception:  # noqa: BLE001  (one unreachable person must not stop the others)
            log.warning("could not notify someone about hazard %s", outcome.hazard_id)
    await deliver(bot, outcome.notices)  # a tip-off's reporter learns the new state in plain words


async def press(
    query: CallbackQuery, actor: Actor, bot: Bot, call: Awaitable[Outcome], note: str | None = None,
    clear: bool = True,
) -> Outcome | None:
    """Run one life cycle service call for a pressed button and report its outcome."""
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
    await tell_others(bot, outcome, actor, note)
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
