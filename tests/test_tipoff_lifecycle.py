"""With the life cycle (feat/lifecycle) on main: its transitions call the tip-off hook, so the reporter of a
hazard made from a tip-off is told when the office registers it (→ being rectified)."""

from __future__ import annotations

from sqlmodel import select

from bot.channels import telegram_address
from storage.models import Hazard
from tests.chat_helpers import open_first
from tests.tipoff_helpers import SANLITUN, report, sent_to, tipoff, verify_as_hazard

REPORTER = 880_005_001


async def test_registration_by_the_office_reaches_the_reporter(harness) -> None:
    inspector = await harness.bind(700_051, "inspector", SANLITUN)
    await harness.bind(700_052, "reviewer", SANLITUN)
    await harness.bind(700_053, "office", "区安委会办公室")
    number = await report(harness.chat(REPORTER))
    await open_first(inspector, "/tipoffs")
    await verify_as_hazard(inspector)
    async with harness.core.uow() as u:
        hazard_id = (await u.session.exec(select(Hazard.id))).one()
    users = harness.core.services.users
    reviewer = await users.touch(telegram_address(700_052), "审核", "zh-hans")
    office = await users.touch(telegram_address(700_053), "区安委办", "zh-hans")

    before = len(sent_to(REPORTER, harness.session))
    await harness.core.services.lifecycle.approve(reviewer, hazard_id)
    await harness.deliver()
    assert len(sent_to(REPORTER, harness.session)) == before  # pending confirmation reads the same to the reporter
    await harness.core.services.lifecycle.register(office, hazard_id)
    assert (await tipoff(harness, number)).status == "rectifying"
    await harness.deliver()  # queued with the registration, sent by the outbox's sender
    assert "正在整改" in sent_to(REPORTER, harness.session)[-1] and number in sent_to(REPORTER, harness.session)[-1]
