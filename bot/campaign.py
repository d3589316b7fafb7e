"""The three-year campaign the bot serves: which years it spans, when each year's plan is due and how
much of the sites must have been inspected by the end of each year.

The source document's campaign started on 2018-10-15 (方案 四(二): the first ledgers) and ran to the end
of 2020 (方案 三: 摸底排查 10 % by end-2018, 70 % by end-2019, 100 % by end-2020). A district starting the
same action later sets ``HAZARDBOT_REMINDERS_CAMPAIGN_START`` (and ``..._CAMPAIGN_YEARS``); every year,
milestone and due date here follows from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reminders.settings import ReminderSettings

# 方案 三: the cumulative share of sites inspected by the end of the campaign's first, second and third year
COVERAGE_MILESTONES = (Decimal("0.10"), Decimal("0.70"), Decimal("1.00"))


@dataclass(frozen=True)
class Campaign:
    """``start``: the day the first ledgers are due (a date in the configured zone); ``years``: calendar years
    spanned, counting the start's; ``issued``: the day the plan was issued (no monthly report is owed for a month
    ending on or before it, 方案 五(二))."""

    start: date
    years: int = 3
    issued: date = date(2018, 9, 30)

    @property
    def first_year(self) -> int:
        """The campaign's first calendar year (the start's)."""
        return self.start.year

    @property
    def last_year(self) -> int:
        """The campaign's last calendar year (2020 for the default 2018 start and 3 years)."""
        return self.start.year + self.years - 1

    def covers(self, year: int) -> bool:
        """True when ``year`` is one of the campaign's calendar years."""
        return self.first_year <= year <= self.last_year

    def nearest_year(self, year: int) -> int:
        """``year`` if the campaign covers it, else its first or last year, whichever is nearer."""
        return min(max(year, self.first_year), self.last_year)

    def coverage_milestone(self, year: int) -> Decimal | None:
        """The share of sites that must have been inspected by the end of ``year`` (方案 三), the last
        milestone for a campaign longer than three years, None outside the campaign."""
        if not self.covers(year):
            return None
        return COVERAGE_MILESTONES[min(year - self.first_year, len(COVERAGE_MILESTONES) - 1)]

    def plan_due(self, year: int) -> date:
        """附件3 is due with the first ledgers in the first year, then by 31 March (方案 四(一))."""
        return self.start if year == self.first_year else date(year, 3, 31)


def campaign_of(cfg: ReminderSettings) -> Campaign:
    """The campaign these reminders' settings describe (``HAZARDBOT_REMINDERS_CAMPAIGN_*``); the composition root
    (``bot.core``) builds it once and hands it to the services."""
    return Campaign(cfg.campaign_start, cfg.campaign_years, cfg.campaign_issued)
