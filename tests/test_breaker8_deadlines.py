"""breaker8: the three-year bound on deadlines (``bot.forms.checks.latest_deadline``) on every form field that
asks for a day after today, at the bound itself, in full-width digits and on 29 February; the date buttons never
offer a day beyond it. The conversation through the dispatcher on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import fixed_clock
from bot.forms.checks import Rejected, latest_deadline, parse_date_answer
from bot.forms.options import date_picks
from bot.forms.spec import FieldSpec, load_form
from tests.chat_script import refused
from tests.conftest import open_harness
from tests.test_walk_fixes_b import _until_deadline

FORMS = ["deadline_extension", "five_implementations", "hazard", "lookback", "rectification", "reinspection",
         "supervision", "verification_fail"]
DAYS = [date(2026, 12, 7), date(2028, 2, 29), date(2027, 12, 31)]


def _deadline_fields() -> list[tuple[str, FieldSpec]]:
    found = [(key, f) for key in FORMS for f in load_form(key).fields if f.after_today]
    assert {key for key, _f in found} == set(FORMS), found  # every form named has its deadline field
    return found


@pytest.mark.parametrize(("form", "spec"), _deadline_fields(), ids=lambda v: v if isinstance(v, str) else v.key)
@pytest.mark.parametrize("today", DAYS, ids=str)
def test_every_deadline_field_takes_its_last_day_and_refuses_the_next(form: str, spec: FieldSpec, today: date) -> None:
    last = latest_deadline(today)
    assert parse_date_answer(spec, last.isoformat(), today) == last.isoformat()
    wide = last.isoformat().translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    assert parse_date_answer(spec, wide, today) == last.isoformat()
    assert parse_date_answer(spec, f"{last.year}年{last.month}月{last.day}日", today) == last.isoformat()
    after = date.fromordinal(last.toordinal() + 1)
    with pytest.raises(Rejected) as refusal:
        parse_date_answer(spec, after.isoformat(), today)
    assert refusal.value.code == "date_too_far" and refusal.value.params == {
        "day": after.isoformat(), "latest": last.isoformat()}
    assert all(date.fromisoformat(p.value) <= last for p in date_picks(spec, today)), date_picks(spec, today)
    for pick in date_picks(spec, today):  # a button's day is always taken by the same check
        assert parse_date_answer(spec, pick.value, today) == pick.value


def test_29_february_is_bound_by_the_28th_three_years_on() -> None:
    assert latest_deadline(date(2028, 2, 29)) == date(2031, 2, 28)
    assert latest_deadline(date(2026, 12, 7)) == date(2029, 12, 7)
    assert latest_deadline(date(2027, 2, 28)) == date(2030, 2, 28)


LEAP_DAY = datetime(2028, 2, 29, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(("typed", "day"), [("2031-03-01", "2031-03-01"), ("２０３１年３月１日", "2031-03-01"),
                                             ("2031-02-29", None)])
async def test_on_29_february_a_deadline_past_the_28th_three_years_on_is_refused(
        database_url: str, tmp_path: Path, typed: str, day: str | None) -> None:
    async with open_harness(database_url, tmp_path, clock=fixed_clock(LEAP_DAY)) as h:
        chat = await h.bind(9801, "inspector", "110105001")
        await _until_deadline(chat)
        said = (f"{day} 太远了：整改时限最长三年，即不晚于 2031-02-28。" if day
                else "无法识别该日期。可输入 2028-03-30、2028/03/30、3月30日 或 明天。")
        await refused(chat, typed, said, "整改时限")
        await chat.say("２０３１-０２-２８")
        assert "隐患照片" in chat.last_text(), chat.last_text()
