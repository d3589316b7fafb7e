"""Migration 0150 (``hazard.closed_at``, the status's covering column) goes down and up again on SQLite and
PostgreSQL; going up it is backfilled from the event log: the latest closure of each hazard closed now, and
nothing for a hazard reopened after a closure or never closed."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.db_inspect import Parts, execute, migration_goes_down_and_up

T1 = datetime(2018, 12, 20, 2, tzinfo=UTC)
T2 = datetime(2019, 3, 5, 8, tzinfo=UTC)


def _stamp(v: datetime, sqlite: bool) -> object:
    naive = v.replace(tzinfo=None)
    return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else naive


async def _hazards_and_their_events(url: str) -> None:
    """Four hazards in the schema below 0150 and their event logs, written raw."""
    sqlite = url.startswith("sqlite")
    user = ("INSERT INTO app_user (telegram_id, full_name, created_at) VALUES (150, '迁移', :t)", {"t": _stamp(T1, sqlite)})
    hazards = [(
        "INSERT INTO hazard (id, draft_number, state, version, unit_id, district, township_code, township,"
        " site_name, address, person_in_charge, phone, entity_nature, occupant_count, source, description,"
        " category, subtype, level, illegal_building_nature, measures, reinspection_result, created_by,"
        " created_at, updated_at) SELECT :id, :d, :s, 1, (SELECT id FROM unit ORDER BY id LIMIT 1), '朝阳区',"
        " '110105001', '建外街道', '甲', '乙', '张三', '13912345678', '个人', 1, '检查', '描述', '重点消防', '其他',"
        " '一般隐患', '无', '措施', '未复查', (SELECT id FROM app_user WHERE telegram_id = 150), :t, :t",
        {"id": 1500 + n, "d": f"M{n}", "s": state, "t": _stamp(T1, sqlite)},
    ) for n, state in enumerate(("closed", "registered", "closed", "rectified"), start=1)]
    events = [(1501, T1, "closed"), (1501, T2, "closed"),  # closed twice: the latest counts
              (1502, T1, "closed"), (1502, T2, "registered"),  # reopened by a failed verification
              (1503, T2, "closed"), (1503, T1, "closure_requested"),
              (1504, T1, "rectified")]
    await execute(url, user, *hazards, *[
        ("INSERT INTO hazard_event (hazard_id, at, action, to_state, data) VALUES (:h, :at, 'x', :to, '{}')",
         {"h": hid, "at": _stamp(at, sqlite), "to": to}) for hid, at, to in events])


async def _closed_at_is_the_latest_standing_closure(url: str, _: object) -> None:
    rows = await execute(url, "SELECT id, closed_at FROM hazard WHERE id > 1500 ORDER BY id")
    got = {hid: (v if v is None or isinstance(v, datetime) else datetime.fromisoformat(str(v))) for hid, v in rows}
    assert got == {1501: T2.replace(tzinfo=None), 1502: None, 1503: T2.replace(tzinfo=None), 1504: None}


async def test_closed_at_is_backfilled_from_the_event_log(database_url: str) -> None:
    # the revision below 0150, wherever the head is
    await migration_goes_down_and_up(
        database_url, "0150-1", added=Parts.of(columns={"hazard": {"closed_at"}}),
        seed=_hazards_and_their_events, check=_closed_at_is_the_latest_standing_closure)
