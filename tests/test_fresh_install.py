"""A fresh install reads right (issue 20): units that have not begun are 尚未开始, counted apart from late ones,
and the one unit at work is first in the ranking, not hidden among dozens tied at nothing; a unit past the
fortnightly ledger update reads so in /rank in the words of /status."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import select

from bot.domain import HazardState
from storage.models import Unit
from storage.models_reminders import WorkSubmission
from tests.chat_helpers import actor_of, ranking_lines
from tests.conftest import Harness
from tests.inbox_helpers import SHANGHAI, inbox_harness
from tests.lifecycle_factories import hazard

HOME, OFFICE = "建外街道", "区安委会办公室"


async def test_a_fresh_district_shows_units_not_started_apart_and_the_active_unit_first(harness: Harness) -> None:
    h = harness
    inspector = await h.bind(701, "inspector", HOME, "李检查")
    office = await h.bind(702, "office", OFFICE, "张办公室")
    await hazard(h.core.uow, await actor_of(h, inspector))  # 建外街道 begins: one hazard waiting for review
    await office.say("/status")
    text = office.last_text()
    assert "超过15天未更新台账的单位：0 个" in text, text
    # the units with hazard duties (方案 三): 83 units but 建外街道 and the 4 without duties (区政府, 区财政局 …)
    assert "尚未开始的单位（尚无任何记录或报送）：78 个" in text, text
    await office.say("/rank")
    ranking = office.last_text().splitlines()
    assert ranking[1] == "未排名（尚无整改率，或本单位尚无任何记录）：", ranking[:4]  # nobody has a rate yet
    assert ranking[2].startswith(HOME), ranking[:4]  # the one unit at work first, unnumbered
    assert "尚未开始" in ranking[3] and not ranking[3][0].isdigit(), ranking[:4]


async def test_an_english_status_names_the_district_and_lists_in_english(harness: Harness) -> None:
    h = harness
    inspector = await h.bind(711, "inspector", HOME, "Li")
    office = await h.bind(712, "office", OFFICE, "Zhang")
    office_en = h.chat(712, "Zhang", "en")
    await hazard(h.core.uow, await actor_of(h, inspector))
    await office_en.say("/status")
    text = office_en.last_text()
    assert text.startswith("The district: hazard campaign status"), text
    assert "Units not started yet (nothing recorded or reported): 78 (" in text and "（" not in text, text
    await office.say("/status")
    assert office.last_text().startswith("全区城市安全隐患治理情况"), office.last_text()


async def test_places_in_the_ranking_are_given_only_to_units_with_a_rate(harness: Harness) -> None:
    h = harness
    inspector = await h.bind(721, "inspector", HOME, "李检查")
    await h.bind(722, "office", OFFICE, "张办公室")
    await hazard(h.core.uow, await actor_of(h, inspector), state=HazardState.CLOSED)  # located in 建外, closed
    table = await h.core.services.reports.rankings(await actor_of(h, h.chat(722, "张办公室")))
    began = [r for r in table if not r.line.not_started]
    assert [r.line.unit_name for r in began] == [HOME] and table[0] == began[0]  # first, before those not started
    # its hazard was closed in another year than the clock's: no rate this year, so no place, as nobody else
    assert began[0].line.rectification.value is None and {r.place for r in table} == {None}


async def test_the_ranking_says_a_unit_missed_the_fortnightly_update_as_the_status_does(database_url: str,
                                                                                         tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)) as (h, moving):
        inspector = await h.bind(731, "inspector", HOME, "李检查")
        office = await h.bind(732, "office", OFFICE, "张办公室")
        await hazard(h.core.uow, await actor_of(h, inspector))  # 建外街道's ledger changes once
        async with h.core.uow() as u:  # 朝外街道 reports but never records anything
            chaowai = (await u.session.exec(select(Unit.id).where(Unit.name == "朝外街道"))).one()
            u.session.add(WorkSubmission(unit_id=chaowai, kind="work_info", period="2026-02", text="二月工作信息",
                                         submitted_at=moving.at))
            await u.commit()
        [home] = [r.line for r in await h.core.services.reports.rankings(await actor_of(h, office))
                  if r.line.unit_name == HOME]
        assert home.last_update is not None
        moving.at = home.last_update + timedelta(days=20)  # the ledger is updated fortnightly (方案 五(一))
        await office.say("/status")
        late = next(line for line in office.last_text().splitlines() if line.startswith("超过15天未更新台账的单位"))
        assert late.startswith("超过15天未更新台账的单位：2 个") and HOME in late and "朝外街道" in late, late
        ranking = await ranking_lines(office)
        assert any(line.startswith("建外街道") and line.endswith(" · 20天（超过15天未更新）") for line in ranking), ranking
        assert any("朝外街道" in line and line.endswith(" · 从未更新（超过15天未更新）") for line in ranking), ranking
        assert not any(line.endswith(" · —") for line in ranking), ranking
