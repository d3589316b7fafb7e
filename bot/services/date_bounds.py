"""The first day a past-date question of a form (``not_future``: 检查时间, 复查日期, 回头看's 检查日期) takes.

A day typed without its year is read as the last such day (``bot.forms.dates``), so 12月28日 typed on 8 December
is last year's: right in itself, but a re-inspection dated before the hazard existed would then reach the card,
附件2 and 附件1. The bound is the latest of:
- the first day of the campaign's first year (``bot.campaign``): 1999-01-01 is a slip, not an inspection (none
  while that year is still ahead);
- for a form about a hazard (``context["hazard_id"]`` or ``["verification_id"]``): the day it was recorded, the
  earlier of its creation and its registration (an imported old ledger's hazard was registered before it was
  created here), in the configured zone;
- for a re-inspection: the day of the rectification it checks (the latest reported: its 验收 date, else the day
  it was reported).
A stamp later than the clock's today (a clock set back, a record moved between servers) is not trusted and sets
no bound: it would leave the question with no answer at all.
The ledger import sets no bound: old ledgers hold days from before the campaign (``bot.services.ledger_rows``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.campaign import Campaign
from bot.clock import Clock
from bot.forms.checks import Earliest
from bot.services.lifecycle_forms import hazard_of
from storage.models_lifecycle import Rectification

#: the forms whose date is the re-inspection of the latest rectification
_CHECKS_RECTIFICATION = frozenset({"reinspection"})


async def earliest_day(session: AsyncSession, campaign: Campaign, clock: Clock, form: str,
                       context: dict[str, Any]) -> Earliest:
    """The first day a ``not_future`` answer of ``form`` opened with ``context`` takes, and why (see the module).
    Raises ``NotFound`` when the hazard the context names is gone."""
    today = clock.today()
    bound = _later(Earliest(date.min, "campaign"), Earliest(date(campaign.first_year, 1, 1), "campaign"), today)
    if context.get("hazard_id") is None and context.get("verification_id") is None:
        return bound
    hazard = await hazard_of(session, context)
    recorded = [clock.local_date(at) for at in (hazard.created_at, hazard.registered_at) if at is not None]
    bound = _later(bound, Earliest(min(recorded), "found"), today)
    if form in _CHECKS_RECTIFICATION:
        last = (await session.exec(
            select(Rectification).where(Rectification.hazard_id == hazard.id)
            .order_by(col(Rectification.id).desc()).limit(1)
        )).first()
        if last is not None:
            bound = _later(bound, Earliest(last.accepted_on or clock.local_date(last.reported_at), "rectified"), today)
    return bound


def _later(a: Earliest, b: Earliest, today: date) -> Earliest:
    """The stricter bound, ``b`` ignored when after ``today``; on the same day, the more specific reason (``b``)."""
    return a if a.day > b.day or b.day > today else b
