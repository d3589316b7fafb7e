"""breaker6: migration 0200 down and up again on SQLite and PostgreSQL with data written at head (hazards naming
区应急局 as their industry department, extension requests pending and decided, invite codes named and not, a
person's registered name): going down names the bureau 区安监局 again and keeps every row; coming back up names
it 区应急局 again, lapses nothing that still waits, and duplicates nothing. What going down cannot keep is the
name of an invite not yet redeemed (the column goes), as the migration says."""

from __future__ import annotations

import asyncio

from storage.migrate import downgrade, upgrade
from tests.db_inspect import execute
from tests.test_migration_0200 import _REPORT, _REQUEST, AT, hazards, seed


def _invite(code: str, name: str | None = None, used_by: str | None = None) -> str:
    """The statement storing invite ``code`` of the test unit, naming ``name``, redeemed by the user at Telegram
    address ``used_by`` (at ``AT``) or not yet."""
    used = f"(SELECT id FROM app_user WHERE address = '{used_by}'), '{AT}'" if used_by else "NULL, NULL"
    named = f"'{name}'" if name is not None else "NULL"
    return ("INSERT INTO invite_code (code, role, unit_id, created_at, expires_at, registered_name, used_by, used_at) "
            f"SELECT '{code}', 'inspector', u.id, '{AT}', '2030-01-01 00:00:00', {named}, {used} "
            "FROM unit u WHERE u.code = 't-0200'")


_COUNTS = ("SELECT (SELECT COUNT(*) FROM hazard WHERE draft_number LIKE 'D-%'), "
           "(SELECT COUNT(*) FROM deadline_extension), (SELECT COUNT(*) FROM invite_code WHERE code LIKE 'B6%'), "
           "(SELECT COUNT(*) FROM unit WHERE code = 'dept-21'), (SELECT COUNT(*) FROM rectification)")


async def _seed_at_head(url: str) -> None:
    await seed(
        url, [("02001", "李检查", None), ("02002", "小王🐶", "王建国")],
        *hazards(("D-1", "registered"), ("D-2", "rectified"), ("D-3", "registered")),
        "UPDATE hazard SET district_department = '区应急局' WHERE draft_number = 'D-1'",
        "UPDATE hazard SET city_department = '区应急局', district_department = '区应急局' WHERE draft_number = 'D-2'",
        "UPDATE hazard SET district_department = '某公司区安监局科' WHERE draft_number = 'D-3'",  # not the bureau
        _REQUEST.format(draft="D-1", status="pending", at="2018-11-01 01:00:00"),  # nothing reported: waits
        _REPORT.format(draft="D-3", at="2018-11-01 01:00:00"),  # reported, sent back, asked after: waits
        _REQUEST.format(draft="D-3", status="pending", at="2018-11-04 01:00:00"),
        _REQUEST.format(draft="D-2", status="approved", at="2018-11-01 01:00:00"),
        _invite("B6NAMED1", "<b>张</b>&三"),
        _invite("B6PLAIN1"),
        _invite("B6USED01", "王建国", used_by="02002"),
    )


async def _departments(url: str) -> list[tuple[object, ...]]:
    return await execute(url, "SELECT draft_number, district_department, city_department FROM hazard "
                              "WHERE draft_number LIKE 'D-%' ORDER BY draft_number")


async def _requests(url: str) -> list[tuple[object, ...]]:
    return await execute(url, "SELECT h.draft_number, e.status, e.decided_by IS NULL FROM deadline_extension e "
                              "JOIN hazard h ON h.id = e.hazard_id ORDER BY h.draft_number, e.id")


async def test_down_and_up_again_with_data_loses_and_duplicates_nothing(database_url: str) -> None:
    url = database_url
    await _seed_at_head(url)
    counts, requests = await execute(url, _COUNTS), await _requests(url)
    assert requests == [("D-1", "pending", True), ("D-2", "approved", True), ("D-3", "pending", True)], requests
    await asyncio.to_thread(downgrade, url, "0190")
    assert await execute(url, _COUNTS) == counts
    assert await execute(url, "SELECT name FROM unit WHERE code = 'dept-21'") == [("区安监局",)]
    assert await _departments(url) == [("D-1", "区安监局", None), ("D-2", "区安监局", "区安监局"),
                                       ("D-3", "某公司区安监局科", None)]
    assert await _requests(url) == requests
    for _round in range(2):  # up, down, up: each way twice over
        await asyncio.to_thread(upgrade, url)
        assert await execute(url, _COUNTS) == counts
        assert await execute(url, "SELECT name FROM unit WHERE code = 'dept-21'") == [("区应急局",)]
        assert await _departments(url) == [("D-1", "区应急局", None), ("D-2", "区应急局", "区应急局"),
                                           ("D-3", "某公司区安监局科", None)]
        assert await _requests(url) == requests  # none lapsed: each still waits (or was decided)
        assert await execute(url, "SELECT code, registered_name FROM invite_code WHERE code LIKE 'B6%' "
                                  "ORDER BY code") == [("B6NAMED1", None), ("B6PLAIN1", None), ("B6USED01", None)]
        assert await execute(url, "SELECT address, registered_name FROM app_user WHERE address LIKE '0200%' "
                                  "ORDER BY address") == [("02001", None), ("02002", "王建国")]
        if _round == 0:
            await asyncio.to_thread(downgrade, url, "0190")
