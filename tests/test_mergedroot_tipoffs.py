"""Tip-offs merged into a hazard (status merged, no ``merged_into_id``) follow the tip-off the hazard came from:
what both reporters read on /track before and after one of them says 仍未整改, what the township hears, and the
case verified again; and a hazard no tip-off became, followed by two merged tip-offs. Through the dispatcher,
on SQLite (the locking of 仍未整改 is the one ``test_breaker8_tipoffs`` runs on both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bot.domain import HazardState, Role
from bot.local_chat import LocalChat
from storage.models import Hazard
from tests import tipoff_helpers
from tests.conftest import FailureLog, Harness
from tests.lifecycle_factories import hazard, person
from tests.test_breaker8_tipoffs import SORRY, _button, _complaints, _offers_not_fixed
from tests.test_tipoff_verify import FIRST, INSPECTOR, SECOND, SECOND_TEXT, _open_latest, near_a_hazard
from tests.tipoff_helpers import ADDRESS, LAT, LON, SANLITUN, last, report, sent_to, tipoff

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

FIXED, VERIFYING, REGISTERED = "已整改完毕", "街乡正在核实", "待审核后列入台账"
FOLLOWS = "同一隐患已有人反映"


async def _track(chat: LocalChat, number: str) -> tuple[str, bool]:
    """The /track card of ``number`` in ``chat``: its text and whether it offers 仍未整改."""
    sent = await chat.say(f"/track {number}")
    return last(chat), _offers_not_fixed(sent)


async def _merge_into_the_hazard(harness: Harness, inspector: LocalChat, number: str) -> None:
    """The inspector, on the open card of tip-off ``number``, merges it into the hazard it is near."""
    merge = [b.text for b in inspector.buttons() if "合并" in b.text]
    assert merge, [b.text for b in inspector.buttons()]
    await inspector.press(merge[0])
    merged = await tipoff(harness, number)
    assert merged.status == "merged" and merged.merged_into_id is None and merged.hazard_id is not None


async def _merged_into_a_closed_hazard(harness: Harness):  # type: ignore[no-untyped-def]
    """The first tip-off became a hazard, the second was merged into that hazard, which then closed.
    (inspector, first, second, first_number, second_number, hazard_id)."""
    first, second = harness.chat(FIRST), harness.chat(SECOND)
    inspector, first_number, second_number = await near_a_hazard(harness, first, second)
    await _merge_into_the_hazard(harness, inspector, second_number)
    hazard_id = (await tipoff(harness, first_number)).hazard_id
    assert hazard_id is not None
    await tipoff_helpers.set_hazard_state(harness, hazard_id, "closed")
    return inspector, first, second, first_number, second_number, hazard_id


async def test_both_reporters_read_one_case_before_and_after_the_merged_one_says_not_fixed(
        harness: Harness, failures: FailureLog) -> None:
    inspector, first, second, first_number, second_number, _hazard = await _merged_into_a_closed_hazard(harness)
    first_card, first_offers = await _track(first, first_number)
    stale = _button(first, "仍未整改")  # kept: the first reporter presses it after the case reopened
    second_card, second_offers = await _track(second, second_number)
    assert FIXED in first_card and first_offers and FOLLOWS not in first_card, first_card
    assert FIXED in second_card and second_offers and FOLLOWS in second_card, second_card

    await second.press("仍未整改")
    assert "重新核查" in last(second) and SORRY not in last(second), last(second)
    await harness.deliver()
    assert (await tipoff(harness, first_number)).status == "verifying"  # the case the township verified
    assert (await tipoff(harness, second_number)).status == "merged"
    complaints = _complaints(harness)
    # the township hears whose reporter spoke, and the case it was merged into
    assert len(complaints) == 1 and f"举报 {second_number}（已并入 {first_number}" in complaints[0], complaints

    first_card, first_offers = await _track(first, first_number)
    second_card, second_offers = await _track(second, second_number)
    assert VERIFYING in first_card and FIXED not in first_card and not first_offers, first_card
    assert VERIFYING in second_card and FOLLOWS in second_card and not second_offers, second_card
    await inspector.say("/tipoffs")
    assert first_number in last(inspector) and second_number not in last(inspector), last(inspector)

    await first.press_button(stale)  # said twice for one case: answered, the township not told again
    assert SORRY not in last(first) and "重新核查" in last(first), last(first)
    await harness.deliver()
    assert len(_complaints(harness)) == 1, _complaints(harness)
    assert first_number not in "\n".join(sent_to(SECOND, harness.session))  # still no reporter sees another
    assert failures.messages() == []


async def test_the_case_verified_again_takes_the_merged_reporter_along(harness: Harness,
                                                                       failures: FailureLog) -> None:
    """查实 again makes a new hazard of the reopened tip-off: the reporter of the tip-off merged into the old one
    is told, reads the new one and hears when it closes."""
    inspector, first, second, first_number, second_number, old = await _merged_into_a_closed_hazard(harness)
    await _track(second, second_number)
    await second.press("仍未整改")
    await harness.deliver()
    await _open_latest(inspector)
    assert first_number in last(inspector), last(inspector)
    await tipoff_helpers.verify_as_hazard(inspector)
    await harness.deliver()
    new = (await tipoff(harness, first_number)).hazard_id
    assert new is not None and new != old and (await tipoff(harness, second_number)).hazard_id == new
    assert REGISTERED in sent_to(SECOND, harness.session)[-1], sent_to(SECOND, harness.session)[-1]
    second_card, _offers = await _track(second, second_number)
    assert REGISTERED in second_card and FOLLOWS in second_card, second_card

    await tipoff_helpers.set_hazard_state(harness, new, "closed")
    assert FIXED in sent_to(FIRST, harness.session)[-1] and FIXED in sent_to(SECOND, harness.session)[-1]
    for chat, number in ((first, first_number), (second, second_number)):
        card, offers = await _track(chat, number)
        assert FIXED in card and offers, card
    assert failures.messages() == []


async def _a_hazard_at_the_address(harness: Harness, state: HazardState = HazardState.REGISTERED) -> int:
    """A hazard of Sanlitun in ``state`` at the reporters' address that no tip-off became (an inspector's own)."""
    maker = await person(harness.core.uow, "王检查", (Role.INSPECTOR, SANLITUN))
    hazard_id = await hazard(harness.core.uow, maker, state=state, unit=SANLITUN)
    async with harness.core.uow() as u:
        await u.session.exec(update(Hazard).where(Hazard.id == hazard_id).values(  # type: ignore[call-overload]
            address=ADDRESS, latitude=LAT, longitude=LON))
        await u.commit()
    return hazard_id


async def test_two_tipoffs_merged_into_a_hazard_no_tipoff_became_reopen_one_case(harness: Harness,
                                                                                  failures: FailureLog) -> None:
    """Without a tip-off the hazard came from, the first merged into it stands for the case: the second's
    仍未整改 puts that one in the queue, once, and both reporters read it."""
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    hazard_id = await _a_hazard_at_the_address(harness)
    first, second = harness.chat(FIRST), harness.chat(SECOND)
    first_number = await report(first)
    await _open_latest(inspector)
    await _merge_into_the_hazard(harness, inspector, first_number)
    second_number = await report(second, address="三里屯街道幸福村中路十二号院", lat=LAT + 0.0004, lon=LON + 0.0004,
                                 description=SECOND_TEXT)
    await _open_latest(inspector)
    await _merge_into_the_hazard(harness, inspector, second_number)
    await tipoff_helpers.set_hazard_state(harness, hazard_id, "closed")
    for reporter in (FIRST, SECOND):
        assert FIXED in sent_to(reporter, harness.session)[-1], sent_to(reporter, harness.session)[-1]

    await _track(second, second_number)
    await second.press("仍未整改")
    await harness.deliver()
    complaints = _complaints(harness)
    assert len(complaints) == 1 and first_number in complaints[0], complaints
    for chat, number in ((first, first_number), (second, second_number)):
        card, offers = await _track(chat, number)
        assert VERIFYING in card and not offers, card
    await inspector.say("/tipoffs")
    assert first_number in last(inspector) and second_number not in last(inspector), last(inspector)
    assert failures.messages() == []
