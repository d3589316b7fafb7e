"""Hostile /find words through the dispatcher (SQLite): dates at the edges of the years /find takes, a day no
calendar has, a very long word, markup and a unit's word written as text; each answered with a clear message,
none failing the update."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain import HazardState, Role
from tests.conftest import FailureLog, Harness
from tests.lifecycle_factories import hazard, person

FAR = "是日期，但远在专项行动的时间之外"
NO_RANGE = "不是日期范围"


pytestmark = pytest.mark.sqlite_only


async def test_find_dates_at_the_edges_and_hostile_words(harness: Harness, failures: FailureLog) -> None:
    office = await harness.bind(9811, "office", "区安委会办公室")
    creator = await person(harness.core.uow, "李检查", (Role.INSPECTOR, "110105001"))
    await hazard(harness.core.uow, creator, state=HazardState.REGISTERED, deadline=date(2026, 11, 1),
                 site_name="边界测试餐馆")
    for typed in ("2000-01-01", "2099-12-31", "2099-12", "2000-01", "期限 2099-12-31..", "上账 ..2000-01-01",
                  "２０９９－１２－３１"):
        await office.say(f"/find {typed}")
        text = office.last_text()
        assert FAR not in text and NO_RANGE not in text and "边界测试餐馆" not in text, (typed, text)
    await office.say("/find 2026-01-01..2099-12-31")
    assert "边界测试餐馆" in office.last_text(), office.last_text()
    for typed, shown in (("2100-01-01", "2100-01-01"), ("2100-01", "2100-01"), ("1999-12", "1999-12"),
                         ("上账 1999-12-31..", "1999-12-31")):
        await office.say(f"/find {typed}")
        assert office.last_text().startswith(f"{shown} {FAR}"), (typed, office.last_text())
    for typed in ("2026-02-30", "2026-02-29", "2026-00-10", "0000-01-01", "2026-11-30..2026-11-01"):
        await office.say(f"/find {typed}")
        assert office.last_text().startswith(f"{typed} {NO_RANGE}"), (typed, office.last_text())

    await office.say("/find " + "安监" * 3000 + "局")  # a very long word, ending as a unit's name
    text = office.last_text()
    assert len(text) <= 4096 and "共找到 0 项" in text, text[:300]  # cut to the text's limit, nothing found
    await office.say("/find <b>应急</b>")  # markup is a text, shown as typed
    text = office.last_text()
    assert "&lt;b&gt;" not in text and "<b>应急</b>" in text, text
    await office.say("/find 文字:")  # the text keyword with nothing after it
    assert office.last_text()
    await office.say("/find 文字:应急")  # a unit's word written as text: searched as text, no unit read
    assert "没有编号" not in office.last_text() and "编号/名称/地址：应急" in office.last_text(), office.last_text()
    await office.say("/find 应急 xlsx")  # read as the unit, and the (empty) result as no file
    assert "区应急局" in "\n".join(office.texts()[-2:]), office.texts()[-2:]
    assert failures.messages() == []
