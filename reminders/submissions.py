"""Work information, summaries, plans and lookback reports that units submit (方案 四(一)(四),
五(二)), framework-free. A submission for the current period clears the matching reminder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.clock import Clock
from bot.domain import Role
from bot.services.actors import Actor, current_actor
from bot.services.errors import DomainError, PermissionDenied
from storage.db import UowFactory
from storage.models_reminders import WorkSubmission

KINDS = ("work_info", "summary", "plan", "lookback_report")
SUBMITTERS = (Role.CONTACT, Role.LEADER, Role.REVIEWER, Role.INSPECTOR, Role.OFFICE)


class EmptySubmission(DomainError):
    """Nothing to submit: no text, photo or file."""

    code = "empty_submission"


def period_of(kind: str, day: date) -> str:
    """The period a submission on ``day`` (Asia/Shanghai) counts for: ``2019-03`` for work
    information, ``2019-Q1`` for a summary, ``2019`` for a plan or a lookback report."""
    if kind == "work_info":
        return f"{day.year}-{day.month:02d}"
    if kind == "summary":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if kind in ("plan", "lookback_report"):
        return str(day.year)
    raise ValueError(f"unknown submission kind {kind!r}")


@dataclass(frozen=True)
class Submitted:
    id: int
    unit_id: int
    kind: str
    period: str


class WorkReportService:
    def __init__(self, uow: UowFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def units_of(self, actor: Actor) -> list[tuple[int, str]]:
        """The units ``actor`` may submit for (contact, leader, reviewer, inspector or office there)."""
        seen: dict[int, str] = {}
        for g in actor.grants:
            if g.role in SUBMITTERS:
                seen.setdefault(g.unit_id, g.unit_name)
        return list(seen.items())

    async def submit(self, actor: Actor, unit_id: int, kind: str, text: str = "",
                     photo_file_ids: tuple[str, ...] = (), document_file_id: str | None = None,
                     document_name: str | None = None) -> Submitted:
        """Store one submission for ``unit_id`` in the current period.

        Raises ``PermissionDenied`` (not a member of that unit), ``EmptySubmission``, ``ValueError``
        for an unknown ``kind``.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown submission kind {kind!r}")
        if unit_id not in dict(self.units_of(actor)):
            raise PermissionDenied()
        if not (text.strip() or photo_file_ids or document_file_id):
            raise EmptySubmission()
        period = period_of(kind, self._clock().date())
        async with self._uow() as u:
            if unit_id not in dict(self.units_of(await current_actor(u.session, actor))):
                raise PermissionDenied()  # the role was taken away since the update's actor was loaded
            row = WorkSubmission(unit_id=unit_id, kind=kind, period=period, text=text.strip()[:8000],
                                 photo_file_ids=list(photo_file_ids), document_file_id=document_file_id,
                                 document_name=document_name, submitted_by=actor.user_id,
                                 submitted_at=self._clock())
            u.session.add(row)
            await u.session.flush()
            await u.commit()
            return Submitted(row.id, unit_id, kind, period)  # type: ignore[arg-type]
