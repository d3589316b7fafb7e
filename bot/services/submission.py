"""What a form's submission is handed, and the shape of a submitter (``bot.services.form_submitters``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.forms.prompt import Submitted
from bot.services.actors import Actor
from bot.services.notices import Notice
from bot.settings import Settings
from storage.models import Draft

if TYPE_CHECKING:
    from bot.campaign import Campaign
    from bot.services.evidence import EvidenceService
    from bot.services.lifecycle_service import LifecycleService
    from bot.services.verification import VerificationService


@dataclass(frozen=True)
class SubmitDeps:
    """The services a submitter may call in the form's unit of work (each given the session)."""

    settings: Settings
    campaign: Campaign
    evidence: EvidenceService | None = None
    lifecycle: LifecycleService | None = None
    verification: VerificationService | None = None


@dataclass
class Submission:
    """One form being submitted, inside its unit of work (``session``; the form service commits).

    ``data``: the answers of the fields that apply (``FormWalk.clean``: dates ISO strings, amounts decimal
    strings, photos lists of photo ids, ``<key>_rows`` of repeat groups, ``<key>_document`` ``[key,
    name, sha256, size, mime]`` (``StoredDocument``), hidden fields' prefill); ``draft.context``: the facts it was opened with (``unit_id``,
    ``hazard_id``, ``verification_id``, ``tipoff_id``…); ``today``/``now`` in the configured zone.
    A submitter appends what it owes to others to ``notices`` (queued in the same unit of work).
    """

    session: AsyncSession
    actor: Actor
    draft: Draft
    data: dict[str, Any]
    today: date
    now: datetime
    deps: SubmitDeps
    notices: list[Notice] = field(default_factory=list)

    @property
    def context(self) -> dict[str, Any]:
        """A copy of the facts the draft was opened with (empty when none)."""
        return dict(self.draft.context or {})


#: does what submitting one form does; raises ``DomainError`` to refuse (nothing is kept)
Submitter = Callable[[Submission], Awaitable[Submitted]]
#: the answers a form opens with, read in the unit of work that opens it, from the draft's ``context``
Prefill = Callable[[AsyncSession, dict[str, Any]], Awaitable[dict[str, Any]]]

