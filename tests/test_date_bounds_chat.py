"""The lower bound of a past-date answer and the field named when one is refused, through the dispatcher on SQLite
and PostgreSQL on a fixed clock (2026-12-07): a re-inspection is not dated before the hazard was recorded nor before
the rectification it checks (12月28日 typed in December is last year's, and was taken); an inspection is not dated
before the campaign's first year; a future date names the question asked (复查日期, not 检查时间), in English too. An old ledger's rows from before the
campaign still import: the bound is the forms', not the import's."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.channels import telegram_address
from bot.domain import HazardState, Role
from bot.local_chat import LocalChat
from storage.models import Hazard
from storage.models_lifecycle import Rectification
from tests.chat_helpers import bind_cast, hazard_row, open_first
from tests.chat_script import Tap, answer, refused, shows
from tests.conftest import Harness
from tests.lifecycle_factories import hazard
from tests.old_ledgers import base_row, write_ledger
from tests.test_walk_fixes_b import december  # noqa: F401

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

BEIJING = ZoneInfo("Asia/Shanghai")


async def _rectified(h: Harness, found: date, rectified: date | None = None) -> tuple[int, LocalChat]:
    """A rectified hazard of 建外街道 recorded (and registered) on ``found`` with, when ``rectified`` is given, a
    rectification report of that day; the re-inspector's chat at a passed re-inspection's 复查日期 question."""
    _, reinspector = await bind_cast(h, {9701: "李检查", 9702: "赵复查"})
    creator = await h.core.services.users.touch(telegram_address(9701), "李检查", "zh-hans")
    hid = await hazard(h.core.uow, creator, state=HazardState.RECTIFIED, full_plan=True,
                       rectified_by=creator if rectified else None)
    on_found = datetime(found.year, found.month, found.day, 9, 0, tzinfo=BEIJING)
    async with h.core.uow() as u:
        row = await u.session.get(Hazard, hid)
        assert row is not None
        row.created_at = row.registered_at = on_found
        u.session.add(row)
        for report in (await u.session.exec(select(Rectification).where(Rectification.hazard_id == hid))).all():
            report.reported_at = datetime(rectified.year, rectified.month, rectified.day, 15, 0,  # type: ignore[union-attr]
                                          tzinfo=BEIJING)
            u.session.add(report)
        await u.commit()
    await open_first(reinspector, "/rectify")
    await reinspector.press("复查合格")
    assert "复查日期" in reinspector.last_text(), reinspector.last_text()
    return hid, reinspector


async def test_a_re_inspection_dated_before_the_hazard_was_recorded_is_refused(december: Harness) -> None:  # noqa: F811
    """The walk's case: 12月28日 typed on 2026-12-07 is 2025-12-28, a year before the hazard was found."""
    hid, chat = await _rectified(december, date(2026, 12, 7))
    await refused(chat, "12月28日", "2025-12-28 太早了：复查日期不能早于 2026-12-07（该隐患的发现登记之日）。", "复查日期")
    await refused(chat, "2026-12-06", "2026-12-06 太早了：复查日期不能早于 2026-12-07（该隐患的发现登记之日）。", "复查日期")
    await answer(chat, "今天", "赵复查", Tap("完成"), Tap("提交"))
    row = await hazard_row(december, hid)
    assert (row.reinspected_on, row.state) == (date(2026, 12, 7), HazardState.CLOSURE_REQUESTED.value)


async def test_a_re_inspection_dated_before_the_rectification_it_checks_is_refused(december: Harness) -> None:  # noqa: F811
    hid, chat = await _rectified(december, date(2026, 11, 20), rectified=date(2026, 12, 4))
    await refused(chat, "12月3日", "2026-12-03 太早了：复查日期不能早于 2026-12-04（所复查的整改完成之日）。", "复查日期")
    await refused(chat, "2026-11-19", "2026-11-19 太早了：复查日期不能早于 2026-12-04（所复查的整改完成之日）。", "复查日期")
    await shows(chat, "12月4日", "复查人员")
    await answer(chat, "赵复查", Tap("完成"), Tap("提交"))
    assert (await hazard_row(december, hid)).reinspected_on == date(2026, 12, 4)


async def test_a_future_re_inspection_date_names_the_re_inspection(december: Harness) -> None:  # noqa: F811
    _, chat = await _rectified(december, date(2026, 12, 1))
    for typed in ("9999-12-31", "明天"):
        await refused(chat, typed, "复查日期不能晚于今天（今天是 2026-12-07）。", "复查日期")
        assert "检查时间" not in chat.last_text(), chat.last_text()
    await shows(chat, "12月1日", "复查人员")


async def test_a_future_date_in_english_names_the_question(december: Harness) -> None:  # noqa: F811
    issued = await december.core.services.invites.issue(Role.INSPECTOR, "110105001", issuer=None)
    chat = december.chat(9711, "Li", "en")
    await chat.say(f"/bind {issued.code}")
    await chat.say("/inspect")
    await refused(chat, "9999-12-31", "Inspection date cannot be in the future (today is 2026-12-07).", "Inspection date")
    await refused(chat, "1999-01-01", "1999-01-01 is too early: Inspection date cannot be before 2018-01-01, the first "
                  "day of the campaign's first year.", "Inspection date")


async def test_an_inspection_dated_before_the_campaign_is_refused(december: Harness) -> None:  # noqa: F811
    chat = await december.bind(9721, "inspector", "110105001")
    await chat.say("/inspect")
    for typed in ("1999-01-01", "2017-12-31"):
        await refused(chat, typed, f"{typed} 太早了：检查时间不能早于 2018-01-01（专项行动首年的第一天）。", "检查时间")
    await refused(chat, "9999-12-31", "检查时间不能晚于今天（今天是 2026-12-07）。", "检查时间")
    await shows(chat, "2018-01-01", "检查单位")



async def test_an_old_ledger_row_from_before_the_campaign_still_imports(harness: Harness, tmp_path: Path) -> None:
    """Old ledgers hold hazards found years before the campaign (a registered day before its start is what makes
    a row old, ``ledger_rows``): the forms' lower bound does not apply to them."""
    office = await harness.bind(9731, "office", "区安委会办公室")
    row = base_row(1, day="20160503", reinspected_on="2017-06-01", reinspection_result="复查合格", closed="是")
    await office.file(write_ledger(tmp_path / "old.xlsx", [row]), "朝外街道台账.xlsx",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert office.last_text().startswith("已导入 1 行，均为新增。"), office.last_text()
    async with harness.core.uow() as u:
        imported = (await u.session.exec(select(Hazard))).one()
    assert imported.reinspected_on == date(2017, 6, 1) and imported.ledger_number == row["ledger_number"]


async def test_a_lookback_dated_before_the_hazard_was_recorded_is_refused(december: Harness) -> None:  # noqa: F811
    (chat,) = await bind_cast(december, {9741: "李检查"})
    creator = await december.core.services.users.touch(telegram_address(9741), "李检查", "zh-hans")
    hid = await hazard(december.core.uow, creator, state=HazardState.CLOSED, site_name="赵XX仓库")
    async with december.core.uow() as u:
        row = await u.session.get(Hazard, hid)
        assert row is not None
        row.created_at = row.registered_at = datetime(2026, 12, 2, 9, 0, tzinfo=BEIJING)
        u.session.add(row)
        await u.commit()
    await open_first(chat, "/find 赵XX仓库")
    await chat.press("回头看：未反弹")
    await refused(chat, "12月1日", "2026-12-01 太早了：检查日期不能早于 2026-12-02（该隐患的发现登记之日）。", "检查日期")
    await shows(chat, "12月2日", "检查人员")
