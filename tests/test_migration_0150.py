"""Migration 0150 (``hazard.closed_at``, the status's covering column) goes down and up again on SQLite and
PostgreSQL; going up it is backfilled from the event log: the latest closure of each hazard closed now, and
nothing for a hazard reopened after a closure or never closed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import inspect, text

from storage.db import create_engine
from storage.migrate import downgrade, upgrade

T1 = datetime(2018, 12, 20, 2, tzinfo=UTC)
T2 = datetime(2019, 3, 5, 8, tzinfo=UTC)


async def _columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("hazard")})
    finally:
        await engine.dispose()


def _stamp(v: datetime, sqlite: bool) -> object:
    naive = v.replace(tzinfo=None)
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else naive


async def test_closed_at_is_backfilled_from_the_event_log(database_url: str) -> None:
    assert "closed_at" in await _columns(database_url)
    await asyncio.to_thread(downgrade, database_url, "0150-1")  # the revision below 0150, wherever the head is
    assert "closed_at" not in await _columns(database_url)
    sqlite = database_url.startswith("sqlite")
    engine = create_engine(database_url)
    try:
        async with engine.begin() as c:
            unit = (await c.execute(text("SELECT id FROM unit ORDER BY id LIMIT 1"))).scalar_one()
            await c.execute(text("INSERT INTO app_user (telegram_id, full_name, created_at) VALUES (150, '迁移', :t)"),
                            {"t": _stamp(T1, sqlite)})
            user = (await c.execute(text("SELECT id FROM app_user WHERE telegram_id = 150"))).scalar_one()
            for n, state in enumerate(("closed", "registered", "closed", "rectified"), start=1):
                await c.execute(text(
                    "INSERT INTO hazard (id, draft_number, state, version, unit_id, district, township_code, township,"
                    " site_name, address, person_in_charge, phone, entity_nature, occupant_count, source, description,"
                    " category, subtype, level, illegal_building_nature, measures, reinspection_result, created_by,"
                    " created_at, updated_at) VALUES (:id, :d, :s, 1, :u, '朝阳区', '110105001', '建外街道', '甲', '乙',"
                    " '张三', '13912345678', '个人', 1, '检查', '描述', '重点消防', '其他', '一般隐患', '无', '措施', '未复查',"
                    " :by, :t, :t)"), {"id": 1500 + n, "d": f"M{n}", "s": state, "u": unit, "by": user,
                                      "t": _stamp(T1, sqlite)})
            events = [(1501, T1, "closed"), (1501, T2, "closed"),  # closed twice: the latest counts
                      (1502, T1, "closed"), (1502, T2, "registered"),  # reopened by a failed verification
                      (1503, T2, "closed"), (1503, T1, "closure_requested"),
                      (1504, T1, "rectified")]
            for hid, at, to in events:
                await c.execute(text("INSERT INTO hazard_event (hazard_id, at, action, to_state, data)"
                                     " VALUES (:h, :at, 'x', :to, '{}')"), {"h": hid, "at": _stamp(at, sqlite), "to": to})
        await asyncio.to_thread(upgrade, database_url)
        async with engine.connect() as c:
            rows = (await c.execute(text("SELECT id, closed_at FROM hazard WHERE id > 1500 ORDER BY id"))).all()
        got = {hid: (v if v is None or isinstance(v, datetime) else datetime.fromisoformat(v)) for hid, v in rows}
        assert got == {1501: T2.replace(tzinfo=None), 1502: None, 1503: T2.replace(tzinfo=None), 1504: None}
    finally:
        await engine.dispose()
