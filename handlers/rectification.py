"""The unit's inspectors and reviewers after registration: ``/rectify`` lists the hazards being rectified or
waiting for re-inspection; report the rectification with the five implementations and evidence (整改/验收),
record the re-inspection (复查), and the December lookback (回头看) of closed hazards (方案 四(三)(四))."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.core import Core, Services
from bot.domain import HazardState
from bot.services.actors import Actor
from bot.services.errors import DomainError
from bot.services.lifecycle import Action
from handlers import lifecycle_input
from handlers.hazard_callbacks import CODE_OF, LEVEL_CODES, HazardCb
from handlers.hazard_view import amount_text, lifecycle_error, list_keyboard, list_text, outcome_text
from handlers.lifecycle_common import allowed_case, press
from handlers.message_edits import message_of

_ASKED = {
    CODE_OF[Action.REPORT_RECTIFICATION]: (Action.REPORT_RECTIFICATION, "rectify"),
    CODE_OF[Action.REINSPECT_PASS]: (Action.REINSPECT_PASS, "reinspect_pass"),
    CODE_OF[Action.REINSPECT_FAIL]: (Action.REINSPECT_FAIL, "reinspect_fail"),
    CODE_OF[Action.LOOKBACK_REBOUND]: (Action.LOOKBACK_REBOUND, "lookback_rebound"),
    CODE_OF[Action.SET_PLAN]: (Action.SET_PLAN, "plan"),
}


def router() -> Router:
    r = Router(name="rectification")
    r.message.filter(F.chat.type == "private")

    @r.message(Command("rectify"))
    async def queue(message: Message, actor: Actor, services: Services) -> None:
        try:
            waiting = await services.find.in_states(actor, [HazardState.REGISTERED, HazardState.RECTIFIED])
        except DomainError as exc:
            await message.answer(lifecycle_error(exc))
            return
        await message.answer(list_text(_("Hazards being rectified or awaiting re-inspection:"), waiting),
                             reply_markup=list_keyboard(waiting))

    @r.message(Command("link"))
    async def link(message: Message, command: CommandObject, actor: Actor, services: Services, bot: Bot) -> None:
        """``/link OLD NEW``: NEW (新生隐患, already submitted) was found in the lookback of OLD."""
        parts = (command.args or "").split()
        if len(parts) != 2:
            await message.answer(_("Send /link OLD NEW with two ledger or draft numbers: the hazard looked back at, "
                                   "then the new hazard found there."))
            return
        try:
            old = await services.find.by_number(actor, parts[0])
            new = await services.find.by_number(actor, parts[1])
            outcome = await services.lifecycle.link_new_hazard(actor, old.id, new.id)
        except DomainError as exc:
            await message.answer(lifecycle_error(exc))
            return
        await message.answer(outcome_text(outcome))

    @r.callback_query(HazardCb.filter(F.a.in_(set(_ASKED))))
    async def ask(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services,
                  state: FSMContext) -> None:
        action, op = _ASKED[callback_data.a]
        case = await allowed_case(query, actor, services, callback_data.id, action)
        if case is None:
            return
        await query.answer()
        plan = case.plan
        current = {
            "responsibility": plan.responsibility or "", "measures": plan.measures or "",
            "funds": amount_text(plan.funds),
            "deadline": plan.deadline.isoformat() if plan.deadline else "",
            "contingency_plan": plan.contingency_plan or "",
        }
        await lifecycle_input.begin(state, message_of(query), op, hazard_id=callback_data.id, current=current)

    @r.callback_query(HazardCb.filter(F.a.in_(set(LEVEL_CODES))))
    async def set_level(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services,
                        bot: Bot) -> None:
        level = LEVEL_CODES[callback_data.a]
        await press(query, actor, services.lifecycle.set_level(actor, callback_data.id, level))

    @r.callback_query(HazardCb.filter(F.a == CODE_OF[Action.LOOKBACK_PASS]))
    async def lookback_pass(query: CallbackQuery, callback_data: HazardCb, actor: Actor, services: Services,
                            bot: Bot, core: Core) -> None:
        today = core.clock.today()
        await press(query, actor, services.lifecycle.lookback(actor, callback_data.id, today, rebound=False))

    return r
