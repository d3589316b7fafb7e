"""breaker6: hostile months for /submissions and hostile rectification deadlines (整改时限), through the dispatcher
on SQLite and PostgreSQL: an impossible month is refused with the accepted form, never read as a unit or an error;
a past or impossible deadline is refused and the question asked again."""

from __future__ import annotations

import pytest

from tests.chat_script import refused
from tests.conftest import FailureLog, Harness
from tests.test_walk_fixes_b import _until_deadline, december  # noqa: F401

NOT_A_MONTH = "不是有效的月份：请按 2026-11（或 2026年11月）的格式写年月，月份为 1–12，年份在 2000–2100 之间。"


@pytest.mark.parametrize("month", ["2026-00", "2026-13", "0000-01", "9999-12", "2026年13月", "２０２６-１３", "2026年0月"])
async def test_an_impossible_month_is_refused_with_the_accepted_form(harness: Harness, month: str,
                                                                     failures: FailureLog) -> None:
    office = await harness.bind(7961, "office", "区安委会办公室")
    await office.say(f"/submissions {month}")
    assert office.last_text().endswith(NOT_A_MONTH) and "未知单位" not in office.last_text(), office.last_text()
    assert failures.messages() == []


@pytest.mark.parametrize(("month", "shown"), [("２０２６-１１", "2026-11"), ("２０２６年１１月", "2026-11"), ("2026-1", "2026-01"),
                                              ("2026/11", "2026-11"), ("2100-12", "2100-12"), ("2000-01", "2000-01")])
async def test_a_month_in_another_accepted_form_is_read(harness: Harness, month: str, shown: str) -> None:
    office = await harness.bind(7962, "office", "区安委会办公室")
    await office.say(f"/submissions {month}")
    assert office.last_text().startswith(f"报送材料 · {shown} · "), office.last_text()


@pytest.mark.parametrize("typed", ["1" * 5000, "<b>2026-13</b>", "2026-11-01"])
async def test_very_long_or_hostile_words_are_answered_escaped_and_short(harness: Harness, typed: str,
                                                                        failures: FailureLog) -> None:
    office = await harness.bind(7963, "office", "区安委会办公室")
    sent = await office.say(f"/submissions {typed}")
    html = sent[-1].text  # type: ignore[attr-defined]
    assert "<b>2026" not in html and len(html) < 4096 and failures.messages() == [], html


@pytest.mark.parametrize(("typed", "said"), [
    ("昨天", "2026-12-06 已经过去：整改时限必须晚于今天（2026-12-07），最早可填明天（2026-12-08）。"),
    ("前天", "2026-12-05 已经过去：整改时限必须晚于今天（2026-12-07），最早可填明天（2026-12-08）。"),
    ("2025-12-31", "2025-12-31 已经过去：整改时限必须晚于今天（2026-12-07），最早可填明天（2026-12-08）。"),
    ("0001-01-01", "0001-01-01 已经过去：整改时限必须晚于今天（2026-12-07），最早可填明天（2026-12-08）。"),
    ("2月30日", "无法识别该日期。可输入 2027-01-06、2027/01/06、1月6日 或 明天。"),
    ("2027-02-30", "无法识别该日期。可输入 2027-01-06、2027/01/06、1月6日 或 明天。"),
    ("2026年13月1日", "无法识别该日期。可输入 2027-01-06、2027/01/06、1月6日 或 明天。"),
    ("0000-01-01", "无法识别该日期。可输入 2027-01-06、2027/01/06、1月6日 或 明天。"),
    ("<b>x</b>", "无法识别该日期。可输入 2027-01-06、2027/01/06、1月6日 或 明天。"),
])
async def test_a_past_or_impossible_deadline_is_refused_and_asked_again(december: Harness, typed: str,  # noqa: F811
                                                                       said: str) -> None:
    chat = await december.bind(9601, "inspector", "110105001")
    await _until_deadline(chat)
    await refused(chat, typed, said, "整改时限")


@pytest.mark.parametrize("typed", ["2029-12-07", "１２月３１日", "明天"])
async def test_a_deadline_ahead_is_taken(december: Harness, typed: str) -> None:  # noqa: F811
    chat = await december.bind(9602, "inspector", "110105001")
    await _until_deadline(chat)
    await chat.say(typed)
    assert "隐患照片" in chat.last_text() and "⚠️" not in chat.last_text(), chat.last_text()


@pytest.mark.parametrize("typed", ["9999-12-31", "2100-12-31", "2206-12-31", "2029-12-08"])
async def test_a_deadline_beyond_three_years_is_refused_and_asked_again(december: Harness, typed: str) -> None:  # noqa: F811
    """A deadline more than three years away (a slip of the keyboard: 2206 for 2026; 9999-12-31 would overflow
    wherever a day is added) is refused with the last day taken, above the same question; a day within is taken."""
    chat = await december.bind(9603, "inspector", "110105001")
    question = await _until_deadline(chat)
    await chat.say(typed)
    assert chat.last_text().startswith(f"⚠️ {typed} 太远了：整改时限最长三年，即不晚于 2029-12-07。"), chat.last_text()
    assert chat.last_text().endswith(question), chat.last_text()
    await chat.say("2029-12-07")
    assert "隐患照片" in chat.last_text(), chat.last_text()
