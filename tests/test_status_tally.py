"""The status's tallies (issue 19 item 1, ``storage.tally``) give the numbers of the ledger scan, the reference
(``compute_status(..., scan=True)``): random ledgers driven through the real services — registration, the life
cycle to closure, failed re-inspections, reopenings by failed verification (核查 rows), corrections and transfers
that move a hazard to another unit, township, industry or zone, deadline changes, voided 核查 inspections, ledger
imports, supervision (挂牌督办) — on SQLite and PostgreSQL, then the district's status and each concerned unit's are equal both ways at
several instants (across a week's and a year's boundary). A generated 附件2 ledger imported (counted in SQL,
``storage.tally_sql``) gives the counters and facts rows of a recount and the scan's numbers for the district and
every unit. Also: what one hazard contributes (pure), and no Core write to the tables the tallies follow outside
the places that refresh them."""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import select

from bot.clock import Clock
from bot.domain import HazardState
from bot.services.corrections import submit_transfer, submit_void
from bot.services.ledger_import import ImportReport, import_hazards, store_hazard_batches
from bot.services.lifecycle import SUPERVISION_LEVELS, Action
from bot.services.lifecycle_service import LifecycleService
from bot.services.summary import compute_status
from bot.services.transitions import Transitions
from storage.db import UowFactory
from storage.errors import DomainError
from storage.models import Hazard, HazardEvent, Inspection, InspectionHazard, Unit
from storage.registry import departments, townships
from storage.tally import NO_DAY, TALLY_ZONE, Facts, contributions, rebuild
from storage.tally_sql import FIXED_SINCE, OFFSET_HOURS, count_new
from tests.lifecycle_factories import OTHER, Cast, cast, hazard
from tests.old_ledgers import base_row, write_ledger
from tests.random_life import RandomLife, random_life
from tests.summary_ledger import RULES, SH

S = HazardState
ROOT = Path(__file__).resolve().parents[1]
START = datetime(2018, 12, 20, 2, tzinfo=UTC)
_clock_now = [START]
#: (operation, which hazard, a choice, days passing)
OPS = st.lists(st.tuples(st.sampled_from(["step"] * 6 + ["move", "deadline", "void", "import", "supervise"]),
                         st.integers(0, 1), st.integers(0, 3), st.integers(0, 9)), min_size=12, max_size=30)


def test_contributions_of_one_closed_hazard() -> None:
    """A hazard closed on 2019-01-03, registered 2018-12-30, verified 2019-01-05, recorded by unit 7 and in the
    scope of unit 9 too: each counter once for the district and once per unit; the verified one dated by the
    later day; the district's closures keyed by the recording unit."""
    f = Facts(unit_id=7, scopes=(7, 9), state="closed", major=True, deadline=date(2019, 1, 1),
              created_on=date(2018, 12, 29), registered_on=date(2018, 12, 30), closed_on=date(2019, 1, 3),
              verified_on=date(2019, 1, 5), category="重点消防", township="建外街道")
    keys = Counter(contributions(f))
    assert all(n == 1 for n in keys.values())
    assert {k[0] for k in keys} == {0, 7, 9}
    assert (0, "state", "-", NO_DAY, "closed", "major") in keys
    assert (0, "closed", "d", date(2019, 1, 3), "before", "7") in keys
    assert (9, "closed", "m", date(2019, 1, 1), "before", "") in keys
    assert (9, "verified", "d", date(2019, 1, 5), "", "") in keys
    assert (9, "registered", "y", date(2018, 1, 1), "closed", "") in keys
    assert not any(k[1] in ("deadline", "open") for k in keys)  # not registered, not open
    assert contributions(None) == []


async def _same(uow: UowFactory, nows: list[datetime], units: set[int]) -> None:
    async with uow() as u:
        for now in nows:
            for unit in [None, *sorted(units)]:
                tallied = await compute_status(u.session, now, unit, rules=RULES)
                scanned = await compute_status(u.session, now, unit, rules=RULES, scan=True)
                assert tallied == scanned, (now, unit)


async def _scopes(uow: UowFactory) -> set[int]:
    async with uow() as u:
        rows = (await u.session.exec(text("SELECT scopes FROM hazard_tally"))).all()  # type: ignore[call-overload]
    return {int(x) for (s,) in rows for x in s.split(",") if x}


async def _move(uow: UowFactory, c: Cast, hid: int, choice: int, now: datetime) -> None:
    """The office corrects the hazard's township, industry or zone, or hands it to another unit."""
    async with uow() as u:
        s = u.session
        zone = (await s.exec(select(Unit).where(Unit.kind == "功能区管委会").order_by(Unit.id))).first()
        dept = (await s.exec(select(Unit).where(Unit.code == "dept-05"))).one()
        other = (await s.exec(select(Unit).where(Unit.code == OTHER))).one()
        h = await s.get(Hazard, hid)
        assert h is not None and zone is not None
        if choice == 3:
            target = other.name if h.unit_id != other.id else zone.name
            await submit_transfer(s, c.office, SimpleNamespace(context={"hazard_id": hid}),  # type: ignore[arg-type]
                                  {"unit": target, "reason": "属地调整"}, now)
        else:
            changes = [{"township_code": other.code, "township": other.name},
                       {"district_department": dept.name, "city_department": None},
                       {"zone_id": zone.id}][choice]
            await Transitions(s, now).move(c.office, h, Action.CORRECT, HazardState(h.state), note="更正",
                                           changes=changes)
        await u.commit()


async def _deadline(uow: UowFactory, c: Cast, hid: int, choice: int, now: datetime) -> None:
    async with uow() as u:
        h = await u.session.get(Hazard, hid)
        assert h is not None
        new = now.astimezone(SH).date() + timedelta(days=choice * 5 - 6)  # sometimes already past
        await Transitions(u.session, now).move(c.office, h, Action.CORRECT, HazardState(h.state), note="延期",
                                               changes={"deadline": new})
        await u.commit()


async def _void(uow: UowFactory, c: Cast, hid: int, now: datetime) -> None:
    """The office voids the latest live inspection linked to the hazard (a 核查 row, when verified)."""
    async with uow() as u:
        found = (await u.session.exec(
            select(Inspection.id).join(InspectionHazard, InspectionHazard.inspection_id == Inspection.id)  # type: ignore[arg-type]
            .where(InspectionHazard.hazard_id == hid, Inspection.voided_at.is_(None))  # type: ignore[union-attr]
            .order_by(Inspection.id.desc()))).first()  # type: ignore[union-attr]
        if found is None:
            return
        await submit_void(u.session, c.office, SimpleNamespace(context={"inspection_id": found}),  # type: ignore[arg-type]
                          {"reason": "录入错误"}, now)
        await u.commit()


_imported = iter(range(1, 10**6))


async def _import(uow: UowFactory, c: Cast, hid: int, choice: int, now: datetime) -> None:
    """A 附件2 row like hazard ``hid`` imported (Core executemany), closed or open, into a township's ledger."""
    async with uow() as u:
        h = await u.session.get(Hazard, hid)
        assert h is not None
        n = next(_imported)
        state = [S.CLOSED, S.REGISTERED, S.RECTIFIED, S.CLOSED][choice].value
        v = {k: getattr(h, k) for k in (
            "district", "township_code", "township", "site_name", "address", "latitude", "longitude",
            "person_in_charge", "phone", "entity_nature", "occupant_count", "parent_group", "district_department",
            "city_department", "source", "description", "category", "subtype", "level", "illegal_building_nature",
            "illegal_area", "demolished_area", "measures", "deadline", "reinspection_result", "remarks")}
        v.update(draft_number=f"I{n:010d}{choice}", ledger_number=f"110105001{n:08d}{choice}", state=state,
                 registered_at=now - timedelta(days=40 * choice), reinspected_on=(now - timedelta(days=choice)).date())
        await store_hazard_batches(u.session, [[(1, v)]], ImportReport(), actor_id=c.office.user_id, now=now)
        await u.commit()


async def _op(r: RandomLife, op: str, hid: int, choice: int, now: datetime) -> None:
    uow, c = r.uow, r.cast
    if op == "step":
        await r.step(hid, choice != 0)
    elif op == "move":
        await _move(uow, c, hid, choice, now)
    elif op == "deadline":
        await _deadline(uow, c, hid, choice, now)
    elif op == "void":
        await _void(uow, c, hid, now)
    elif op == "supervise":
        await r.life.supervise(c.office, hid, SUPERVISION_LEVELS[choice])
    else:
        await _import(uow, c, hid, choice, now)



async def counters(uow: UowFactory) -> set[tuple[Any, ...]]:
    """The status's non-zero counters as rows ``(scope_id, kind, grain, day, a, b, n)``."""
    async with uow() as u:
        rows = (await u.session.exec(text(  # type: ignore[call-overload]
            "SELECT scope_id, kind, grain, day, a, b, n FROM status_tally WHERE n <> 0"))).all()
    return {tuple(r) for r in rows}

@settings(max_examples=6, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
async def test_tallies_equal_the_ledger_scan_after_random_ledgers(uow: UowFactory, ops: Any) -> None:
    r = await random_life(uow, _clock_now, date(2019, 1, 10), ("一般隐患", "重大隐患"))
    for op, which, choice, days in ops:
        now = r.advance(days, 3)
        # a refused step (e.g. the home township's people after a transfer) writes nothing
        with suppress(DomainError):
            await _op(r, op, r.ids[which], choice, now)
    now = r.now[0]
    local = now.astimezone(SH)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), datetime.min.time(), SH)
    new_year = datetime(local.year, 1, 1, tzinfo=SH)
    nows = [now, monday - timedelta(minutes=1), monday + timedelta(minutes=1),
            new_year - timedelta(minutes=1), new_year + timedelta(minutes=1)]
    await _same(uow, nows, await _scopes(uow))


async def test_rebuild_gives_the_counters_kept_by_the_writes(uow: UowFactory) -> None:
    """After writes through the services, recounting from scratch (migration 0170's fill) changes no counter."""
    c = await cast(uow)
    clock = Clock(lambda: START, SH)
    life = LifecycleService(uow, clock)
    hid = await hazard(uow, c.inspector, full_plan=True, deadline=date(2019, 1, 10))
    await life.approve(c.reviewer, hid)
    await life.register(c.office, hid)
    await _import(uow, c, hid, 0, START)
    await _move(uow, c, hid, 1, START)

    kept = await counters(uow)
    assert kept
    async with uow() as u:
        await u.session.run_sync(lambda s: rebuild(s.connection()))
        await u.commit()
    assert await counters(uow) == kept


#: Core writes to the tables the tallies follow; each file allowed here calls ``storage.tally.touch``
_CORE_WRITE = re.compile(r"\b(update|insert|delete)\(\s*(Hazard|InspectionHazard|Inspection|Verification|hazard)\b"
                         r"|\binsert_rows, (Hazard|InspectionHazard|Inspection|Verification|hazard)\b"
                         r"|\b(Hazard|InspectionHazard|Inspection|Verification)\.__table__\.(insert|update|delete)\(")
_ALLOWED = {"bot/services/transitions.py", "bot/services/verification.py", "bot/services/ledger_import.py"}


def test_no_core_write_to_the_tallied_tables_outside_the_refreshing_places() -> None:
    found = {}
    for pkg in ("bot", "handlers", "storage", "reminders"):
        for path in (ROOT / pkg).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "migrations" in path.parts or rel == "storage/tally.py":
                continue
            source = path.read_text(encoding="utf-8")
            if _CORE_WRITE.search(source):
                found[rel] = "touch(" in source
    assert set(found) <= _ALLOWED, f"a Core write to a tallied table outside {sorted(_ALLOWED)}: " \
        f"{sorted(set(found) - _ALLOWED)} — call storage.tally.touch after it and list it here"
    assert all(found.values()), found


async def test_two_transactions_bumping_the_same_counters_lose_nothing(uow: UowFactory) -> None:
    """Two transactions register hazards of the same unit at once (the same counter rows): the second's UPSERT
    waits for the first to end, then adds to what it committed — the counters equal a recount."""
    c = await cast(uow)
    life = LifecycleService(uow, Clock(lambda: START, SH))
    ids = [await hazard(uow, c.inspector, full_plan=True, deadline=date(2019, 1, 10)) for _ in range(2)]
    for hid in ids:
        await life.approve(c.reviewer, hid)
    first, second = uow(), uow()

    async def register(u: Any, hid: int) -> None:
        h = await u.session.get(Hazard, hid)
        assert h is not None
        await Transitions(u.session, START).move(c.office, h, Action.REGISTER, S.REGISTERED)

    async with first, second:
        await register(first, ids[0])  # holds the district's and the unit's counter rows until it commits

        async def other() -> None:
            await register(second, ids[1])  # waits for them (PostgreSQL's row lock, SQLite's writer turn)
            await second.commit()

        task = asyncio.create_task(other())
        await asyncio.sleep(0.3)
        assert not task.done()
        await first.commit()
        await asyncio.wait_for(task, 60)

    kept = await counters(uow)
    async with uow() as u:
        registered = (await u.session.exec(text(  # type: ignore[call-overload]
            "SELECT sum(n) FROM status_tally WHERE scope_id = 0 AND kind = 'state' AND a = 'registered'"))).one()[0]
    assert registered == 2
    async with uow() as u:
        await u.session.run_sync(lambda s: rebuild(s.connection()))
        await u.commit()
    assert await counters(uow) == kept


async def test_a_unit_added_later_counts_the_hazards_already_naming_it(uow: UowFactory) -> None:
    """A hazard names an industry department that the registry does not have yet; when the unit is added (as
    ``sync_units`` adds a new registry entry) and later renamed, its status from the tallies equals the scan."""
    c = await cast(uow)
    hid = await hazard(uow, c.inspector, full_plan=True, deadline=date(2019, 1, 10))
    async with uow() as u:
        h = await u.session.get(Hazard, hid)
        assert h is not None
        h.district_department = "区新设部门"
        u.session.add(h)
        await u.commit()
    async with uow() as u:
        dept = Unit(code="dept-99", name="区新设部门", kind="区政府部门", is_township=False)
        u.session.add(dept)
        await u.commit()
        assert dept.id is not None
    await _same(uow, [START], {dept.id})
    async with uow() as u:
        status = await compute_status(u.session, START, dept.id, rules=RULES)
    assert status.total == 1
    async with uow() as u:
        row = await u.session.get(Unit, dept.id)
        assert row is not None
        row.name = "区改名部门"
        u.session.add(row)
        await u.commit()
    await _same(uow, [START], {dept.id})
    async with uow() as u:
        assert (await compute_status(u.session, START, dept.id, rules=RULES)).total == 0


def test_the_tally_zone_is_utc_plus_8_since_the_sql_counting_says_so() -> None:
    """``storage.tally_sql`` dates instants by adding 8 hours: the zone database agrees from ``FIXED_SINCE`` on."""
    at = FIXED_SINCE
    while at.year < 2100:
        assert at.astimezone(TALLY_ZONE).utcoffset() == timedelta(hours=OFFSET_HOURS), at
        at += timedelta(days=13, hours=5)
    assert datetime(1991, 7, 1, tzinfo=UTC).astimezone(TALLY_ZONE).utcoffset() != timedelta(hours=OFFSET_HOURS)


IMPORT_TODAY = date(2021, 3, 10)


def _generated_ledger(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` good 附件2 rows over six townships and three years: open, awaiting closure and closed (in the year
    registered or a later one), 重大 or not, deadlines past, future and 长期, industries the registry knows (one
    district, one city level) or not."""
    rng = random.Random(seed)
    towns = townships()[:6]
    industries = [d.name for d in departments()[1:4]] + ["不在名录的部门", None]
    rows = []
    for i in range(n):
        town = towns[i % len(towns)]
        day = date(2018, 11, 1) + timedelta(days=rng.randrange(850))
        reinspected = day + timedelta(days=rng.randrange(400))
        state = rng.choice(["open", "open", "requested", "closed", "closed"]) if reinspected <= IMPORT_TODAY else "open"
        deadline = "长期" if rng.random() < 0.1 else (day + timedelta(days=rng.choice([20, 90, 400]))).isoformat()
        rows.append(base_row(
            i + 1, day=f"{day:%Y%m%d}", township=town.name, ledger_number=f"110105{town.code[-3:]}{day:%Y%m%d}{i + 1:04d}",
            level="重大隐患" if rng.random() < 0.2 else "一般隐患", deadline=deadline,
            hazard_type=rng.choice(["重点消防：老旧小区", "重点消防"]),
            district_department=rng.choice(industries), city_department=rng.choice(industries),
            reinspected_on=None if state == "open" else reinspected.isoformat(),
            reinspection_result=None if state == "open" else "复查合格", closed="是" if state == "closed" else "否"))
    return rows


async def _facts(uow: UowFactory) -> set[tuple[Any, ...]]:
    async with uow() as u:
        return {tuple(r) for r in (await u.session.exec(text("SELECT * FROM hazard_tally"))).all()}  # type: ignore[call-overload]


async def test_an_imported_ledger_is_counted_in_sql_as_a_recount_and_the_scan_count_it(uow: UowFactory,
                                                                                        tmp_path: Path) -> None:
    """A township ledger and a zone committee's (every row in its zone) imported: the counters and facts rows
    written set-based equal those of a recount (``rebuild``, the per-hazard reference), the status of the district
    and of every unit equals the ledger scan, and counting the same hazards again (``refresh`` then) changes
    nothing."""
    c = await cast(uow)
    rows = _generated_ledger(240, seed=19)
    now = datetime.combine(IMPORT_TODAY, datetime.min.time(), SH) + timedelta(hours=10)
    async with uow() as u:
        zone = (await u.session.exec(select(Unit).where(Unit.kind == "功能区管委会").order_by(Unit.id))).first()
        assert zone is not None
        for part, owner in ((rows[:160], None), (rows[160:], zone.id)):
            report = await import_hazards(u.session, write_ledger(tmp_path / f"{owner}.xlsx", part),
                                          actor_id=c.office.user_id, today=IMPORT_TODAY, now=now, unit_id=owner)
            assert report.ok and report.added == len(part), report.errors[:3]
        await u.commit()
    async with uow() as u:  # the driver's executemany bound what SQLAlchemy binds (storage.bulk.insert_rows)
        events = (await u.session.exec(select(HazardEvent))).all()
        first = (await u.session.exec(select(Hazard).order_by(Hazard.id))).first()
    assert {(e.action, str(e.data)) for e in events} == {("import", "{'file': 'None.xlsx'}"),
                                                         ("import", f"{{'file': '{zone.id}.xlsx'}}"),
                                                         ("close", "{'imported': True}")}
    assert {e.at for e in events if e.action == "import"} == {now}
    assert first is not None and first.created_at == first.registered_at == datetime.combine(
        date.fromisoformat(rows[0]["registered_on"]), datetime.min.time(), SH) and first.updated_at == now
    kept, facts = await counters(uow), await _facts(uow)
    assert {r[1] for r in kept} >= {"state", "deadline", "created", "registered", "closed", "open"}
    assert {int(x) for r in facts for x in r[2].split(",")} > {zone.id}
    async with uow() as u:
        await u.session.run_sync(lambda s: rebuild(s.connection()))
        await u.commit()
    assert await counters(uow) == kept
    assert await _facts(uow) == facts
    async with uow() as u:
        units = set((await u.session.exec(select(Unit.id))).all())
        ids = list((await u.session.exec(select(Hazard.id))).all())
        await u.session.run_sync(lambda s: count_new(s.connection(), ids))
        await u.commit()
    assert await counters(uow) == kept
    monday = now - timedelta(days=now.weekday())
    await _same(uow, [now, monday - timedelta(hours=11), datetime(2021, 1, 1, 1, tzinfo=SH),
                      datetime(2020, 12, 31, 23, tzinfo=SH)], units)
