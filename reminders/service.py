"""Use cases of the reminders, framework-free: evaluate the rules for a day and queue what is due, or
only list it (``preview``). One call = one unit of work."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.campaign import campaign_of
from bot.services.summary import StatusRules, compute_status, rank
from reminders.calendar import WorkCalendar
from reminders.facts import Facts, load_facts
from reminders.outbox import enqueue
from reminders.rules import WEEKLY_RANKING, Reminder, evaluate, ranking_period
from reminders.settings import ReminderSettings
from storage.db import UowFactory
from storage.models_reminders import ReminderOutbox


@dataclass(frozen=True)
class RulesRun:
    """``working_day`` false means nothing was evaluated; ``queued`` counts new outbox rows."""

    day: date
    working_day: bool
    due: tuple[Reminder, ...]
    queued: int


async def _with_ranking(session, facts: Facts, day: date, cal: WorkCalendar, cfg: ReminderSettings,  # type: ignore[no-untyped-def]
                        tz: ZoneInfo, now: datetime | None, skip_if_queued: bool) -> Facts:
    """The facts with this week's league table when someone subscribed to it (computed in the database
    like ``/rank``, as of ``now`` or the rules' hour on ``day``)."""
    if not facts.rank_subscribers or not cal.is_working_day(day):
        return facts
    if skip_if_queued:  # the league table is computed once a week, not on every working day
        queued = set((await session.exec(
            select(ReminderOutbox.recipient_id).where(ReminderOutbox.rule == WEEKLY_RANKING,
                                                      ReminderOutbox.period == ranking_period(day))
        )).all())
        owed = [p for p in facts.rank_subscribers if p.bound and p.user_id not in facts.blocked_user_ids]
        if all(p.user_id in queued for p in owed):
            return facts
    at = now or datetime.combine(day, time(cfg.hour, cfg.minute), tz)
    status = await compute_status(session, at, None, rules=StatusRules(tz, campaign_of(cfg), cal))
    return replace(facts, ranking=tuple(rank(status.units)))


async def preview(uow: UowFactory, day: date, cal: WorkCalendar, cfg: ReminderSettings,
                  tz: ZoneInfo) -> RulesRun:
    """What the rules would say on ``day``; writes nothing."""
    async with uow() as u:
        facts = await load_facts(u.session, tz, cfg.campaign_start)
        facts = await _with_ranking(u.session, facts, day, cal, cfg, tz, None, False)
    return RulesRun(day, cal.is_working_day(day), tuple(evaluate(facts, day, cal, cfg)), 0)


async def run_rules(uow: UowFactory, day: date, cal: WorkCalendar, cfg: ReminderSettings,
                    tz: ZoneInfo, now: datetime | None = None) -> RulesRun:
    """Evaluate the rules for ``day`` and queue every due reminder to its bound recipients.

    Safe to call any number of times and from several processes: the outbox key makes it idempotent.
    ``now`` (aware) stamps the rows as due from then (default: the current time).
    """
    if not cal.is_working_day(day):
        return RulesRun(day, False, (), 0)
    async with uow() as u:
        facts = await load_facts(u.session, tz, cfg.campaign_start)
        facts = await _with_ranking(u.session, facts, day, cal, cfg, tz, now, True)
        due = evaluate(facts, day, cal, cfg)
        queued = await enqueue(u.session, due, facts.blocked_user_ids, now)
        await u.commit()
    return RulesRun(day, True, tuple(due), queued)
