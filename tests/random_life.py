"""Random life cycles through the real life cycle and verification services, for the property tests of the
status's stored numbers (``test_covering_columns``, ``test_status_tally``): a clock that only moves forward,
the services on it, the cast, and two hazards of ``HOME`` taken one step at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.clock import Clock
from bot.domain import HazardState
from bot.services.lifecycle import FiveImplementations
from bot.services.lifecycle_service import Document, LifecycleService
from bot.services.verification import VerificationService
from storage.db import UowFactory
from storage.models import Hazard
from tests.lifecycle_factories import Cast, cast, hazard
from tests.summary_ledger import SH

S = HazardState


@dataclass
class RandomLife:
    """``now``: the clock's instant in a one-item list the test module keeps, so that it never goes back, not
    even between hypothesis examples (a log has no event after "now"); ``ids``: the hazards walked."""

    uow: UowFactory
    now: list[datetime]
    life: LifecycleService
    verify: VerificationService
    cast: Cast
    ids: list[int]

    def advance(self, days: int, hours: int) -> datetime:
        """Move the clock on by ``days`` and ``hours``; returns the new instant (aware UTC)."""
        self.now[0] += timedelta(days=days, hours=hours)
        return self.now[0]

    async def step(self, hid: int, yes: bool) -> None:
        """Take hazard ``hid`` to the next step of its life cycle from the state it is in now, today in
        Asia/Shanghai: ``yes`` picks the forward branch (else reject, re-inspection or verification failed)."""
        async with self.uow() as u:
            h = await u.session.get(Hazard, hid)
            assert h is not None
            state = h.state
        life, verify, c = self.life, self.verify, self.cast
        today = self.now[0].astimezone(SH).date()
        later = today + timedelta(days=30)
        if state == S.PENDING_REVIEW:
            await (life.approve(c.reviewer, hid) if yes else life.reject(c.reviewer, hid, "不属实"))
        elif state == S.PENDING_CONFIRMATION:
            await life.register(c.office, hid)
        elif state == S.REGISTERED:
            await life.report_rectification(c.inspector, hid, FiveImplementations(),
                                            document=Document("验收.pdf", legacy_ref="f"))
        elif state == S.RECTIFIED:
            await life.reinspect(c.inspector2, hid, today, yes, **({} if yes else {"new_deadline": later}))
        elif state == S.CLOSURE_REQUESTED:
            await life.close(c.office, hid)
        elif state == S.CLOSED:
            await verify.verify(c.office, hid, yes, **({} if yes else {"note": "反弹", "new_deadline": later}))


async def random_life(uow: UowFactory, now: list[datetime], deadline: date, levels: tuple[str, ...]) -> RandomLife:
    """The services on a clock reading ``now[0]``, a fresh cast, and one hazard per level of ``levels``
    (一般隐患, 重大隐患) reported by the cast's inspector with a full plan and ``deadline``."""
    clock = Clock(lambda: now[0], SH)
    c = await cast(uow)
    ids = [await hazard(uow, c.inspector, full_plan=True, deadline=deadline, level=level) for level in levels]
    return RandomLife(uow, now, LifecycleService(uow, clock), VerificationService(uow, clock), c, ids)
