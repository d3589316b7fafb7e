"""Ledger exports: the rows of 附件1 / 附件2 streamed from the database (Core rows, batches of 2 000) into
``storage.excel.writer``; plans (附件3) one sheet per plan; hazards with coordinates as GeoJSON.

Filters (``ExportFilter``): a unit, a date range (hazards: 上账时间; inspections: 检查时间; Asia/Shanghai
dates, both ends included) and, for hazards, a state (one of ``LEDGER_STATES``, ``open`` or ``overdue``) and
any further conditions (``where``: /find's filter within the finder's scope).
Only hazards with a ledger number (registered at some time) belong to the 附件2 ledger, so a hazard in
review or rejected is never exported and ``LEDGER_STATES`` leaves those states out.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter
from sqlalchemy import Select, func, select
from sqlmodel import col
from sqlmodel import select as select_models
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import default_zone
from bot.domain import HazardState
from bot.services.hazard_query import LEDGER_STATES, in_unit_scope, is_overdue, open_clause, overdue_clause
from storage.excel.cells import TextCells
from storage.excel.layouts import HAZARDS, INSPECTIONS, hazard_type_label
from storage.excel.writer import LedgerWriter
from storage.models import Hazard, Inspection, InspectionHazard, Unit
from storage.models_lifecycle import Supervision
from storage.models_plans import InspectionPlan, PlanArrangement

BATCH = 2_000
STATE_FILTERS = (*LEDGER_STATES, "open", "overdue")


@dataclass(frozen=True)
class ExportFilter:
    """Which rows of the ledger an export holds: a unit's scope, a range of registration dates (inclusive, in
    ``tz``), a state of ``STATE_FILTERS`` and further SQL conditions. Raises ``ValueError`` for a state not
    in ``STATE_FILTERS``, "overdue" without ``today`` or ``date_from`` after ``date_to``."""

    unit_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    state: str | None = None  # one of STATE_FILTERS
    today: date | None = None  # required for "overdue": the date in the configured zone
    tz: ZoneInfo = field(default_factory=default_zone)  # the zone of the date range and the 上账时间 column
    #: further SQL conditions over ``hazard`` (hazards only): /find's filter and the finder's scope
    #: (``hazard_filter.where``, ``hazard_query.scope_clause``)
    where: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if self.state is not None and self.state not in STATE_FILTERS:
            raise ValueError(f"state {self.state!r} is not in the ledger: use one of {', '.join(STATE_FILTERS)}")
        if self.state == "overdue" and self.today is None:
            raise ValueError("the overdue filter needs today's date in the configured time zone")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"the range {self.date_from} to {self.date_to} is empty: the first date is after the last")


def _local_start(d: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(d, time(), tz)


def hazard_query(f: ExportFilter) -> Select[Any]:
    """The SELECT of the ledgered hazards ``f`` keeps (those with a 台账编号), in ledger number order."""
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    stmt = select(Hazard.__table__).where(h.ledger_number.is_not(None))  # type: ignore[attr-defined]
    if f.unit_id is not None:  # the unit's scope (located in it, its industry, its zone, recorded by it)
        stmt = stmt.where(in_unit_scope(f.unit_id))
    if f.date_from is not None:
        stmt = stmt.where(h.registered_at >= _local_start(f.date_from, f.tz))
    if f.date_to is not None:
        stmt = stmt.where(h.registered_at < _local_start(f.date_to + timedelta(days=1), f.tz))
    if f.state == "open":
        stmt = stmt.where(open_clause())
    elif f.state == "overdue":
        assert f.today is not None  # __post_init__
        stmt = stmt.where(overdue_clause(f.today))
    elif f.state:
        stmt = stmt.where(h.state == HazardState(f.state).value)
    if f.where:
        stmt = stmt.where(*f.where)
    return stmt.order_by(h.ledger_number)


def inspection_query(f: ExportFilter) -> Select[Any]:
    """The SELECT of the inspections ``f`` keeps (not voided; unit and inspection date range), by date then
    id."""
    i = Inspection.__table__.c  # type: ignore[attr-defined]
    stmt = select(Inspection.__table__).where(i.voided_at.is_(None))  # type: ignore[attr-defined]  # voided: out of the ledger
    if f.unit_id is not None:
        stmt = stmt.where(i.unit_id == f.unit_id)
    if f.date_from is not None:
        stmt = stmt.where(i.inspected_on >= f.date_from)
    if f.date_to is not None:
        stmt = stmt.where(i.inspected_on <= f.date_to)
    return stmt.order_by(i.inspected_on, i.id)


async def count(session: AsyncSession, stmt: Select[Any]) -> int:
    """How many rows ``stmt`` yields (for progress totals)."""
    return int((await session.exec(select(func.count()).select_from(stmt.order_by(None).subquery()))).one()[0])  # type: ignore[call-overload]


OPEN_ENDED_DEADLINE = "长期"  # an imported 整改时限 without an end (bot.services.ledger_rows.OPEN_ENDED)

def hazard_row(h: Any, tz: ZoneInfo, supervision: str = "") -> dict[str, Any]:
    """One 附件2 row (keys of ``layouts.HAZARDS``) from a hazard row or object, dates in ``tz``; ``supervision``
    (its 挂牌督办 in words, ``supervision_remarks``) is added to the remarks. A hazard without a deadline (an old
    ledger's 长期) is written ``长期``, as the import reads it back."""
    registered = h.registered_at.astimezone(tz).date() if h.registered_at else None
    return {
        "ledger_number": h.ledger_number,
        "registered_on": registered,
        "district": h.district,
        "township": h.township,
        "site_name": h.site_name,
        "address": h.address,
        "person_in_charge": h.person_in_charge,
        "phone": h.phone,
        "entity_nature": h.entity_nature,
        "occupant_count": h.occupant_count,
        "parent_group": h.parent_group,
        "district_department": h.district_department,
        "city_department": h.city_department,
        "source": h.source,
        "description": h.description,
        "hazard_type": hazard_type_label(h.category, h.subtype),
        "level": h.level,
        "illegal_building_nature": h.illegal_building_nature,
        "illegal_area": h.illegal_area,
        "demolished_area": h.demolished_area,
        "measures": h.measures,
        "deadline": h.deadline if h.deadline is not None else OPEN_ENDED_DEADLINE,
        "reinspected_on": h.reinspected_on,
        "reinspection_result": h.reinspection_result,
        "closed": "是" if h.state == HazardState.CLOSED else "否",
        "remarks": "；".join(x for x in (h.remarks, supervision) if x),
    }


def _supervision_words(level: str, started: datetime, deadline: date | None, ended: datetime | None,
                       tz: ZoneInfo) -> str:
    words = f"{level}挂牌督办（{started.astimezone(tz).date().isoformat()}起"
    if deadline is not None:
        words += f"，督办期限{deadline.isoformat()}"
    if ended is not None:
        words += f"，{ended.astimezone(tz).date().isoformat()}解除"
    return words + "）"


async def supervision_remarks(session: AsyncSession, hazard_ids: list[int], tz: ZoneInfo) -> dict[int, str]:
    """The 挂牌督办 of each hazard as the 附件2 备注 says it (方案 五(五)): level, start, supervision deadline and
    end (dates in ``tz``), joined by ``；``; hazards without any are left out."""
    if not hazard_ids:
        return {}
    rows = (await session.exec(
        select(Supervision.hazard_id, Supervision.level, Supervision.started_at, Supervision.deadline,  # type: ignore[call-overload]
               Supervision.ended_at)
        .where(Supervision.__table__.c.hazard_id.in_(hazard_ids)).order_by(Supervision.__table__.c.id)  # type: ignore[attr-defined]
    )).all()
    out: dict[int, list[str]] = {}
    for hazard_id, level, started, deadline, ended in rows:
        out.setdefault(hazard_id, []).append(_supervision_words(level, started, deadline, ended, tz))
    return {k: "；".join(v) for k, v in out.items()}


async def _hazard_batches(session: AsyncSession, f: ExportFilter) -> AsyncIterator[list[dict[str, Any]]]:
    async for batch in _batches(session, hazard_query(f)):
        remarks = await supervision_remarks(session, [h.id for h in batch], f.tz)
        yield [hazard_row(h, f.tz, remarks.get(h.id, "")) for h in batch]


def inspection_row(i: Any, seq: int, hazard_numbers: list[str]) -> dict[str, Any]:
    """One 附件1 row; ``hazard_numbers`` joined by ``、`` or ``无`` (附件1 说明 5)."""
    return {
        "seq": seq,
        "inspected_on": i.inspected_on,
        "inspecting_unit": i.inspecting_unit,
        "inspection_type": i.inspection_type,
        "inspector_count": i.inspector_count,
        "hazard_numbers": "、".join(sorted(hazard_numbers)) or "无",
        "site_name": i.site_name,
        "district": i.district,
        "township": i.township,
        "address": i.address,
        "penalty_type": i.penalty_type,
        "fine_amount": i.fine_amount,
        "remarks": i.remarks,
    }


async def _batches(session: AsyncSession, stmt: Select[Any]) -> AsyncIterator[list[Any]]:
    result = await session.stream(stmt.execution_options(yield_per=BATCH))
    async for part in result.partitions(BATCH):
        yield part


async def hazard_rows(session: AsyncSession, f: ExportFilter) -> list[dict[str, Any]]:
    """All 附件2 rows for ``f`` (in memory; exports stream with ``export_hazards``)."""
    return [r async for batch in _hazard_batches(session, f) for r in batch]


async def _inspection_batches(session: AsyncSession, f: ExportFilter) -> AsyncIterator[list[dict[str, Any]]]:
    seq = 0
    async for batch in _batches(session, inspection_query(f)):
        ids = [i.id for i in batch]
        links: dict[int, list[str]] = {}
        link_q = (
            select(col(InspectionHazard.inspection_id), col(Hazard.ledger_number), col(Hazard.draft_number))
            .join(Hazard, Hazard.id == InspectionHazard.hazard_id)  # type: ignore[arg-type]
            .where(InspectionHazard.inspection_id.in_(ids))  # type: ignore[attr-defined]
        )
        for iid, ledger, _draft in (await session.exec(link_q)).all():  # type: ignore[call-overload]
            if ledger:  # 未上账 hazards are not written (说明 5: 未上账填无)
                links.setdefault(iid, []).append(ledger)
        out = []
        for i in batch:
            seq += 1
            out.append(inspection_row(i, seq, links.get(i.id, [])))
        yield out


async def inspection_rows(session: AsyncSession, f: ExportFilter) -> list[dict[str, Any]]:
    """All the inspection rows ``f`` keeps, as 附件1 column dicts (read in batches, returned as one list)."""
    return [r async for batch in _inspection_batches(session, f) for r in batch]


async def _write_streamed(path: Path, layout: Any, batches: AsyncIterator[list[dict[str, Any]]],
                          progress: Callable[[int], None] | None, filled_by: str = "",
                          filled_on: date | None = None) -> int:
    # XlsxWriter is synchronous: each batch is written in a worker thread so the event loop stays free.
    writer = await asyncio.to_thread(LedgerWriter, path, layout, progress, filled_by=filled_by, filled_on=filled_on)
    try:
        async for rows in batches:
            await asyncio.to_thread(writer.write, rows)
    finally:
        n = await asyncio.to_thread(writer.close)
    return n


async def export_hazards(session: AsyncSession, f: ExportFilter, path: Path,
                         progress: Callable[[int], None] | None = None, filled_by: str = "") -> int:
    """Write the 附件2 ledger for ``f`` to ``path``; returns the number of rows. ``filled_by`` (填报单位) and
    ``f.today`` (填报日期) go into the printed page header."""

    return await _write_streamed(path, HAZARDS, _hazard_batches(session, f), progress, filled_by, f.today)


async def export_inspections(session: AsyncSession, f: ExportFilter, path: Path,
                             progress: Callable[[int], None] | None = None, filled_by: str = "") -> int:
    """Write the 附件1 ledger for ``f`` to ``path``; returns the number of rows (``filled_by``: as hazards)."""
    return await _write_streamed(path, INSPECTIONS, _inspection_batches(session, f), progress, filled_by, f.today)


PLAN_ROWS = 7  # the template's arrangement rows; more are added when a plan has more


async def export_plans(session: AsyncSession, path: Path, year: int | None = None, unit_id: int | None = None) -> int:
    """附件3 计划表, one sheet per plan (sheet named after the unit and year); returns the number of plans.

    Layout (columns A–E): title with the year (…{year}年度监督检查计划表); 单位名称 | name (B–E merged); 工作目标 (A merged over 2 rows) | 年度监督检查目标（家次）
    (B–C) | 挂账隐患核查比例（%） (D–E), then their values; 工作安排 (A merged down) | 检查时间安排 | 参加检查部门及人员 |
    检查地区或单位名称 | 检查重点内容, then one row per arrangement (at least 7); 备注 | remarks (B–E merged).
    """
    stmt = select_models(InspectionPlan, Unit.name).join(Unit, Unit.id == InspectionPlan.unit_id)  # type: ignore[arg-type]
    if year is not None:
        stmt = stmt.where(InspectionPlan.year == year)
    if unit_id is not None:
        stmt = stmt.where(InspectionPlan.unit_id == unit_id)
    plans = (await session.exec(stmt.order_by(col(InspectionPlan.year), col(Unit.name)))).all()
    wb = xlsxwriter.Workbook(str(path))
    try:
        for plan, unit_name in plans:
            arrangements = (await session.exec(
                select_models(PlanArrangement).where(PlanArrangement.plan_id == plan.id).order_by(col(PlanArrangement.position))
            )).all()
            rows = [(a.schedule, a.participants, a.areas, a.key_content) for a in arrangements]
            _plan_sheet(wb, unit_name, plan.year, plan.inspection_target, plan.verification_ratio, rows, plan.remarks)
    finally:
        wb.close()
    return len(plans)


def write_plan_template(path: Path, unit_name: str, year: int) -> None:
    """An empty 附件3 计划表 for ``unit_name`` and ``year``, to be filled in and sent back."""
    wb = xlsxwriter.Workbook(str(path))
    try:
        _plan_sheet(wb, unit_name, year, None, None, [], None)
    finally:
        wb.close()


def _plan_sheet(wb: Any, unit_name: str, year: int, target: int | None, ratio: Decimal | None,
                rows: list[tuple[str, str, str, str]], remarks: str | None) -> None:
    cells = TextCells(wb)  # what the unit typed (arrangements, remarks) as text, never a formula
    head = cells.fmt({"bold": True, "border": 1, "align": "center", "valign": "vcenter", "text_wrap": True})
    cell = cells.fmt({"border": 1, "valign": "vcenter", "text_wrap": True})
    title = cells.fmt({"bold": True, "font_size": 16, "align": "center"})
    ws = wb.add_worksheet(f"{unit_name[:24]}{year}")
    ws.set_column(0, 0, 10)
    ws.set_column(1, 4, 24)
    cells.merged(ws, 0, 0, 0, 4, f"城市安全隐患治理三年行动{year}年度监督检查计划表", title)
    cells.text(ws, 1, 0, "单位名称", head)
    cells.merged(ws, 1, 1, 1, 4, unit_name, cell)
    cells.merged(ws, 2, 0, 3, 0, "工作目标", head)
    cells.merged(ws, 2, 1, 2, 2, "年度监督检查目标（家次）", head)
    cells.merged(ws, 2, 3, 2, 4, "挂账隐患核查比例（%）", head)
    cells.merged(ws, 3, 1, 3, 2, target, cell)
    cells.merged(ws, 3, 3, 3, 4, float(ratio) if ratio is not None else None, cell)
    n = max(PLAN_ROWS, len(rows))
    cells.merged(ws, 4, 0, 4 + n, 0, "工作安排", head)
    for column, text in enumerate(("检查时间安排", "参加检查部门及人员", "检查地区或单位名称", "检查重点内容"), start=1):
        cells.text(ws, 4, column, text, head)
    for r in range(n):
        values = rows[r] if r < len(rows) else ("", "", "", "")
        for column, v in enumerate(values, start=1):
            cells.text(ws, 5 + r, column, v, cell)
    cells.text(ws, 5 + n, 0, "备注", head)
    cells.merged(ws, 5 + n, 1, 5 + n, 4, remarks or "", cell)


async def export_geojson(session: AsyncSession, f: ExportFilter, path: Path, today: date, *,
                         gcj02: bool = False) -> int:
    """Hazards with coordinates as a GeoJSON FeatureCollection (RFC 7946: WGS 84 longitude/latitude,
    the coordinates Telegram location pins carry; with ``gcj02`` converted to GCJ-02 for Chinese map
    services, ``bot.geo``). Properties: ledger number, site, township, level, state, deadline, overdue
    (derived as of ``today``). Hazards without a pin are counted in ``without_location``. Returns the
    number of features."""
    from bot.geo import wgs84_to_gcj02

    features = []
    unpinned = []
    async for batch in _batches(session, hazard_query(f)):
        for h in batch:
            if h.latitude is None or h.longitude is None:
                unpinned.append(h.ledger_number)
                continue
            lon, lat = wgs84_to_gcj02(h.longitude, h.latitude) if gcj02 else (h.longitude, h.latitude)
            overdue = is_overdue(h.state, h.deadline, today)
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 7), round(lat, 7)]},
                "properties": {
                    "ledger_number": h.ledger_number, "site_name": h.site_name, "township": h.township,
                    "address": h.address, "level": h.level, "state": h.state,
                    "deadline": h.deadline.isoformat() if h.deadline else None, "overdue": overdue,
                    "category": h.category, "subtype": h.subtype,
                },
            })
    doc = {
        "type": "FeatureCollection",
        "crs_note": ("GCJ-02 (converted from WGS 84 for Chinese map services), [longitude, latitude]" if gcj02
                     else "WGS 84 (EPSG:4326), coordinates [longitude, latitude] per RFC 7946; not GCJ-02"),
        "without_location": {"count": len(unpinned), "ledger_numbers": unpinned},
        "features": features,
    }
    Path(path).write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(features)
