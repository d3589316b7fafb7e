"""The time source. Services take a ``Clock`` so tests can freeze it; dates are Asia/Shanghai."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def shanghai_clock(tz: ZoneInfo) -> Clock:
    """A clock returning the aware current time in ``tz``."""
    return lambda: datetime.now(tz)


def fixed_clock(at: datetime) -> Clock:
    """A frozen clock (tests, ``reminders preview --on``). ``at`` must be aware."""
    if at.tzinfo is None:
        raise ValueError("fixed_clock needs an aware datetime")
    return lambda: at
