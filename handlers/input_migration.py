"""Life-cycle questions left open by the step-by-step input that came before the form engine (conversation
state ``LifecycleInput:answering`` in the FSM storage: the SQL table of migration 0080, or Redis) are carried
over, on the user's next update, to the equivalent form with the answers and photos given so far; the update
is then handled as usual (a typed answer answers the form's question). Nothing typed is lost."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.core import Services
from bot.domain import MAX_RECORD_ID
from bot.forms.prompt import Prompt
from bot.services.actors import Actor
from bot.services.errors import DomainError
from bot.services.lifecycle import Action
from bot.services.lifecycle_forms import FAILED, PASSED, REBOUND
from handlers.form_view import render
from handlers.hazard_callbacks import InputCb
from handlers.message_edits import message_of

OLD_ANSWERING = "LifecycleInput:answering"
OLD_CLOSED = "LifecycleInput:closed"  # the 2-minute late-photo window of before: the forms' own serves now
#: old operation → (form, the answer its button gave, the form's photos field)
_FORMS: dict[str, tuple[str, dict[str, Any], str]] = {
    "reject": ("hazard_reject", {}, "photos"),
    "plan": ("five_implementations", {}, "photos"),
    "rectify": ("rectification", {}, "evidence"),
    "reinspect_pass": ("reinspection", {"result": PASSED}, "photos"),
    "reinspect_fail": ("reinspection", {"result": FAILED}, "photos"),
    "lookback_rebound": ("lookback", {"rebound": REBOUND}, "photos"),
    "verify_fail": ("verification_fail", {}, "photos"),
}
#: old operation on a hazard → the action it must still be allowed now (the verification form checks its own)
_ACTIONS = {"reject": Action.REJECT, "plan": Action.SET_PLAN, "rectify": Action.REPORT_RECTIFICATION,
            "reinspect_pass": Action.REINSPECT_PASS, "reinspect_fail": Action.REINSPECT_FAIL,
            "lookback_rebound": Action.LOOKBACK_REBOUND}


def closed_input_text() -> str:
    """Said to a press under questions that have ended (a double tap on Done, an old message)."""
    return _("That question is closed (answered, cancelled or timed out); this press changed "
             "nothing. Open the hazard with /find to see what was saved.")


async def carry_over(state: FSMContext, actor: Actor, services: Services, locale: str) -> Prompt | None:
    """The open form the old questions in ``state`` became; ``None`` when there is nothing to carry: the data
    cannot be read, another form is open, or the step no longer fits (the hazard left the person's scope or its
    state moved on). The old state is cleared either way."""
    data = await state.get_data()
    await state.clear()
    old = _FORMS.get(str(data.get("op")))
    if old is None:
        return None
    form, given, photos_key = old
    try:  # stored by an earlier version, or damaged: read it with care, and drop what cannot be read
        answers = {str(k): v for k, v in dict(data.get("answers") or {}).items() if v not in (None, "")}
        prefill: dict[str, Any] = {**given, **answers}
        if data.get("photos"):
            prefill[photos_key] = [int(p) for p in data["photos"]]
        if data.get("doc"):
            prefill[f"{photos_key}_document"] = [str(v) for v in data["doc"]][:2]
        hazard_id, verification_id = int(data.get("hid") or 0), int(data.get("vid") or 0)
    except (TypeError, ValueError, AttributeError):
        return None
    if not 0 < (hazard_id or verification_id) <= MAX_RECORD_ID:
        return None
    try:
        if (await services.forms.current(actor, locale)).kind != "none":
            return None  # another form is open: the update answers it, the old questions end
        # still in the person's scope, and the step still fits the hazard as it is now
        if hazard_id and _ACTIONS[str(data["op"])] not in (await services.find.case(actor, hazard_id)).actions:
            return None
        context = {"hazard_id": hazard_id} if hazard_id else {"verification_id": verification_id}
        return await services.forms.start(actor, form, locale, prefill=prefill, context=context,
                                          answered=tuple(answers))
    except DomainError:
        return None


async def message(message: Message, state: FSMContext, actor: Actor, services: Services, locale: str) -> None:
    """A message in an old life-cycle input: carried over into its form, then handled as usual."""
    prompt = await carry_over(state, actor, services, locale)
    if prompt is not None:
        await message.answer(_("The questions you were answering now continue as a form ({form}); "
                               "what you entered so far is kept.").format(form=prompt.form_title))
    raise SkipHandler()  # then handled as usual: a typed answer answers the form's question


async def button(query: CallbackQuery, state: FSMContext, actor: Actor, services: Services,
                 locale: str) -> None:
    """A button in an old life-cycle input: carried over; an old input button shows the form's question."""
    prompt = await carry_over(state, actor, services, locale)
    if not (query.data or "").startswith(f"{InputCb.__prefix__}:"):  # another button: handled as usual
        raise SkipHandler()
    await query.answer()
    rendered = render(prompt, locale) if prompt is not None else None
    if rendered is None:
        await message_of(query).answer(closed_input_text())
        return
    text, keyboard = rendered
    await message_of(query).answer(
        _("The questions you were answering now continue as a form; what you entered so far is kept.")
        + "\n" + text, reply_markup=keyboard)


async def closed(event: Message | CallbackQuery, state: FSMContext) -> None:
    """An old state with nothing to carry over: forgotten, the update handled as usual."""
    await state.clear()
    raise SkipHandler()


def router() -> Router:
    """Chats left in a state of the old step-by-step input: their next message or press carries the answers
    over to the equivalent form, or is told the question is closed."""
    r = Router(name="input_migration")
    r.message.register(message, StateFilter(OLD_ANSWERING))
    r.callback_query.register(button, StateFilter(OLD_ANSWERING))
    r.message.register(closed, StateFilter(OLD_CLOSED))
    r.callback_query.register(closed, StateFilter(OLD_CLOSED))
    return r
