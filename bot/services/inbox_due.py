"""Which submissions a month owes and by when — the reminder rules' due dates (``reminders.rules``), read for
the inbox (方案 五(二): 每月至少报送一篇工作信息或典型案例，每季度报送一次工作总结; 四(四): 回头看结束后7天内报送总结报告).

Every unit of the registry owes them, as the reminders and ``/status`` count (``bot.services.summary``).
A month owes:

- work information (``work_info``, period ``2019-05``) when it ended after the plan was issued; due on the
  month's last working day (the leader's reminder; ``summary.monthly_report_due``: late from the next day);
- a quarterly summary (``summary``, ``2019-Q2``) in a quarter's last month, due on its last working day;
- the lookback report (``lookback_report``, ``2019``) in December of a campaign year, due
  ``lookback_report_days`` (7) after the lookback ends on ``lookback_end_day`` (15 December).

The implementation plan (实施方案, 四(一), due once, before the campaign) and the annual plan (附件3, filed with
/plan and counted there) have no monthly due date here.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.campaign import Campaign
from reminders.calendar import WorkCalendar
from storage.models import Unit
from storage.models_reminders import WorkSubmission
from storage.registry import reporting_codes


@dataclass(frozen=True)
class Owed:
    """One item a month owes: ``kind`` for ``period``, due on ``due`` (Asia/Shanghai)."""

    kind: str
    period: str
    due: date


@dataclass(frozen=True)
class Late:
    """Units (``(id, name)``, registry order) that have not sent ``owed``; ``overdue``: its due date has passed."""

    owed: Owed
    units: tuple[tuple[int, str], ...]
    overdue: bool


def owed_in(year: int, month: int, cal: WorkCalendar, campaign: Campaign, lookback_end_day: int = 15,
            lookback_report_days: int = 7) -> list[Owed]:
    """What every unit owes for ``year``-``month``, in the order work information, summary, lookback report."""
    out: list[Owed] = []
    if date(year, month, monthrange(year, month)[1]) <= campaign.issued:
        return out
    last = cal.last_working_day(year, month)
    out.append(Owed("work_info", f"{year}-{month:02d}", last))
    if month % 3 == 0:
        out.append(Owed("summary", f"{year}-Q{month // 3}", last))
    if month == 12 and campaign.covers(year):
        out.append(Owed("lookback_report", str(year),
                        date(year, 12, lookback_end_day) + timedelta(days=lookback_report_days)))
    return out


async def late_units(session: AsyncSession, owed: Owed, today: date, unit_id: int | None = None) -> Late:
    """The units (or only ``unit_id``) with no ``owed.kind`` submission for ``owed.period``: one anti-join on the
    submissions' (unit, kind, period) index."""
    sent = (
        select(WorkSubmission.id)
        .where(WorkSubmission.unit_id == Unit.id, WorkSubmission.kind == owed.kind,
               WorkSubmission.period == owed.period)
        .exists()
    )
    stmt = select(Unit.id, Unit.name).where(~sent, col(Unit.code).in_(reporting_codes())).order_by(col(Unit.id))
    if unit_id is not None:
        stmt = stmt.where(Unit.id == unit_id)
    rows = tuple((int(i or 0), str(n)) for i, n in (await session.exec(stmt)).all())
    return Late(owed, rows, today > owed.due)
