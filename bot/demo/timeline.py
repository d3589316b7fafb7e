"""Simulated time for the demo: the district's months are replayed in order, each step at its own past instant, so
every timestamp (a record's ``created_at``, an event's ``at``, a registration time, a ledger number's date) is what
the bot would have written had the step been taken then.

The services read the time from their ``Clock`` (given to ``open_core``); the tables' default timestamps read
``storage.types.utcnow``, which ``replayed_time`` points at the same simulated instant for as long as the demo
runs — one CLI process that does nothing else, so nothing real is ever stamped with a simulated time."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import storage.types
from bot.clock import Clock

Step = Callable[[], Awaitable[None]]


class Timeline:
    """Steps to run at simulated instants, run in time order (ties: in the order they were added). ``now`` is the
    instant of the step running; before the first, ``start``."""

    def __init__(self, start: datetime, tz: ZoneInfo) -> None:
        self.now = start
        self.tz = tz
        self._heap: list[tuple[datetime, int, Step]] = []
        self._seq = itertools.count()

    def clock(self) -> Clock:
        """A clock reading the timeline's ``now`` (moved as the steps run), in its zone."""
        return Clock(lambda: self.now, self.tz)

    def at(self, day: date, hour: float) -> datetime:
        """``day`` at ``hour`` (e.g. 9.5 = 09:30) in the zone, aware."""
        return datetime.combine(day, time(), self.tz) + timedelta(hours=hour)

    def add(self, when: datetime, step: Step) -> None:
        """Schedule ``step`` at ``when`` (aware); steps at the same instant run in the order added."""
        heapq.heappush(self._heap, (when, next(self._seq), step))

    def __len__(self) -> int:
        return len(self._heap)

    async def run(self, until: datetime, progress: Callable[[int], None] | None = None) -> int:
        """Run every step due before ``until`` in time order (steps may add later ones); returns how many ran."""
        done = 0
        while self._heap and self._heap[0][0] < until:
            when, _seq, step = heapq.heappop(self._heap)
            self.now = max(self.now, when)
            await step()
            done += 1
            if progress is not None:
                progress(done)
        return done


@contextmanager
def replayed_time(timeline: Timeline) -> Iterator[None]:
    """Make ``storage.types.utcnow`` (every table's default timestamp) return the timeline's instant."""
    real = storage.types.datetime

    class _Replayed(real):  # type: ignore[valid-type,misc]
        @classmethod
        def now(cls, tz: object = None) -> datetime:
            return timeline.now.astimezone(tz) if tz is not None else timeline.now.replace(tzinfo=None)  # type: ignore[arg-type]

    setattr(storage.types, "datetime", _Replayed)  # noqa: B010 - a module attribute, restored below
    try:
        yield
    finally:
        setattr(storage.types, "datetime", real)  # noqa: B010
