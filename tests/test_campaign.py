"""The campaign's years, plan due dates and coverage milestones follow its configured start
(``HAZARDBOT_REMINDERS_CAMPAIGN_START``): the source document's 2018–2020 by default, a later
three-year action when a district starts it later."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendDocument

from bot.campaign import Campaign, campaign_of
from bot.clock import fixed_clock
from reminders.settings import ReminderSettings
from tests.conftest import open_harness


def test_the_default_campaign_is_the_source_documents() -> None:
    campaign = campaign_of(ReminderSettings())
    assert (campaign.first_year, campaign.last_year) == (2018, 2020)
    assert campaign.plan_due(2018) == date(2018, 10, 15) and campaign.plan_due(2019) == date(2019, 3, 31)
    assert [campaign.coverage_milestone(y) for y in (2017, 2018, 2019, 2020, 2021)] == [
        None, Decimal("0.10"), Decimal("0.70"), Decimal("1.00"), None]


def test_a_later_and_longer_campaign_keeps_the_last_milestone() -> None:
    campaign = Campaign(date(2026, 10, 15), years=4)
    assert (campaign.first_year, campaign.last_year) == (2026, 2029)
    assert campaign.plan_due(2026) == date(2026, 10, 15) and campaign.plan_due(2027) == date(2027, 3, 31)
    assert campaign.coverage_milestone(2029) == Decimal("1.00") and not campaign.covers(2030)


async def test_a_campaign_started_in_2026_takes_its_own_plan_years_and_milestones(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAZARDBOT_REMINDERS_CAMPAIGN_START", "2026-10-15")
    now = datetime(2027, 2, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    async with open_harness(database_url, tmp_path, clock=fixed_clock(now)) as h:
        chat = await h.bind(1201, "reviewer", "110105006")
        await chat.say("/plan")
        assert "当前：2027" in chat.last_text(), chat.last_text()
        await chat.say("2020")  # a year of the source document's campaign, not of this one
        assert "不能小于 2026" in chat.last_text(), chat.last_text()
        await chat.say("2028")
        assert "检查目标" in chat.last_text(), chat.last_text()

        leader = await h.bind(1202, "leader", "区安委会办公室")
        await leader.say("/status")
        assert "2027年累计排查率要求 70%" in leader.last_text(), leader.last_text()

    before = datetime(2026, 5, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # the campaign has not begun
    async with open_harness(database_url, tmp_path / "before", clock=fixed_clock(before)) as h:
        reviewer = await h.bind(1203, "reviewer", "110105006")
        sent = await reviewer.say("/plan_file")
        doc = next(m for m in sent if isinstance(m, SendDocument))
        assert "2026年度监督检查计划" in doc.document.filename, doc.document.filename  # type: ignore[union-attr]
        assert "报送期限：2026-10-15" in (doc.caption or ""), doc.caption  # the first year's: with the ledgers
