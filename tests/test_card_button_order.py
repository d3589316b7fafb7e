"""The step forward comes first on every card (issue 20): a reviewer or an officer who presses the first button
out of habit approves, registers or passes — never rejects, fails or returns a hazard."""

from __future__ import annotations

from bot.domain import HazardState
from tests.chat_helpers import actor_of, bind_cast, open_first
from tests.conftest import Harness
from tests.lifecycle_factories import hazard

HOME, OFFICE = "建外街道", "区安委会办公室"


async def test_the_positive_action_is_the_first_button_of_each_card(harness: Harness) -> None:
    h = harness
    inspector, reviewer, office = await bind_cast(h, {501: "李检查", 502: "王审核", 503: "张办公室"})
    creator = await actor_of(h, inspector)
    await hazard(h.core.uow, creator, state=HazardState.PENDING_REVIEW)
    await open_first(reviewer, "/review")
    first = reviewer.buttons()[0].text
    assert "审核通过" in first and "驳回" in " ".join(b.text for b in reviewer.buttons()), first

    await hazard(h.core.uow, creator, state=HazardState.PENDING_CONFIRMATION, full_plan=True)
    await open_first(office, "/office")
    labels = [b.text for b in office.buttons()]
    assert "挂账" in labels[0] and any("驳回" in b for b in labels[1:]), labels
