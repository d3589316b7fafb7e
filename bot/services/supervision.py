"""Supervision with substance (挂牌督办, 方案 五(五)): the level that supervises (``SUPERVISION_LEVELS``), what it
requires, by when, and the person responsible — a form (``config/forms/supervision.toml``). Registering a major
hazard (重大隐患) prompts the office to put it under 区政府-level supervision ("重大安全生产事故隐患，由区政府进行
挂账督办"): a notice with a button that opens the form with that level chosen."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import Role
from bot.forms.prompt import Prompt, Submitted
from bot.services import workflow_texts as words
from bot.services.actors import Actor
from bot.services.lifecycle import DISTRICT_GOVERNMENT, MAJOR, SUPERVISION_LEVELS, Action
from bot.services.lifecycle_errors import AlreadySupervised, InvalidValue
from bot.services.notices import Notice
from bot.services.step_forms import StepFormStarter
from bot.services.transitions import Transitions, queue_step_notices
from bot.services.workflow_steps import number_of, outcome, supervise_data
from reminders.texts import text
from storage.models import Draft, Hazard
from storage.models_lifecycle import Supervision


async def submit_supervision(
    session: AsyncSession, actor: Actor, draft: Draft, data: dict[str, Any], now: datetime
) -> tuple[Submitted, list[Notice]]:
    """Put hazard ``context["hazard_id"]`` under supervision: ``data`` level, requirement, deadline (ISO date)
    and responsible. A ``supervise`` event carries them; the unit's leaders and contacts, the inspector and
    the approving reviewer are told, naming the level (``bot.services.step_notices``). Raises ``InvalidValue`` (level),
    ``AlreadySupervised`` (that level still open), ``PermissionDenied``, ``InvalidTransition``."""
    level = str(data["level"])
    if level not in SUPERVISION_LEVELS:
        raise InvalidValue(field="supervision_level", value=level)
    t = Transitions(session, now)
    hazard, target = await t.begin(actor, int(draft.context["hazard_id"]), Action.SUPERVISE)
    assert hazard.id is not None
    existing = (await session.exec(select(Supervision).where(
        Supervision.hazard_id == hazard.id, Supervision.level == level, col(Supervision.ended_at).is_(None)
    ))).first()
    if existing is not None:
        raise AlreadySupervised(level=level, since=existing.started_at)
    requirement, responsible = str(data["requirement"]).strip(), str(data["responsible"]).strip()
    deadline = date.fromisoformat(str(data["deadline"]))
    event = await t.move(actor, hazard, Action.SUPERVISE, target, note=requirement,
                         data={"level": level, "requirement": requirement, "deadline_of_supervision":
                               deadline.isoformat(), "responsible": responsible})
    record = Supervision(hazard_id=hazard.id, level=level, note=requirement, requirement=requirement,
                         deadline=deadline, responsible=responsible, started_by=actor.user_id, started_at=now)
    session.add(record)
    await session.flush()
    assert record.id is not None and event.id is not None
    # who is told, naming the level, requirement, deadline and person responsible: ``STEP_NOTICES``
    await queue_step_notices(session, outcome(hazard, event, record_id=record.id), actor, now)
    return Submitted(draft.form, record.id, number_of(hazard), level), []


async def major_registered(t: Transitions, hazard: Hazard) -> list[Notice]:
    """The prompt to the district office when a major hazard is registered (方案 五(五)): supervise it at
    区政府 level, with a button that opens the supervision form. Nothing for a general hazard."""
    if hazard.level != MAJOR or hazard.id is None:
        return []
    office = await t.role_people([Role.OFFICE])
    body = text(words.supervision_proposed, hazard.site_name, number_of(hazard), DISTRICT_GOVERNMENT)
    button = (text(words.supervise_button), supervise_data(hazard.id))
    return [Notice(uid, "supervision_proposed", body, button=button) for uid in office]


class SupervisionService(StepFormStarter):
    """Open the supervision form for a hazard the office may supervise."""

    async def start(self, actor: Actor, hazard_id: int, locale: str) -> Prompt:
        """The level starts as 区政府 for a major hazard. Raises ``PermissionDenied``, ``InvalidTransition``,
        ``NotFound``."""
        return await self._open_step(actor, hazard_id, Action.SUPERVISE, "supervision", locale,
                                     prefill=lambda hazard: {"level": DISTRICT_GOVERNMENT} if hazard.level == MAJOR else {})
