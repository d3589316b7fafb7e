"""Tip-offs merged into a hazard under hostile turns, through the dispatcher (SQLite): the hazard closed, then
reopened as a rebound (反弹), then closed again; a hazard in review rejected after a tip-off was merged into it.
What each reporter reads on /track and is told, and that no one is told twice or left with a stale 仍未整改."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain import HazardState
from tests import tipoff_helpers
from tests.conftest import FailureLog, Harness
from tests.test_breaker8_tipoffs import SORRY, _button, _complaints
from tests.test_mergedroot_tipoffs import (
    FIXED,
    FOLLOWS,
    VERIFYING,
    _a_hazard_at_the_address,
    _merge_into_the_hazard,
    _merged_into_a_closed_hazard,
    _track,
)
from tests.test_tipoff_verify import FIRST, INSPECTOR, SECOND, _open_latest
from tests.tipoff_helpers import SANLITUN, last, report, sent_to

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
RECTIFYING = "正在整改"


@SQLITE
async def test_a_merged_case_closed_reopened_as_a_rebound_and_closed_again(harness: Harness,
                                                                          failures: FailureLog) -> None:
    _inspector, first, second, first_number, second_number, hid = await _merged_into_a_closed_hazard(harness)
    told = len(sent_to(SECOND, harness.session))
    await tipoff_helpers.set_hazard_state(harness, hid, "registered")  # 反弹: the hazard is open again
    assert len(sent_to(SECOND, harness.session)) == told + 1, sent_to(SECOND, harness.session)[told:]
    for chat, number in ((first, first_number), (second, second_number)):
        card, offers = await _track(chat, number)
        assert RECTIFYING in card and FIXED not in card and not offers, card
    await tipoff_helpers.set_hazard_state(harness, hid, "closed")
    for chat, number in ((first, first_number), (second, second_number)):
        card, offers = await _track(chat, number)
        assert FIXED in card and offers, card
    await second.press("仍未整改")  # the second closure can be complained about as the first
    await harness.deliver()
    assert SORRY not in last(second) and len(_complaints(harness)) == 1, _complaints(harness)
    assert failures.messages() == []


@SQLITE
async def test_a_tipoff_merged_into_a_hazard_in_review_that_is_rejected(harness: Harness,
                                                                        failures: FailureLog) -> None:
    inspector = await harness.bind(INSPECTOR, "inspector", SANLITUN)
    hid = await _a_hazard_at_the_address(harness, HazardState.PENDING_REVIEW)
    first = harness.chat(FIRST)
    number = await report(first)
    await _open_latest(inspector)
    merge = [b.text for b in inspector.buttons() if "合并" in b.text]
    if not merge:
        pytest.skip("a hazard in review is not offered for merging")
    await _merge_into_the_hazard(harness, inspector, number)
    await tipoff_helpers.set_hazard_state(harness, hid, "rejected")
    card, offers = await _track(first, number)
    assert FIXED not in card and not offers and SORRY not in card, card
    await tipoff_helpers.set_hazard_state(harness, hid, "closed")
    card, offers = await _track(first, number)
    assert FIXED in card and offers, card
    assert FOLLOWS not in card or VERIFYING not in card
    assert failures.messages() == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_both_reporters_of_a_hazard_press_not_fixed_at_once(harness: Harness, failures: FailureLog) -> None:
    """The reporter of the tip-off the hazard came from and the one merged into it press 仍未整改 at once: the
    case is reopened once, the township told once, neither reporter sees an error."""
    inspector, first, second, first_number, second_number, _hid = await _merged_into_a_closed_hazard(harness)
    for chat, number in ((first, first_number), (second, second_number)):
        await _track(chat, number)
    b1, b2 = _button(first, "仍未整改"), _button(second, "仍未整改")
    await asyncio.gather(first.press_button(b1), second.press_button(b2))
    await harness.deliver()
    assert len(_complaints(harness)) == 1, _complaints(harness)
    for chat, number in ((first, first_number), (second, second_number)):
        assert SORRY not in last(chat), last(chat)
        card, offers = await _track(chat, number)
        assert VERIFYING in card and not offers, card
    await inspector.say("/tipoffs")
    assert first_number in last(inspector) and second_number not in last(inspector), last(inspector)
    assert failures.messages() == []
