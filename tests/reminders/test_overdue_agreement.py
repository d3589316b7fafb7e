"""The reminders' overdue rule, /status and the hazard card (``hazard_query.overdue_clause``) count the same
hazards as overdue, on a ledger with deadlines on both sides of today."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.services.hazard_query import overdue_clause
from bot.services.summary import compute_status
from reminders.calendar import WorkCalendar
from reminders.facts import load_facts
from reminders.rules import evaluate
from reminders.settings import ReminderSettings
from storage.db import UowFactory
from storage.models import Hazard
from tests.summary_ledger import RULES, hazard, sh, unit, user

TODAY = date(2019, 6, 12)  # a Wednesday, a working day


async def test_reminders_status_and_card_agree_on_overdue(uow: UowFactory) -> None:
    async with uow() as u:
        s = u.session
        a, b = await unit(s, "110105001"), await unit(s, "110105002")
        me = await user(s)
        reg = sh(date(2019, 3, 1))
        made = {
            "yesterday": hazard(a, me, state="registered", registered=reg, deadline=date(2019, 6, 11)),
            "long ago": hazard(b, me, state="registered", registered=reg, deadline=date(2019, 1, 5), level="重大隐患"),
            "today": hazard(a, me, state="registered", registered=reg, deadline=TODAY),
            "tomorrow": hazard(b, me, state="registered", registered=reg, deadline=date(2019, 6, 13)),
            "rectified late": hazard(a, me, state="rectified", registered=reg, deadline=date(2019, 6, 1)),
            "closure asked": hazard(a, me, state="closure_requested", registered=reg, deadline=date(2019, 5, 1)),
            "no deadline": hazard(a, me, state="registered", registered=reg, deadline=None),
            "draft": hazard(a, me, state="pending_review", deadline=date(2019, 5, 1)),
        }
        s.add_all(made.values())
        await s.commit()
    ids = {name: h.id for name, h in made.items()}
    expected = {ids["yesterday"], ids["long ago"]}

    async with uow() as u:
        by_clause = set((await u.session.exec(select(Hazard.id).where(overdue_clause(TODAY)))).all())
        status = await compute_status(u.session, sh(TODAY, 9), rules=RULES)
        facts = await load_facts(u.session, ZoneInfo("Asia/Shanghai"), date(2018, 10, 15))
    due = evaluate(facts, TODAY, WorkCalendar(), ReminderSettings())
    by_rule = {int(r.subject.split(":")[1]) for r in due if r.rule == "deadline.overdue"}
    assert by_clause == expected
    assert by_rule == expected
    assert status.overdue == len(expected)
