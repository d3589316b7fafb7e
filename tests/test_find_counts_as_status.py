"""/find and /status count the same hazards of a township (testers found /find 建外 counting two rejected
hazards /status never shows): without a state word /find leaves the rejected ones out and says how many; a
number still finds its hazard in any state."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.domain import HazardState
from storage.models import Hazard
from tests.chat_helpers import actor_of
from tests.conftest import Harness
from tests.lifecycle_factories import hazard

STATES = (HazardState.PENDING_REVIEW, HazardState.PENDING_CONFIRMATION, HazardState.REGISTERED,
          HazardState.RECTIFIED, HazardState.CLOSURE_REQUESTED, HazardState.CLOSED, HazardState.REJECTED,
          HazardState.REJECTED)


async def test_find_counts_a_townships_hazards_as_status_does_and_the_rejected_apart(harness: Harness) -> None:
    h = harness
    inspector = await h.bind(741, "inspector", "建外街道", "李检查")
    office = await h.bind(742, "office", "区安委会办公室", "张办公室")
    ids = [await hazard(h.core.uow, await actor_of(h, inspector), state=state) for state in STATES]
    await office.say("/status 建外街道")
    numbers = re.search(r"在账隐患 (\d+) 项.*；已销账 (\d+)；待审核 (\d+)，待确认 (\d+)", office.last_text())
    assert numbers, office.last_text()
    counted = sum(int(n) for n in numbers.groups())
    assert counted == len(STATES) - 2, office.last_text()  # every hazard but the two rejected
    await office.say("/find 建外")
    said = office.last_text()
    assert said.startswith(f"共找到 {counted} 项") and "另有 2 项已驳回的隐患符合条件" in said, said
    await office.say("/find 建外 已驳回")
    assert office.last_text().startswith("共找到 2 项"), office.last_text()
    async with h.core.uow() as u:  # a number names one hazard: found in any state, to be resubmitted from its card
        rejected = (await u.session.exec(select(Hazard.draft_number).where(Hazard.id == ids[-1]))).one()
    await inspector.say(f"/find {rejected}")
    assert inspector.last_text().startswith("共找到 1 项") and "已驳回" in inspector.last_text(), inspector.last_text()
