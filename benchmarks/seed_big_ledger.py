"""Bulk-load a synthetic ledger (N hazards, M inspections, closure events, 核查 links) for benchmarks.

SQLite: plain ``sqlite3`` ``executemany`` in one transaction. PostgreSQL: asyncpg ``COPY``.
Values are shaped like the bot's (UTC timestamps, Shanghai dates, annex terms); seeded RNG.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

STATES = ["registered"] * 30 + ["rectified"] * 8 + ["closure_requested"] * 4 + ["closed"] * 50 + [
    "pending_review"] * 4 + ["pending_confirmation"] * 2 + ["rejected"] * 2
CATEGORIES = ["重点消防", "交通领域", "建设施工", "城市运行", "危险化学品", "工业企业", "重点人员密集场所", "特种设备", "地下空间", "其他"]
TYPES = ["日常检查"] * 80 + ["复查"] * 8 + ["核查"] * 5 + ["抽查"] * 4 + ["回头看检查"] * 2 + ["其他"]
START = datetime(2018, 9, 1, tzinfo=UTC)
SPAN = (datetime(2019, 6, 12, tzinfo=UTC) - START).total_seconds()


def _ts(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.random() * SPAN)


def hazards(n: int, unit_ids: list[int], user_id: int, seed: int = 1) -> Iterator[dict[str, object]]:
    rng = random.Random(seed)
    for i in range(1, n + 1):
        created = _ts(rng)
        state = rng.choice(STATES)
        registered = created + timedelta(days=rng.randint(0, 5)) if state not in (
            "pending_review", "pending_confirmation", "rejected") else None
        unit = rng.choice(unit_ids)
        updated = created + timedelta(days=rng.randint(0, 60))
        yield dict(
            id=i, draft_number=f"D{i:012d}", ledger_number=f"110105{unit % 1000:03d}{i:012d}" if registered else None,
            registered_at=registered, state=state, version=1, unit_id=unit, district="朝阳区",
            township_code=f"110105{unit:03d}", township=f"街乡{unit}", site_name=f"场所{i}", address=f"朝阳区某路{i}号",
            latitude=39.9 + rng.random() * 0.15, longitude=116.4 + rng.random() * 0.25,
            person_in_charge="张三", phone="13912345678", entity_nature="个人", occupant_count=rng.randint(0, 300),
            parent_group=None, district_department=None, city_department=None, source="检查",
            description="隐患描述" * 5, category=rng.choice(CATEGORIES), subtype="其他",
            level="重大隐患" if rng.random() < 0.03 else "一般隐患", illegal_building_nature="无",
            illegal_area=None, demolished_area=None, measures="整改措施" * 5,
            deadline=(created + timedelta(days=rng.randint(10, 120))).date(), reinspected_on=None,
            reinspection_result="未复查", remarks=None, created_by=user_id, created_at=created,
            updated_at=updated, closed_at=updated if state == "closed" else None,  # = the closure event's time
        )


def inspections(m: int, unit_ids: list[int], user_id: int, seed: int = 2) -> Iterator[dict[str, object]]:
    rng = random.Random(seed)
    for i in range(1, m + 1):
        created = _ts(rng)
        yield dict(
            id=i, number=f"J{i:012d}", unit_id=rng.choice(unit_ids), inspected_on=created.date(),
            inspecting_unit="某单位", inspection_type=rng.choice(TYPES), inspector_count=rng.randint(1, 6),
            site_name=f"场所{i}", district="朝阳区", township="某街道", address=f"朝阳区某路{i}号",
            latitude=None, longitude=None, penalty_type=None, fine_amount=None, remarks=None,
            created_by=user_id, created_at=created,
        )


def _fmt(v: object) -> object:
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    return v


def load_sqlite(path: str, n: int, m: int, unit_ids: list[int], user_id: int) -> None:
    """Insert into an already-migrated SQLite file; events/links derived from the rows."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    with con:
        _sqlite_rows(con, "hazard", (_h for _h in hazards(n, unit_ids, user_id)))
        _sqlite_rows(con, "inspection", inspections(m, unit_ids, user_id))
        con.execute(
            "INSERT INTO hazard_event (hazard_id, at, actor_id, action, from_state, to_state, data) "
            "SELECT id, updated_at, NULL, 'close', 'closure_requested', 'closed', '{}' FROM hazard WHERE state='closed'"
        )
        con.execute(
            "INSERT OR IGNORE INTO inspection_hazard (inspection_id, hazard_id) "
            "SELECT i.id, (i.id * 7919) % ? + 1 FROM inspection i WHERE i.inspection_type='核查'", (n,)
        )
    con.execute("ANALYZE")
    con.close()


def _sqlite_rows(con: sqlite3.Connection, table: str, rows: Iterator[dict[str, object]]) -> None:
    first = next(rows, None)
    if first is None:
        return
    cols = list(first)
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    con.execute(sql, [_fmt(first[c]) for c in cols])
    batch: list[list[object]] = []
    for row in rows:
        batch.append([_fmt(row[c]) for c in cols])
        if len(batch) == 50_000:
            con.executemany(sql, batch)
            batch.clear()
    con.executemany(sql, batch)


def _pg(v: object) -> object:
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None)
    return v


async def load_postgres(dsn: str, n: int, m: int, unit_ids: list[int], user_id: int) -> None:
    import asyncpg

    con = await asyncpg.connect(dsn)
    try:
        for table, rows in (("hazard", hazards(n, unit_ids, user_id)), ("inspection", inspections(m, unit_ids, user_id))):
            first = next(rows)
            cols = list(first)
            chunk = [tuple(_pg(first[c]) for c in cols)]
            for row in rows:
                chunk.append(tuple(_pg(row[c]) for c in cols))
                if len(chunk) == 100_000:
                    await con.copy_records_to_table(table, records=chunk, columns=cols)
                    chunk = []
            await con.copy_records_to_table(table, records=chunk, columns=cols)
            await con.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await con.execute(
            "INSERT INTO hazard_event (hazard_id, at, actor_id, action, from_state, to_state, data) "
            "SELECT id, updated_at, NULL, 'close', 'closure_requested', 'closed', '{}' FROM hazard WHERE state='closed'"
        )
        await con.execute(
            "INSERT INTO inspection_hazard (inspection_id, hazard_id) "
            "SELECT i.id, (i.id::bigint * 7919) % $1 + 1 FROM inspection i WHERE i.inspection_type='核查' "
            "ON CONFLICT DO NOTHING", n,
        )
        await con.execute("VACUUM ANALYZE")
    finally:
        await con.close()
