"""Migration 0200 adds the name an invite gives its person (``invite_code.registered_name``), renames the
district emergency bureau (区安监局 → 区应急局, its unit and the hazards naming it), and lapses the deadline extension requests left pending from before a rectification report closed
them (``extension_state.lapse_pending``), on SQLite and PostgreSQL: those whose hazard had a report at or after the
request (decided by that report's reporter, at its time), or is past the rectification without one; a request made
after the last report, and a decided one, keep their status. Through the dispatcher: such a request no longer
waits on the card, and the office's button on it says it closed."""

from __future__ import annotations

import asyncio

from aiogram.methods import SendMessage
from sqlalchemy import update

from storage.migrate import downgrade, upgrade
from storage.models_deadlines import PENDING, DeadlineExtension
from tests.chat_helpers import bind_cast, last_text
from tests.conftest import Harness
from tests.db_inspect import Parts, execute, migration_goes_down_and_up
from tests.test_deadlines import _card, _requested
from tests.test_extension_after_rectification import WAITING, _report_rectification, _requests

AT = "2018-11-05 02:00:00"
_HAZARD = (
    "INSERT INTO hazard (draft_number, state, version, unit_id, district, township_code, township, site_name, address, "
    "person_in_charge, phone, entity_nature, occupant_count, source, description, category, subtype, level, "
    "illegal_building_nature, measures, reinspection_result, created_by, created_at, updated_at) "
    "SELECT '{draft}', '{state}', 1, u.id, '110105', '110105001', '建外街道', '张XX出租房', '建外街道1号', '张三', "
    f"'13800000000', '个人', 3, '自查', '楼道堆物', '消防安全', '其他', '一般隐患', '无', '清理', '未复查', a.id, "
    f"'{AT}', '{AT}' FROM unit u, app_user a WHERE u.code = 't-0200' AND a.address = '02001'"
)
_UNIT = "INSERT INTO unit (code, name, kind, is_township) VALUES ('t-0200', '测试街道0200', '街道', TRUE)"


def users(*people: tuple[str, str, str | None]) -> str:
    """The statement storing a Telegram user per (address, Telegram name, registered name or None)."""
    rows = [f"('telegram', '{address}', '{name}', " + (f"'{registered}'" if registered else "NULL") + f", 'zh-hans', '{AT}')"
            for address, name, registered in people]
    return "INSERT INTO app_user (channel, address, full_name, registered_name, language, created_at) VALUES " + (
        ", ".join(rows))


async def seed(url: str, people: list[tuple[str, str, str | None]], *statements: str) -> None:
    """The test unit, ``people`` (``users``) and then ``statements``, in one go."""
    await execute(url, _UNIT, users(*people), *statements)


def hazards(*drafts: tuple[str, str]) -> list[str]:
    """The statements storing a hazard of the test unit per (draft number, state)."""
    return [_HAZARD.format(draft=d, state=state) for d, state in drafts]


_REPORT = ("INSERT INTO rectification (hazard_id, photo_ids, reported_by, reported_at) SELECT h.id, '[]', a.id, "
           "'{at}' FROM hazard h, app_user a WHERE h.draft_number = '{draft}' AND a.address = '02002'")
_REQUEST = ("INSERT INTO deadline_extension (hazard_id, old_deadline, new_deadline, reason, status, requested_by, "
            "requested_at) SELECT h.id, '2018-11-10', '2018-12-31', '材料未到', '{status}', h.created_by, '{at}' "
            "FROM hazard h WHERE h.draft_number = '{draft}'")


async def _requests_of_every_kind(url: str) -> None:
    await seed(
        url, [("02001", "李检查", None), ("02002", "王整改", None)],
        *hazards(("D-1", "rectified"), ("D-2", "closed"), ("D-3", "registered"), ("D-4", "registered"),
                 ("D-5", "rectified")),
        _REQUEST.format(draft="D-1", status="pending", at="2018-11-01 01:00:00"),  # then reported: lapses
        _REPORT.format(draft="D-1", at="2018-11-03 04:00:00"),
        _REQUEST.format(draft="D-2", status="pending", at="2018-11-01 01:00:00"),  # closed, no report: lapses
        _REPORT.format(draft="D-3", at="2018-11-01 01:00:00"),  # reported, failed re-inspection, asked again
        _REQUEST.format(draft="D-3", status="pending", at="2018-11-04 01:00:00"),
        _REQUEST.format(draft="D-4", status="pending", at="2018-11-04 01:00:00"),  # nothing reported: waits
        _REQUEST.format(draft="D-5", status="approved", at="2018-11-01 01:00:00"),  # decided before: kept
        _REPORT.format(draft="D-5", at="2018-11-03 04:00:00"),
        "UPDATE hazard SET district_department = '区安监局' WHERE draft_number = 'D-1'",  # the bureau's old name
        "UPDATE hazard SET city_department = '区安监局', district_department = '区房管局' WHERE draft_number = 'D-2'",
    )
    assert await execute(url, "SELECT name FROM unit WHERE code = 'dept-21'") == [("区安监局",)]


async def _stale_ones_lapsed(url: str, _: object) -> None:
    rows = await execute(url, "SELECT h.draft_number, e.status, u.full_name, e.decided_at IS NOT NULL, "
                              "e.decision_note FROM deadline_extension e JOIN hazard h ON h.id = e.hazard_id "
                              "LEFT JOIN app_user u ON u.id = e.decided_by WHERE h.draft_number LIKE 'D-%' "
                              "ORDER BY h.draft_number")
    lapsed = "已报告整改，延期申请不再需要"
    assert rows == [("D-1", "lapsed", "王整改", True, lapsed), ("D-2", "lapsed", None, True, lapsed),
                    ("D-3", "pending", None, False, None), ("D-4", "pending", None, False, None),
                    ("D-5", "approved", None, False, None)], rows
    [(when,)] = await execute(url, "SELECT e.decided_at FROM deadline_extension e JOIN hazard h ON "
                                   "h.id = e.hazard_id WHERE h.draft_number = 'D-1'")
    assert str(when).startswith("2018-11-03 04:00:00"), when
    assert await execute(url, "SELECT name FROM unit WHERE code = 'dept-21'") == [("区应急局",)]
    assert await execute(url, "SELECT draft_number, district_department, city_department FROM hazard "
                              "WHERE draft_number IN ('D-1', 'D-2') ORDER BY draft_number") == [
        ("D-1", "区应急局", None), ("D-2", "区房管局", "区应急局")]


async def test_requests_pending_from_before_the_rule_lapse(database_url: str) -> None:
    await migration_goes_down_and_up(database_url, "0200-1", added=Parts.of(columns={"invite_code": {"registered_name"}}),
                                     kept=Parts.of(columns={"deadline_extension": {"status"}}),
                                     seed=_requests_of_every_kind, check=_stale_ones_lapsed)


async def test_a_request_left_pending_by_an_old_report_no_longer_waits_for_the_office(
        harness: Harness, database_url: str) -> None:
    h = harness
    inspector, office = await bind_cast(h, {401: "李检查", 404: "张办公室"})
    hid = await _requested(h, inspector)
    await _report_rectification(inspector)
    async with h.core.uow() as u:  # as the report left it before the rule: still pending
        await u.session.exec(update(DeadlineExtension).where(DeadlineExtension.hazard_id == hid)  # type: ignore[call-overload, arg-type]
                             .values(status=PENDING, decided_by=None, decided_at=None, decision_note=None))
        await u.commit()
    await _card(h, office, hid)
    assert WAITING in last_text(h, office)  # the defect: waiting for ever
    await asyncio.to_thread(downgrade, database_url, "0190")
    await asyncio.to_thread(upgrade, database_url)
    assert [e.status for e in await _requests(h, hid)] == ["lapsed"]
    await _card(h, office, hid)
    assert WAITING not in last_text(h, office), last_text(h, office)
    sent = await office.press_button(office.latest_button("审批延期申请"))  # the request's notice
    [shown] = [m for m in sent if isinstance(m, SendMessage)]
    assert "未经审批即已关闭：单位已报告整改完成" in shown.text and shown.reply_markup is None, shown
