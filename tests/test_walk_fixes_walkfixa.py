"""What a newcomer met walking the bot, through the dispatcher (SQLite): /find of a date no hazard can have says so,
/find of a unit's word no hazard holds reads or suggests the unit as /status does, a tip-off's pin outside 朝阳区 is
refused and a new pin re-asks the township taken from the old one (an inspector's pin too), a township leader
asking for another unit's status is told what they may see, and the reporter's /add has its own heading."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain import HazardState, Role
from tests.chat_script import Tap, answer, shows
from tests.conftest import FailureLog, Harness
from tests.forms_flow import hazard_site
from tests.lifecycle_factories import hazard, person
from tests.tipoff_helpers import ADDRESS, DESCRIPTION, LAT, LON, last, report

OUTSIDE = "不在朝阳区范围内"


pytestmark = pytest.mark.sqlite_only


async def test_find_of_a_date_no_hazard_can_have_says_so_and_a_day_is_a_one_day_range(
        harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(9801, "office", "区安委会办公室")
    creator = await person(harness.core.uow, "李检查", (Role.INSPECTOR, "110105001"))
    await hazard(harness.core.uow, creator, state=HazardState.REGISTERED, deadline=date(2026, 11, 1),
                 site_name="日期测试餐馆")
    for typed, day in (("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01"), ("期限 1999-12-31..2026-11-30",
                                                                                    "1999-12-31")):
        await office.say(f"/find {typed}")
        text = office.last_text()
        assert text.startswith(f"{day} 是日期，但远在专项行动的时间之外：/find 只查 2000 年至 2099 年的整改期限和上账日期。"), text
        assert "不是日期范围" not in text
    await office.say("/find 2026-13-01")  # no calendar date: still said to be no date
    assert office.last_text().startswith("2026-13-01 不是日期范围"), office.last_text()
    await office.say("/find 2026-11-01")
    assert "共找到 1 项" in office.last_text() or "找到：1" in office.last_text(), office.last_text()
    assert "日期测试餐馆" in office.last_text() and "整改期限：2026-11-01 – 2026-11-01" in office.last_text()
    await office.say("/find 2026-11-02")
    assert "日期测试餐馆" not in office.last_text()
    assert failures.messages() == []


async def test_find_of_a_unit_word_no_hazard_holds_reads_or_suggests_the_unit_as_status_does(
        harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(9802, "office", "区安委会办公室")
    await office.say("/status 安监")  # what /status answers, for comparison
    assert "区应急局" in office.last_text()
    await office.say("/find 安监")
    text = office.last_text()
    assert text.startswith("没有编号、场所名称或地址含“安监”的隐患。您要找的是不是单位：区应急局？"), text
    assert "例如发送 /find 区应急局" in text
    await office.say("/find 应急")  # /status 应急 reads 区应急局: so does /find when no hazard holds the word
    text = office.last_text()
    assert text.startswith("没有编号、场所名称或地址含“应急”的隐患，已改按单位“区应急局”查找"), text
    assert "· 街乡/部门：区应急局" in text and "编号/名称/地址：应急" not in text, text
    await office.say("/find 幸福村")  # a site not found is just not found: no unit offered
    assert "单位" not in office.last_text().split("\n")[0] and "没有编号" not in office.last_text()
    # a real text is still searched for: a hazard whose site holds the word is found, no unit read or offered
    creator = await person(harness.core.uow, "李检查", (Role.INSPECTOR, "110105001"))
    await hazard(harness.core.uow, creator, state=HazardState.REGISTERED, site_name="安监应急物资仓库")
    for word in ("安监", "应急"):
        await office.say(f"/find {word}")
        text = office.last_text()
        assert "没有编号" not in text and "安监应急物资仓库" in text and f"编号/名称/地址：{word}" in text, text
    await office.say("/find 文字:安监局")  # written as text: searched as text, no unit read
    assert "没有编号" not in office.last_text() and "编号/名称/地址：安监局" in office.last_text()
    assert failures.messages() == []


async def _to_the_place(chat) -> None:  # type: ignore[no-untyped-def]
    await answer(chat, "/report", DESCRIPTION, Tap("跳过"))
    assert "位置" in last(chat), last(chat)


async def test_a_tipoff_pin_outside_chaoyang_is_refused_and_the_question_asked_again(
        harness: Harness, failures: FailureLog) -> None:
    reporter = harness.chat(880_009_001, "王小明")
    await _to_the_place(reporter)
    for lat, lon in ((0.0, 0.0), (31.2304, 121.4737), (LON, LAT)):  # null island, Shanghai, swapped
        await reporter.location(lat, lon)
        text = last(reporter)
        assert text.startswith("⚠️ 该位置") and OUTSIDE in text and "发送位置" in text, text
    await reporter.location(LAT, LON, ADDRESS)
    assert "所在街乡" in last(reporter) and "三里屯街道" in last(reporter), last(reporter)
    assert failures.messages() == []


async def test_a_new_pin_re_asks_the_township_taken_from_the_old_one_and_keeps_one_picked_by_hand(
        harness: Harness, failures: FailureLog) -> None:
    reporter = harness.chat(880_009_002, "王小明")
    await _to_the_place(reporter)
    await reporter.location(LAT, LON, ADDRESS)
    await answer(reporter, Tap("保持当前"), Tap("跳过"))
    assert "所在街乡：三里屯街道" in last(reporter), last(reporter)
    # the pin moved to 建外: the township taken from the old address is asked again, offering the new one
    await reporter.press("修改：位置")
    await reporter.location(39.9087, 116.4605, "朝阳区建外街道建国门外大街1号")
    assert "所在街乡" in last(reporter) and "建外街道" in last(reporter), last(reporter)
    await reporter.press("保持当前")
    assert "所在街乡：建外街道" in last(reporter) and "三里屯" not in last(reporter), last(reporter)
    # a bare pin tells no township: asked again too
    await reporter.press("修改：位置")
    await reporter.location(39.9216, 116.4836)
    assert "所在街乡" in last(reporter) and "提交前请核对" not in last(reporter), last(reporter)
    # a township picked by hand stands whatever pin follows
    await reporter.say("朝外街道")
    assert "所在街乡：朝外街道" in last(reporter), last(reporter)
    await reporter.press("修改：位置")
    await reporter.location(LAT, LON, ADDRESS)
    assert "提交前请核对" in last(reporter) and "所在街乡：朝外街道" in last(reporter), last(reporter)
    assert failures.messages() == []


async def test_an_inspectors_pin_outside_chaoyang_is_refused_too(harness: Harness, failures: FailureLog) -> None:
    inspector = await harness.bind(9803, "inspector", "建外街道")
    await hazard_site(inspector)
    question = inspector.last_text()
    await inspector.location(0.0, 0.0)
    text = inspector.last_text()
    assert text.startswith("⚠️ 该位置（纬度 0.00000，经度 0.00000）不在朝阳区范围内。"), text
    assert question.split("\n")[-1] in text
    await shows(inspector, "建国门外大街永安里8号", "负责人")
    assert failures.messages() == []


async def test_a_township_leader_asking_for_another_units_status_is_told_what_they_may_see(
        harness: Harness, failures: FailureLog) -> None:
    leader = await harness.bind(9804, "leader", "建外街道")
    for typed in ("/status 朝外", "/status 按行业 朝外"):
        await leader.say(typed)
        text = leader.last_text()
        assert text.startswith("您只能查看本单位（建外街道）的情况：请发送 /status"), text
        assert "您的角色无权" not in text
    await leader.say("/status 建外")
    assert "建外街道" in leader.last_text() and "只能查看" not in leader.last_text()
    assert failures.messages() == []


async def test_the_reporters_add_review_has_the_reporters_heading(harness: Harness, failures: FailureLog) -> None:
    reporter = harness.chat(880_009_003, "王小明")
    number = await report(reporter)
    await reporter.say(f"/add {number}")
    await answer(reporter, "楼道里又多了两辆电动车", Tap("跳过"))
    text = last(reporter)
    assert f"补充您的举报 {number}" in text and "核实群众举报" not in text, text
    assert failures.messages() == []
