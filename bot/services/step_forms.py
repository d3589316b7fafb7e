"""What the services that open a life-cycle step's form share: the unit of work, the clock and the form
service they are built with, and the check at the press that the step fits now (``Transitions.begin``; the
form's submitter checks it again at «提交», 方案 四)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.forms.prompt import Prompt
from bot.services.actors import Actor
from bot.services.form_opener import FormOpener
from bot.services.lifecycle import Action
from bot.services.transitions import Transitions
from bot.services.workflow_steps import number_of
from storage.db import UowFactory
from storage.models import Hazard


class StepFormStarter:
    """Base of the services whose ``start*`` methods open a step's form (see the subclasses)."""

    def __init__(self, uow: UowFactory, clock: Clock, forms: FormOpener) -> None:
        self._uow = uow
        self._clock = clock
        self._forms = forms

    async def _begin(self, session: AsyncSession, actor: Actor, hazard_id: int,
                     action: Action) -> tuple[Hazard, dict[str, Any]]:
        """The hazard once ``action`` fits it now, and the form context naming it (``hazard_id``,
        ``hazard_number``, and ``subject``: number · site, shown on every question as the life-cycle forms do).
        Raises what ``Transitions.begin`` raises (``PermissionDenied``, ``InvalidTransition``, ``AlreadyDone``,
        ``NotFound``)."""
        hazard, _target = await Transitions(session, self._clock()).begin(actor, hazard_id, action)
        number = number_of(hazard)
        subject = " · ".join(p for p in (number, hazard.site_name or "") if p)
        return hazard, {"hazard_id": hazard_id, "hazard_number": number, "subject": subject}

    async def _open_step(self, actor: Actor, hazard_id: int, action: Action, form_key: str, locale: str,
                         prefill: Callable[[Hazard], dict[str, Any]] | None = None) -> Prompt:
        """Open ``form_key`` about hazard ``hazard_id`` once ``action`` fits it now; ``prefill`` gives the
        form's first answers from the hazard. Raises as ``_begin``."""
        async with self._uow() as u:
            hazard, context = await self._begin(u.session, actor, hazard_id, action)
            answers = prefill(hazard) if prefill is not None else None
        return await self._forms.start(actor, form_key, locale, prefill=answers, context=context)
