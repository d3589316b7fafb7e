"""Abuse limits of tip-offs (issue 6): per-person daily limit, minimum description, photo limit,
senders blocked by the district office — all configurable in ``Settings``."""

from __future__ import annotations

from bot.channels import telegram_address
from tests.tipoff_helpers import PHOTOS, SANLITUN, last, report

REPORTER = 880_002_001


async def test_daily_limit_refuses_the_next_report_until_tomorrow(harness) -> None:
    harness.core.settings.tipoff_daily_limit = 2
    reporter = harness.chat(REPORTER)
    await report(reporter)
    await report(reporter, address="朝阳区三里屯街道工体北路8号")
    await reporter.say("/report")
    assert "每日上限" in last(reporter) and "2" in last(reporter)
    assert len(await harness.core.services.tipoffs.my_reports(await _actor(harness))) == 2
    other = harness.chat(REPORTER + 1)
    await report(other)  # the limit is per person


async def test_description_must_have_the_configured_length(harness) -> None:
    harness.core.settings.tipoff_min_description = 15
    reporter = harness.chat(REPORTER)
    await reporter.say("/report")
    await reporter.say("楼道有电动车充电")  # 8 characters
    assert "至少写 15 个字" in last(reporter), last(reporter)
    await reporter.say("楼道里每天晚上都有好几辆电动车在充电")
    assert "照片" in last(reporter)


async def test_photo_count_is_limited(harness) -> None:
    harness.core.settings.tipoff_max_photos = 1
    reporter = harness.chat(REPORTER)
    await reporter.say("/report")
    await reporter.say("楼道里每天晚上都有好几辆电动车在充电")
    await reporter.photo(PHOTOS / "landscape_1.jpg")
    await reporter.photo(PHOTOS / "landscape_2.jpg")
    assert "最多 1 张" in last(reporter), last(reporter)


async def test_office_blocks_and_unblocks_a_sender_without_seeing_more(harness) -> None:
    inspector = await harness.bind(700_011, "inspector", SANLITUN)
    office = await harness.bind(700_012, "office", "区安委会办公室")
    reporter = harness.chat(REPORTER)
    number = await report(reporter)

    await inspector.say(f"/block_sender {number}")
    assert "无权" in last(inspector) or "不允许" in last(inspector), last(inspector)
    await office.say(f"/block_sender {number}")
    assert "已被禁止举报" in last(office) and str(REPORTER) not in last(office)
    await reporter.say("/report")
    assert "无法提交举报" in last(reporter)
    await reporter.say(f"/track {number}")  # a blocked sender still follows what they reported
    assert number in last(reporter)

    await office.say(f"/unblock_sender {number}")
    await reporter.say("/report")
    assert "隐患情况" in last(reporter)


async def _actor(harness):  # type: ignore[no-untyped-def]
    return await harness.core.services.users.touch(telegram_address(REPORTER), "测试用户", "zh-hans")
