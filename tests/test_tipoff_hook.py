"""The hook the hazard life cycle calls after each transition: ``on_hazard_state_changed`` mirrors the
hazard's state on the tip-offs it came from, inside the caller's unit of work, and returns the notices for
the caller to queue there."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import select

from bot.services.tipoff_records import on_hazard_state_changed
from handlers.callbacks import TipCb
from storage.models import Hazard
from storage.models_tipoffs import TipOff
from tests.chat_helpers import open_first
from tests.tipoff_helpers import SANLITUN, last, report, tipoff, user_id, verify_as_hazard

REPORTER = 880_004_001


async def _open(inspector) -> None:  # type: ignore[no-untyped-def]
    await open_first(inspector, "/tipoffs")


async def _verified(harness, inspector_id: int):  # type: ignore[no-untyped-def]
    """A tip-off reported and verified as a hazard by a Sanlitun inspector: the inspector's chat, the tip-off's
    number and the hazard's id."""
    inspector = await harness.bind(inspector_id, "inspector", SANLITUN)
    number = await report(harness.chat(REPORTER))
    await _open(inspector)
    await verify_as_hazard(inspector)
    async with harness.core.uow() as u:
        return inspector, number, (await u.session.exec(select(Hazard.id))).one()


async def test_the_hook_mirrors_in_the_callers_transaction_and_only_on_news(harness) -> None:
    _inspector, number, hazard_id = await _verified(harness, 700_041)

    async with harness.core.uow() as u:  # the caller does not commit: nothing changes
        await u.session.exec(update(Hazard).values(state="registered"))  # type: ignore[call-overload]
        notices = await on_hazard_state_changed(u.session, hazard_id, "registered")
    assert [(n.user_id, n.kind, n.about) for n in notices] == [(await user_id(harness, REPORTER), "tipoff_status", number)]
    assert "正在整改" in notices[0].text.render("zh") and "being rectified" in notices[0].text.render("en")
    async with harness.core.uow() as u:
        assert (await u.session.exec(select(TipOff.status))).one() == "registered"

    async with harness.core.uow() as u:  # the caller commits: the tip-off follows
        assert len(await on_hazard_state_changed(u.session, hazard_id, "registered")) == 1
        await u.commit()
    async with harness.core.uow() as u:
        assert (await u.session.exec(select(TipOff.status))).one() == "rectifying"
        assert await on_hazard_state_changed(u.session, hazard_id, "rectified") == []  # same words: silent
        assert await on_hazard_state_changed(u.session, hazard_id + 999, "closed") == []  # not from a tip-off


async def test_a_rejected_hazard_returns_the_tipoff_to_the_township_queue(harness) -> None:
    inspector, number, hazard_id = await _verified(harness, 700_042)
    async with harness.core.uow() as u:
        notices = await on_hazard_state_changed(u.session, hazard_id, "rejected")
        await u.commit()
    assert [(n.user_id, n.kind) for n in notices] == [(await user_id(harness, 700_042), "tipoff_returned")]
    # the button opens it as the verifiers' own buttons do (the service cannot use the handlers' TipCb)
    assert notices[0].button is not None and notices[0].button[1] == TipCb(a="v", id=(await tipoff(harness, number)).id).pack()
    await inspector.say("/tipoffs")
    assert number in last(inspector)


async def test_a_rejected_hazard_resubmitted_brings_its_tipoff_back(harness) -> None:  # type: ignore[no-untyped-def]
    """A rejection is no longer final (issue 15: «修改后重新提交»): the tip-off stays linked, so the reporter hears of
    the resubmitted hazard; one the township found 不属实 meanwhile is left alone."""
    _inspector, number, hazard_id = await _verified(harness, 700_043)
    async with harness.core.uow() as u:
        await on_hazard_state_changed(u.session, hazard_id, "rejected")
        await u.commit()
    assert (await tipoff(harness, number)).hazard_id == hazard_id
    async with harness.core.uow() as u:
        notices = await on_hazard_state_changed(u.session, hazard_id, "pending_review")
        await u.commit()
    assert [(n.user_id, n.kind) for n in notices] == [(await user_id(harness, REPORTER), "tipoff_status")]
    assert (await tipoff(harness, number)).status == "registered"
    async with harness.core.uow() as u:
        await u.session.exec(update(TipOff).values(status="not_confirmed"))  # type: ignore[call-overload]
        await u.commit()
    async with harness.core.uow() as u:
        assert await on_hazard_state_changed(u.session, hazard_id, "closed") == []
