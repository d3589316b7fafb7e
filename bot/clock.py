"""The time source and the deployment's time zone, together: every "today" (form answers, the card's
overdue, deadlines, summaries, exports) is ``clock.today()``, so one zone decides them all. Built once
in the composition root (``bot.core.open_core``) from ``HAZARDBOT_TIMEZONE``; tests freeze it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

#: the campaign's zone (Beijing) unless ``HAZARDBOT_TIMEZONE`` says otherwise
DEFAULT_ZONE = "Asia/Shanghai"


def default_zone() -> ZoneInfo:
    """``DEFAULT_ZONE``, for callers (tests, library use) that pass no zone of their own."""
    return ZoneInfo(DEFAULT_ZONE)


class Clock:
    """A callable returning the aware current instant, and the zone whose calendar gives "today".

    ``now``: returns aware datetimes (any offset); ``tz``: the deployment's zone."""

    __slots__ = ("_now", "tz")

    def __init__(self, now: Callable[[], datetime], tz: ZoneInfo) -> None:
        self._now = now
        self.tz = tz

    def __call__(self) -> datetime:
        """The current instant, aware."""
        return self._now()

    def today(self) -> date:
        """The calendar date now in ``tz``."""
        return self._now().astimezone(self.tz).date()

    def local_date(self, at: datetime) -> date:
        """The calendar date in ``tz`` of the aware instant ``at``."""
        return at.astimezone(self.tz).date()

    def start_of(self, day: date) -> datetime:
        """Midnight starting ``day`` in ``tz`` (aware), for date ranges over instants."""
        return datetime.combine(day, time(), self.tz)

    def in_zone(self, tz: ZoneInfo) -> Clock:
        """The same time source judged in ``tz``."""
        return Clock(self._now, tz)


def system_clock(tz: ZoneInfo) -> Clock:
    """The real time, dates in ``tz``."""
    return Clock(lambda: datetime.now(tz), tz)


def fixed_clock(at: datetime, tz: ZoneInfo | None = None) -> Clock:
    """A frozen clock (tests, ``reminders preview --on``) with dates in ``tz`` (default ``DEFAULT_ZONE``;
    the composition root re-zones it to the settings'). ``at`` must be aware."""
    if at.tzinfo is None:
        raise ValueError("fixed_clock needs an aware datetime")
    return Clock(lambda: at, tz or default_zone())
