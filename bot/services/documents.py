"""Use cases behind the printable documents of a hazard: its 一患一案 case file (PDF) and the official
notices (Word): 隐患整改通知书, 挂牌督办通知书, 复查/验收记录.

Who may have what (checked here, whatever a button says):
- the case file: anyone who may read the hazard (``FindService.case`` scope);
- 整改通知书: the hazard's unit (inspectors, reviewers; townships for hazards located there), the office and
  admins, while the hazard is registered (being rectified);
- 督办通知书: the office and admins, while the hazard is under an open supervision;
- 复查/验收记录: the unit roles, the office and admins, once a rectification was reported.
Issuing a notice is recorded in the hazard's event log (action ``issue_notice``, no state change, with the
notice's kind, title and number) in the same transaction that hands out its number; the card and the case
file show it. Numbers: ``<prefix>〔YYYY〕N号``, one sequence per kind and year (Asia/Shanghai).
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, replace
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.documents.labels import day
from bot.documents.notices import notice_filename, notice_texts, render_notice
from bot.documents.views import NoticeFacts, NoticeKind, NoticeView
from bot.domain import HazardState, Role
from bot.services.actors import Actor
from bot.services.case_view import NOTICE_ACTION, case_file_view
from bot.services.errors import DomainError, PermissionDenied
from bot.services.find import FindService, HazardCase
from bot.services.hazard_query import covers, roles_on
from bot.services.numbers import next_in_sequence
from bot.services.reinspection_record import reinspection_facts
from storage.db import UowFactory
from storage.excel.layouts import hazard_type_label
from storage.models import Hazard, HazardEvent
from storage.models_lifecycle import Supervision
from storage.photo_store import PhotoStore

ISSUERS = {
    NoticeKind.RECTIFICATION: frozenset({Role.INSPECTOR, Role.REVIEWER, Role.OFFICE, Role.ADMIN}),
    NoticeKind.SUPERVISION: frozenset({Role.OFFICE, Role.ADMIN}),
    NoticeKind.REINSPECTION: frozenset({Role.INSPECTOR, Role.REVIEWER, Role.OFFICE, Role.ADMIN}),
}


class NoticeNotApplicable(DomainError, code="notice_not_applicable"):
    """The notice ``kind`` does not fit the hazard now (not registered; no open supervision; no
    rectification reported yet)."""


@dataclass(frozen=True)
class DocumentFile:
    """A generated document: its bytes, the file name to send it under and its MIME type."""

    data: bytes
    filename: str
    mime: str


PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DocumentService:
    """Builds the documents of one hazard; ``clock`` dates them (Asia/Shanghai); ``store``: the photos, ``files``: the
    file store, whose acceptance documents the case file carries as attachments (none: it names them only)."""

    def __init__(self, uow: UowFactory, store: PhotoStore, clock: Clock, find: FindService,
                 files: PhotoStore | None = None) -> None:
        self._uow = uow
        self._store = store
        self._clock = clock
        self._find = find
        self._files = files

    async def case_file(self, actor: Actor, hazard_id: int) -> DocumentFile:
        """The case file PDF of a hazard the actor may read, the acceptance documents of its rectification reports
        attached to it as they were received. Raises ``NotBound``, ``NotFound``."""
        case = await self._find.case(actor, hazard_id)
        async with self._uow() as u:
            view = await case_file_view(u.session, self._store, case, self._clock.today(), self._files)
        from bot.documents.casefile_pdf import build_case_file  # fpdf2 loads on first use, not at start-up

        data = await asyncio.to_thread(build_case_file, view)  # fonts and images: keep the loop free
        return DocumentFile(data, f"一患一案-{view.number}.pdf", PDF)

    async def case_file_by_number(self, actor: Actor, number: str) -> DocumentFile:
        """The case file of the hazard whose ledger (or draft) number is ``number``."""
        summary = await self._find.by_number(actor, number)
        return await self.case_file(actor, summary.id)

    async def notice(self, actor: Actor, hazard_id: int, kind: NoticeKind) -> DocumentFile:
        """Issue notice ``kind`` on a hazard: number it, record it in the event log and return the ``.docx``.
        Raises ``NotBound``, ``NotFound`` (out of scope too), ``PermissionDenied``, ``NoticeNotApplicable``."""
        case = await self._find.case(actor, hazard_id)
        h = case.hazard
        if not roles_on(actor, h) & ISSUERS[kind]:
            raise PermissionDenied()
        if kind not in available_notices(actor, case):
            raise NoticeNotApplicable(kind=kind.value, state=case.summary.state.value)
        now = self._clock()
        today = self._clock.local_date(now)
        texts = notice_texts()[kind.value]
        async with self._uow() as u:
            s = u.session
            facts = await self._facts(s, case, kind)
            seq = await next_in_sequence(s, f"notice:{kind.value}:{today.year}")
            number = f"{texts['number_prefix']}〔{today.year}〕{seq}号"
            facts = replace(facts, requirement=facts.requirement or texts["requirement"],
                            deadline=facts.deadline or day(case.plan.deadline or h.deadline),
                            responsible=facts.responsible or (case.plan.responsibility or ""))
            view = NoticeView(
                kind=kind, number=number, issuing_unit=_issuing_unit(actor, case), issued_on=today,
                addressee=f"{h.site_name}（负责人：{h.person_in_charge}）", site_name=h.site_name, address=h.address,
                ledger_number=h.ledger_number or h.draft_number, description=h.description,
                hazard_type=hazard_type_label(h.category, h.subtype), level=h.level,
                measures=case.plan.measures or h.measures, legal_basis=texts["legal_basis"], title=texts["title"],
                **asdict(facts),
            )
            data = await asyncio.to_thread(render_notice, view)
            s.add(HazardEvent(hazard_id=hazard_id, at=now, actor_id=actor.user_id, action=NOTICE_ACTION,
                              data={"kind": kind.value, "title": view.title, "number": number, "photos": []}))
            await u.commit()
        return DocumentFile(data, notice_filename(view), DOCX)

    async def _facts(self, s: AsyncSession, case: HazardCase, kind: NoticeKind) -> NoticeFacts:
        """The kind's own facts, or ``NoticeNotApplicable`` when the hazard has none to print."""
        hid = case.summary.id
        if kind == NoticeKind.RECTIFICATION:
            if case.summary.state != HazardState.REGISTERED:
                raise NoticeNotApplicable(kind=kind.value, state=case.summary.state.value)
            return NoticeFacts()
        if kind == NoticeKind.SUPERVISION:
            sup = (await s.exec(select(Supervision).where(Supervision.hazard_id == hid,
                                                          col(Supervision.ended_at).is_(None))
                                .order_by(col(Supervision.id).desc()))).first()
            if sup is None:
                raise NoticeNotApplicable(kind=kind.value, state=case.summary.state.value)
            # requirement, deadline and responsible person of the supervision itself come with issue 15
            deadline = getattr(sup, "deadline", None)
            return NoticeFacts(supervision_level=sup.level, requirement=str(getattr(sup, "requirement", "") or ""),
                              responsible=str(getattr(sup, "responsible", "") or ""),
                              deadline=deadline.isoformat() if isinstance(deadline, date) else "")
        facts = await reinspection_facts(s, hid, self._clock.tz)
        if facts is None:
            raise NoticeNotApplicable(kind=kind.value, state=case.summary.state.value)
        return facts


def available_notices(actor: Actor, case: HazardCase) -> tuple[NoticeKind, ...]:
    """The notices ``actor`` may issue on ``case`` now (for the card's buttons; ``notice`` checks again):
    整改通知书 while registered, 督办通知书 under an open supervision, 复查/验收记录 once a rectification
    was reported — each for the roles of ``ISSUERS``."""
    h = case.hazard
    roles = roles_on(actor, h)
    fits = {
        NoticeKind.RECTIFICATION: case.summary.state == HazardState.REGISTERED,
        NoticeKind.SUPERVISION: bool(case.summary.supervision),
        NoticeKind.REINSPECTION: any(s.action == "report_rectification" for s in case.steps),
    }
    return tuple(k for k in NoticeKind if fits[k] and roles & ISSUERS[k])


def _issuing_unit(actor: Actor, case: HazardCase) -> str:
    """The unit issuing in the actor's name: their grant over the hazard (the office's first), else the
    hazard's unit."""
    h: Hazard = case.hazard
    grants = [g for g in actor.grants if g.role in (Role.OFFICE, Role.REVIEWER, Role.INSPECTOR)]
    office = next((g for g in grants if g.role == Role.OFFICE), None)
    if office is not None:
        return office.unit_name
    own = next((g for g in grants if g.unit_id == h.unit_id), None) or next(
        (g for g in grants if covers(g, h)), None)
    return own.unit_name if own else case.summary.unit_name
