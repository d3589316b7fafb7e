"""The office's inbox of what units submit (issue 16 item 5; 方案 五(二), 四(一)(四)): work information and typical
cases, quarterly summaries, implementation plans and lookback reports, by month, unit and kind, with the units
that owe the month's items and have not sent them (``bot.services.inbox_due``); one submission opened with its
text and its files (bytes from the project's store, sent back unchanged); marking a typical case (典型案例) and
publishing it (信息发布) to every unit's contacts through the outbox. A month's export: ``bot.services.inbox_export``.

Who may do what (checked here, whatever a button says): the district office and admins read everything, mark
and publish; a leader of a district-level unit (``bot.domain.is_district_unit``: 区安委办, 区应急局…) reads
everything and changes nothing; anyone bound reads their own unit's submissions and the published typical cases.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.domain import Role
from bot.services.actors import Actor, current_actor
from bot.services.errors import DomainError, NotFound, PermissionDenied
from bot.services.inbox_due import Late, Owed, late_units, owed_in
from bot.services.notices import Notice, queue_notices
from bot.services.paging import PAGE_SIZE, Page, clamp_page
from bot.services.summary import StatusRules, began_by, compute_status, due_end, monthly_report_due
from bot.services.unit_lookup import find_unit
from reminders.kind_words import KIND_NAMES
from reminders.texts import _, text
from storage.db import UowFactory
from storage.models import Membership, Unit, User
from storage.models_inbox import SubmissionFile
from storage.models_reminders import Contact, WorkSubmission
from storage.photo_store import PhotoStore

KIND_CODES = {"work_info": "w", "summary": "s", "lookback_report": "l", "implementation_plan": "i", "plan": "p"}
_CODE_KINDS = {v: k for k, v in KIND_CODES.items()}
#: words a person may type after /submissions to pick a kind (Chinese and English)
KIND_WORDS = {
    "工作信息": "work_info", "典型案例": "work_info", "信息": "work_info", "work_info": "work_info",
    "总结": "summary", "季度总结": "summary", "工作总结": "summary", "summary": "summary",
    "回头看": "lookback_report", "总结报告": "lookback_report", "lookback": "lookback_report",
    "实施方案": "implementation_plan", "方案": "implementation_plan",
    "计划": "plan", "检查计划": "plan", "plan": "plan",
}
_MONTH = re.compile(r"^(\d{4})(?:-|年|/|\.)(\d{1,2})月?$")
_DATE_LIKE = re.compile(r"^\d{4}(?:-|年|/|\.)\d")  # begins as a month does: a malformed month, never a unit
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
NOTICE_TEXT_LIMIT = 1500
TITLE_LIMIT = 40
MAX_FILTER_WORDS = 6
YEARS = range(2000, 2101)
"""The years the inbox reads (typed or carried by a button): a forged year 0 or 9999 has no month to compute."""


#: who reads their own unit's submissions besides the district's readers: those the contact form (附件4) lists for
#: it, its leader (主管领导) and its contacts (联系人员), who send them; its inspectors and reviewers do not
UNIT_READERS = (Role.LEADER, Role.CONTACT)


class NotOffice(PermissionDenied):
    """Only the district safety office, admins and district leaders see every unit's submissions; only the office
    and admins mark and publish them."""


class BadMonth(DomainError, code="bad_month"):
    """``/submissions 2026-13``: a month typed that does not exist (``month``: as typed), or outside the years
    kept (``first``–``last``)."""


class NotTypical(DomainError, code="not_typical"):
    """Only a submission marked as a typical case is published."""


def _b36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _B36[r] + out
        if not n:
            return out


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows: submissions made in ``year``-``month`` (Asia/Shanghai), of ``kind`` (``None``: all),
    from ``unit_id`` (``None``: every unit). ``key`` packs it in at most 16 characters for a button."""

    year: int
    month: int
    kind: str | None = None
    unit_id: int | None = None

    @property
    def period(self) -> str:
        """The month filtered, as ``YYYY-MM``."""
        return f"{self.year}-{self.month:02d}"

    @property
    def key(self) -> str:
        """The filter packed for a button's callback data: year, month, kind code and the unit id in base 36."""
        unit = _b36(self.unit_id) if self.unit_id is not None else ""
        return f"{self.year:04d}{self.month:02d}{KIND_CODES.get(self.kind or '', 'a')}{unit}"

    @staticmethod
    def parse(key: str) -> InboxFilter:
        """The filter a button carries. Raises ``NotFound`` for one that is not well formed (forged)."""
        m = re.fullmatch(r"(\d{4})(\d{2})([a-z])([0-9a-z]{0,6})", key)
        if (m is None or not 1 <= int(m[2]) <= 12 or int(m[1]) not in YEARS
                or (m[3] != "a" and m[3] not in _CODE_KINDS)):
            raise NotFound()
        return InboxFilter(int(m[1]), int(m[2]), _CODE_KINDS.get(m[3]), int(m[4], 36) if m[4] else None)

    def shifted(self, months: int) -> InboxFilter:
        """The same filter ``months`` months later (earlier when negative)."""
        n = self.year * 12 + self.month - 1 + months
        return replace(self, year=n // 12, month=n % 12 + 1)


@dataclass(frozen=True)
class SubmissionLine:
    """One submission in a list: ``title`` its text's first line (or its first file's name), cut short."""

    id: int
    unit_name: str
    kind: str
    period: str
    submitted_at: datetime
    title: str
    files: int
    typical: bool


@dataclass(frozen=True)
class Listing:
    """One page of the inbox under ``filter`` (``unit_name`` when narrowed to a unit) and the month's units that
    have not sent what they owe (``late``: one entry per owed item of the kinds shown)."""

    filter: InboxFilter
    unit_name: str | None
    page: Page[SubmissionLine]
    late: tuple[Late, ...]
    not_started: frozenset[int] = frozenset()  # units 尚未开始 now (``summary.UnitLine.not_started``), as /status
    begun: Mapping[Owed, frozenset[int]] = field(default_factory=dict)  # of each owed item's late units, those
    # that had begun by its due date (``summary.began_by``)

    def began(self, late: Late) -> list[tuple[int, str]]:
        """The units of ``late`` that had begun the campaign by its due date: late in earnest. A unit that began
        after it (a fresh install's first unit) did not fall behind with it and is not named."""
        begun = self.begun.get(late.owed, frozenset())
        return [u for u in late.units if u[0] in begun]

    def fresh(self, late: Late) -> list[tuple[int, str]]:
        """The units of ``late`` that have not started (nothing recorded or reported): counted apart, as /status."""
        return [u for u in late.units if u[0] in self.not_started]


@dataclass(frozen=True)
class FileView:
    """A file of a submission; ``stored`` false: sent before the store existed (a Telegram id only, migration
    0160), not fetchable offline."""

    id: int
    role: str
    name: str
    mime: str
    size: int | None
    stored: bool
    store_key: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class SubmissionView:
    """A unit's submission (report, material or typical case) as the inbox shows it: the unit, the kind and
    period (``YYYY-MM``), its text, when (aware UTC) and by whom it came, whether it is marked typical and
    when that was published, and its attached files."""

    id: int
    unit_id: int
    unit_name: str
    kind: str
    period: str
    text: str
    submitted_at: datetime
    submitted_by: str
    typical: bool
    published_at: datetime | None
    files: tuple[FileView, ...]


def title_of(body: str, first_file: str | None = None) -> str:
    """A submission's title: the first non-empty line of its text, else its first file's name, cut short."""
    line = next((ln.strip() for ln in body.splitlines() if ln.strip()), "") or (first_file or "")
    return line if len(line) <= TITLE_LIMIT else line[: TITLE_LIMIT - 1] + "…"


def kind_words(kind: str) -> str:
    """A submission kind in words (the locale being rendered, ``reminders.texts``)."""
    return _(KIND_NAMES[kind]) if kind in KIND_NAMES else kind


def typical_case_notice(unit: str, kind: str, period: str, body: str, files: int) -> str:
    """The notice publishing a typical case to every unit's contacts (HTML, what was typed escaped)."""
    cut = body if len(body) <= NOTICE_TEXT_LIMIT else body[: NOTICE_TEXT_LIMIT - 1] + "…"
    head = _("[Typical case] {unit} — {kind}, {period}").format(
        unit=escape(unit, quote=False), kind=kind_words(kind), period=escape(period, quote=False))
    tail = _("{n} attached files: press the button to receive them.").format(n=files) if files else ""
    return "\n\n".join(p for p in (f"<b>{head}</b>", escape(cut, quote=False), tail) if p)


def open_button_words() -> str:
    """The label of the button that opens a published typical case."""
    return _("Open the typical case")


class InboxService:
    """Reads the inbox for the office. ``rules``: zone, campaign and working-day calendar; ``store``: the file
    store the submissions' bytes are in; ``lookback_*``: the reminders' lookback days (``ReminderSettings``)."""

    def __init__(self, uow: UowFactory, store: PhotoStore, clock: Clock, rules: StatusRules,
                 lookback_end_day: int = 15, lookback_report_days: int = 7) -> None:
        self._uow = uow
        self._store = store
        self._clock = clock
        self._rules = rules
        self._lookback = (lookback_end_day, lookback_report_days)

    @staticmethod
    def writes(actor: Actor) -> bool:
        """Whether ``actor`` marks and publishes: the district office or an admin."""
        return actor.is_admin or actor.has(Role.OFFICE)

    @classmethod
    def reads_all(cls, actor: Actor) -> bool:
        """Whether ``actor`` reads every unit's submissions: the office, admins, and a leader of a district-level
        unit (``Grant.at_district_unit``; the catalog's ``/submissions`` entry lists it for the same people)."""
        return cls.writes(actor) or any(g.role == Role.LEADER and g.at_district_unit for g in actor.grants)

    def require_office(self, actor: Actor) -> None:
        """Raises ``NotOffice`` unless ``actor`` is the district office or an admin (to mark, to publish)."""
        if not self.writes(actor):
            raise NotOffice(action="submissions")

    def require_reader(self, actor: Actor) -> None:
        """Raises ``NotOffice`` unless ``actor`` reads every unit's submissions (``reads_all``)."""
        if not self.reads_all(actor):
            raise NotOffice(action="submissions")

    @property
    def uow(self) -> UowFactory:
        """The unit of work factory the service opens (for the exports that run beside it)."""
        return self._uow

    @property
    def store(self) -> PhotoStore:
        """The photo and file store holding the submissions' attachments."""
        return self._store

    @property
    def tz(self) -> ZoneInfo:
        """The configured zone (Asia/Shanghai) of the inbox's months and dates."""
        return self._rules.tz

    def today(self) -> date:
        """Today's date in the configured zone."""
        return self._clock().astimezone(self._rules.tz).date()

    def default_filter(self) -> InboxFilter:
        """The latest month whose work information is due (so early December shows November), else this month."""
        today = self.today()
        due = monthly_report_due(today, self._rules.cal, self._rules.campaign.issued)
        if due is None:
            return InboxFilter(today.year, today.month)
        year, month = due.split("-")
        return InboxFilter(int(year), int(month))

    async def parse_query(self, actor: Actor, query: str) -> InboxFilter:
        """The filter typed after ``/submissions``: any of a month (``2019-11``, ``2019年11月``), a kind
        (``工作信息``, ``总结``, ``回头看``, ``实施方案``) and a unit's name (exact, or the one unit whose name
        contains it). Raises ``NotOffice``, ``UnknownUnit``, ``BadMonth`` (a month that does not exist)."""
        self.require_reader(actor)
        flt = self.default_filter()
        rest: list[str] = []
        for word in query.split()[:MAX_FILTER_WORDS]:
            month = _MONTH.match(word)
            if month is None and _DATE_LIKE.match(word):  # 2026-11-01, 2026-001: a date, not a month
                raise BadMonth(month=word[:16], first=YEARS.start, last=YEARS.stop - 1)
            if month:
                if not (1 <= int(month[2]) <= 12 and int(month[1]) in YEARS):
                    raise BadMonth(month=word[:16], first=YEARS.start, last=YEARS.stop - 1)
                flt = replace(flt, year=int(month[1]), month=int(month[2]))
            elif word.lower() in KIND_WORDS:
                flt = replace(flt, kind=KIND_WORDS[word.lower()])
            else:
                rest.append(word)
        if rest:
            name = " ".join(rest)[:64]
            async with self._uow() as u:
                found = await find_unit(u.session, name)  # as /status reads it (建外, 区安监局)
            flt = replace(flt, unit_id=found.id)
        return flt

    def _month_bounds(self, flt: InboxFilter) -> tuple[datetime, datetime]:
        tz = self._rules.tz
        start = datetime.combine(date(flt.year, flt.month, 1), time(), tz)
        nxt = flt.shifted(1)
        return start, datetime.combine(date(nxt.year, nxt.month, 1), time(), tz)

    def where(self, flt: InboxFilter) -> list[Any]:
        """The conditions on ``WorkSubmission`` of ``flt``: made in its month (zone of ``rules``), its kind, unit."""
        start, end = self._month_bounds(flt)
        cond: list[Any] = [WorkSubmission.submitted_at >= start, WorkSubmission.submitted_at < end]
        if flt.kind is not None:
            cond.append(WorkSubmission.kind == flt.kind)
        if flt.unit_id is not None:
            cond.append(WorkSubmission.unit_id == flt.unit_id)
        return cond

    async def listing(self, actor: Actor, flt: InboxFilter, page: int = 0) -> Listing:
        """Page ``page`` (clamped) of the submissions under ``flt``, newest first, and the units late with what
        the month owes (of ``flt.kind``, or of every kind owed). Raises ``NotOffice``."""
        self.require_reader(actor)
        async with self._uow() as u:
            self.require_reader(await current_actor(u.session, actor))
            where = self.where(flt)
            total = int((await u.session.exec(
                select(func.count()).select_from(WorkSubmission).where(*where)
            )).one())
            number, offset = clamp_page(page, total)
            rows = (await u.session.exec(
                select(WorkSubmission, Unit.name).join(Unit, Unit.id == WorkSubmission.unit_id)  # type: ignore[arg-type]
                .where(*where).order_by(col(WorkSubmission.submitted_at).desc(), col(WorkSubmission.id).desc())
                .offset(offset).limit(PAGE_SIZE)
            )).all()
            lines = await self._lines(u.session, rows)
            late = []
            for owed in owed_in(flt.year, flt.month, self._rules.cal, self._rules.campaign, *self._lookback):
                if flt.kind in (None, owed.kind):
                    late.append(await late_units(u.session, owed, self.today(), flt.unit_id))
            unit_name = None
            if flt.unit_id is not None:
                unit = await u.session.get(Unit, flt.unit_id)
                if unit is None:
                    raise NotFound()
                unit_name = unit.name
            fresh: frozenset[int] = frozenset()
            begun: dict[Owed, frozenset[int]] = {}
            if any(x.units for x in late):  # the district's status from its counters: milliseconds
                status = await compute_status(u.session, self._clock(), rules=self._rules)
                fresh = frozenset(line.unit_id for line in status.not_started_units)
                for x in late:
                    began = await began_by(u.session, (uid for uid, _n in x.units if uid not in fresh),
                                           due_end(x.owed.due, self._rules.tz))
                    begun[x.owed] = frozenset(began)
        return Listing(flt, unit_name, Page(lines, total, number), tuple(late), fresh, begun)

    async def _lines(self, session: AsyncSession, rows: object) -> list[SubmissionLine]:
        pairs = list(rows)  # type: ignore[call-overload]
        ids = [s.id for s, _n in pairs]
        firsts: dict[int, tuple[int, str]] = {}
        for sid, name in (await session.exec(
            select(SubmissionFile.submission_id, SubmissionFile.name).where(col(SubmissionFile.submission_id).in_(ids))
            .order_by(SubmissionFile.submission_id, SubmissionFile.position)  # type: ignore[arg-type]
        )).all():
            n, first = firsts.get(sid, (0, name))
            firsts[sid] = (n + 1, first)
        tz = self._rules.tz
        return [SubmissionLine(s.id, name, s.kind, s.period, s.submitted_at.astimezone(tz),
                               title_of(s.text, firsts.get(s.id, (0, None))[1]), firsts.get(s.id, (0, ""))[0],
                               s.typical_at is not None)
                for s, name in pairs]

    async def units_in(self, actor: Actor, flt: InboxFilter) -> list[tuple[int, str, int]]:
        """The units with submissions under ``flt`` (ignoring its unit): ``(id, name, count)`` in registry order.
        Raises ``NotOffice``."""
        self.require_reader(actor)
        where = self.where(replace(flt, unit_id=None))
        async with self._uow() as u:
            self.require_reader(await current_actor(u.session, actor))  # a role taken away since the list was sent
            rows = (await u.session.exec(
                select(Unit.id, Unit.name, func.count(col(WorkSubmission.id)))
                .join(Unit, col(Unit.id) == WorkSubmission.unit_id).where(*where)
                .group_by(col(Unit.id), col(Unit.name)).order_by(col(Unit.id))
            )).all()
        return [(int(i or 0), str(n), int(c)) for i, n, c in rows]

    async def _may_read(self, session: AsyncSession, actor: Actor, row: WorkSubmission) -> bool:
        now = await current_actor(session, actor)
        return (self.reads_all(now) or any(g.unit_id == row.unit_id and g.role in UNIT_READERS for g in now.grants)
                or (row.published_at is not None and now.is_bound))

    async def open(self, actor: Actor, submission_id: int) -> SubmissionView:
        """One submission with its files (not their bytes). Raises ``NotFound`` (also when the actor may not read
        it: its existence is not told)."""
        async with self._uow() as u:
            row = await u.session.get(WorkSubmission, submission_id)
            if row is None or not await self._may_read(u.session, actor, row):
                raise NotFound()
            return await self._view(u.session, row)

    async def _office_row(self, session: AsyncSession, actor: Actor, submission_id: int) -> WorkSubmission:
        """The submission for an office action, the actor's roles read again in ``session``. Raises
        ``NotOffice``, ``NotFound``."""
        self.require_office(await current_actor(session, actor))
        row = await session.get(WorkSubmission, submission_id)
        if row is None:
            raise NotFound()
        return row

    async def _view(self, session: AsyncSession, row: WorkSubmission) -> SubmissionView:
        unit = await session.get(Unit, row.unit_id)
        by = await session.get(User, row.submitted_by) if row.submitted_by is not None else None
        files = (await session.exec(
            select(SubmissionFile).where(SubmissionFile.submission_id == row.id).order_by(SubmissionFile.position)  # type: ignore[arg-type]
        )).all()
        return SubmissionView(
            row.id, row.unit_id, unit.name if unit else "?", row.kind, row.period, row.text,  # type: ignore[arg-type]
            row.submitted_at.astimezone(self._rules.tz), by.record_name if by else "", row.typical_at is not None,
            row.published_at, tuple(FileView(f.id, f.role, f.name, f.mime, f.size, f.store_key is not None,  # type: ignore[arg-type]
                                             f.store_key, f.sha256) for f in files))

    async def file_bytes(self, view: SubmissionView) -> list[tuple[FileView, bytes]]:
        """The stored bytes of ``view``'s files (from ``open``, so already checked), in order; a file whose bytes
        are gone from the store or no longer match their hash is left out."""
        out = []
        for f in view.files:
            if f.store_key is None:
                continue
            try:
                data = await self._store.get(f.store_key)
            except (FileNotFoundError, ValueError):
                continue
            if f.sha256 and hashlib.sha256(data).hexdigest() != f.sha256:
                continue
            out.append((f, data))
        return out

    async def mark_typical(self, actor: Actor, submission_id: int) -> SubmissionView:
        """Mark a submission a typical case (典型案例; idempotent). Raises ``NotOffice``, ``NotFound``."""
        self.require_office(actor)
        async with self._uow() as u:
            row = await self._office_row(u.session, actor, submission_id)
            if row.typical_at is None:
                row.typical_at, row.typical_by = self._clock(), actor.user_id
                u.session.add(row)
            view = await self._view(u.session, row)
            await u.commit()
        return view

    async def publish(self, actor: Actor, submission_id: int, button_data: str) -> int:
        """Publish a typical case (信息发布, 方案 五(二)) to every unit's bound contacts (附件4 联系人员 and members
        with the contact role) through the outbox, once per person whatever the number of presses; ``button_data``
        (≤ 64 bytes) opens it. Returns how many people it was queued to now. Raises ``NotOffice``, ``NotFound``,
        ``NotTypical``."""
        self.require_office(actor)
        async with self._uow() as u:
            row = await self._office_row(u.session, actor, submission_id)
            if row.typical_at is None:
                raise NotTypical()
            now = self._clock()
            if row.published_at is None:
                row.published_at, row.published_by = now, actor.user_id
                u.session.add(row)
            view = await self._view(u.session, row)
            recipients = await contact_user_ids(u.session)
            words = text(typical_case_notice, view.unit_name, view.kind, view.period, view.text,
                         sum(1 for f in view.files if f.stored))
            notices = [Notice(uid, "typical_case", words, button=(text(open_button_words), button_data))
                       for uid in recipients]
            queued = await queue_notices(u.session, f"submission:{row.id}", notices, now)
            await u.commit()
        return queued


async def contact_user_ids(session: AsyncSession) -> list[int]:
    """Every bound contact of every unit: users named in a contact form (附件4, role 联系人员) and users holding the
    contact role, once each, in id order."""
    named = (await session.exec(
        select(Contact.user_id).where(Contact.role == "contact", col(Contact.user_id).is_not(None))
    )).all()
    members = (await session.exec(select(Membership.user_id).where(Membership.role == Role.CONTACT.value))).all()
    return sorted({int(u) for u in [*named, *members] if u is not None})

