"""The rules: small pure functions of the ledger facts and the date that say which reminders are due.

Each returns ``Reminder`` values keyed by ``(rule, subject, period)``; with the recipient this is the
outbox's unique key, so a rule may say the same thing every day and the recipient still hears it once
per period. Windows (``>=`` rather than ``==``) make a reminder whose day fell on a holiday go out on
the next working day. Dates are Asia/Shanghai. Sources: 方案 四(一)(四), 五(一)(二)(五).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.campaign import campaign_of
from bot.services.hazard_query import days_overdue, is_overdue
from reminders import texts
from reminders.actions import ReminderAction
from reminders.calendar import WorkCalendar
from reminders.facts import Facts, HazardFacts, Person, UnitFacts
from reminders.settings import ReminderSettings


@dataclass(frozen=True)
class Reminder:
    """One message due to ``recipients`` (bound or not). ``subject`` is ``unit:<id>`` or
    ``hazard:<id>``; ``period`` tells repetitions apart (e.g. ``2019-03``, ``2019-03-05/w2``)."""

    rule: str
    subject: str
    period: str
    recipients: tuple[Person, ...]
    text: texts.Text  # rendered per recipient, in their language (outbox)
    button: texts.Text
    action: ReminderAction
    unit_id: int | None = None


def _unit_reminder(rule: str, unit: UnitFacts, period: str, who: tuple[Person, ...], text: texts.Text,
                   action: str, button_key: str | None = None) -> Reminder:
    return Reminder(rule, f"unit:{unit.unit_id}", period, who, text,
                    texts.button(button_key or action), ReminderAction(action, unit.unit_id), unit.unit_id)


def ledger_stale(unit: UnitFacts, today: date, cfg: ReminderSettings) -> list[Reminder]:
    """Ledger not updated for ``ledger_contact_days`` (15, 每半月更新) → the contact, again every 15
    days; from ``ledger_leader_days`` (21) → the leader too, again every 15 days (方案 五(一))."""
    days = (today - unit.last_ledger_update).days
    last = unit.last_ledger_update.isoformat()
    out: list[Reminder] = []
    if days >= cfg.ledger_contact_days:
        k = days // cfg.ledger_contact_days
        out.append(_unit_reminder("ledger_stale.contact", unit, f"{last}/{k}", unit.contacts,
                                  texts.text(texts.ledger_stale, unit.name, unit.last_ledger_update, days, False), "ledger"))
    if days >= cfg.ledger_leader_days:
        k = (days - cfg.ledger_leader_days) // cfg.ledger_contact_days
        out.append(_unit_reminder("ledger_stale.leader", unit, f"{last}/{k}", unit.leaders,
                                  texts.text(texts.ledger_stale, unit.name, unit.last_ledger_update, days, True), "ledger"))
    return out


def _responsible(hazard: HazardFacts, unit: UnitFacts) -> tuple[Person, ...]:
    people = list(unit.contacts)
    ids = {p.user_id for p in people if p.user_id is not None}
    if hazard.inspector is not None and hazard.inspector.user_id not in ids:
        people.append(hazard.inspector)
    return tuple(people)


def deadline_approaching(hazard: HazardFacts, unit: UnitFacts, today: date, cal: WorkCalendar,
                         cfg: ReminderSettings) -> list[Reminder]:
    """Deadline within ``deadline_soon_days`` (3), or on the last working day before it when those
    days are holidays → once; deadline today → once. To the responsible unit's contact and the
    inspector who entered the hazard."""
    left = (hazard.deadline - today).days
    if left < 0:
        return []
    if left == 0:
        rule = "deadline.today"
    elif left <= cfg.deadline_soon_days or today == cal.last_working_day_on_or_before(
            hazard.deadline - timedelta(days=1)):
        rule = "deadline.soon"
    else:
        return []
    return [Reminder(rule, f"hazard:{hazard.hazard_id}", hazard.deadline.isoformat(),
                     _responsible(hazard, unit),
                     texts.text(texts.deadline_soon, hazard.site_name, hazard.ledger_number, hazard.deadline, left),
                     texts.button("hazard"), ReminderAction("hazard", hazard.hazard_id), unit.unit_id)]


def deadline_overdue(hazard: HazardFacts, unit: UnitFacts, today: date) -> list[Reminder]:
    """Overdue: every day for the first week, then once a week (days 8–14, 15–21, …), judged on the approved
    deadline (``Hazard.deadline``: a pending extension request moves nothing), with a button that starts an
    extension request ("确需延期的，请说明原因并报区安委会办公室", 方案 四(三)). Overdue is the card's and
    /status's definition (``bot.services.hazard_query.is_overdue``)."""
    if not is_overdue(hazard.state, hazard.deadline, today):
        return []
    days = days_overdue(hazard.deadline, today)
    step = f"d{days}" if days <= 7 else f"w{(days - 1) // 7}"
    return [Reminder("deadline.overdue", f"hazard:{hazard.hazard_id}", f"{hazard.deadline}/{step}",
                     _responsible(hazard, unit),
                     texts.text(texts.overdue, hazard.site_name, hazard.ledger_number, hazard.deadline, days),
                     texts.button("extend"), ReminderAction("extend", hazard.hazard_id), unit.unit_id)]


def supervision(hazard: HazardFacts, unit: UnitFacts, office: tuple[Person, ...], today: date) -> list[Reminder]:
    """Propose 挂牌督办 to the unit's leader and the district office (方案 五(五)): a major hazard
    (重大隐患) from its first day overdue and every 7 days after; any hazard at 7, 14, 21… days overdue."""
    days = days_overdue(hazard.deadline, today)
    if hazard.major and is_overdue(hazard.state, hazard.deadline, today):
        k = (days - 1) // 7
    elif days >= 7:
        k = days // 7
    else:
        return []
    who = tuple(unit.leaders) + tuple(p for p in office if p not in unit.leaders)
    return [Reminder("supervision", f"hazard:{hazard.hazard_id}", f"{hazard.deadline}/k{k}", who,
                     texts.text(texts.supervision, unit.name, hazard.site_name, hazard.ledger_number, hazard.deadline,
                                       days, hazard.major),
                     texts.button("supervise"), ReminderAction("supervise", hazard.hazard_id), unit.unit_id)]


def _report_due(unit: UnitFacts, today: date, last_working: date, contact_day: int,
                rule: str, period: str, text_for, action: str) -> list[Reminder]:  # type: ignore[no-untyped-def]
    out: list[Reminder] = []
    if today.day >= contact_day or today >= last_working:
        out.append(_unit_reminder(f"{rule}.contact", unit, period, unit.contacts, text_for(False), action))
    if today >= last_working:
        out.append(_unit_reminder(f"{rule}.leader", unit, period, unit.leaders, text_for(True), action))
    return out


def monthly_work_info(unit: UnitFacts, facts: Facts, today: date, cal: WorkCalendar,
                      cfg: ReminderSettings) -> list[Reminder]:
    """No work information (工作信息/典型案例) this month: on the 25th (or the next working day) → the
    contact; on the month's last working day → the leader (方案 五(二): 每月至少一篇). When the last
    working day comes before the 25th (January 2020, Spring Festival) both go out that day."""
    period = f"{today.year}-{today.month:02d}"
    if facts.submitted(unit.unit_id, "work_info", period):
        return []
    last = cal.last_working_day(today.year, today.month)
    return _report_due(unit, today, last, cfg.info_contact_day, "work_info", period,
                       lambda leader: texts.text(texts.work_info, unit.name, today.year, today.month, leader), "info")


def quarterly_summary(unit: UnitFacts, facts: Facts, today: date, cal: WorkCalendar,
                      cfg: ReminderSettings) -> list[Reminder]:
    """No summary for this quarter in its last month: on the 25th → the contact; on the quarter's last
    working day → the leader (方案 五(二): 每季度报送一次工作总结)."""
    if today.month % 3:
        return []
    quarter = today.month // 3
    period = f"{today.year}-Q{quarter}"
    if facts.submitted(unit.unit_id, "summary", period):
        return []
    last = cal.last_working_day(today.year, today.month)
    return _report_due(unit, today, last, cfg.info_contact_day, "summary", period,
                       lambda leader: texts.text(texts.quarterly_summary, unit.name, today.year, quarter, leader), "summary")


def annual_plan(unit: UnitFacts, facts: Facts, today: date, cal: WorkCalendar,
                cfg: ReminderSettings) -> list[Reminder]:
    """Annual inspection plan (附件3) missing: from ``plan_contact_days_before`` (14) days before the due
    date → the contact; on the last working day on or before it → the leader; after it, weekly → both."""
    year = today.year
    campaign = campaign_of(cfg)
    if not campaign.covers(year) or facts.submitted(unit.unit_id, "plan", str(year)):
        return []  # no plan can be filed for a year outside the campaign (PlanService.validate)
    due = campaign.plan_due(year)
    left = (due - today).days
    out: list[Reminder] = []
    if 0 <= left <= cfg.plan_contact_days_before:
        out.append(_unit_reminder("plan.contact", unit, str(year), unit.contacts,
                                  texts.text(texts.annual_plan, unit.name, year, due, left, False), "plan"))
    if today == cal.last_working_day_on_or_before(due):
        out.append(_unit_reminder("plan.leader", unit, str(year), unit.leaders,
                                  texts.text(texts.annual_plan, unit.name, year, due, left, True), "plan"))
    if left < 0:
        week = f"{year}/w{(-left - 1) // 7}"
        out.append(_unit_reminder("plan.overdue.contact", unit, week, unit.contacts,
                                  texts.text(texts.annual_plan, unit.name, year, due, left, False), "plan"))
        out.append(_unit_reminder("plan.overdue.leader", unit, week, unit.leaders,
                                  texts.text(texts.annual_plan, unit.name, year, due, left, True), "plan"))
    return out


def lookback(unit: UnitFacts, facts: Facts, today: date, cfg: ReminderSettings) -> list[Reminder]:
    """December lookback (回头看, 方案 四(四)): at the start of December → contact and leader; after it
    ends (``lookback_end_day``) without a report → the contact; from the report's due date, 7 days
    after the end → the leader."""
    if today.month != 12:
        return []
    year = today.year
    end = date(year, 12, cfg.lookback_end_day)
    due = end + timedelta(days=cfg.lookback_report_days)
    out: list[Reminder] = []
    if today <= end:
        out.append(_unit_reminder("lookback.start", unit, str(year), unit.contacts + unit.leaders,
                                  texts.text(texts.lookback_start, unit.name, year, end), "ledger", "lookback"))
        return out
    if facts.submitted(unit.unit_id, "lookback_report", str(year)):
        return out
    out.append(_unit_reminder("lookback_report.contact", unit, str(year), unit.contacts,
                              texts.text(texts.lookback_report, unit.name, year, due, False), "lookback", "lookback_report"))
    if today >= due:
        out.append(_unit_reminder("lookback_report.leader", unit, str(year), unit.leaders,
                                  texts.text(texts.lookback_report, unit.name, year, due, True), "lookback",
                                  "lookback_report"))
    return out


WEEKLY_RANKING = "ranking.weekly"


def ranking_period(day: date) -> str:
    """The ISO week of ``day``, e.g. ``2019-W24`` (the week's Monday decides the ISO year)."""
    iso = (day - timedelta(days=day.weekday())).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def weekly_ranking(facts: Facts, today: date) -> list[Reminder]:
    """The weekly league table (通报, 方案 五(三)) to everyone who subscribed (/rank_subscribe): due from the
    first working day of each ISO week (evaluated on working days only, so a week starting with holidays
    sends it on its first working day, and a missed day on the next one); once per week per subscriber
    (period ``2019-W24``)."""
    if not facts.rank_subscribers or not facts.ranking:
        return []
    monday = today - timedelta(days=today.weekday())
    return [Reminder(WEEKLY_RANKING, "district", ranking_period(today), facts.rank_subscribers,
                     texts.text(texts.weekly_ranking, facts.ranking, monday, today), texts.button("rank"),
                     ReminderAction("rank", 0))]


def recipient_blocked(blocked: Person, unit: UnitFacts) -> Reminder:
    """Tell the unit's leaders, once, that one of its people blocked the bot."""
    return _unit_reminder("recipient_blocked", unit, f"user:{blocked.user_id}", unit.leaders,
                          texts.text(texts.recipient_blocked, blocked.name, unit.name), "contacts")


def evaluate(facts: Facts, today: date, cal: WorkCalendar, cfg: ReminderSettings) -> list[Reminder]:
    """Every reminder due on ``today``; none on a day that is not a working day."""
    if not cal.is_working_day(today):
        return []
    out: list[Reminder] = []
    reports_owed = today > cfg.campaign_issued
    for unit in facts.units:
        out += ledger_stale(unit, today, cfg)
        if not reports_owed:
            continue
        out += monthly_work_info(unit, facts, today, cal, cfg)
        out += quarterly_summary(unit, facts, today, cal, cfg)
        out += annual_plan(unit, facts, today, cal, cfg)
        out += lookback(unit, facts, today, cfg)
    for hazard in facts.hazards:
        unit = facts.units_by_id.get(hazard.unit_id)
        if unit is None:
            continue
        out += deadline_approaching(hazard, unit, today, cal, cfg)
        out += deadline_overdue(hazard, unit, today)
        out += supervision(hazard, unit, facts.office, today)
    out += weekly_ranking(facts, today)
    return out
