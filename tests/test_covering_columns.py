"""The status's covering column ``hazard.closed_at`` (issue 19 item 1, migration 0150) equals the event log:
random life cycles (hypothesis) run through the real life cycle and verification services, across a year
boundary, with closures, failed re-inspections, reopenings by failed verification and rejections. After
each, every hazard's ``closed_at`` is its latest closure event while it is closed (else empty), and the
status's year numbers computed from the column equal those computed from the event log."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.domain import HazardState
from bot.services.summary import Window, compute_status
from storage.db import UowFactory
from storage.models import Hazard, HazardEvent
from tests.lifecycle_factories import HOME, unit_id
from tests.random_life import random_life
from tests.summary_ledger import RULES, SH

S = HazardState
START = datetime(2018, 12, 1, 2, tzinfo=UTC)
#: the clock never goes back, not even between examples: a log has no closures after "now"
_clock_now = [START]
#: (which hazard, branch: 0 = the backward one — reject, re-inspection or verification failed —, days passing)
STEPS = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 3), st.integers(0, 40)), min_size=6, max_size=30)


async def _check(uow: UowFactory, now: datetime, unit: int) -> None:
    async with uow() as u:
        hazards = (await u.session.exec(select(Hazard).where(Hazard.unit_id == unit))).all()
        events = (await u.session.exec(select(HazardEvent).where(HazardEvent.to_state == S.CLOSED.value))).all()
        status = await compute_status(u.session, now, unit, rules=RULES)
    latest: dict[int, datetime] = {}
    for e in events:
        latest[e.hazard_id] = max(e.at, latest.get(e.hazard_id, e.at))
    w = Window.at(now, SH)
    den = num = closed_y = 0
    for h in hazards:
        assert h.closed_at == (latest[h.id] if h.state == S.CLOSED else None), (h.id, h.state)  # type: ignore[index]
        # the year's numbers from the log alone (summary's module docstring)
        closed_now_in_y = h.state == S.CLOSED and any(
            e.hazard_id == h.id and w.year_start <= e.at < w.day_end for e in events)
        registered_y = h.registered_at is not None and w.year_start <= h.registered_at < w.day_end
        before = h.registered_at is not None and h.registered_at < w.year_start
        closed_y += closed_now_in_y
        den += registered_y + (before and h.state != S.CLOSED) + (before and closed_now_in_y)
        num += (registered_y and h.state == S.CLOSED) + (before and closed_now_in_y)
    assert (status.rectification.numerator, status.rectification.denominator) == (num, den)
    assert status.verification.denominator == closed_y


@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
async def test_closed_at_equals_the_event_log_after_random_life_cycles(uow: UowFactory, steps: Any) -> None:
    r = await random_life(uow, _clock_now, date(2019, 12, 31), ("一般隐患", "一般隐患"))
    for which, branch, days in steps:
        r.advance(days, 1)
        await r.step(r.ids[which], branch != 0)
    await _check(uow, r.now[0], await unit_id(uow, HOME))
