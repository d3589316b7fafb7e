"""Work information, summaries, plans, implementation plans and lookback reports that units submit (方案
四(一)(四), 五(二)), framework-free. A submission for the current period clears the matching reminder.

A submission is its text and its files; a file's bytes go to the project's own content-addressed store
(``storage.photo_store``, under ``<photo dir>/submission-files``) after they were bounded (20 MB) and recognised
(``storage.upload_kinds``): nothing of a messenger (no file id) is kept, so the office reads it back offline
and byte for byte (``bot.services.inbox``). One submission may take several messages: the first makes it, the
next ones add their text and files to it (at most ``MAX_FILES`` files)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.domain import Role
from bot.services.actors import Actor, current_actor
from bot.services.errors import DomainError, NotFound, PermissionDenied
from storage.db import UowFactory
from storage.models_inbox import SubmissionFile
from storage.models_reminders import WorkSubmission
from storage.photo_store import PhotoStore
from storage.upload_kinds import check_size, kind_changed, safe_name, sniff

KINDS = ("work_info", "summary", "plan", "lookback_report", "implementation_plan")
SUBMITTERS = (Role.CONTACT, Role.LEADER, Role.REVIEWER, Role.INSPECTOR, Role.OFFICE)
MAX_FILES = 20
TEXT_LIMIT = 8000


class EmptySubmission(DomainError, code="empty_submission"):
    """Nothing to submit: no text, photo or file."""


class TooManyFiles(DomainError, code="too_many_files"):
    """The submission already holds ``MAX_FILES`` files. ``params``: ``limit``."""


def period_of(kind: str, day: date) -> str:
    """The period a submission on ``day`` (Asia/Shanghai) counts for: ``2019-03`` for work
    information, ``2019-Q1`` for a summary, ``2019`` for a plan, an implementation plan or a lookback report."""
    if kind == "work_info":
        return f"{day.year}-{day.month:02d}"
    if kind == "summary":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if kind in ("plan", "lookback_report", "implementation_plan"):
        return str(day.year)
    raise ValueError(f"unknown submission kind {kind!r}")


def previous_period(kind: str, day: date) -> str | None:
    """The period before the one ``day`` falls in, for the kinds owed every month or quarter (None for yearly
    kinds): ``2019-02`` for work information on a March day, ``2018-Q4`` for a summary in 2019's first quarter."""
    if kind == "work_info":
        year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
        return f"{year}-{month:02d}"
    if kind == "summary":
        quarter = (day.month - 1) // 3
        return f"{day.year}-Q{quarter}" if quarter else f"{day.year - 1}-Q4"
    return None


LATE_GRACE_DAYS = 10
"""In the first days of a month (a quarter), a unit that has not filed the previous one is sending that one late."""


async def period_owed(session: AsyncSession, unit_id: int, kind: str, day: date, earliest: date) -> str:
    """The period a new submission of ``unit_id`` on ``day`` counts for: the previous month (quarter) when the unit
    has not filed it yet and ``day`` is within ``LATE_GRACE_DAYS`` of the new period's start — November's work
    information sent on 2 December is November's, late, not December's (方案 五(二): one a month) — else the
    period ``day`` falls in (``period_of``). Periods that ended before
    ``earliest`` (the plan's date) were never owed."""
    current = period_of(kind, day)
    previous = previous_period(kind, day)
    starts = day.replace(day=1) if kind == "work_info" else date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    if previous is None or starts - timedelta(days=1) <= earliest:  # the previous period ended by the plan's date
        return current
    if (day - starts).days >= LATE_GRACE_DAYS:  # well into the new period: what is sent is the new period's
        return current
    filed = (await session.exec(select(WorkSubmission.id).where(  # type: ignore[call-overload]
        WorkSubmission.unit_id == unit_id, WorkSubmission.kind == kind, WorkSubmission.period == previous))).first()
    return current if filed is not None else previous


@dataclass(frozen=True)
class Upload:
    """A file as received: its bytes (not yet trusted), the name the sender gave it, ``role`` ``photo`` (a
    picture sent as a photo) or ``document``."""

    data: bytes
    name: str | None
    role: str = "document"


@dataclass(frozen=True)
class Submitted:
    """A submission just recorded: its id, the unit, the kind, the period (``YYYY-MM``, ``YYYY-Qn`` or
    ``YYYY``) and the number of files attached. ``declared``/``kept_as``: the name the file was sent under and
    the one it was kept under, when its bytes are another kind than that name says (``fake.pdf`` of plain text
    kept as ``fake.txt``: the sender is told), else both ``""``."""

    id: int
    unit_id: int
    kind: str
    period: str
    files: int = 0
    declared: str = ""
    kept_as: str = ""


class WorkReportService:
    """Takes what units submit; ``store``: where the files' bytes go (content-addressed)."""

    def __init__(self, uow: UowFactory, clock: Clock, store: PhotoStore | None = None,
                 earliest: date = date(2018, 9, 30)) -> None:
        """``earliest``: the campaign plan's date (``Campaign.issued``); no period that ended by it is owed."""
        self._uow = uow
        self._clock = clock
        self._store = store
        self._earliest = earliest

    def units_of(self, actor: Actor) -> list[tuple[int, str]]:
        """The units ``actor`` may submit for (contact, leader, reviewer, inspector or office there)."""
        seen: dict[int, str] = {}
        for g in actor.grants:
            if g.role in SUBMITTERS:
                seen.setdefault(g.unit_id, g.unit_name)
        return list(seen.items())

    async def submit(self, actor: Actor, unit_id: int, kind: str, text: str = "", upload: Upload | None = None,
                     into: int | None = None) -> Submitted:
        """Store one submission for ``unit_id`` in the current period, or add ``text`` and ``upload`` to the
        actor's own submission ``into`` (made in the same conversation).

        The file is bounded and recognised before anything is written. Raises ``PermissionDenied`` (not a member
        of that unit), ``EmptySubmission``, ``UploadTooBig``, ``FileKindRefused``, ``TooManyFiles``,
        ``NotFound`` (``into`` is not the actor's submission of that unit and kind), ``ValueError`` for an
        unknown ``kind``."""
        if kind not in KINDS:
            raise ValueError(f"unknown submission kind {kind!r}")
        if unit_id not in dict(self.units_of(actor)):
            raise PermissionDenied()
        text = text.strip()
        if not (text or upload):
            raise EmptySubmission()
        stored = await self._keep(upload) if upload is not None else None
        async with self._uow() as u:
            if unit_id not in dict(self.units_of(await current_actor(u.session, actor))):
                raise PermissionDenied()  # the role was taken away since the update's actor was loaded
            if into is None:
                period = await period_owed(u.session, unit_id, kind, self._clock.today(), self._earliest)
                row = WorkSubmission(unit_id=unit_id, kind=kind, period=period,
                                     text=text[:TEXT_LIMIT], submitted_by=actor.user_id, submitted_at=self._clock())
                u.session.add(row)
                await u.session.flush()
            else:
                found = await u.session.get(WorkSubmission, into)
                if found is None or (found.unit_id, found.kind, found.submitted_by) != (unit_id, kind, actor.user_id):
                    raise NotFound()
                row = found
                if text:
                    row.text = (f"{row.text}\n\n{text}" if row.text else text)[:TEXT_LIMIT]
                    u.session.add(row)
            count = int((await u.session.exec(
                select(func.count()).select_from(SubmissionFile).where(SubmissionFile.submission_id == row.id)
            )).one())
            if stored is not None:
                if count >= MAX_FILES:
                    raise TooManyFiles(limit=MAX_FILES)
                u.session.add(SubmissionFile(submission_id=row.id, position=count, created_at=self._clock(),  # type: ignore[arg-type]
                                             **stored))
                count += 1
            await u.commit()
            declared = kept_as = ""
            if stored is not None and upload is not None and kind_changed(upload.name, stored["name"]):
                declared, kept_as = upload.name or "", stored["name"]
            return Submitted(row.id, unit_id, kind, row.period, count, declared, kept_as)  # type: ignore[arg-type]

    async def _keep(self, upload: Upload) -> dict[str, Any]:
        check_size(len(upload.data))
        kind = sniff(upload.data, upload.name or "")
        if self._store is None:
            raise RuntimeError("no file store configured")
        digest, key = await self._store.put(upload.data)
        fallback = "photo" if upload.role == "photo" else "file"
        return {"role": upload.role, "name": safe_name(upload.name, kind, fallback), "mime": kind.mime,
                "size": len(upload.data), "sha256": digest, "store_key": key}
