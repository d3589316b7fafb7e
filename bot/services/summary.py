"""Where the campaign stands: status numbers for a scope (the district or one unit) and the weekly
ranking of units (通报, 方案 五(三)).

Where the numbers come from (issue 19 item 1): the hazards' numbers (by state, new and registered this week,
overdue, major, rectification, closures and their verification, top categories and townships) and the year's
inspections are read from the tallies (``storage.models_tally``): counters per scope (the district, each unit's
read scope) keyed by state and by calendar dates (Asia/Shanghai), kept by ``storage.tally`` in the transaction of
every write, read by ``bot.services.status_tally`` as a few range sums — time moves on without writes, so the
counters hold dates (deadline, day reported, registered, closed, verified, inspected) and "overdue" or "this
year" are ranges summed at read time, never stored. The ledger scan below (``compute_status(..., scan=True)``:
aggregates over the hazards, per scope branch ``hazard_query.scope_branches``) is the reference the tallies are
tested against (tests/test_status_tally.py: random ledgers through the services, SQLite and PostgreSQL), and
what a deployment judged in another zone than the tallies' reads. Supervision is read from the few open
supervisions and each one's tallied state and scopes; the units' last update, the plans and the monthly reports
are index seeks either way. Python only adds up at most (units × states) rows.

Definitions (``as_of`` = today in Asia/Shanghai, ``Y`` = its year, ``Y-start`` = 1 January of Y 00:00
Asia/Shanghai; a hazard is *open* when registered, rectified or closure requested):

- **overdue** (derived, never stored): state ``registered`` and deadline < as_of — the SQL condition
  ``bot.services.hazard_query.overdue_clause``, the same as the hazard card (``hazard_query.is_overdue``) and the
  reminders' overdue rule (``reminders.rules.deadline_overdue``).
- **new this week**: hazards reported (``created_at``) since Monday 00:00 Asia/Shanghai of as_of's week;
  **registered this week**: hazards registered (上账) since then.
- **major**: open hazards of level 重大隐患.
- **supervised** (挂牌督办, 方案 五(五)): open hazards with at least one supervision record of the life cycle
  (``supervision`` table) that has not ended (``ended_at`` empty), counted once whatever the number of levels.
- **rectification rate this year** (年度挂账隐患整改率, target ≥ 90 %, 方案 四(三)):
  denominator = hazards registered on or before as_of that were registered during Y, or were registered
  before Y and were not closed at Y-start (still open, reopened after verification, or closed during Y);
  numerator = those of them closed as of as_of. "Closed during Y" means a ``closed`` event in the hazard's
  log (``hazard_event.to_state = 'closed'``) at or after Y-start.
- **inspection coverage** (监督检查完成率, 方案 四(一), 附件3): inspections (each 附件1 row is one 家次) dated
  1 January … as_of of Y, over the year's plan targets (家次) of the scope's units. Its target is the campaign's
  milestone for Y of the cumulative 摸底排查率 (10 % by end-2018, 70 % by end-2019, 100 % by end-2020;
  ``coverage_milestone``, None outside the campaign's years), the one figure the text and the chart show; the
  plan target is where each unit turned that share of its sites into 家次.
- **verification share** (挂账隐患核查比例, 方案 四(三), 附件3): of the hazards closed during Y (closed now, with
  a closure event ≥ Y-start), the share verified in Y up to as_of — linked to an inspection of type 核查, or
  spot-checked by the office with /verify (a ``verification`` row with a result); the
  target is the plan's ratio (for the district: the units' ratios weighted by their closed hazards).
- **last update** of a unit (每半月更新, 方案 五(一)): the latest of its hazards' ``updated_at`` and its
  inspections' ``created_at``; a unit is late when that is more than 15 days before today (calendar days in the
  zone). One that never updated is late once its duty began more than 15 days before today: it began
  (``began_by``: its first hazard recorded or one of its scope registered, its first inspection or report), and
  the campaign had started (``Campaign.start``), more than 15 days ago — not on the day its first hazard is
  assigned to it. A unit not started is counted apart, never late.
- **late monthly report** (工作信息每月至少一篇, 方案 五(二)): the month due is the latest month whose last
  working day (``reminders.calendar.WorkCalendar``, the reminders' calendar) is before as_of — usually the
  previous month; none while that month ended on or before the day the campaign was issued (the reminders'
  ``campaign_issued``). A unit is late when it has no work information (``work_submission`` kind
  ``work_info``) for that month's period (``2019-05``; a submission counts for the month it was made in,
  ``reminders.submissions.period_of``). The units with duties owe it (``registry.reporting_codes``); the district's
  list names those that had begun by its due date (``began_by``) — units not started are counted apart, and one
  that began after the due date did not fall behind with it.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, true, union
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.campaign import Campaign
from bot.clock import Clock
from bot.domain import HazardState
from bot.services import status_tally
from bot.services.hazard_query import (
    OPEN_STATES,
    in_unit_scope,
    is_overdue,
    open_clause,
    overdue_clause,
    scope_branches,
    unit_clause,
)
from reminders.calendar import WorkCalendar
from storage.db import UowFactory
from storage.models import Hazard, Inspection, InspectionHazard, Unit
from storage.models_lifecycle import Supervision, Verification
from storage.models_plans import InspectionPlan
from storage.models_reminders import WorkSubmission
from storage.registry import by_code, reporting_codes
from storage.tally import TALLY_ZONE

RECTIFICATION_TARGET = Decimal("0.90")
UPDATE_INTERVAL = timedelta(days=15)
MAJOR = "重大隐患"
VERIFICATION_TYPE = "核查"
WORK_INFO = "work_info"


@dataclass(frozen=True)
class Rate:
    """``numerator / denominator`` against ``target`` (a share 0–1, or None when there is none)."""

    numerator: int
    denominator: int
    target: Decimal | None = None

    @property
    def value(self) -> Decimal | None:
        """The share rounded to 4 decimals (0.9123), or None when the denominator is 0."""
        if self.denominator == 0:
            return None
        return (Decimal(self.numerator) / Decimal(self.denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    @property
    def met(self) -> bool | None:
        """Whether the share reaches the target; None without a share or a target."""
        if self.value is None or self.target is None:
            return None
        return self.value >= self.target

    def percent(self) -> str:
        """``"91.2%"`` or ``"—"``: the exact share rounded once (3/17 is 17.6%; rounding ``value`` again made it
        17.7%)."""
        if self.denominator == 0:
            return "—"
        exact = Decimal(self.numerator) * 100 / Decimal(self.denominator)
        return f"{exact.quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


@dataclass(frozen=True)
class UnitLine:
    """One unit's numbers (a row of the ranking)."""

    unit_id: int
    unit_name: str
    is_township: bool
    open: int
    overdue: int
    major_open: int
    rectification: Rate
    last_update: datetime | None
    days_since_update: int | None
    has_duties: bool = True  # named in 方案 三 (every township and zone): compared in the 通报
    reported: bool = True  # has sent work information, a summary or another report at least once
    # never updated, and its duty began (``began_by``) or the campaign started within the last 15 days: not late yet
    newly_begun: bool = False

    @property
    def not_started(self) -> bool:
        """尚未开始: a unit that should have started — one with hazard-finding duties (``has_duties``: 方案 三, the
        registry's ``duties``, the same units that owe the reports, ``registry.reporting_codes``) — with nothing
        recorded (no hazard, no inspection), nothing reported and nothing of its scope on the ledger yet: a unit of
        a fresh install or one that has not begun, counted apart from units that began and then fell behind. A
        unit without duties (区政府, 区财政局 …) is never counted as not started, nor as late."""
        return (self.has_duties and self.last_update is None and not self.reported and not self.open
                and not self.rectification.denominator)  # nor anything in its scope on the ledger

    @property
    def late_update(self) -> bool:
        """每半月更新 missed (方案 五(一)): a unit with duties whose ledger has not changed for over 15 days, or
        that never recorded anything although its duty began over 15 days ago (``newly_begun`` False: it reports,
        or hazards of its scope were registered, since then). A unit not started is counted apart
        (``not_started``)."""
        if self.not_started or not self.has_duties:
            return False
        if self.days_since_update is None:
            return not self.newly_begun
        return self.days_since_update > UPDATE_INTERVAL.days

    @property
    def placed(self) -> bool:
        """Given a place in the 通报 (``rank``): it has a rectification rate and its own ledger changed at least
        once. A unit with nothing done itself — never recorded, only its scope's hazards closed by others — does
        not top a ranking at a borrowed 100 %: it is listed after the placed units, unnumbered."""
        return self.rectification.value is not None and self.last_update is not None


@dataclass(frozen=True)
class Status:
    """The status of a scope as of ``as_of`` (Asia/Shanghai date). ``unit_id`` None = the district."""

    unit_id: int | None
    scope_name: str
    as_of: date
    year: int
    by_state: dict[str, int]
    new_this_week: int
    registered_this_week: int
    overdue: int
    major_open: int
    supervised: int
    rectification: Rate
    coverage: Rate
    coverage_milestone: Decimal | None
    verification: Rate
    top_categories: list[tuple[str, int]]
    top_townships: list[tuple[str, int]]
    worst_units: list[UnitLine]
    late_units: list[UnitLine]
    monthly_report_period: str | None = None
    late_monthly_units: list[str] = field(default_factory=list)
    not_started_units: list[UnitLine] = field(default_factory=list)  # 尚未开始: apart from the late ones
    units: list[UnitLine] = field(repr=False, default_factory=list)

    @property
    def open(self) -> int:
        """The hazards in an open state (``OPEN_STATES``)."""
        return sum(self.by_state.get(s, 0) for s in OPEN_STATES)

    @property
    def total(self) -> int:
        """All the hazards counted, whatever their state."""
        return sum(self.by_state.values())


@dataclass(frozen=True)
class StatusRules:
    """What a status is judged by, built once in the composition root (``bot.core``): ``tz`` the zone whose
    calendar gives "today" (``HAZARDBOT_TIMEZONE``), ``campaign`` its years, milestones and issue date,
    ``cal`` the working-day calendar of the monthly report (the reminders')."""

    tz: ZoneInfo
    campaign: Campaign
    cal: WorkCalendar


@dataclass(frozen=True)
class Window:
    """Instants (aware UTC) and dates bounding the numbers, all derived from one ``now`` in zone ``tz``."""

    tz: ZoneInfo
    now: datetime
    as_of: date
    year_start_date: date
    year_start: datetime
    day_end: datetime
    week_start: datetime

    @classmethod
    def at(cls, now: datetime, tz: ZoneInfo) -> Window:
        """The window of ``now`` (aware) in ``tz``: today, 1 January, the start of tomorrow and of this week
        (Monday)."""
        local = now.astimezone(tz)
        today = local.date()
        y0 = date(today.year, 1, 1)
        monday = today - timedelta(days=today.weekday())
        return cls(
            tz=tz,
            now=now,
            as_of=today,
            year_start_date=y0,
            year_start=datetime.combine(y0, time(), tz),
            day_end=datetime.combine(today + timedelta(days=1), time(), tz),
            week_start=datetime.combine(monday, time(), tz),
        )


def _count_if(condition: Any) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _hazard_rows(session: AsyncSession, w: Window, unit_id: int | None,
                       by_scope: bool = False) -> list[dict[str, object]]:
    """One aggregate row per (unit, state): the recording unit's for the district's totals; with ``unit_id`` the
    hazards in that unit's scope (``hazard_query.in_unit_scope``: located in, of its industry, in its zone, or
    recorded by it); ``by_scope``: what the district's rows leave out of each unit's scope (located in it, of its
    industry, in its zone, recorded by another unit), several rows per (unit, state) to add to the district's rows
    (``hazard_query.scope_branches``, the ranking's lines)."""
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    is_open = open_clause()
    key = literal(unit_id) if unit_id is not None else h.unit_id
    columns = [
        key.label("unit_id"),
        h.state,
        func.count().label("n"),
        _count_if(overdue_clause(w.as_of)).label("overdue"),
        _count_if(and_(is_open, h.level == MAJOR)).label("major"),
        _count_if(h.created_at >= w.week_start).label("new_week"),
        _count_if(h.registered_at >= w.week_start).label("registered_week"),
        _count_if(and_(h.registered_at >= w.year_start, h.registered_at < w.day_end)).label("registered_y"),
        _count_if(and_(h.registered_at < w.year_start, h.state != HazardState.CLOSED)).label("open_before"),
    ]
    stmt = select(*columns)
    if by_scope:
        out: list[dict[str, object]] = []
        for branch_key, source, condition in scope_branches()[1:]:  # the first, the recorder's, is the district's rows
            branch = stmt.with_only_columns(branch_key.label("unit_id"), *columns[1:]).select_from(source)
            result = await session.exec(branch.where(condition).group_by(branch_key, h.state))  # type: ignore[call-overload]
            out += [dict(r._mapping) for r in result]
        return out
    if unit_id is not None:
        stmt = stmt.where(await unit_clause(session, unit_id)).group_by(h.state)
    else:
        stmt = stmt.group_by(h.unit_id, h.state)
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return [dict(r._mapping) for r in result]


def closed_in_year(w: Window) -> ColumnElement[bool]:
    """Closed now by a closure (销账) in Y up to as_of: the covering column ``hazard.closed_at`` (migration 0150),
    equal to the latest ``closed`` event of the hazard's log (tests/test_covering_columns.py)."""
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    return and_(h.state == HazardState.CLOSED, h.closed_at >= w.year_start, h.closed_at < w.day_end)


async def _closures(session: AsyncSession, w: Window, unit_id: int | None,
                    by_scope: bool = False) -> dict[int, dict[str, int]]:
    """Per unit: hazards closed now whose latest closure is in Y (``closed_y``), those of them registered
    before Y (``closed_y_before``), and those of them verified in Y (``verified_y``): linked to a 核查 inspection in Y, or spot-checked by the
    office through the life cycle (a ``verification`` row with a result) in Y.

    Read from the covering column ``hazard.closed_at`` (the latest closure, written in the transaction of its
    event; migration 0150), not from the event log."""
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    checked = Verification.__table__.c  # type: ignore[attr-defined]
    verified = union(
        select(InspectionHazard.hazard_id)  # type: ignore[call-overload]
        .join(Inspection, Inspection.id == InspectionHazard.inspection_id)
        .where(
            Inspection.inspection_type == VERIFICATION_TYPE,
            col(Inspection.voided_at).is_(None),
            Inspection.inspected_on >= w.year_start_date,
            Inspection.inspected_on <= w.as_of,
        ),
        # the office's spot checks recorded through the life cycle (/verify), passed or failed
        select(checked.hazard_id).where(
            checked.result != "pending", checked.checked_at >= w.year_start, checked.checked_at < w.day_end
        ),
    ).subquery()
    # the district: one pass over the hazards closed in Y (the covering ``closed_at``), verified ones by outer join
    joined = Hazard.__table__.outerjoin(verified, verified.c.hazard_id == h.id)  # type: ignore[attr-defined]
    def closed_by(key: Any, source: Any, condition: Any) -> Any:
        return (
            select(
                key,
                func.count().label("closed_y"),
                _count_if(h.registered_at < w.year_start).label("closed_y_before"),
                _count_if(verified.c.hazard_id.is_not(None)).label("verified_y"),
            )
            .select_from(source)
            .where(closed_in_year(w), condition)
            .group_by(key)
        )

    if by_scope:  # the ranking's lines: what the district's pass leaves out of each unit's scope
        added: dict[int, dict[str, int]] = {}
        u = Unit.__table__.c  # type: ignore[attr-defined]
        for key, branch_source, condition in scope_branches()[1:]:  # beyond the recorder's (the district's pass)
            source = joined
            if key is u.id:  # the branch joins the unit table on the hazard's township or industry
                source = joined.join(Unit.__table__, branch_source.onclause)  # type: ignore[attr-defined]
            for uid, closed, before, verified_n in (await session.exec(closed_by(key, source, condition))).all():
                line = added.setdefault(int(uid), {"closed_y": 0, "closed_y_before": 0, "verified_y": 0})
                line["closed_y"] += int(closed)
                line["closed_y_before"] += int(before)
                line["verified_y"] += int(verified_n)
        return added
    stmt = closed_by(h.unit_id, joined, true())
    if unit_id is not None:
        # one unit: start from its hazards (ix_hazard_summary, which holds closed_at)
        verified_exists = (
            select(InspectionHazard.hazard_id)  # type: ignore[call-overload]
            .join(Inspection, Inspection.id == InspectionHazard.inspection_id)
            .where(
                InspectionHazard.hazard_id == h.id,
                Inspection.inspection_type == VERIFICATION_TYPE,
                col(Inspection.voided_at).is_(None),
                Inspection.inspected_on >= w.year_start_date,
                Inspection.inspected_on <= w.as_of,
            )
            .exists()
        )
        checked_exists = (
            select(checked.hazard_id)
            .where(checked.hazard_id == h.id, checked.result != "pending",
                   checked.checked_at >= w.year_start, checked.checked_at < w.day_end)
            .exists()
        )
        verified_exists = or_(verified_exists, checked_exists)
        base = select(h.unit_id).where(await unit_clause(session, unit_id), closed_in_year(w))
        stmt = base.with_only_columns(
            literal(unit_id), func.count().label("closed_y"),
            _count_if(h.registered_at < w.year_start).label("closed_y_before"),
            _count_if(verified_exists).label("verified_y"),
        )
    out: dict[int, dict[str, int]] = {}
    for uid, closed, before, verified_n in (await session.exec(stmt)).all():
        if not closed:  # one unit's aggregate over no rows
            continue
        out[int(uid)] = {"closed_y": int(closed), "closed_y_before": int(before), "verified_y": int(verified_n)}
    return out


def _rectification(rows: Sequence[dict[str, object]], closures: dict[int, dict[str, int]],
                    unit_ids: Sequence[int] | None) -> Rate:
    """Numerator and denominator of the module docstring's rectification rate from the two aggregates."""
    mine = rows if unit_ids is None else [r for r in rows if r["unit_id"] in unit_ids]
    extra = sum(c.get("closed_y_before", 0) for u, c in closures.items() if unit_ids is None or u in unit_ids)
    den = _sum(mine, "registered_y") + _sum(mine, "open_before") + extra
    num = _sum(mine, "registered_y", state=HazardState.CLOSED) + extra
    return Rate(num, den, RECTIFICATION_TARGET)


async def _inspections_by_unit(session: AsyncSession, w: Window, unit_id: int | None) -> dict[int, int]:
    stmt = (
        select(Inspection.unit_id, func.count())  # type: ignore[call-overload]
        .where(Inspection.inspected_on >= w.year_start_date, Inspection.inspected_on <= w.as_of,
               col(Inspection.voided_at).is_(None))  # a voided inspection was entered in error
        .group_by(Inspection.unit_id)
    )
    if unit_id is not None:
        stmt = stmt.where(Inspection.unit_id == unit_id)
    return {int(u): int(n) for u, n in (await session.exec(stmt)).all()}


async def _plans(session: AsyncSession, year: int, unit_id: int | None) -> dict[int, tuple[int, Decimal]]:
    p = InspectionPlan
    stmt = select(p.unit_id, p.inspection_target, p.verification_ratio).where(p.year == year)  # type: ignore[call-overload]
    if unit_id is not None:
        stmt = stmt.where(p.unit_id == unit_id)
    return {int(u): (int(t), r) for u, t, r in (await session.exec(stmt)).all()}


async def _units(session: AsyncSession, unit_id: int | None
                 ) -> list[tuple[int, str, bool, datetime | None, bool, bool]]:
    """Units in scope with their last ledger activity (two index seeks per unit, ix_*_unit_*), whether they have
    hazard duties, and whether they ever reported (work information, summaries …)."""
    last_hazard = select(func.max(Hazard.updated_at)).where(Hazard.unit_id == Unit.id).scalar_subquery()  # type: ignore[arg-type]
    last_inspection = (
        select(func.max(Inspection.created_at)).where(Inspection.unit_id == Unit.id).scalar_subquery()  # type: ignore[arg-type]
    )
    reported = select(WorkSubmission.id).where(WorkSubmission.unit_id == Unit.id).exists()  # type: ignore[call-overload]
    stmt = select(Unit.id, Unit.name, Unit.is_township, last_hazard, last_inspection, Unit.code,  # type: ignore[call-overload]
                  reported).order_by(Unit.id)
    if unit_id is not None:
        stmt = stmt.where(Unit.id == unit_id)
    out = []
    for uid, name, township, lh, li, code, sent in (await session.exec(stmt)).all():
        stamps = [_aware(t) for t in (lh, li) if t is not None]
        entry = by_code(str(code))  # 方案 三 names it among the units with hazard duties (the 通报 compares those)
        out.append((int(uid), str(name), bool(township), max(stamps) if stamps else None,
                    entry.duties if entry is not None else False, bool(sent)))
    return out


def _aware(value: datetime | str) -> datetime:
    # max() over a UTCDateTime column comes back untyped (naive UTC; a string on SQLite)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))


async def _top(session: AsyncSession, column: object, unit_id: int | None, limit: int) -> list[tuple[str, int]]:
    n = func.count().label("n")
    stmt = (
        select(column, n)  # type: ignore[call-overload]
        .where(open_clause())
        .group_by(column)
        .order_by(n.desc(), column)
        .limit(limit)
    )
    if unit_id is not None:
        stmt = stmt.where(await unit_clause(session, unit_id))
    return [(str(k), int(v)) for k, v in (await session.exec(stmt)).all()]


async def _supervised(session: AsyncSession, unit_id: int | None) -> int:
    """Open hazards with a supervision that has not ended (see the module docstring)."""
    h, sv = Hazard.__table__.c, Supervision.__table__.c  # type: ignore[attr-defined]
    stmt = (
        select(func.count(func.distinct(h.id)))
        .select_from(Supervision.__table__.join(Hazard.__table__, h.id == sv.hazard_id))  # type: ignore[attr-defined]
        .where(sv.ended_at.is_(None), open_clause())
    )
    if unit_id is not None:
        stmt = stmt.where(await unit_clause(session, unit_id))
    return int((await session.exec(stmt)).one()[0])  # type: ignore[call-overload]


def monthly_report_due(as_of: date, cal: WorkCalendar, issued: date) -> str | None:
    """The period (``2019-05``) of the latest month whose last working day is before ``as_of``: the monthly
    work information (方案 五(二)) of that month is overdue from ``as_of`` on when missing. None when that
    month ended on or before the day the campaign was issued (``issued``: ``Campaign.issued``)."""
    year, month = as_of.year, as_of.month
    if cal.last_working_day(year, month) >= as_of:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    last_day = date(year, month, monthrange(year, month)[1])
    if last_day <= issued:
        return None
    return f"{year}-{month:02d}"


async def _late_monthly(session: AsyncSession, period: str, unit_id: int | None) -> set[int]:
    """Units in scope without work information for ``period``: one anti-join on the submissions' index."""
    submitted = (
        select(WorkSubmission.id)  # type: ignore[call-overload]
        .where(WorkSubmission.unit_id == Unit.id, WorkSubmission.kind == WORK_INFO, WorkSubmission.period == period)
        .exists()
    )
    stmt = select(Unit.id).where(~submitted, col(Unit.code).in_(reporting_codes()))  # type: ignore[call-overload]
    if unit_id is not None:
        stmt = stmt.where(Unit.id == unit_id)
    return {int(u) for (u,) in (await session.exec(stmt)).all()}


def due_end(due: date, tz: ZoneInfo) -> datetime:
    """The instant a report due on ``due`` (a date in ``tz``) is late from: the start of the next day."""
    return datetime.combine(due + timedelta(days=1), time(), tz)


async def began_by(session: AsyncSession, unit_ids: Iterable[int], instant: datetime) -> set[int]:
    """The units of ``unit_ids`` that had begun the campaign before ``instant`` (aware): recorded a hazard or an
    inspection, sent a submission, or had a hazard of their scope registered (``hazard_query.in_unit_scope``, as
    ``UnitLine.not_started`` counts it). The one rule of who is late with something due: a unit that began only
    after the due date did not fall behind with it (the inbox and /status's late work information). EXISTS seeks
    that stop at the first row; the scope is asked only for units with nothing of their own."""
    ids = sorted(set(unit_ids))
    if not ids:
        return set()
    h, i, ws = (t.__table__.c for t in (Hazard, Inspection, WorkSubmission))  # type: ignore[union-attr]
    u = Unit.__table__.c  # type: ignore[attr-defined]
    own = or_(
        select(h.id).where(h.unit_id == u.id, h.created_at < instant).exists(),
        select(i.id).where(i.unit_id == u.id, i.created_at < instant).exists(),
        select(ws.id).where(ws.unit_id == u.id, ws.submitted_at < instant).exists(),
    )
    found = {int(x) for (x,) in (await session.exec(select(u.id).where(u.id.in_(ids), own))).all()}  # type: ignore[call-overload]
    for uid in (x for x in ids if x not in found):
        scoped = select(h.id).where(in_unit_scope(uid), h.registered_at < instant).limit(1)
        if (await session.exec(scoped)).first() is not None:  # type: ignore[call-overload]
            found.add(uid)
    return found


def update_grace_end(as_of: date, tz: ZoneInfo, campaign: Campaign) -> datetime | None:
    """The instant (aware) before which a never-updated unit's duty must have begun for it to be late with the
    fortnightly update on ``as_of``: the start of the day ``UPDATE_INTERVAL`` before ``as_of`` in ``tz`` (so late
    from the 16th day, as ``days_since_update > 15``). None while the campaign (``campaign.start``) began within
    that interval: nobody can have missed an update it did not owe yet."""
    cutoff = as_of - UPDATE_INTERVAL
    if campaign.start >= cutoff:
        return None
    return datetime.combine(cutoff, time(), tz)


async def _mark_newly_begun(session: AsyncSession, lines: list[UnitLine], w: Window,
                            campaign: Campaign) -> list[UnitLine]:
    """``lines`` with ``newly_begun`` set on the units with duties that never updated, have begun, and whose
    duty began (``began_by``) within the last 15 days: they are not late yet (module docstring, last update)."""
    never = [x.unit_id for x in lines if x.has_duties and x.days_since_update is None and not x.not_started]
    if not never:
        return lines
    end = update_grace_end(w.as_of, w.tz, campaign)
    long_ago = await began_by(session, never, end) if end is not None else set()
    fresh = set(never) - long_ago
    return [replace(x, newly_begun=True) if x.unit_id in fresh else x for x in lines]


def _sum(rows: Sequence[dict[str, object]], key: str, **where: object) -> int:
    return sum(int(r[key]) for r in rows if all(r[k] == v for k, v in where.items()))  # type: ignore[call-overload]


def _lines(rows: list[dict[str, object]], closures: dict[int, dict[str, int]],
           units: list[tuple[int, str, bool, datetime | None, bool, bool]], w: Window) -> list[UnitLine]:
    lines = []
    by_unit: dict[object, list[dict[str, object]]] = {}
    for r in rows:
        by_unit.setdefault(r["unit_id"], []).append(r)
    for uid, name, township, last, duties, reported in units:
        mine = by_unit.get(uid, [])
        open_n = sum(int(r["n"]) for r in mine if r["state"] in OPEN_STATES)  # type: ignore[call-overload]
        days = None if last is None else (w.as_of - last.astimezone(w.tz).date()).days
        lines.append(
            UnitLine(
                unit_id=uid,
                unit_name=name,
                is_township=township,
                open=open_n,
                overdue=_sum(mine, "overdue"),
                major_open=_sum(mine, "major"),
                rectification=_rectification(mine, closures, [uid]),
                last_update=last,
                days_since_update=days,
                has_duties=duties,
                reported=reported,
            )
        )
    return lines


async def compute_status(session: AsyncSession, now: datetime, unit_id: int | None = None, *,
                         rules: StatusRules, scan: bool = False) -> Status:
    """The status of the district (``unit_id`` None) or of one unit at the aware instant ``now``, judged by
    ``rules`` (zone, campaign, working-day calendar). The hazards' numbers come from the tallies
    (``bot.services.status_tally``); ``scan`` True reads them from the hazards themselves instead (the reference
    the tallies are tested against; also taken when ``rules.tz`` is not the tallies' zone).

    Raises ``LookupError`` when ``unit_id`` names no unit. See the module docstring for every definition.
    """
    w = Window.at(now, rules.tz)
    units = await _units(session, unit_id)
    if unit_id is not None and not units:
        raise LookupError(f"no unit {unit_id}")
    scan = scan or rules.tz.key != TALLY_ZONE.key  # the tallies hold the campaign zone's calendar dates
    if scan:
        rows = await _hazard_rows(session, w, unit_id)
        closures = await _closures(session, w, unit_id)
    elif unit_id is not None:
        monday = w.as_of - timedelta(days=w.as_of.weekday())
        rows, closures = await status_tally.numbers(session, w.as_of, monday, unit_id)
    else:  # the district's numbers and its units' lines in one read
        monday = w.as_of - timedelta(days=w.as_of.weekday())
        (rows, closures), units_numbers = await status_tally.district(session, w.as_of, monday)
    inspections = await (_inspections_by_unit(session, w, unit_id) if scan
                         else status_tally.inspections(session, w.as_of, unit_id))
    plans = await _plans(session, w.as_of.year, unit_id)
    by_state: dict[str, int] = {}
    for r in rows:
        if int(r["n"]):  # type: ignore[call-overload]
            by_state[str(r["state"])] = by_state.get(str(r["state"]), 0) + int(r["n"])  # type: ignore[call-overload]

    closed_by_unit = {uid: c.get("closed_y", 0) for uid, c in closures.items()}
    closed_total = sum(closed_by_unit.values())
    if unit_id is not None:
        ratio_target = plans[unit_id][1] / 100 if unit_id in plans else None
    else:
        weighted = sum(plans[u][1] * closed_by_unit.get(u, 0) for u in plans)
        planned_closed = sum(closed_by_unit.get(u, 0) for u in plans)
        # the units' plan ratios weighted by their closed hazards, to 0.01 % like every other rate
        ratio_target = (Decimal(weighted) / planned_closed / 100).quantize(Decimal("0.0001")) if planned_closed else None
    if unit_id is not None:
        lines = _lines(rows, closures, units, w)
    elif scan:  # each unit's line counts the hazards of its scope, not only those it recorded
        more = await _closures(session, w, None, by_scope=True)
        added = {u: {k: closures.get(u, {}).get(k, 0) + more.get(u, {}).get(k, 0)
                     for k in ("closed_y", "closed_y_before", "verified_y")} for u in closures.keys() | more.keys()}
        lines = _lines(rows + await _hazard_rows(session, w, None, by_scope=True), added, units, w)
    else:  # the units' own scopes are tallied apart
        lines = _lines(*units_numbers, units, w)
    lines = await _mark_newly_begun(session, lines, w, rules.campaign)
    worst = sorted(
        (line for line in lines if line.overdue or line.open),
        key=lambda x: (-x.overdue, x.rectification.value if x.rectification.value is not None else Decimal(2), x.unit_id),
    )[:5]
    scope_name = units[0][1] if unit_id is not None else "全区"
    milestone = rules.campaign.coverage_milestone(w.as_of.year)
    period = monthly_report_due(w.as_of, rules.cal, rules.campaign.issued)
    late_monthly = await _late_monthly(session, period, unit_id) if period else set()
    if period and unit_id is None:  # the district names the units that began by the due date and fell behind
        year, month = map(int, period.split("-"))
        began = {x.unit_id for x in lines if x.unit_id in late_monthly and not x.not_started}
        late_monthly = await began_by(session, began, due_end(rules.cal.last_working_day(year, month), w.tz))
    return Status(
        unit_id=unit_id,
        scope_name=scope_name,
        as_of=w.as_of,
        year=w.as_of.year,
        by_state=by_state,
        new_this_week=_sum(rows, "new_week"),
        registered_this_week=_sum(rows, "registered_week"),
        overdue=_sum(rows, "overdue"),
        major_open=_sum(rows, "major"),
        supervised=await (_supervised(session, unit_id) if scan else status_tally.supervised(session, unit_id)),
        rectification=_rectification(rows, closures, None),
        # one figure for the text's 要求 and the chart's target line: the year's milestone, or none
        coverage=Rate(sum(inspections.values()), sum(t for t, _ in plans.values()), milestone),
        coverage_milestone=milestone,
        verification=Rate(sum(c.get("verified_y", 0) for c in closures.values()), closed_total, ratio_target),
        top_categories=await _top(session, Hazard.category, unit_id, 5) if scan
        else await status_tally.top(session, unit_id or 0, "a", 5),
        top_townships=[] if unit_id is not None else await _top(session, Hazard.township, None, 5) if scan
        else await status_tally.top(session, 0, "b", 5),
        worst_units=worst if unit_id is None else [],
        late_units=[line for line in lines if line.late_update],
        monthly_report_period=period,
        # in the district's view a unit not started is counted with those, and one that began after the due date
        # is not late with it; one unit's own view says plainly whether its report is in
        late_monthly_units=[line.unit_name for line in lines if line.unit_id in late_monthly],
        not_started_units=[line for line in lines if line.not_started],
        units=lines,
    )


@dataclass(frozen=True)
class RankingLine:
    """A unit's place in the weekly 通报: 1 = best on each criterion (ties share a place). ``place`` is the place
    shown, None for a unit not placed (``UnitLine.placed``: no rate, or nothing done itself), listed after the
    placed ones without a number."""

    line: UnitLine
    rank_rectification: int
    rank_overdue: int
    rank_freshness: int

    @property
    def place(self) -> int | None:
        """The rectification place shown, None when the unit is not placed."""
        return self.rank_rectification if self.line.placed else None


def rank(lines: Sequence[UnitLine]) -> list[RankingLine]:
    """Rank the units with hazard duties by rectification rate (higher is better), by overdue count (fewer is
    better) and by update freshness (fewer days since the last update is better). Places are given only among
    the placed units (``UnitLine.placed``); the others share the place after them all and follow, those that
    began before those not started (尚未开始). Sorted by rectification place, then overdue, then name."""

    def places(key: dict[int, object]) -> dict[int, int]:
        ordered = sorted(key.items(), key=lambda kv: kv[1])  # type: ignore[arg-type, return-value]
        out: dict[int, int] = {}
        for i, (uid, k) in enumerate(ordered):
            out[uid] = out[ordered[i - 1][0]] if i and ordered[i - 1][1] == k else i + 1
        return out

    lines = [x for x in lines if x.has_duties]  # the 通报 compares the units with hazard duties (方案 三, 五(三))
    placed = [x for x in lines if x.placed]
    rect = places({x.unit_id: -x.rectification.value for x in placed})  # type: ignore[operator]
    over = places({x.unit_id: x.overdue for x in placed})
    fresh = places({x.unit_id: x.days_since_update for x in placed})
    after = len(placed) + 1
    ranked = [RankingLine(x, rect.get(x.unit_id, after), over.get(x.unit_id, after), fresh.get(x.unit_id, after))
              for x in lines]
    # placed units first; then those that began without a place, then those not started, so a fresh install's one
    # active unit is not hidden among dozens tied at nothing
    return sorted(ranked, key=lambda r: (not r.line.placed, r.line.not_started, r.rank_rectification,
                                         r.rank_overdue, r.line.unit_name))


class SummaryService:
    """Use cases: ``status(unit_id)`` for a leader's scope and ``rankings()`` for the weekly 通报."""

    def __init__(self, uow: UowFactory, clock: Clock, rules: StatusRules) -> None:
        self._uow = uow
        self._clock = clock
        self._rules = rules

    async def status(self, unit_id: int | None = None) -> Status:
        """The status now of unit ``unit_id``, or of the district when None."""
        async with self._uow() as u:
            return await compute_status(u.session, self._clock(), unit_id, rules=self._rules)

    async def rankings(self) -> list[RankingLine]:
        """The district's units now, ranked by ``rank`` (rectification rate, then overdue, then freshness)."""
        async with self._uow() as u:
            status = await compute_status(u.session, self._clock(), None, rules=self._rules)
        return rank(status.units)


@dataclass(frozen=True)
class MapHazard:
    """A hazard for the map (六(四)): WGS 84 coordinates, label, and why it is on the map."""

    ledger_number: str | None
    site_name: str
    longitude: float
    latitude: float
    major: bool
    overdue: bool
    state: str = HazardState.REGISTERED.value
    supervised: bool = False


@dataclass(frozen=True)
class Unpinned:
    """Hazards the map should show but cannot: no coordinates. ``numbers``: the first ledger numbers;
    ``overdue``: how many of the ``count`` are overdue (the others are open major hazards)."""

    count: int
    numbers: list[str]
    overdue: int = 0


def _map_condition(now: datetime, tz: ZoneInfo, unit_id: int | None) -> ColumnElement[bool]:
    w = Window.at(now, tz)
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    major = and_(open_clause(), h.level == MAJOR)
    cond = or_(overdue_clause(w.as_of), major)
    return cond if unit_id is None else and_(cond, in_unit_scope(unit_id))


async def map_hazards(session: AsyncSession, now: datetime, tz: ZoneInfo, unit_id: int | None = None,
                      limit: int = 2000) -> list[MapHazard]:
    """Open major hazards and overdue hazards that have coordinates, most urgent deadline first; with their
    state and whether an open supervision (挂牌督办) holds them."""
    w = Window.at(now, tz)
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    supervised = (
        select(Supervision.hazard_id).where(Supervision.hazard_id == h.id, Supervision.ended_at.is_(None))  # type: ignore[union-attr, call-overload]
        .exists()
    )
    stmt = (
        select(h.ledger_number, h.site_name, h.longitude, h.latitude, h.level, h.state, h.deadline, supervised)
        .where(_map_condition(now, tz, unit_id), h.latitude.is_not(None), h.longitude.is_not(None))
        .order_by(h.deadline, h.id)
        .limit(limit)
    )
    out = []
    for number, site, lon, lat, level, state, deadline, sup in (await session.exec(stmt)).all():  # type: ignore[call-overload]
        overdue_now = is_overdue(state, deadline, w.as_of)
        out.append(MapHazard(number, site, float(lon), float(lat), level == MAJOR, overdue_now, state, bool(sup)))
    return out


async def unpinned_hazards(session: AsyncSession, now: datetime, tz: ZoneInfo, unit_id: int | None = None,
                           limit: int = 20) -> Unpinned:
    """The hazards ``map_hazards`` would show but that have no coordinates: how many (and how many of them are
    overdue), and the first ``limit`` ledger numbers (most urgent deadline first)."""
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    cond = and_(_map_condition(now, tz, unit_id), or_(h.latitude.is_(None), h.longitude.is_(None)))
    overdue = func.coalesce(func.sum(case((overdue_clause(Window.at(now, tz).as_of), 1), else_=0)), 0)
    total, late = (await session.exec(select(func.count(), overdue)  # type: ignore[call-overload]
                                      .select_from(Hazard.__table__).where(cond))).one()  # type: ignore[attr-defined]
    rows = (await session.exec(select(h.ledger_number, h.draft_number).where(cond)  # type: ignore[call-overload]
                               .order_by(h.deadline, h.id).limit(limit))).all()
    return Unpinned(int(total), [ledger or draft for ledger, draft in rows], int(late))
