"""Plain views of a hazard's case for the document builders: every value already a printable string or a
date, so the builders only lay out. Assembled by ``bot.services.documents`` from the database.

Facts a hazard may lack (an extension's requester and approver, a supervision's requirement, deadline and
responsible person — a supervision recorded before they were asked — or a closure note) default to empty; the
builders print ``—`` for them. Times are aware datetimes printed in the view's zone (``HAZARDBOT_TIMEZONE``);
dates are calendar dates in that zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo


class NoticeKind(StrEnum):
    """The official documents issued on a hazard (and recorded on its card when issued)."""

    RECTIFICATION = "rectification"  # 隐患整改通知书, to the site
    SUPERVISION = "supervision"  # 挂牌督办通知书
    REINSPECTION = "reinspection"  # 复查/验收记录


NOTICE_TITLES = {
    NoticeKind.RECTIFICATION: "隐患整改通知书",
    NoticeKind.SUPERVISION: "挂牌督办通知书",
    NoticeKind.REINSPECTION: "复查/验收记录",
}


@dataclass(frozen=True)
class Fact:
    """One labelled value of a record (``value`` may be empty: printed as ``—``)."""

    label: str
    value: str


@dataclass(frozen=True)
class EventLine:
    """One entry of the event log: when, who, what (``action`` in Chinese), the state change, why (the
    note typed) and the details the event carries (new deadline, result, ledger number …)."""

    at: datetime
    actor: str
    action: str
    states: str
    note: str
    details: tuple[str, ...] = ()
    photos: int = 0


@dataclass(frozen=True)
class DeadlineLine:
    """A deadline and how it came: ``source`` (登记, 五落实, 复查不合格, 核查反弹, 延期 …), who set it, when
    and why. ``requested_by``/``approved_by``: of an extension request (方案 四(三))."""

    deadline: date | None
    source: str
    set_at: datetime | None
    by: str
    reason: str = ""
    requested_by: str = ""
    approved_by: str = ""


@dataclass(frozen=True)
class SupervisionLine:
    """A 挂牌督办 (方案 五(五)): level, started when and by whom, ended when; ``requirement``, ``deadline`` and
    ``responsible`` (督办要求, 督办期限, 责任人) as its form recorded them."""

    level: str
    started_at: datetime
    started_by: str
    ended_at: datetime | None = None
    note: str = ""
    requirement: str = ""
    deadline: date | None = None
    responsible: str = ""


@dataclass(frozen=True)
class InspectionLine:
    """An inspection (附件1) linked to the hazard."""

    number: str
    inspected_on: date
    inspecting_unit: str
    inspection_type: str
    penalty: str


@dataclass(frozen=True)
class TipOffLine:
    """The tip-off (群众举报) the hazard came from."""

    number: str
    received_at: datetime
    description: str
    status: str


@dataclass(frozen=True)
class PhotoItem:
    """An evidence copy (watermarked JPEG, EXIF-free) with its caption."""

    stage: str
    caption: str
    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class DocumentItem:
    """A document attached to the hazard (an acceptance report, …): its file name, stage, when and by whom;
    ``data`` its bytes from the file store, embedded in the case file (``None``: not kept, e.g. received before
    the store)."""

    name: str
    stage: str
    at: datetime | None
    by: str
    data: bytes | None = None


@dataclass(frozen=True)
class NoticeLine:
    """An official notice issued on the hazard: its kind (title), number, when and by whom."""

    title: str
    number: str
    at: datetime
    by: str


@dataclass(frozen=True)
class CaseFileView:
    """Everything printed in the 一患一案 case file of one hazard."""

    unit_name: str
    printed_on: date
    number: str  # ledger number, or the draft number before registration
    site_name: str
    state: str
    level: str
    record: tuple[Fact, ...]  # the 附件2 row
    plan: tuple[Fact, ...]  # 五落实
    deadlines: tuple[DeadlineLine, ...]
    supervisions: tuple[SupervisionLine, ...]
    events: tuple[EventLine, ...]
    inspections: tuple[InspectionLine, ...]
    tipoffs: tuple[TipOffLine, ...]
    photos: tuple[PhotoItem, ...]
    documents: tuple[DocumentItem, ...]
    notices: tuple[NoticeLine, ...]
    tz: ZoneInfo  # the deployment's zone, for every time printed
    linked: tuple[str, ...] = ()
    closure_note: str = ""  # issue 15


@dataclass(frozen=True)
class NoticeFacts:
    """What one kind of notice prints beyond the hazard's record (empty: the kind's standing text or ``—``):
    a supervision's level, requirement, deadline and responsible person; a re-inspection's date, people,
    result and ``photos`` (captions of the photos of the re-inspection/acceptance record)."""

    requirement: str = ""
    deadline: str = ""
    responsible: str = ""
    supervision_level: str = ""
    inspected_on: str = ""
    people: str = ""
    result: str = ""
    photos: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class NoticeView(NoticeFacts):
    """The fields of one official notice: the hazard's record and the kind's ``NoticeFacts`` (every value a
    string; empty is printed as ``—``)."""

    kind: NoticeKind
    number: str
    issuing_unit: str
    issued_on: date
    addressee: str  # the site / responsible party
    site_name: str
    address: str
    ledger_number: str
    description: str
    hazard_type: str
    level: str
    measures: str
    legal_basis: str
    title: str
    extra: dict[str, str] = field(default_factory=dict)
