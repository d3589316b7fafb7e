"""Weekly ranking (通报, 方案 五(三)) by subscription: who may subscribe, the reminders rule through the
outbox (once per week per subscriber, from the week's first working day), the preview, the button."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.channels import telegram_address
from bot.cli.reminders import format_preview
from reminders.calendar import WorkCalendar
from reminders.rules import weekly_ranking
from reminders.service import preview, run_rules
from reminders.settings import ReminderSettings
from storage.models_ranking import RankSubscription
from storage.models_reminders import ReminderOutbox
from tests.chat_script import shows
from tests.conftest import Harness

TZ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()
CFG = ReminderSettings()


def at(day: date) -> datetime:
    return datetime.combine(day, time(9), TZ)


async def rows(h: Harness) -> list[tuple[str, int, str]]:
    async with h.core.uow() as u:
        found = (await u.session.exec(
            select(ReminderOutbox).where(ReminderOutbox.rule == "ranking.weekly").order_by(ReminderOutbox.id)  # type: ignore[arg-type]
        )).all()
        return [(r.period, int(r.address), r.text) for r in found]


async def test_leaders_and_the_office_subscribe_others_may_not(harness: Harness) -> None:
    leader = await harness.bind(701, "leader", "建外街道")
    office = await harness.bind(702, "office", "区安委会办公室")
    inspector = await harness.bind(703, "inspector", "建外街道")
    for once_more in ("订阅成功", "您已订阅"):  # the second time: already subscribed
        await shows(leader, "/rank_subscribe", once_more)
    await office.say("/rank_subscribe")
    await inspector.say("/rank_subscribe")
    assert inspector.last_text() == "您的角色无权进行此操作。"
    stranger = harness.chat(704)
    await stranger.say("/rank_subscribe")
    assert "订阅" not in stranger.last_text()
    async with harness.core.uow() as u:
        assert len((await u.session.exec(select(RankSubscription))).all()) == 2
    await office.say("/rank_unsubscribe")
    assert office.last_text() == "已取消订阅每周排名通报。"
    await office.say("/rank_unsubscribe")
    assert office.last_text() == "您未订阅每周排名通报。"


async def test_the_rule_queues_the_table_once_a_week_from_the_first_working_day(harness: Harness) -> None:
    uow = harness.core.uow
    leader = await harness.bind(711, "leader", "建外街道")
    office = await harness.bind(712, "office", "区安委会办公室")
    await harness.bind(713, "leader", "朝外街道")  # not subscribed
    await leader.say("/rank_subscribe")
    await office.say("/rank_subscribe")

    monday = date(2018, 10, 15)
    run = await run_rules(uow, monday, CAL, CFG, TZ, at(monday))
    weekly = [r for r in run.due if r.rule == "ranking.weekly"]
    assert len(weekly) == 1 and {p.address for p in weekly[0].recipients} == {telegram_address(711), telegram_address(712)}
    queued = await rows(harness)
    assert [(p, c) for p, c, _t in queued] == [("2018-W42", 711), ("2018-W42", 712)]
    text = queued[0][2]
    assert text.startswith("【每周排名通报】2018年10月15日当周")
    # every unit with hazard duties (方案 三: 43 townships, 31 departments, 5 zones), under the title; none placed yet,
    # so all under the heading of the units not ranked, and the overdue column's footnote last
    assert len(text.splitlines()) == 1 + 1 + 79 + 1
    assert "建外街道" in text and "整改率" in text

    # the same day again, and the rest of the week: nothing new (the outbox key), even on two runs
    for day in (monday, date(2018, 10, 16), date(2018, 10, 19)):
        run = await run_rules(uow, day, CAL, CFG, TZ, at(day))
        assert not [r for r in run.due if r.rule == "ranking.weekly"]  # everyone has it: not even computed
    assert len(await rows(harness)) == 2
    # someone subscribing mid-week gets this week's table on the next run
    late = await harness.bind(714, "leader", "朝外街道")
    await late.say("/rank_subscribe")
    await run_rules(uow, date(2018, 10, 19), CAL, CFG, TZ, at(date(2018, 10, 19)))
    assert [(p, c) for p, c, _t in await rows(harness)][2:] == [("2018-W42", 714)]

    # the office unsubscribes; next week only the leader hears it
    await office.say("/rank_unsubscribe")
    next_monday = date(2018, 10, 22)
    await run_rules(uow, next_monday, CAL, CFG, TZ, at(next_monday))
    assert [(p, c) for p, c, _t in await rows(harness)][3:] == [("2018-W43", 711), ("2018-W43", 714)]


async def test_a_week_that_starts_with_holidays_gets_it_on_its_first_working_day(harness: Harness) -> None:
    uow = harness.core.uow
    leader = await harness.bind(721, "leader", "建外街道")
    await leader.say("/rank_subscribe")
    # New Year 2019: Monday 31 December and Tuesday 1 January are holidays
    for day in (date(2018, 12, 31), date(2019, 1, 1)):
        run = await run_rules(uow, day, CAL, CFG, TZ, at(day))
        assert not run.working_day
    assert await rows(harness) == []
    await run_rules(uow, date(2019, 1, 2), CAL, CFG, TZ, at(date(2019, 1, 2)))
    assert [(p, c) for p, c, _t in await rows(harness)] == [("2019-W01", 721)]


async def test_preview_shows_it_and_the_button_opens_the_full_table(harness: Harness) -> None:
    leader = await harness.bind(731, "leader", "建外街道")
    run = await preview(harness.core.uow, date(2018, 10, 15), CAL, CFG, TZ)
    assert not [r for r in run.due if r.rule == "ranking.weekly"]  # nobody subscribed yet
    await leader.say("/rank_subscribe")
    run = await preview(harness.core.uow, date(2018, 10, 15), CAL, CFG, TZ)
    shown = format_preview(run)
    assert "[ranking.weekly] 全区 2018-W42" in shown and "rm:rank:0" in shown
    assert await rows(harness) == []  # a preview queues nothing

    await leader.say("/status")
    carrier = leader.buttons()[0].message
    await leader._feed(harness.factory.callback(leader.user, carrier, "rm:rank:0"))
    assert "周通报" in leader.last_text().splitlines()[0]


def test_no_subscriber_or_no_table_means_no_reminder() -> None:
    from reminders.facts import Facts, Person

    assert weekly_ranking(Facts(()), date(2018, 10, 15)) == []
    assert weekly_ranking(Facts((), rank_subscribers=(Person("x", 1, telegram_address(1)),)), date(2018, 10, 15)) == []
