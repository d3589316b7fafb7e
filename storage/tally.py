"""Keeping the status's tallies (``storage.models_tally``, issue 19 item 1) in step with the hazards, in the
transaction of the write.

One rule: ``refresh(conn, hazard_ids)`` reads each hazard as it is now in the transaction (its row, its 核查
inspections that are not voided, its office verifications with a result) and the facts its counters were last
bumped with (``hazard_tally``), and moves every counter by the difference (old contributions −1, new +1) —
idempotent, whatever path changed the hazard. It is called

- by the session hooks installed here (``before_flush``/``after_flush``/``after_flush_postexec`` on every ORM
  ``Session``): a flush that adds, changes or deletes a ``Hazard``, an ``InspectionHazard``, a ``Verification``,
  an ``Inspection`` (voided, retyped, redated) or a ``Unit`` refreshes the hazards concerned before the flush
  returns;
- explicitly, through ``touch``, by the writes that bypass the ORM's unit of work (Core ``update(Hazard)`` of
  the life cycle's transitions, the ledger import's executemany: its new hazards counted set-based in SQL by
  ``storage.tally_sql``); ``tests/test_status_tally.py`` fails when a new Core write to those tables appears
  elsewhere;
- by ``rebuild`` (migration 0170, the benchmark's seed) for the whole ledger.

Concurrency: the counters move by ``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`` (no lost update on
SQLite or PostgreSQL), the keys in sorted order and the hazards' fact rows locked (``FOR UPDATE`` on PostgreSQL)
in ascending id order before they are read, so two transactions never wait on each other crosswise.

Inspections (the coverage, ``inspected`` counters of the inspecting unit) are counted without a facts row: the
hooks read what a changed or deleted inspection counted before the flush writes it, and what it counts after.

The units' scopes are read from ``unit`` at each refresh; a unit added (``sync_units``) or changed through the ORM
refreshes the hazards whose scopes it joins or leaves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, event, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.bulk import driver_many
from storage.models import Hazard, Inspection, InspectionHazard, Unit
from storage.models_lifecycle import Verification
from storage.models_tally import HazardTally, StatusTally

#: the zone whose calendar dates the tallies hold (the campaign's; ``bot.clock.DEFAULT_ZONE``)
TALLY_ZONE = ZoneInfo("Asia/Shanghai")
#: ``day`` of an undated counter
NO_DAY = date(1970, 1, 1)
OPEN = ("registered", "rectified", "closure_requested")
MAJOR = "重大隐患"
VERIFICATION_TYPE = "核查"
ZONE_KIND = "功能区管委会"
CHUNK = 500
_PENDING = "tally_hazards"
_PENDING_INSPECTIONS = "tally_inspections"
_INSPECTIONS_BEFORE = "tally_inspections_before"
_PENDING_UNITS = "tally_units"

Key = tuple[int, str, str, date, str, str]


@dataclass(frozen=True)
class Facts:
    """What the status reads of one hazard (dates in ``TALLY_ZONE``): ``scopes`` the units whose read scope
    holds it (``bot.services.hazard_query.in_unit_scope``: the recorder, the township it lies in, the departments
    of its industry, its zone), ``verified_on`` the first day of its closure's year on which it was verified
    (a live 核查 inspection linked, or an office verification with a result), None when not closed or not
    verified that year."""

    unit_id: int
    scopes: tuple[int, ...]
    state: str
    major: bool
    deadline: date | None
    created_on: date | None
    registered_on: date | None
    closed_on: date | None
    verified_on: date | None
    category: str
    township: str


def _dated(scope: int, kind: str, day: date, a: str, b: str = "") -> list[Key]:
    return [(scope, kind, "y", date(day.year, 1, 1), a, b), (scope, kind, "m", date(day.year, day.month, 1), a, b),
            (scope, kind, "d", day, a, b)]


def contributions(f: Facts | None) -> list[Key]:
    """The counter keys ``f`` adds 1 to, for the district (scope 0) and each unit of ``f.scopes`` (pure):

    - ``state``: ``a`` the state, ``b`` ``major`` for 重大隐患 (by state, open, major open);
    - ``deadline`` (dated by the deadline) while registered: overdue = those dated before today;
    - ``created`` (grain ``d`` only, the day reported): new this week;
    - ``registered`` (dated by the day registered), ``a`` ``closed`` when closed now: registered this week, in
      the year, and before it and not closed (the rectification rate);
    - ``closed`` (dated by the day of the closure that closed it) while closed, ``a`` ``before`` when registered
      before the closure's year, ``b`` (the district's row only) the recording unit's id (the plans' weights);
    - ``verified`` while closed and verified in the closure's year, dated by the later of the two days, so that
      "closed in Y and verified in Y up to as_of" is "dated in [1 January, as_of]"; ``b`` as for ``closed``;
    - ``open`` while open: ``a`` the category, ``b`` the township (the top-5 lists)."""
    if f is None:
        return []
    out: list[Key] = []
    closed = f.state == "closed"
    for s in (0, *f.scopes):
        recorder = str(f.unit_id) if s == 0 else ""
        out.append((s, "state", "-", NO_DAY, f.state, "major" if f.major else ""))
        if f.state == "registered" and f.deadline is not None:
            out += _dated(s, "deadline", f.deadline, "")
        if f.created_on is not None:
            out.append((s, "created", "d", f.created_on, "", ""))
        if f.registered_on is not None:
            out += _dated(s, "registered", f.registered_on, "closed" if closed else "")
        if closed and f.closed_on is not None:
            before = f.registered_on is not None and f.registered_on < date(f.closed_on.year, 1, 1)
            out += _dated(s, "closed", f.closed_on, "before" if before else "", recorder)
            if f.verified_on is not None:
                out += _dated(s, "verified", max(f.closed_on, f.verified_on), "", recorder)
        if f.state in OPEN:
            out.append((s, "open", "-", NO_DAY, f.category, f.township))
    return out


def _local(value: datetime | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):  # raw SQLite text (never through UTCDateTime)
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TALLY_ZONE).date()


@dataclass(frozen=True)
class _Units:
    townships: dict[str, int]
    departments: dict[str, int]
    zones: frozenset[int]

    def scopes(self, row: Any) -> tuple[int, ...]:
        found = {int(row.unit_id)}
        if (t := self.townships.get(row.township_code)) is not None:
            found.add(t)
        for name in (row.district_department, row.city_department):
            if name and (d := self.departments.get(name)) is not None:
                found.add(d)
        if row.zone_id is not None and int(row.zone_id) in self.zones:
            found.add(int(row.zone_id))
        return tuple(sorted(found))


def _units(conn: Connection) -> _Units:
    u = Unit.__table__.c  # type: ignore[attr-defined]
    townships, departments, zones = {}, {}, set()
    for uid, code, name, township, kind in conn.execute(select(u.id, u.code, u.name, u.is_township, u.kind)):
        if township:
            townships[code] = int(uid)
        elif kind == ZONE_KIND:
            zones.add(int(uid))
        else:
            departments[name] = int(uid)
    return _Units(townships, departments, frozenset(zones))


def _hazard_columns() -> list[Any]:
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    return [h.id, h.unit_id, h.township_code, h.district_department, h.city_department, h.zone_id, h.state, h.level,
            h.deadline, h.created_at, h.registered_at, h.closed_at, h.category, h.township]


def _verification_days(conn: Connection, where_link: Any, where_check: Any) -> dict[int, list[date]]:
    i, ih = Inspection.__table__.c, InspectionHazard.__table__.c  # type: ignore[attr-defined]
    v = Verification.__table__.c  # type: ignore[attr-defined]
    days: dict[int, list[date]] = {}
    links = (select(ih.hazard_id, i.inspected_on).join_from(InspectionHazard.__table__, Inspection.__table__,  # type: ignore[attr-defined]
                                                            i.id == ih.inspection_id)
             .where(i.inspection_type == VERIFICATION_TYPE, i.voided_at.is_(None), where_link))
    for hid, on in conn.execute(links):
        days.setdefault(int(hid), []).append(on if isinstance(on, date) else date.fromisoformat(on))
    checks = select(v.hazard_id, v.checked_at).where(v.result != "pending", v.checked_at.is_not(None), where_check)
    for hid, at in conn.execute(checks):
        days.setdefault(int(hid), []).append(_local(at))  # type: ignore[arg-type]
    return days


def facts_of(row: Any, units: _Units, verified: Iterable[date]) -> Facts:
    """The ``Facts`` of a hazard row (``_hazard_columns``) given the days it was verified on."""
    closed_on = _local(row.closed_at) if row.state == "closed" else None
    first = min((d for d in verified if closed_on is not None and d.year == closed_on.year), default=None)
    return Facts(
        unit_id=int(row.unit_id), scopes=units.scopes(row), state=row.state, major=row.level == MAJOR, deadline=row.deadline,
        created_on=_local(row.created_at), registered_on=_local(row.registered_at), closed_on=closed_on,
        verified_on=first, category=row.category, township=row.township,
    )


def _stored(row: Any) -> Facts:
    return Facts(
        # read as a set: ``storage.tally_sql`` writes them ascending too, SQLite's group_concat by its input order
        unit_id=int(row.unit_id), scopes=tuple(sorted(int(x) for x in row.scopes.split(",") if x)), state=row.state,
        major=bool(row.major),
        deadline=row.deadline, created_on=row.created_on, registered_on=row.registered_on, closed_on=row.closed_on,
        verified_on=row.verified_on, category=row.category, township=row.township,
    )


def _fact_row(hid: int, f: Facts) -> dict[str, Any]:
    return {"hazard_id": hid, "unit_id": f.unit_id, "scopes": ",".join(str(s) for s in f.scopes), "state": f.state, "major": f.major,
            "deadline": f.deadline, "created_on": f.created_on, "registered_on": f.registered_on,
            "closed_on": f.closed_on, "verified_on": f.verified_on, "category": f.category, "township": f.township}


_TALLY_COLUMNS = ("scope_id", "kind", "grain", "day", "a", "b", "n")
_FACT_COLUMNS = ("hazard_id", "unit_id", "scopes", "state", "major", "deadline", "created_on", "registered_on",
                 "closed_on", "verified_on", "category", "township")


def bump(conn: Connection, delta: Counter[Key]) -> None:
    """Add ``delta`` to the counters: one UPSERT executemany, keys in sorted order (no crosswise waits)."""
    rows = [(*k, n) for k, n in sorted(delta.items()) if n]
    if rows:
        driver_many(conn, f"INSERT INTO status_tally ({', '.join(_TALLY_COLUMNS)}) VALUES ({{values}}) "
                          "ON CONFLICT (scope_id, kind, grain, day, a, b) DO UPDATE SET n = status_tally.n + excluded.n",
                    len(_TALLY_COLUMNS), rows)


def _insert_facts(conn: Connection, rows: list[dict[str, Any]]) -> None:
    driver_many(conn, f"INSERT INTO hazard_tally ({', '.join(_FACT_COLUMNS)}) VALUES ({{values}})",
                len(_FACT_COLUMNS), [tuple(r[c] for c in _FACT_COLUMNS) for r in rows])


def refresh(conn: Connection, hazard_ids: Iterable[int | None]) -> None:
    """Bring the counters of ``hazard_ids`` in line with the hazards as they are now in ``conn``'s transaction
    (the module docstring). A hazard that no longer exists takes back what it contributed."""
    ids = sorted({int(i) for i in hazard_ids if i is not None})
    if not ids:
        return
    units = _units(conn)
    ft = HazardTally.__table__  # type: ignore[attr-defined]
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    ih, v = InspectionHazard.__table__.c, Verification.__table__.c  # type: ignore[attr-defined]
    delta: Counter[Key] = Counter()  # over every chunk: one bump, the keys of many hazards added up first
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        lock = select(ft).where(ft.c.hazard_id.in_(chunk)).order_by(ft.c.hazard_id)
        if conn.dialect.name == "postgresql":
            lock = lock.with_for_update()
        old = {int(r.hazard_id): _stored(r) for r in conn.execute(lock)}
        days = _verification_days(conn, ih.hazard_id.in_(chunk), v.hazard_id.in_(chunk))
        new = {int(r.id): facts_of(r, units, days.get(int(r.id), ()))
               for r in conn.execute(select(*_hazard_columns()).where(h.id.in_(chunk)))}
        changed = [hid for hid in chunk if old.get(hid) != new.get(hid)]
        if not changed:
            continue
        for hid in changed:
            delta.subtract(contributions(old.get(hid)))
            delta.update(contributions(new.get(hid)))
        conn.execute(delete(ft).where(ft.c.hazard_id.in_([hid for hid in changed if hid in old])))
        rows = [_fact_row(hid, new[hid]) for hid in changed if hid in new]
        if rows:
            _insert_facts(conn, rows)
    bump(conn, delta)


def rebuild(conn: Connection, batch: int = 20_000) -> int:
    """Recount every tally from the hazards (migration 0170, bulk loads): empties both tables, then reads the
    hazards in id order ``batch`` at a time. Returns the number of hazards counted."""
    ft, st = HazardTally.__table__, StatusTally.__table__  # type: ignore[attr-defined]
    conn.execute(delete(st))
    conn.execute(delete(ft))
    units = _units(conn)
    h = Hazard.__table__.c  # type: ignore[attr-defined]
    ih, v = InspectionHazard.__table__.c, Verification.__table__.c  # type: ignore[attr-defined]
    total: Counter[Key] = Counter()
    counted, last = 0, 0
    while True:
        rows = conn.execute(select(*_hazard_columns()).where(h.id > last).order_by(h.id).limit(batch)).all()
        if not rows:
            break
        lo, hi = int(rows[0].id), int(rows[-1].id)
        days = _verification_days(conn, ih.hazard_id.between(lo, hi), v.hazard_id.between(lo, hi))
        facts = []
        for r in rows:
            f = facts_of(r, units, days.get(int(r.id), ()))
            total.update(contributions(f))
            facts.append(_fact_row(int(r.id), f))
        _insert_facts(conn, facts)
        counted += len(rows)
        last = hi
    bump(conn, total)
    rebuild_inspections(conn)
    return counted


def _inspection_keys(conn: Connection, ids: list[int]) -> Counter[Key]:
    """The counters the live inspections among ``ids`` add 1 to, as they are now in ``conn``'s transaction:
    ``inspected`` (dated by the day inspected) for the inspecting unit (coverage, 方案 四(一))."""
    i = Inspection.__table__.c  # type: ignore[attr-defined]
    out: Counter[Key] = Counter()
    for start in range(0, len(ids), CHUNK):
        rows = conn.execute(select(i.unit_id, i.inspected_on).where(i.id.in_(ids[start:start + CHUNK]),
                                                                    i.voided_at.is_(None)))
        for unit, on in rows:
            out.update(_dated(int(unit), "inspected", on if isinstance(on, date) else date.fromisoformat(on), ""))
    return out


def rebuild_inspections(conn: Connection) -> None:
    """Recount the ``inspected`` counters from the live inspections (``rebuild`` calls it)."""
    st = StatusTally.__table__  # type: ignore[attr-defined]
    conn.execute(delete(st).where(st.c.kind == "inspected"))
    i = Inspection.__table__.c  # type: ignore[attr-defined]
    total: Counter[Key] = Counter()
    for unit, on, n in conn.execute(select(i.unit_id, i.inspected_on, func.count()).where(i.voided_at.is_(None))
                                    .group_by(i.unit_id, i.inspected_on)):
        for key in _dated(int(unit), "inspected", on if isinstance(on, date) else date.fromisoformat(on), ""):
            total[key] += int(n)
    bump(conn, total)


# --- the session hooks -------------------------------------------------------------------------------------

def _before(session: Session, _context: Any, _instances: Any) -> None:
    # an inspection changed or deleted: what it counted before, read before the flush writes it
    ids = sorted(obj.id for obj in chain(session.dirty, session.deleted)
                 if isinstance(obj, Inspection) and obj.id is not None)
    if ids:
        old: Counter[Key] = session.info.setdefault(_INSPECTIONS_BEFORE, Counter())
        old.update(_inspection_keys(session.connection(), ids))


def _collect(session: Session, _context: Any) -> None:
    hazards: set[int] = session.info.setdefault(_PENDING, set())
    inspections: set[int] = session.info.setdefault(_PENDING_INSPECTIONS, set())
    units: set[int] = session.info.setdefault(_PENDING_UNITS, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Hazard):
            if obj.id is not None:
                hazards.add(obj.id)
        elif isinstance(obj, InspectionHazard | Verification):
            hazards.add(obj.hazard_id)
        elif isinstance(obj, Inspection) and obj.id is not None:
            inspections.add(obj.id)  # new, voided, retyped or redated: its count, and its linked hazards
        elif isinstance(obj, Unit) and obj.id is not None:
            units.add(obj.id)  # added (sync_units) or renamed: the hazards whose scopes it joins or leaves


def _apply(session: Session, _context: Any) -> None:
    hazards: set[int] = session.info.pop(_PENDING, set())
    inspections: set[int] = session.info.pop(_PENDING_INSPECTIONS, set())
    units: set[int] = session.info.pop(_PENDING_UNITS, set())
    if not hazards and not inspections and not units:
        return
    conn = session.connection()
    if units:
        hazards |= _placed_under(conn, sorted(units))
    if inspections:
        ih = InspectionHazard.__table__.c  # type: ignore[attr-defined]
        hazards |= set(conn.execute(select(ih.hazard_id).where(ih.inspection_id.in_(sorted(inspections)))).scalars())
        delta = _inspection_keys(conn, sorted(inspections))
        delta.subtract(session.info.pop(_INSPECTIONS_BEFORE, Counter()))
        bump(conn, delta)
    refresh(conn, hazards)


def _placed_under(conn: Connection, unit_ids: list[int]) -> set[int]:
    """The hazards whose scopes unit ``unit_ids`` may join or leave: those naming its code (a township), its id (a
    zone), its name (a department), and those it was counted for (a rename takes it off the old name's)."""
    u, h = Unit.__table__.c, Hazard.__table__.c  # type: ignore[attr-defined]
    ft = HazardTally.__table__.c  # type: ignore[attr-defined]
    found: set[int] = set()
    for uid, code, name, township, kind in conn.execute(
            select(u.id, u.code, u.name, u.is_township, u.kind).where(u.id.in_(unit_ids))):
        if township:
            where = h.township_code == code
        elif kind == ZONE_KIND:
            where = h.zone_id == uid
        else:
            where = (h.district_department == name) | (h.city_department == name)
        found |= set(conn.execute(select(h.id).where(where)).scalars())
        counted = (ft.scopes == str(uid)) | ft.scopes.like(f"{uid},%") | ft.scopes.like(f"%,{uid}") | \
            ft.scopes.like(f"%,{uid},%")
        found |= set(conn.execute(select(ft.hazard_id).where(counted)).scalars())
    return found


def _forget(session: Session, _previous: Any = None) -> None:
    # a flush that failed midway leaves nothing to apply to the next transaction
    for key in (_PENDING, _PENDING_INSPECTIONS, _PENDING_UNITS, _INSPECTIONS_BEFORE):
        session.info.pop(key, None)


event.listen(Session, "after_soft_rollback", _forget)
event.listen(Session, "before_flush", _before)
event.listen(Session, "after_flush", _collect)
event.listen(Session, "after_flush_postexec", _apply)


async def touch(session: AsyncSession, hazard_ids: Iterable[int | None]) -> None:
    """Refresh the tallies of ``hazard_ids`` after a write that bypassed the ORM's unit of work (a Core
    ``update``/``insert``), in the session's transaction; flushes pending ORM changes first. Hazards that write
    inserted (a ledger import) are counted set-based by ``storage.tally_sql.touch`` instead."""
    ids = list(hazard_ids)
    await session.flush()
    await session.run_sync(lambda s: refresh(s.connection(), ids))

