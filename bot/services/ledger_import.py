"""Saving an existing hazard ledger (附件2) or inspection ledger (附件1) in the annex layout.

The rows are read and checked by ``bot.services.ledger_rows`` (in the parse worker when they come from the
bot or the command line, which streams a 附件2 file's good rows to a staging folder, ``ledger_staging``);
nothing is written unless every row is good, or the office chose to import the good rows only. Hazards are
inserted in batches with SQLAlchemy Core (issue 19 item 2), in one transaction. Rows already in the database are skipped, so importing
the same file again changes nothing: hazards are matched by ledger number; inspections by (检查时间, 检查单位,
检查类型, 单位名称, 地址), as 附件1 has no number of its own.

Imported hazards get the state their row implies (销账 是 → closed; 复查合格 → closure_requested; otherwise
registered), a draft number ``I`` + ledger number and one ``import`` event; a closed one also gets a
``closed`` event dated its re-inspection day (18:00 Asia/Shanghai), the best the annex tells of when it was
closed. Coordinates are not part of the annex and stay empty.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import default_zone
from bot.domain import HazardState
from bot.services.hazard_query import zone_of
from bot.services.ledger_rows import (
    REASONS,
    ImportReport,
    ParsedLedger,
    RowError,
    parse_ledger,
)
from bot.services.ledger_staging import STAGE_BATCH, staged_batches
from bot.services.numbers import next_inspection_number
from storage import tally_sql
from storage.bulk import insert_rows
from storage.excel.guard import DEFAULT_LIMITS, SheetLimits, open_workbook
from storage.excel.layouts import INSPECTIONS
from storage.models import Hazard, HazardEvent, Inspection, InspectionHazard, NumberSequence, Unit
from storage.registry import normalise_township_name
from storage.upsert import dialect_insert

__all__ = ["ImportReport", "RowError", "answer_staged", "import_hazards", "import_inspections", "store_hazards",
           "store_inspections"]


async def answer_staged(session: AsyncSession, token: str) -> bool:
    """Record in the session's transaction that the staged ledger ``token`` was answered (saved, or "nothing"):
    a ``number_sequence`` row ``staged-import:TOKEN`` (a table with a unique key already, so no migration), so
    the mark commits with the saved rows or not at all — a process killed mid-save leaves no mark and the same
    button works again after a restart. False when a committed answer holds the mark already (the caller refuses:
    the file was handled). On PostgreSQL a concurrent answer waits here until the other one commits or fails."""
    table = NumberSequence.__table__  # type: ignore[attr-defined]
    stmt = dialect_insert(session)(table).values(scope=f"staged-import:{token}", last=1)
    result = await session.exec(stmt.on_conflict_do_nothing(index_elements=["scope"]).returning(table.c.scope))
    return result.first() is not None


async def _unit_ids(session: AsyncSession) -> dict[str, int]:
    rows = (await session.exec(select(Unit.id, Unit.code, Unit.name, Unit.is_township))).all()  # type: ignore[call-overload]
    out: dict[str, int] = {}
    for uid, code, name, township in rows:
        out[name] = uid
        out[code] = uid
        if township:
            out[normalise_township_name(name)] = uid
    return out



def read_ledger(path: Path, kind: str, today: date, district_code: str = "110105",
                limits: SheetLimits = DEFAULT_LIMITS) -> ParsedLedger:
    """``path`` bounded (``guard.open_workbook``) and parsed in this process as a ``kind`` ledger; raises
    ``SpreadsheetRefused``. The bot and the command line parse in the worker instead (``bot.services.sheet_jobs``)."""
    with open_workbook(path, limits) as book:
        return parse_ledger(book, kind, today, district_code, limits)


async def import_hazards(
    session: AsyncSession, path: Path, *, actor_id: int, today: date, now: datetime,
    unit_id: int | None = None, district_code: str = "110105",
) -> ImportReport:
    """Read (in this process) and save a 附件2 ledger file: ``read_ledger`` then ``store_hazards``."""
    parsed = read_ledger(path, "hazards", today, district_code)
    return await store_hazards(session, parsed, actor_id=actor_id, now=now, unit_id=unit_id, file_name=path.name)


HazardBatches = Iterable[list[tuple[int, dict[str, Any]]]]
Progress = Callable[[int], Awaitable[None]]


async def store_hazards(
    session: AsyncSession, parsed: ParsedLedger, *, actor_id: int, now: datetime,
    unit_id: int | None = None, file_name: str = "", tz: ZoneInfo | None = None, good_rows: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Save the parsed 附件2 rows: all of them, or none when any row is bad — unless ``good_rows``, when the
    good rows are saved and the bad ones counted in ``report.skipped``. Staged rows (``parsed.staged``) are read
    from their folder batch by batch. See ``store_hazard_batches``. Flushes, never commits."""
    report = parsed.report
    if report.errors and not (good_rows and report.good_rows and not report.header_bad):
        return report
    if parsed.staged is not None:
        batches: HazardBatches = staged_batches(Path(parsed.staged))
    else:
        batches = (parsed.values[i : i + STAGE_BATCH] for i in range(0, len(parsed.values), STAGE_BATCH))
    await store_hazard_batches(session, batches, report, actor_id=actor_id, now=now, unit_id=unit_id,
                               file_name=file_name, tz=tz, progress=progress)
    report.skipped = report.bad_rows
    return report


async def store_hazard_batches(
    session: AsyncSession, batches: HazardBatches, report: ImportReport, *, actor_id: int, now: datetime,
    unit_id: int | None = None, file_name: str = "", tz: ZoneInfo | None = None, progress: Progress | None = None,
) -> None:
    """Insert checked 附件2 rows a batch at a time (the driver's executemany, ``storage.bulk.insert_rows``, then
    the new ids by ledger number: no ORM object and no round trip per row; ``RETURNING`` would cost a round trip
    per row through aiosqlite), adding to ``report.added`` and ``report.unchanged`` (ledger number already stored).
    Each hazard belongs to ``unit_id`` when given, else to the township unit of its 所属街乡; ``now`` stamps
    the ``import`` events; an imported closure is dated 18:00 of its re-inspection day in ``tz`` (the
    configured zone; default ``bot.clock.DEFAULT_ZONE``). ``progress(saved)`` after each batch. All in the
    session's transaction: the caller's commit saves every row, a failure saves none."""
    units = await _unit_ids(session)
    zone = tz or default_zone()
    owner = await session.get(Unit, unit_id) if unit_id is not None else None
    zone_id = zone_of(owner)  # a committee's ledger: every row lies in its zone
    hazard = Hazard.__table__  # type: ignore[attr-defined]
    event = HazardEvent.__table__  # type: ignore[attr-defined]
    conn = await session.connection()  # Core on the session's own transaction
    done = 0
    stored: list[int] = []
    for batch in batches:
        numbers = [v["ledger_number"] for _, v in batch]
        existing = set((await conn.execute(select(hazard.c.ledger_number).where(
            hazard.c.ledger_number.in_(numbers)))).scalars())
        new = [v for _, v in batch if v["ledger_number"] not in existing]
        report.unchanged += len(batch) - len(new)
        if new:
            # an imported closure is dated 18:00 of its re-inspection day; it is also the status's covering
            # column ``closed_at`` (migration 0150)
            closed = {v["ledger_number"]: min(datetime.combine(v["reinspected_on"] or date.min, time(18), zone), now)
                      for v in new if v["state"] == HazardState.CLOSED.value}
            rows = [{**v, "unit_id": unit_id if unit_id is not None else units[v["township_code"]], "version": 1,
                     "created_by": actor_id, "created_at": v["registered_at"], "updated_at": now, "zone_id": zone_id,
                     "closed_at": closed.get(v["ledger_number"])}
                    for v in new]
            await conn.run_sync(insert_rows, hazard, rows)  # the driver's executemany, one call per batch
            ids: dict[str, int] = dict((await conn.execute(select(hazard.c.ledger_number, hazard.c.id).where(
                hazard.c.ledger_number.in_([v["ledger_number"] for v in new])))).all())
            events: list[dict[str, Any]] = []
            for v in new:
                hid = ids[v["ledger_number"]]
                events.append({"hazard_id": hid, "at": now, "actor_id": actor_id, "action": "import",
                               "from_state": None, "to_state": v["state"], "note": None, "data": {"file": file_name}})
                if v["ledger_number"] in closed:
                    events.append({"hazard_id": hid, "at": closed[v["ledger_number"]], "actor_id": actor_id,
                                   "action": "close", "from_state": HazardState.CLOSURE_REQUESTED.value,
                                   "to_state": HazardState.CLOSED.value, "note": None, "data": {"imported": True}})
            await conn.run_sync(insert_rows, event, events)
            stored += ids.values()
            report.added += len(new)
        done += len(batch)
        if progress is not None:
            await progress(done)
    # the status's tallies, once for the whole file, in SQL (Core inserts: no ORM flush sees them)
    await tally_sql.touch(session, stored)


async def import_inspections(
    session: AsyncSession, path: Path, *, actor_id: int, today: date, unit_id: int | None = None,
) -> ImportReport:
    """Read (in this process) and save a 附件1 ledger file: ``read_ledger`` then ``store_inspections``."""
    parsed = read_ledger(path, "inspections", today)
    return await store_inspections(session, parsed, actor_id=actor_id, unit_id=unit_id)


async def store_inspections(
    session: AsyncSession, parsed: ParsedLedger, *, actor_id: int, unit_id: int | None = None,
) -> ImportReport:
    """Save the parsed 附件1 rows unless any is bad. Each inspection belongs to ``unit_id`` when given, else
    to the unit named in 检查单位. Linked ledger numbers must already be in the hazard ledger. Flushes,
    never commits."""
    report = parsed.report
    if report.errors:
        return report
    units = await _unit_ids(session)
    wanted = sorted({x for _, v in parsed.values for x in v["_numbers"]})
    hazard_ids: dict[str, int] = {}
    for i in range(0, len(wanted), 500):
        rows = (await session.exec(select(Hazard.ledger_number, Hazard.id).where(Hazard.ledger_number.in_(wanted[i : i + 500])))).all()  # type: ignore[union-attr, call-overload]
        hazard_ids.update({str(a): int(b) for a, b in rows})
    header = {c.key: c.header for c in INSPECTIONS.columns}
    for n, v in parsed.values:
        for x in v["_numbers"]:
            if x not in hazard_ids:
                report.errors.append(RowError(n, header["hazard_numbers"], REASONS["unknown_ledger_number"].format(number=x)))
        owner = unit_id if unit_id is not None else units.get(v["inspecting_unit"]) or units.get(
            normalise_township_name(v["inspecting_unit"]))
        if owner is None:
            report.errors.append(RowError(n, header["inspecting_unit"], REASONS["unknown_unit"]))
        v["unit_id"] = owner
    if report.errors or not parsed.values:
        return report
    key_cols = (Inspection.inspected_on, Inspection.inspecting_unit, Inspection.inspection_type,
                Inspection.site_name, Inspection.address)
    lo = min(v["inspected_on"] for _, v in parsed.values)
    hi = max(v["inspected_on"] for _, v in parsed.values)
    existing = set((await session.exec(select(*key_cols).where(  # type: ignore[call-overload]
        Inspection.inspected_on >= lo, Inspection.inspected_on <= hi))).all())
    existing = {tuple(k) for k in existing}
    for _n, v in parsed.values:
        key = (v["inspected_on"], v["inspecting_unit"], v["inspection_type"], v["site_name"], v["address"])
        if key in existing:
            report.unchanged += 1
            continue
        existing.add(key)
        numbers = v.pop("_numbers")
        inspection = Inspection(**v, number=await next_inspection_number(session, v["inspected_on"]), created_by=actor_id)
        session.add(inspection)
        await session.flush()
        for x in numbers:
            session.add(InspectionHazard(inspection_id=inspection.id, hazard_id=hazard_ids[x]))  # type: ignore[arg-type]
        report.added += 1
    await session.flush()
    return report
