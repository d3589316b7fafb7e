"""One zone decides every "today": with ``HAZARDBOT_TIMEZONE=Europe/Berlin`` the inspection form's default date,
the hazard list's and the card's overdue flag all follow Berlin's calendar, not Beijing's (the default). Through
the dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.channels import telegram_address
from bot.clock import fixed_clock
from bot.domain import HazardState
from tests.conftest import open_harness
from tests.lifecycle_factories import hazard

# 22:30 on 12 June in Berlin, already 04:30 on 13 June in Beijing
LATE_IN_BERLIN = datetime(2019, 6, 12, 20, 30, tzinfo=UTC)


async def test_the_form_and_the_card_agree_on_today_in_the_configured_zone(database_url: str, tmp_path: Path) -> None:
    async with open_harness(database_url, tmp_path, clock=fixed_clock(LATE_IN_BERLIN), timezone="Europe/Berlin") as h:
        chat = await h.bind(301, "inspector", "建外街道", "李检查")
        actor = await h.core.services.users.touch(telegram_address(301), "李检查", "zh-hans")
        for site, deadline in (("柏林今日到期仓库", date(2019, 6, 12)), ("柏林昨日到期仓库", date(2019, 6, 11))):
            await hazard(h.core.uow, actor, state=HazardState.REGISTERED, deadline=deadline, site_name=site)

        await chat.say("/find 柏林")
        listing = chat.last_text()
        due_today = next(line for line in listing.splitlines() if "今日到期" in line)
        due_yesterday = next(line for line in listing.splitlines() if "昨日到期" in line)
        assert "已逾期" not in due_today, listing  # the deadline is today in Berlin: not yet overdue
        assert "已逾期" in due_yesterday, listing
        await chat.press("柏林今日到期仓库")
        assert "柏林今日到期仓库" in chat.last_text() and "已逾期" not in chat.last_text(), chat.last_text()

        await chat.say("/inspect")
        assert "2019-06-12" in chat.last_text() and "2019-06-13" not in chat.last_text(), chat.last_text()
