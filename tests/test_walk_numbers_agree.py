"""The numbers a newcomer reads on walking the README agree between /status (text and chart), /rank and
/submissions, through the dispatcher on SQLite and PostgreSQL: the units not started are the units with hazard
duties in every view; the chart's coverage target is the text's 要求 (none when there is none) and its 待审核 bar
the text's 待审核; /rank places only units with a rate and their own records, lists the others after under a
heading and says why its overdue column adds up to more than /status's; a unit that began after a month's due
date is not late with that month's work information."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot import charts
from bot.charts_base import cjk_fonts
from bot.domain import HazardState
from bot.local_chat import LocalChat
from bot.services.summary import Status
from storage.models import Hazard, Unit
from storage.models_reminders import WorkSubmission
from tests.chat_helpers import actor_of, ranking_lines
from tests.conftest import Harness
from tests.inbox_helpers import SHANGHAI, inbox_harness
from tests.lifecycle_factories import hazard

HOME, OFFICE = "建外街道", "区安委会办公室"
DECEMBER = datetime(2026, 12, 7, 10, tzinfo=SHANGHAI)  # November's work information was due on 30 November
NOT_STARTED = "尚未开始的单位（尚无任何记录或报送）："


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The figures /status draws (the chart before it becomes a PNG), in order."""
    figures: list[Any] = []
    original = charts.status_chart

    def spy(status: Status, lang: str = "zh") -> bytes:
        with cjk_fonts():
            figures.append(original.__wrapped__(status, lang))  # type: ignore[attr-defined]
        return original(status, lang)

    monkeypatch.setattr(charts, "status_chart", spy)
    yield figures


def _targets(fig: Any) -> list[str]:
    """The target labels of the rates panel."""
    return [t.get_text() for t in fig.axes[1].texts if t.get_text().startswith("目标")]


def _bars(fig: Any) -> dict[str, str]:
    """The states panel: each bar's name and the number over it."""
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_xticklabels()]
    return dict(zip(names, [t.get_text() for t in ax.texts], strict=True))


async def _dated(h: Harness, hazard_id: int, at: datetime, **values: object) -> None:
    """Gives hazard ``hazard_id`` the clock's dates (recorded, registered when it was, and last changed at ``at``)
    and ``values``."""
    async with h.core.uow() as u:  # through the ORM, so the status's tallies follow (storage.tally)
        row = await u.session.get(Hazard, hazard_id)
        assert row is not None
        registered = {"registered_at": at} if row.registered_at is not None else {}
        for key, value in {"created_at": at, "updated_at": at, **registered, **values}.items():
            setattr(row, key, value)
        u.session.add(row)
        await u.commit()


async def _rank(office: LocalChat) -> list[str]:
    """Every line of /rank under its title, page after page (the pager's line left out)."""
    return [x for x in await ranking_lines(office) if not x.startswith("第 ")]


async def _reported(h: Harness, period: str, at: datetime) -> None:
    """朝外街道 sends its work information for ``period`` at ``at``, and nothing else."""
    async with h.core.uow() as u:
        chaowai = (await u.session.exec(select(Unit.id).where(Unit.name == "朝外街道"))).one()
        u.session.add(WorkSubmission(unit_id=chaowai, kind="work_info", period=period, text=f"{period}工作信息",
                                     submitted_at=at))
        await u.commit()


async def test_the_chart_draws_the_texts_target_and_its_waiting_states(harness: Harness, drawn: list[Any]) -> None:
    h = harness  # 2018: the campaign's first year, 累计排查率 10 %
    inspector = await h.bind(7401, "inspector", HOME, "李检查")
    office = await h.bind(7402, "office", OFFICE, "张办公室")
    creator = await actor_of(h, inspector)
    for state in (HazardState.PENDING_REVIEW, HazardState.PENDING_REVIEW, HazardState.PENDING_CONFIRMATION):
        await hazard(h.core.uow, creator, state=state)
    await office.say("/status")
    text = office.last_text()
    assert "2018年累计排查率要求 10%" in text and "已销账 0；待审核 2，待确认 1" in text, text
    assert _targets(drawn[-1])[1:2] == ["目标 10%"], _targets(drawn[-1])  # rectification, coverage, verification
    bars = _bars(drawn[-1])
    assert (bars["待审核"], bars["待确认"]) == ("2", "1"), bars


async def test_without_a_milestone_the_chart_draws_no_coverage_target(database_url: str, tmp_path: Path,
                                                                      drawn: list[Any]) -> None:
    async with inbox_harness(database_url, tmp_path, DECEMBER) as (h, _moving):  # 2026: after the campaign
        office = await h.bind(7411, "office", OFFICE, "张办公室")
        await office.say("/status")
        assert "2026年累计排查率要求 —" in office.last_text(), office.last_text()
        assert _targets(drawn[-1]) == ["目标 90%"], _targets(drawn[-1])  # the rectification target alone


async def test_every_view_counts_the_same_units_not_started_and_no_unit_late_before_it_began(
        database_url: str, tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, DECEMBER) as (h, _moving):
        inspector = await h.bind(7421, "inspector", HOME, "李检查")
        office = await h.bind(7422, "office", OFFICE, "张办公室")
        # 建外街道 begins today, after November's due date; 朝外街道 reported in October and sent nothing since
        await _dated(h, await hazard(h.core.uow, await actor_of(h, inspector)), DECEMBER)
        await _reported(h, "2026-10", datetime(2026, 10, 29, 9, tzinfo=SHANGHAI))
        await office.say("/status")
        status = office.last_text()
        # 83 units: the 4 without hazard duties (区安委会办公室, 区财政局, 区人力社保局, 区政府) owe nothing
        assert f"{NOT_STARTED}77 个" in status, status
        assert "未报送2026-11工作信息的单位：1 个（朝外街道）" in status, status
        await office.say("/submissions 2026-11 工作信息")
        inbox = office.last_text()
        assert f"{NOT_STARTED}77 个" in inbox, inbox  # the same units, in the same words
        late = inbox.split("已逾期）：")[1].split("\n")
        assert late[0] == "1个单位：" and late[1] == "朝外街道", inbox  # 建外街道 began after the due date
        ranking = await _rank(office)
        assert sum(line.endswith(" · 尚未开始") for line in ranking) == 77, ranking


async def test_the_ranking_places_only_units_with_a_rate_of_their_own_doing(database_url: str, tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, DECEMBER) as (h, _moving):
        inspector = await h.bind(7431, "inspector", HOME, "李检查")
        office = await h.bind(7432, "office", OFFICE, "张办公室")
        creator = await actor_of(h, inspector)
        # 建外街道 registered two hazards this year: one closed (of 区住房城乡建设委's industry), one overdue (区应急局's);
        # 区住房城乡建设委 and 区应急局 recorded nothing themselves, 朝外街道 only reported
        closed = await hazard(h.core.uow, creator, state=HazardState.CLOSED)
        await _dated(h, closed, DECEMBER, district_department="区住房城乡建设委")
        overdue = await hazard(h.core.uow, creator, state=HazardState.REGISTERED)
        await _dated(h, overdue, DECEMBER, district_department="区应急局")
        await _reported(h, "2026-11", datetime(2026, 11, 20, 9, tzinfo=SHANGHAI))
        await office.say("/status")
        assert "超期 1 项" in office.last_text(), office.last_text()
        # 朝外街道 began by reporting 17 days ago and never recorded anything; 区应急局's duty began today
        assert "超过15天未更新台账的单位：1 个（朝外街道）" in office.last_text(), office.last_text()
        ranking = await _rank(office)
        numbered = [line for line in ranking if re.match(r"\d+\. ", line)]
        assert numbered == ["1. 建外街道　50.0% · 1 · 0天"], ranking
        heading = ranking.index("未排名（尚无整改率，或本单位尚无任何记录）：")
        assert heading == 1, ranking
        after = ranking[heading + 1:]
        # not on top at a borrowed 100 %; and not late with the fortnightly update on the day their duty began
        assert "区住房城乡建设委　100.0% · 0 · 从未更新" in after, after
        assert "区应急局　0.0% · 1 · 从未更新" in after, after
        assert any(line.startswith("朝外街道　— · 0 · ") for line in after), after
        # the overdue hazard counts for 建外街道 and for 区应急局: 2 in the column, 1 in /status
        assert ranking[-1].startswith("注：一项超期隐患计入对其负有责任的每个单位"), ranking[-1]


async def test_a_unit_whose_duty_begins_today_is_late_only_after_fifteen_days(database_url: str,
                                                                               tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, DECEMBER) as (h, moving):
        inspector = await h.bind(7441, "inspector", HOME, "李检查")
        office = await h.bind(7442, "office", OFFICE, "张办公室")
        # 建外街道 records and registers today a hazard of 区应急局's industry; 区应急局 itself never records anything
        registered = await hazard(h.core.uow, await actor_of(h, inspector), state=HazardState.REGISTERED)
        await _dated(h, registered, DECEMBER, district_department="区应急局")
        late_line = "超过15天未更新台账的单位："
        for days, expected in ((0, "0 个"), (15, "0 个"), (16, "2 个")):
            moving.at = DECEMBER + timedelta(days=days)
            await office.say("/status")
            late = next(x for x in office.last_text().splitlines() if x.startswith(late_line))
            assert late.startswith(late_line + expected), (days, late)
            ranking = await _rank(office)
            emergency = next(x for x in ranking if x.startswith("区应急局　"))
            fresh = emergency.endswith(" · 从未更新")
            assert fresh == (days < 16) and (fresh or emergency.endswith(" · 从未更新（超过15天未更新）")), (days, emergency)
        assert "区应急局" in late and HOME in late, late  # day 16: as late as the unit that recorded it
