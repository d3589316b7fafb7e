"""Use cases behind ``/status``, ``/rank``, ``/map``, ``/export`` and ledger files sent to the bot.

Who sees what (checked here, whatever a button says): the district safety office, admins and leaders of
区安委会办公室 or 区政府 (``hazard_query.reads_district``) see the district and may drill into any unit, named by
``/status UNIT`` (``unit_named``); a leader of another unit sees that unit's scope only. A unit's numbers count
the hazards of its scope (``hazard_query.in_unit_scope``: a township those located in it, a department its
industry, a 功能区管委会 its zone, each also what it recorded). ``/rank`` (通报, 方案 五(三)) compares every unit
with hazard duties, for the district's readers and for any unit's leader.
Exports follow the same scopes, except the contacts (附件4: personal phone numbers), which only the office
and admins export. Ledger imports are for the office and admins; a unit's reviewers and leaders may send
their unit's plan (附件3). Who may import is checked before a file is downloaded; the file is bounded and
parsed in the parse worker (``bot.services.sheet_parser``), never on the event loop.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from sqlalchemy import and_, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.domain import Role
from bot.forms.spec import hazard_types
from bot.services import ledger_export as ex
from bot.services.actors import Actor
from bot.services.errors import DomainError, NotBound, NotFound, PermissionDenied
from bot.services.hazard_query import in_unit_scope, open_clause, overdue_clause, reads_district
from bot.services.ledger_import import ImportReport, RowError, answer_staged, store_hazards, store_inspections
from bot.services.ledger_rows import ParsedLedger
from bot.services.ledger_staging import (
    PendingImport,
    drop,
    load_pending,
    new_stage,
    read_progress,
    save_pending,
    stage_folder,
)
from bot.services.paging import Page, clamp_page
from bot.services.plan_sheets import ParsedPlan
from bot.services.plans import Arrangement, InvalidPlan, PlanInput, PlanService
from bot.services.sheet_jobs import read_ledger_upload
from bot.services.sheet_parser import SheetParser
from bot.services.statistics import DISTRICT, VIEWS, StatTable, compute_table, labels, sheet_of
from bot.services.summary import (
    MAJOR,
    RankingLine,
    Status,
    StatusRules,
    Window,
    compute_status,
    map_hazards,
    rank,
    unpinned_hazards,
)
from storage.db import UowFactory
from storage.excel.contacts_export import export_contacts
from storage.excel.statistics_export import write_statistics
from storage.models import Hazard, Unit
from storage.registry import match_unit, suggest_units

LIST_LIMIT = 20
PROGRESS_POLL = 1.0  # seconds between two looks at the worker's progress
T = TypeVar("T")
EXPORT_KINDS = ("hazards", "inspections", "plans", "contacts")
#: the words a person may type after /export for each kind: its Chinese name and its annex (方案 附件1–4)
EXPORT_WORDS = {"隐患": "hazards", "隐患台账": "hazards", "附件2": "hazards",
                "检查": "inspections", "检查台账": "inspections", "附件1": "inspections",
                "计划": "plans", "检查计划": "plans", "附件3": "plans",
                "联系人": "contacts", "联系表": "contacts", "工作联系表": "contacts", "附件4": "contacts"}


def export_kind(word: str) -> str | None:
    """The export kind (``EXPORT_KINDS``) ``word`` names, in English (``hazards``) or Chinese (``隐患``,
    ``附件2``; full-width digits allowed), or None when it names none."""
    cleaned = unicodedata.normalize("NFKC", word).strip().lower()
    return cleaned if cleaned in EXPORT_KINDS else EXPORT_WORDS.get(cleaned)


class UnknownLedgerFile(DomainError, code="unknown_ledger_file"):
    """The file's header rows are neither 附件1 nor 附件2."""


#: file names (lower case) of spreadsheets no ledger is imported from: CSV (a contacts list's other format), the old
#: binary Excel and WPS formats, macro workbooks, OpenDocument
OTHER_SHEET_SUFFIXES = (".csv", ".xls", ".xlsm", ".et", ".ods")


class LedgerNotXlsx(DomainError, code="ledger_not_xlsx"):
    """A spreadsheet in a format no ledger is imported from (``OTHER_SHEET_SUFFIXES``: a CSV, an old .xls): ledgers
    and plans are imported from .xlsx, a contacts list (附件4, .xlsx or .csv) after ``/contacts_import``."""


class StagedImportGone(DomainError, code="staged_import_gone"):
    """The checked ledger a button answers was already answered, expired (``STAGED_TTL``) or never existed."""


ImportProgress = Callable[[str, int, int], Awaitable[None]]
"""``progress(phase, done, total)``: ``check`` with the rows checked so far (total 0: not known yet), then
``save`` with the rows saved of ``total``."""


@dataclass(frozen=True)
class CheckedImport:
    """A checked file: its ``kind`` and ``report``; ``token`` names a 附件2 ledger with good and bad rows that
    waits for the office's choice (``ReportService.finish_import``), None when nothing waits."""

    kind: str
    report: ImportReport
    token: str | None


async def _with_progress(job: Awaitable[T], stage: Path, progress: ImportProgress | None) -> T:
    """Await ``job`` (the worker's check), reporting the rows it has checked (its ``progress`` file) every
    ``PROGRESS_POLL`` seconds."""
    if progress is None:
        return await job
    task = asyncio.ensure_future(job)
    last = 0
    while True:
        done, _ = await asyncio.wait({task}, timeout=PROGRESS_POLL)
        if done:
            return task.result()
        rows = read_progress(stage)
        if rows > last:
            last = rows
            await progress("check", rows, 0)


class UnitNotKnown(DomainError, code="unit_not_known"):
    """``/status NAME``: no unit of the registry is named ``name``; ``suggestions`` (、-joined) look like it."""


class OwnUnitOnly(DomainError, code="own_unit_only"):
    """A unit's leader asked for another unit's status, list or table: they see their own unit's (``unit``: its
    name) only, the district's readers any unit's."""


class LedgerKindMismatch(DomainError, code="ledger_kind_mismatch"):
    """The file is another kind of ledger than the one asked for (``found``: hazards, inspections, plans)."""


@dataclass(frozen=True)
class StatusReport:
    """A scope's status with its chart (PNG bytes)."""

    status: Status
    chart_png: bytes
    district: bool  # the viewer may drill into other units


@dataclass(frozen=True)
class MapPicture:
    """The map PNG, how many hazards it draws and how many it cannot (no coordinates), ``unpinned_overdue`` of
    those overdue."""

    png: bytes
    drawn: int
    unpinned: int
    unpinned_overdue: int = 0


@dataclass(frozen=True)
class HazardLine:
    """One hazard of a status list: its ledger number (None while a draft), site, township, deadline
    (Asia/Shanghai date) and level."""

    ledger_number: str | None
    site_name: str
    township: str
    deadline: date | None
    level: str


@dataclass(frozen=True)
class HazardList:
    """``kind``: ``overdue``, ``major`` or ``category``; ``total`` may exceed ``len(items)`` (first 20)."""

    kind: str
    scope_name: str
    category: str | None
    total: int
    items: list[HazardLine]


@dataclass(frozen=True)
class ExportFile:
    """A written export: the file on disk, the name to send it under and the number of data rows."""

    path: Path
    filename: str
    rows: int
    due: date | None = None  # a plan's due date (Asia/Shanghai)


class ReportService:
    """Status, rankings, lists and exports for a unit or the district, each checked against the actor's scope
    (raises ``NotBound``, ``PermissionDenied``)."""

    def __init__(self, uow: UowFactory, clock: Clock, rules: StatusRules, district_code: str = "110105",
                 sheets: SheetParser | None = None) -> None:
        """``rules``: the zone, campaign and working-day calendar every status and plan is judged by."""
        self._rules = rules
        self._uow = uow
        self._clock = clock
        self._district_code = district_code
        self._sheets = sheets or SheetParser()
        # staged ledgers whose answer this process is saving now (another process's shows as its open mark)
        self._answering: set[str] = set()

    @staticmethod
    def sees_district(actor: Actor) -> bool:
        """``hazard_query.reads_district``: the office, admins, leaders of 区安委会办公室 or 区政府."""
        return reads_district(actor)

    async def unit_named(self, actor: Actor, text: str) -> int | None:
        """The id of the unit ``text`` names (``storage.registry.match_unit``: a township in any of its forms, a
        department by name or short form such as "消防", a zone committee by its aliases), for ``/status UNIT``;
        ``None`` for the whole district as its tables name it (``DISTRICT_NAMES``: 全区, 朝阳区), to its readers only.
        Raises ``NotBound``, ``PermissionDenied`` (as ``scope``), ``UnitNotKnown`` with suggestions."""
        self.scope(actor, None)
        if text.strip().casefold() in DISTRICT_NAMES:
            if not self.sees_district(actor):
                raise PermissionDenied()
            return None
        entry = match_unit(text)
        async with self._uow() as u:
            found = None if entry is None else (await u.session.exec(select(Unit.id).where(Unit.code == entry.code))).first()  # type: ignore[call-overload]
        if found is None:
            raise UnitNotKnown(name=text.strip()[:40], suggestions="、".join(suggest_units(text, limit=3)) or "—")
        return int(found[0])

    def scope(self, actor: Actor, unit_id: int | None) -> int | None:
        """The unit the actor may look at: ``unit_id`` (None = district) if allowed, else their own unit.

        Raises ``NotBound`` without any role, ``PermissionDenied`` for roles that see no summaries and
        ``OwnUnitOnly`` for a leader asking for a unit other than their own."""
        if not actor.is_bound:
            raise NotBound()
        if self.sees_district(actor):
            return unit_id
        grant = actor.grant_for(Role.LEADER)
        if grant is None:
            raise PermissionDenied()
        if unit_id not in (None, grant.unit_id):
            raise OwnUnitOnly(unit=grant.unit_name)
        return grant.unit_id

    async def status(self, actor: Actor, unit_id: int | None = None, lang: str = "zh") -> StatusReport:
        """Numbers and chart for the actor's scope (see ``bot.services.summary`` for the definitions); the
        chart's labels in ``lang`` (``zh`` or ``en``)."""
        scope = self.scope(actor, unit_id)
        async with self._uow() as u:
            await _scope_name(u.session, scope)
            st = await compute_status(u.session, self._clock(), scope, rules=self._rules)
        from bot.charts import status_chart  # matplotlib loads on first use, not at start-up

        return StatusReport(st, status_chart(st, lang), self.sees_district(actor))

    async def ranking_page(self, actor: Actor, number: int = 0, size: int = 20) -> Page[RankingLine]:
        """Page ``number`` (0-based, clamped) of ``rankings``, ``size`` lines a page."""
        table = await self.rankings(actor)
        number, offset = clamp_page(number, len(table), size)
        return Page(table[offset : offset + size], len(table), number, size)

    async def ranking_of(self, actor: Actor, text: str) -> tuple[bool, RankingLine | None, Page[RankingLine]]:
        """``/rank UNIT``: whether ``text`` names a unit (as ``unit_named``; the district, 全区, is none), that
        unit's 通报 line (None for a unit without hazard duties, which is not ranked) and the table's first
        page. Raises ``NotBound``, ``PermissionDenied``, ``UnitNotKnown``."""
        unit_id = await self.unit_named(actor, text)
        page = await self.ranking_page(actor)
        if unit_id is None:
            return False, None, page
        table = await self.rankings(actor)
        return True, next((r for r in table if r.line.unit_id == unit_id), None), page

    async def rankings(self, actor: Actor) -> list[RankingLine]:
        """The weekly 通报 table (方案 五(三)) of every unit with hazard duties (``summary.rank``), each counted
        over its scope; for anyone who may see summaries (the district's readers, a unit's leaders)."""
        self.scope(actor, None)
        async with self._uow() as u:
            st = await compute_status(u.session, self._clock(), None, rules=self._rules)
        return rank(st.units)

    async def hazards(self, actor: Actor, kind: str, unit_id: int | None, category: int | None = None) -> HazardList:
        """Overdue, major-open or open-in-a-category hazards of the scope, most urgent deadline first."""
        scope = self.scope(actor, unit_id)
        today = self._clock.today()
        h = Hazard.__table__.c  # type: ignore[attr-defined]
        cat_name = None
        if kind == "overdue":
            cond = overdue_clause(today)
        elif kind == "major":
            cond = and_(open_clause(), h.level == MAJOR)
        elif kind == "category" and category is not None and 0 <= category < len(hazard_types()):
            cat_name = hazard_types()[category].name
            cond = and_(open_clause(), h.category == cat_name)
        else:
            raise PermissionDenied()
        if scope is not None:
            cond = and_(cond, in_unit_scope(scope))
        async with self._uow() as u:
            name = await _scope_name(u.session, scope)
            total = int((await u.session.exec(select(func.count()).select_from(Hazard.__table__).where(cond))).one()[0])  # type: ignore[call-overload, attr-defined]
            rows = (await u.session.exec(  # type: ignore[call-overload]
                select(h.ledger_number, h.site_name, h.township, h.deadline, h.level)
                .where(cond).order_by(h.deadline, h.id).limit(LIST_LIMIT)
            )).all()
        return HazardList(kind, name, cat_name, total, [HazardLine(*r) for r in rows])

    async def map_png(self, actor: Actor, unit_id: int | None = None, lang: str = "zh") -> MapPicture:
        """The electronic map (方案 六(四)) of the scope's major and overdue hazards, labels in ``lang``;
        those without coordinates are counted and named on it, not left out silently."""
        scope = self.scope(actor, unit_id)
        async with self._uow() as u:
            name = await _scope_name(u.session, scope)
            points = await map_hazards(u.session, self._clock(), self._clock.tz, scope)
            unpinned = await unpinned_hazards(u.session, self._clock(), self._clock.tz, scope)
        from bot.map_chart import MapPoint, hazard_map

        pts = [MapPoint(p.longitude, p.latitude, p.site_name, p.major, p.overdue, p.state, p.supervised,
                        p.ledger_number or "") for p in points]
        day = f"{self._clock.today():%Y-%m-%d}"
        title = f"{name}重大及超期隐患分布图（{day}）" if lang == "zh" else f"{name}: major and overdue hazards ({day})"
        png = hazard_map(pts, title, unpinned.numbers, unpinned.count, lang=lang, unpinned_overdue=unpinned.overdue)
        return MapPicture(png, len(pts), unpinned.count, unpinned.overdue)

    async def export(self, actor: Actor, kind: str, unit_id: int | None = None) -> ExportFile:
        """Write the ledger ``kind`` of the actor's scope to a temporary ``.xlsx`` (the caller deletes it).

        ``contacts`` (附件4) holds personal mobile numbers: office and admins only, else ``PermissionDenied``."""
        if kind not in EXPORT_KINDS:
            raise PermissionDenied()
        if kind == "contacts" and actor.is_bound and not (actor.is_admin or actor.has(Role.OFFICE)):
            raise PermissionDenied()
        scope = self.scope(actor, unit_id)
        today = self._clock.today()
        path = Path(tempfile.mkdtemp(prefix="hazardbot-export-")) / f"{kind}-{today:%Y%m%d}.xlsx"
        names = {"hazards": "安全隐患台账", "inspections": "监督检查台账", "plans": "监督检查计划",
                 "contacts": "工作联系表"}
        async with self._uow() as u:
            f = ex.ExportFilter(unit_id=scope, today=today, tz=self._clock.tz)
            grant = actor.grant_for(Role.OFFICE, Role.LEADER, Role.REVIEWER, Role.INSPECTOR, Role.CONTACT)
            filled_by = grant.unit_name if grant else ""  # 填报单位 on the printed pages
            if kind == "hazards":
                n = await ex.export_hazards(u.session, f, path, filled_by=filled_by)
            elif kind == "inspections":
                n = await ex.export_inspections(u.session, f, path, filled_by=filled_by)
            elif kind == "contacts":
                n = await export_contacts(u.session, path, scope)
            else:
                n = await ex.export_plans(u.session, path, today.year, scope)
        return ExportFile(path, f"{names[kind]}-{today:%Y%m%d}.xlsx", n)

    async def plan_file(self, actor: Actor) -> ExportFile:
        """The actor's unit's 附件3 plan for this year as ``.xlsx`` (filled in if filed, else the empty
        template) to fill in and send back. For a unit's reviewers and leaders, and the office (its own unit)."""
        grant = actor.grant_for(Role.REVIEWER, Role.LEADER, Role.OFFICE)
        if grant is None:
            raise NotBound() if not actor.is_bound else PermissionDenied()
        year = self._rules.campaign.nearest_year(self._clock.today().year)  # a year the plan can be filed for
        path = Path(tempfile.mkdtemp(prefix="hazardbot-plan-")) / f"plan-{year}.xlsx"
        async with self._uow() as u:
            n = await ex.export_plans(u.session, path, year, grant.unit_id)
        if n == 0:
            ex.write_plan_template(path, grant.unit_name, year)
        return ExportFile(path, f"{grant.unit_name}{year}年度监督检查计划.xlsx", n, due=self._rules.campaign.plan_due(year))

    async def statistics(self, actor: Actor, view: str, unit_id: int | None = None) -> StatTable:
        """One table of ``bot.services.statistics`` (``view``: a key of ``VIEWS``) for the actor's scope, as
        ``status`` judges it. Raises ``NotFound`` for an unknown view or unit, ``PermissionDenied``, ``NotBound``."""
        if view not in VIEWS:
            raise NotFound(view=view)
        scope = self.scope(actor, unit_id)
        w = Window.at(self._clock(), self._rules.tz)
        async with self._uow() as u:
            name = await _scope_name(u.session, scope)
            return await compute_table(u.session, view, w, scope, name)

    async def statistics_xlsx(self, actor: Actor, unit_id: int | None = None, lang: str = "zh") -> ExportFile:
        """Every table of ``statistics`` for the actor's scope in one ``.xlsx`` (a sheet per view, headings in
        ``lang``), written to a temporary folder the caller deletes. Raises as ``statistics``."""
        scope = self.scope(actor, unit_id)
        w = Window.at(self._clock(), self._rules.tz)
        async with self._uow() as u:
            name = await _scope_name(u.session, scope)
            tables = [await compute_table(u.session, v, w, scope, name) for v in VIEWS]
        path = Path(tempfile.mkdtemp(prefix="hazardbot-stats-")) / f"statistics-{w.as_of:%Y%m%d}.xlsx"
        write_statistics(path, [sheet_of(t, lang) for t in tables])
        shown = labels(lang)["district"] if name == DISTRICT else name
        label = "统计" if lang == "zh" else " statistics"
        return ExportFile(path, f"{shown}{label}-{w.as_of:%Y%m%d}.xlsx", sum(len(t.rows) for t in tables))

    @classmethod
    def refuse_other_sheet(cls, actor: Actor) -> None:
        """A spreadsheet that is no .xlsx (``OTHER_SHEET_SUFFIXES``) sent, outside any form and outside
        ``/contacts_import``, by someone who may import files (``may_import``): raises ``LedgerNotXlsx``, which says
        how ledgers and contacts lists are imported. Returns for anyone else: the file is no import of theirs."""
        try:
            cls.may_import(actor)
        except PermissionDenied:
            return
        raise LedgerNotXlsx()

    @staticmethod
    def may_import(actor: Actor) -> None:
        """Refuse (``PermissionDenied``, also when unbound) anyone who may import no file at all: the office
        and admins import ledgers and plans, a unit's reviewers and leaders its plan. Checked before a file
        is downloaded; ``import_file`` checks the kind the file turns out to be."""
        if not (actor.is_admin or actor.has(Role.OFFICE) or actor.grant_for(Role.REVIEWER, Role.LEADER)):
            raise PermissionDenied()

    async def import_upload(self, actor: Actor, size: int | None, fetch: Callable[[Path], Awaitable[object]],
                            progress: ImportProgress | None = None, filename: str = "") -> CheckedImport:
        """A file sent to the bot: the actor and the announced ``size`` (bytes) are checked before
        ``fetch(path)`` downloads it to a temporary copy; then ``check_file`` (the download is deleted after), the
        import recorded under ``filename``, the name the person sent it under ("" when none). A ledger whose
        rows are all good is saved at once; one with good and bad rows waits for the office's choice
        (``CheckedImport.token``, answered with ``finish_import``). Raises ``PermissionDenied``,
        ``SpreadsheetRefused``, ``UnknownLedgerFile``."""
        self.may_import(actor)
        self._sheets.check_size(size)
        folder = Path(tempfile.mkdtemp(prefix="hazardbot-import-"))
        try:
            path = folder / "upload.xlsx"
            await fetch(path)
            checked = await self.check_file(actor, path, progress=progress, name=filename)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if checked.token is not None and checked.report.ok:
            return CheckedImport(checked.kind, await self.finish_import(actor, checked.token, True, progress), None)
        return checked

    async def import_file(self, actor: Actor, path: Path, *, expect: str | None = None, unit_id: int | None = None,
                          good_rows: bool = False, progress: ImportProgress | None = None) -> tuple[str, ImportReport]:
        """Import a 附件1 or 附件2 ledger (office and admins) or 附件3 plans (also a unit's reviewers and
        leaders, for their unit), recognised by the header and read in the parse worker. Returns the kind and
        the report; nothing is written unless every row is good, or ``good_rows`` (附件2 only: the good rows
        saved, the bad ones listed). ``expect`` (the command line's kind) refuses another kind
        (``LedgerKindMismatch``) and reads an unrecognised header as that ledger to report it; ``unit_id`` owns
        every imported ledger row. Raises ``PermissionDenied``, ``SpreadsheetRefused`` (a file beyond the
        bounds, or the worker ran out of memory or time), ``UnknownLedgerFile``."""
        checked = await self.check_file(actor, path, expect=expect, unit_id=unit_id, progress=progress)
        if checked.token is None:
            return checked.kind, checked.report
        return checked.kind, await self.finish_import(actor, checked.token, good_rows or checked.report.ok, progress)

    async def check_file(self, actor: Actor, path: Path, *, expect: str | None = None, unit_id: int | None = None,
                         progress: ImportProgress | None = None, name: str | None = None) -> CheckedImport:
        """Read and check ``path`` in the parse worker (``progress('check', rows, 0)`` about every second while it
        runs). Plans and 附件1 ledgers are saved (or refused) here as a whole; a 附件2 ledger with good rows is
        staged and returned with a ``token`` for ``finish_import``; one without any good row is dropped. ``name``:
        the file's name as its sender knows it, kept with the imported rows (default: ``path``'s own).
        Raises as ``import_file``."""
        self.may_import(actor)
        now = self._clock()
        token, stage = new_stage()
        keep = False
        try:
            job = self._sheets.parse(read_ledger_upload, path, self._clock.local_date(now), self._district_code,
                                     expect, self._clock.tz, self._rules.campaign.start, stage)
            upload = await _with_progress(job, stage, progress)
            if expect is not None and upload.kind is not None and upload.kind != expect:
                raise LedgerKindMismatch(found=upload.kind)
            if upload.kind == "plans":
                return CheckedImport("plans", await self._import_plans(actor, upload.plans, upload.plan_errors), None)
            if upload.ledger is None:
                raise UnknownLedgerFile()
            if not (actor.is_admin or actor.has(Role.OFFICE)):
                raise PermissionDenied()
            ledger = upload.ledger
            if ledger.kind == "inspections":
                async with self._uow() as u:
                    report = await store_inspections(u.session, ledger, actor_id=actor.user_id, unit_id=unit_id)
                    if report.ok:
                        await u.commit()
                return CheckedImport("inspections", report, None)
            if not ledger.report.good_rows or ledger.report.header_bad:
                return CheckedImport("hazards", ledger.report, None)
            save_pending(stage, PendingImport(actor.user_id, "hazards", unit_id, path.name if name is None else name,
                                              ledger.report, now.timestamp()))
            keep = True
            return CheckedImport("hazards", ledger.report, token)
        finally:
            if not keep:
                drop(stage)

    async def finish_import(self, actor: Actor, token: str, good_rows: bool,
                            progress: ImportProgress | None = None) -> ImportReport:
        """The office's choice on a staged 附件2 ledger: ``good_rows`` saves its good rows (in one transaction,
        ``progress('save', saved, total)`` after each batch) and counts the bad ones in ``skipped``; otherwise
        nothing is saved. Only the person who sent the file may answer, once: the answer is marked in the save's
        own transaction (``answer_staged``), so when the save fails or its process dies (nothing is saved) the
        file waits again and the same button can be pressed again, and a saved file is never saved twice.
        Raises ``PermissionDenied``, ``StagedImportGone`` (answered already, being saved, expired, or never
        staged)."""
        self.may_import(actor)
        folder = stage_folder(token)
        pending = load_pending(folder) if folder is not None else None
        if folder is None or pending is None:
            raise StagedImportGone()
        if pending.user_id != actor.user_id or not (actor.is_admin or actor.has(Role.OFFICE)):
            raise PermissionDenied()
        if token in self._answering:  # a second press while this process saves the first
            raise StagedImportGone()
        report = pending.report
        total = report.good_rows

        async def saved(n: int) -> None:
            if progress is not None:
                await progress("save", n, total)

        self._answering.add(token)
        try:
            async with self._uow() as u:
                if not await answer_staged(u.session, token):
                    drop(folder)  # answered by an earlier process that died before removing it
                    raise StagedImportGone()
                if good_rows:
                    parsed = ParsedLedger("hazards", report=report, staged=str(folder))
                    await store_hazards(u.session, parsed, actor_id=actor.user_id, now=self._clock(),
                                        unit_id=pending.unit_id, file_name=pending.file_name, tz=self._clock.tz,
                                        good_rows=True, progress=saved)
                await u.commit()
        finally:
            self._answering.discard(token)
        drop(folder)
        return report

    async def _import_plans(self, actor: Actor, parsed: list[ParsedPlan], errors: list[RowError]) -> ImportReport:
        report = ImportReport(rows=len(parsed), errors=errors)
        if errors:
            return report
        async with self._uow() as u:
            units = {name: uid for uid, name in (await u.session.exec(select(Unit.id, Unit.name))).all()}  # type: ignore[call-overload]
        inputs = []
        for p in parsed:
            unit_id = units.get(p.unit_name)
            if unit_id is None:
                report.errors.append(RowError(2, f"{p.sheet}!B2", f"未知单位：{p.unit_name}"))
                continue
            plan = PlanInput(unit_id, p.year, p.inspection_target, p.verification_ratio,
                             tuple(Arrangement(*a) for a in p.arrangements), p.remarks)
            try:
                PlanService.validate(actor, plan, self._rules.campaign)
            except InvalidPlan as exc:
                report.errors.append(RowError(4, p.sheet, _plan_problem(exc.params)))
            inputs.append(plan)
        if report.errors:
            return report
        plans = PlanService(self._uow, self._clock, self._rules.campaign)
        for plan in inputs:
            await plans.save(actor, plan)
            report.added += 1
        return report


_PLAN_FIELDS = {"inspection_target": "年度监督检查目标应至少 1 家次", "verification_ratio": "核查比例应为 0–100",
                "arrangements": "至少一条填写了时间安排和检查地区的检查安排"}


def _plan_problem(params: dict[str, object]) -> str:
    """An imported sheet's ``InvalidPlan`` in the words of the import report (Chinese, as its other rows)."""
    if params.get("field") == "year":
        return f"计划年度须在本轮行动年度 {params.get('first')}–{params.get('last')} 之内"
    return "计划不符合要求：" + _PLAN_FIELDS.get(str(params.get("field")), str(params.get("field")))


#: what the whole district is called when typed after /status: its tables' title (``statistics.DISTRICT``), the
#: district's own name, and the English of the button
DISTRICT_NAMES = frozenset({DISTRICT, "朝阳区", "北京市朝阳区", "whole district", "district"})


async def _scope_name(session: AsyncSession, scope: int | None) -> str:
    """"全区" for the district, else the unit's name. Raises ``NotFound`` when no unit has id ``scope``
    (a forged or outdated button)."""
    if scope is None:
        return DISTRICT
    unit = await session.get(Unit, scope)
    if unit is None:
        raise NotFound(unit=scope)
    return str(unit.name)
