"""The office returns a closure request (退回, 方案 四(三)): a hazard re-inspected as passed waits for 销账; when
the office finds the evidence wanting it sends it back with a reason (form ``config/forms/closure_return.toml``)
and the hazard waits for a new re-inspection (closure_requested → rectified). The unit's reviewers, the
inspector and whoever re-inspected it are told, with the reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.forms.prompt import Prompt, Submitted
from bot.services import workflow_texts as words
from bot.services.actors import Actor
from bot.services.lifecycle import Action
from bot.services.notices import Notice
from bot.services.step_forms import StepFormStarter
from bot.services.step_notices import open_hazard_callback
from bot.services.transitions import Transitions
from bot.services.workflow_steps import number_of, people_on
from reminders.texts import text
from storage.models import Draft
from storage.models_lifecycle import Reinspection


async def submit_closure_return(
    session: AsyncSession, actor: Actor, draft: Draft, data: dict[str, Any], now: datetime
) -> tuple[Submitted, list[Notice]]:
    """Return hazard ``context["hazard_id"]`` with ``data["reason"]``: closure_requested → rectified, a
    ``return_closure`` event. Raises ``PermissionDenied``, ``InvalidTransition``, ``AlreadyDone``."""
    t = Transitions(session, now)
    hazard, target = await t.begin(actor, int(draft.context["hazard_id"]), Action.RETURN_CLOSURE)
    assert hazard.id is not None
    reason = str(data["reason"]).strip()
    event = await t.move(actor, hazard, Action.RETURN_CLOSURE, target, note=reason)
    reinspectors = (await session.exec(
        select(Reinspection.inspected_by).where(Reinspection.hazard_id == hazard.id)
        .order_by(col(Reinspection.id).desc()).limit(1)
    )).all()
    recipients = t.users([*await people_on(t, hazard), *reinspectors], exclude=actor)
    body = text(words.closure_returned, hazard.site_name, number_of(hazard), actor.record_name, reason)
    button = (text(words.open_card_button), open_hazard_callback(hazard.id))
    notices = [Notice(uid, "closure_returned", body, button=button) for uid in recipients]
    assert event.id is not None
    return Submitted(draft.form, hazard.id, number_of(hazard), target.value), notices


class ClosureReturnService(StepFormStarter):
    """Open the return form for a hazard awaiting closure."""

    async def start(self, actor: Actor, hazard_id: int, locale: str) -> Prompt:
        """Raises ``PermissionDenied`` (not the office), ``InvalidTransition`` / ``AlreadyDone`` (not awaiting
        closure), ``NotFound``."""
        return await self._open_step(actor, hazard_id, Action.RETURN_CLOSURE, "closure_return", locale)
