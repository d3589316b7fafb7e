"""The rules with a frozen clock, day by day through 2019 into January 2020, over a synthetic ledger:
Spring Festival and National Day holidays and their make-up working days included. The simulated
outbox keeps the first day each key was due, as the real outbox's unique index does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from bot.channels import telegram_address
from reminders.calendar import WorkCalendar
from reminders.facts import Facts, HazardFacts, Person, UnitFacts
from reminders.rules import evaluate
from reminders.settings import ReminderSettings

CONTACT_A, LEADER_A = Person("甲联系", 1, telegram_address(1001)), Person("甲领导", 2, telegram_address(1002))
CONTACT_B, LEADER_B = Person("乙联系", 3, telegram_address(1003)), Person("乙领导", 4, telegram_address(1004))
INSPECTOR, OFFICE = Person("检查员", 5, telegram_address(1005)), Person("区安委办", 6, telegram_address(1006))
UNIT_A, UNIT_B = 10, 20


@dataclass
class Ledger:
    """Synthetic history: ledger updates per unit, submissions with their day, hazards open until
    closed on a day."""

    updates: dict[int, list[date]] = field(default_factory=dict)
    submissions: list[tuple[date, int, str, str]] = field(default_factory=list)
    hazards: list[tuple[HazardFacts, date | None]] = field(default_factory=list)

    def facts_on(self, day: date) -> Facts:
        units = []
        for unit_id, name, contact, leader in ((UNIT_A, "甲街道", CONTACT_A, LEADER_A),
                                               (UNIT_B, "乙街道", CONTACT_B, LEADER_B)):
            last = max((d for d in self.updates.get(unit_id, []) if d <= day), default=date(2018, 10, 15))
            units.append(UnitFacts(unit_id, name, last, (contact,), (leader,)))
        return Facts(
            units=tuple(units),
            hazards=tuple(h for h, closed in self.hazards if closed is None or closed > day),
            submissions=frozenset((u, k, p) for d, u, k, p in self.submissions if d <= day),
            office=(OFFICE,),
        )


def _every(start: date, end: date, step: int) -> list[date]:
    out, d = [], start
    while d <= end:
        out.append(d)
        d += timedelta(days=step)
    return out


@pytest.fixture(scope="module")
def ledger() -> Ledger:
    led = Ledger()
    # unit A keeps its ledger fresh all year; unit B stops on 2019-01-20, resumes 2019-03-01,
    # and stops again on 2019-09-14
    led.updates[UNIT_A] = _every(date(2018, 12, 25), date(2020, 1, 31), 10)
    led.updates[UNIT_B] = [date(2019, 1, 20), *_every(date(2019, 3, 1), date(2019, 9, 14), 7), date(2019, 9, 14)]
    for month in range(1, 13):
        if month != 9:  # unit A forgets its September work information
            led.submissions.append((date(2019, month, 10), UNIT_A, "work_info", f"2019-{month:02d}"))
    led.submissions += [(date(2019, 3, 20), UNIT_A, "plan", "2019"),
                        (date(2019, 6, 20), UNIT_A, "summary", "2019-Q2"),
                        (date(2019, 3, 20), UNIT_A, "summary", "2019-Q1"),
                        (date(2019, 9, 20), UNIT_A, "summary", "2019-Q3"),
                        (date(2019, 12, 20), UNIT_A, "summary", "2019-Q4"),
                        (date(2019, 12, 18), UNIT_A, "lookback_report", "2019"),
                        (date(2019, 4, 10), UNIT_B, "plan", "2019")]
    # H1: general hazard of unit A due inside the Spring Festival holiday, closed 2019-03-05
    led.hazards.append((HazardFacts(101, UNIT_A, "1101050012019010 10001", "甲出租房", date(2019, 2, 7),
                                    False, INSPECTOR), date(2019, 3, 5)))
    # H2: major hazard of unit B due the Friday before National Day, closed 2019-10-20
    led.hazards.append((HazardFacts(102, UNIT_B, "1101050022019080 10001", "乙仓库", date(2019, 9, 27),
                                    True, INSPECTOR), date(2019, 10, 20)))
    return led


@pytest.fixture(scope="module")
def sent(ledger: Ledger) -> dict[tuple[str, str, str, int], date]:
    """Run the rules every day from 2019-01-01 to 2020-01-31; the first day each key was due."""
    cal, cfg = WorkCalendar.from_file(), ReminderSettings()
    first: dict[tuple[str, str, str, int], date] = {}
    day = date(2019, 1, 1)
    while day <= date(2020, 1, 31):
        for reminder in evaluate(ledger.facts_on(day), day, cal, cfg):
            for person in reminder.recipients:
                first.setdefault((reminder.rule, reminder.subject, reminder.period, person.user_id or 0), day)
        day += timedelta(days=1)
    return first


def _days(sent: dict[tuple[str, str, str, int], date], rule: str, subject: str, user: Person,
          period_prefix: str = "") -> list[date]:
    return sorted(d for (r, s, p, u), d in sent.items()
                  if r == rule and s == subject and u == user.user_id and p.startswith(period_prefix))


def test_nothing_is_ever_due_on_a_day_off(sent: dict[tuple[str, str, str, int], date]) -> None:
    cal = WorkCalendar.from_file()
    assert sent, "the synthetic ledger must produce reminders"
    assert all(cal.is_working_day(d) for d in sent.values())


def test_evaluating_a_day_twice_gives_the_same_keys(ledger: Ledger) -> None:
    cal, cfg = WorkCalendar.from_file(), ReminderSettings()
    day = date(2019, 2, 11)
    once = {(r.rule, r.subject, r.period) for r in evaluate(ledger.facts_on(day), day, cal, cfg)}
    again = {(r.rule, r.subject, r.period) for r in evaluate(ledger.facts_on(day), day, cal, cfg)}
    assert once == again and once


def test_a_unit_updating_every_ten_days_is_never_reminded_about_its_ledger(sent) -> None:  # type: ignore[no-untyped-def]
    assert _days(sent, "ledger_stale.contact", f"unit:{UNIT_A}", CONTACT_A) == []
    assert _days(sent, "ledger_stale.leader", f"unit:{UNIT_A}", LEADER_A) == []


def test_stale_ledger_due_in_the_spring_festival_goes_out_the_first_day_back(sent) -> None:  # type: ignore[no-untyped-def]
    # last update 2019-01-20: 15 days = 02-04 (除夕), 21 days = 02-10 (holiday Sunday) → both on 02-11
    assert _days(sent, "ledger_stale.contact", f"unit:{UNIT_B}", CONTACT_B, "2019-01-20")[0] == date(2019, 2, 11)
    # the leader again 15 days later (36 days = 02-25); unit B resumes on 03-01
    assert _days(sent, "ledger_stale.leader", f"unit:{UNIT_B}", LEADER_B, "2019-01-20") == [
        date(2019, 2, 11), date(2019, 2, 25)]
    # and again every 15 days while nothing changes: 30 days = 02-19
    assert _days(sent, "ledger_stale.contact", f"unit:{UNIT_B}", CONTACT_B, "2019-01-20") == [
        date(2019, 2, 11), date(2019, 2, 19)]


def test_stale_ledger_on_a_make_up_sunday_and_after_national_day(sent) -> None:  # type: ignore[no-untyped-def]
    # last update 2019-09-14: 15 days = 09-29, a Sunday worked before National Day
    contact = _days(sent, "ledger_stale.contact", f"unit:{UNIT_B}", CONTACT_B, "2019-09-14")
    assert contact[:2] == [date(2019, 9, 29), date(2019, 10, 14)]
    # 21 days = 10-05, inside the holiday → 10-08; 36 days = 10-20 (Sunday) → 10-21
    leader = _days(sent, "ledger_stale.leader", f"unit:{UNIT_B}", LEADER_B, "2019-09-14")
    assert leader[:2] == [date(2019, 10, 8), date(2019, 10, 21)]


def test_deadline_inside_the_spring_festival(sent) -> None:  # type: ignore[no-untyped-def]
    subject = "hazard:101"
    # 3 days before 02-07 are all holidays: warn on the last working day before, Sunday 02-03
    assert _days(sent, "deadline.soon", subject, CONTACT_A) == [date(2019, 2, 3)]
    assert _days(sent, "deadline.soon", subject, INSPECTOR) == [date(2019, 2, 3)]
    assert _days(sent, "deadline.today", subject, CONTACT_A) == []  # 02-07 is a holiday
    # overdue: daily in the first week (from the first working day, 02-11 = day 4), then weekly
    assert _days(sent, "deadline.overdue", subject, CONTACT_A) == [
        date(2019, 2, 11), date(2019, 2, 12), date(2019, 2, 13), date(2019, 2, 14),  # days 4–7
        date(2019, 2, 15), date(2019, 2, 22), date(2019, 3, 1),                     # weeks 2, 3, 4
    ]
    # a general hazard is proposed for supervision at 7, 14, 21… days overdue (closed 03-05)
    assert _days(sent, "supervision", subject, OFFICE) == [
        date(2019, 2, 14), date(2019, 2, 21), date(2019, 2, 28)]


def test_major_hazard_overdue_across_national_day(sent) -> None:  # type: ignore[no-untyped-def]
    subject = "hazard:102"
    # due Friday 09-27; 09-28 is a Saturday off, 09-29 a Sunday worked (day 2)
    assert _days(sent, "supervision", subject, LEADER_B) == [
        date(2019, 9, 29),   # days 1–7
        date(2019, 10, 8),   # days 8–14 (National Day in between)
        date(2019, 10, 12),  # days 15–21: Saturday 10-12, a make-up working day
    ]
    assert _days(sent, "supervision", subject, OFFICE) == _days(sent, "supervision", subject, LEADER_B)
    assert _days(sent, "deadline.overdue", subject, CONTACT_B) == [
        date(2019, 9, 29), date(2019, 9, 30),  # days 2, 3
        date(2019, 10, 8),                      # week 2 (days 8–14)
        date(2019, 10, 12),                     # week 3 (days 15–21); week 4 would start 10-21, closed 10-20
    ]
    assert _days(sent, "deadline.soon", subject, INSPECTOR) == [date(2019, 9, 24)]
    assert _days(sent, "deadline.today", subject, INSPECTOR) == [date(2019, 9, 27)]


def test_monthly_work_information(sent) -> None:  # type: ignore[no-untyped-def]
    a, b = f"unit:{UNIT_A}", f"unit:{UNIT_B}"
    assert _days(sent, "work_info.contact", b, CONTACT_B, "2019-02") == [date(2019, 2, 25)]
    assert _days(sent, "work_info.leader", b, LEADER_B, "2019-02") == [date(2019, 2, 28)]
    # 2019-05-25 is a Saturday → Monday 05-27
    assert _days(sent, "work_info.contact", b, CONTACT_B, "2019-05") == [date(2019, 5, 27)]
    # unit A sends every month but September: the leader hears on 09-30 (10-01 is National Day)
    assert [d for (r, s, p, u), d in sent.items() if s == a and r.startswith("work_info") and p < "2020"] == [
        date(2019, 9, 25), date(2019, 9, 30)]
    # January 2020: the Spring Festival starts 01-24, so the last working day (01-23) comes first
    assert _days(sent, "work_info.contact", b, CONTACT_B, "2020-01") == [date(2020, 1, 23)]
    assert _days(sent, "work_info.leader", b, LEADER_B, "2020-01") == [date(2020, 1, 23)]


def test_quarterly_summary_annual_plan_and_lookback(sent) -> None:  # type: ignore[no-untyped-def]
    a, b = f"unit:{UNIT_A}", f"unit:{UNIT_B}"
    assert _days(sent, "summary.contact", b, CONTACT_B, "2019-Q1") == [date(2019, 3, 25)]
    assert _days(sent, "summary.leader", b, LEADER_B, "2019-Q1") == [date(2019, 3, 29)]
    assert not [r for (r, s, p, u) in sent if s == a and r.startswith("summary")]
    # 附件3 due 03-31 (a Sunday): contact from 03-17 (Sunday) → 03-18; leader on Friday 03-29
    assert _days(sent, "plan.contact", b, CONTACT_B) == [date(2019, 3, 18)]
    assert _days(sent, "plan.leader", b, LEADER_B) == [date(2019, 3, 29)]
    # still missing in April (sent 04-10): weekly from 04-01
    assert _days(sent, "plan.overdue.leader", b, LEADER_B) == [date(2019, 4, 1), date(2019, 4, 8)]
    # unit A sent its plan on 03-20: reminded once before, nothing after
    assert [r for (r, s, p, u) in sent if s == a and r.startswith("plan")] == ["plan.contact"]
    # lookback: 12-01 is a Sunday → 12-02; report missing after 12-15 → contact 12-16;
    # due 12-22 (Sunday) → leader 12-23; unit A reported on 12-18
    assert _days(sent, "lookback.start", b, LEADER_B) == [date(2019, 12, 2)]
    assert _days(sent, "lookback_report.contact", b, CONTACT_B) == [date(2019, 12, 16)]
    assert _days(sent, "lookback_report.leader", b, LEADER_B) == [date(2019, 12, 23)]
    assert _days(sent, "lookback_report.contact", a, CONTACT_A) == [date(2019, 12, 16)]
    assert _days(sent, "lookback_report.leader", a, LEADER_A) == []


def test_every_button_carries_ids_only_within_64_bytes(ledger: Ledger) -> None:
    cal, cfg = WorkCalendar.from_file(), ReminderSettings()
    reminders = evaluate(ledger.facts_on(date(2019, 3, 29)), date(2019, 3, 29), cal, cfg)
    assert reminders
    for r in reminders:
        data = r.action.pack()
        assert len(data.encode()) <= 64
        assert data.split(":")[2].isdigit()
        assert r.button


def test_the_annual_plan_is_asked_for_in_the_campaigns_years_only(ledger: Ledger) -> None:
    """No plan can be filed for a year outside the campaign, so none is asked for; a campaign started
    later asks for its own years' plans."""
    cal = WorkCalendar.from_file()

    def plan_reminders(day: date, cfg: ReminderSettings) -> list[str]:
        return [r.rule for r in evaluate(ledger.facts_on(day), day, cal, cfg) if r.rule.startswith("plan")]

    assert plan_reminders(date(2019, 3, 29), ReminderSettings()), "2019 is a year of the default campaign"
    assert plan_reminders(date(2021, 3, 31), ReminderSettings()) == []
    later = ReminderSettings(campaign_start=date(2020, 10, 15))
    assert "plan.leader" in plan_reminders(date(2021, 3, 31), later)
