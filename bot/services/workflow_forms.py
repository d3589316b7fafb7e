"""The submitters of issue 15's forms, by form key: each takes (session, actor, draft, answers, now) inside the
form service's unit of work and returns what was recorded and the notices it owes (queued with it).
``bot.services.form_submitters`` registers each (``as_submitter``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.forms.prompt import Submitted
from bot.services.actors import Actor
from bot.services.closure_checks import (
    submit_closure,
    submit_verification_pass,
)
from bot.services.closure_return import submit_closure_return
from bot.services.deadlines import submit_extension_refusal, submit_extension_request
from bot.services.notices import Notice
from bot.services.submission import Submission
from bot.services.supervision import submit_supervision
from storage.models import Draft

Submitter = Callable[[AsyncSession, Actor, Draft, dict[str, Any], datetime], Awaitable[tuple[Submitted, list[Notice]]]]

WORKFLOW_SUBMITTERS: dict[str, Submitter] = {
    "deadline_extension": submit_extension_request,
    "extension_refusal": submit_extension_refusal,
    "closure_return": submit_closure_return,
    "supervision": submit_supervision,
    "closure": submit_closure,
    "verification_pass": submit_verification_pass,
}


def as_submitter(submit: Submitter) -> Callable[[Submission], Awaitable[Submitted]]:
    """``submit`` in the form engine's shape (``bot.services.submission.Submitter``): its notices join the
    submission's."""

    async def run(sub: Submission) -> Submitted:
        submitted, notices = await submit(sub.session, sub.actor, sub.draft, sub.data, sub.now)
        sub.notices.extend(notices)
        return submitted

    return run
