"""仍未整改 said by the reporter of a merged tip-off (or by the case's own reporter): the township's notice names
whose tip-off it was and the case it was merged into, the case's other reporters are told once why it is verified
again (never by whom) and read it on /track, and the reopened card says who said it and when. Through the
dispatcher, on SQLite."""

from __future__ import annotations

import pytest

from tests.conftest import FailureLog, Harness
from tests.test_breaker8_tipoffs import _button, _complaints
from tests.test_mergedroot_tipoffs import _merged_into_a_closed_hazard, _track
from tests.test_tipoff_verify import FIRST, SECOND, _open_latest, merged_then_closed
from tests.tipoff_helpers import last, sent_to

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

OTHER_SAID = "反映同一隐患的另一位举报人称隐患仍未整改"
AT = "2018-10-15 09:30"  # the harness's frozen clock, Asia/Shanghai


def _told(harness: Harness, telegram_id: int) -> list[str]:
    """The notices (not /track cards) that told ``telegram_id`` another reporter said 仍未整改."""
    return [t for t in sent_to(telegram_id, harness.session) if OTHER_SAID in t and t.startswith("您的举报")]


async def test_the_merged_reporter_s_not_fixed_is_named_and_the_origin_reporter_told_once(
        harness: Harness, failures: FailureLog) -> None:
    inspector, first, second, first_number, second_number, _hazard = await _merged_into_a_closed_hazard(harness)
    await _track(first, first_number)
    stale = _button(first, "仍未整改")
    await _track(second, second_number)
    await second.press("仍未整改")
    await harness.deliver()

    assert _complaints(harness) == [f"举报 {second_number}（已并入 {first_number}，三里屯街道）的举报人反映隐患仍未整改，请复核。"]
    told = _told(harness, FIRST)
    assert len(told) == 1 and first_number in told[0] and second_number not in told[0], told
    assert _told(harness, SECOND) == []  # the one who said it is answered in place
    first_card, _offers = await _track(first, first_number)
    assert "街乡正在核实" in first_card and OTHER_SAID in first_card, first_card
    second_card, _offers = await _track(second, second_number)
    assert OTHER_SAID not in second_card, second_card

    await first.press_button(stale)  # the case is already reopened: nobody is told again
    await harness.deliver()
    assert len(_told(harness, FIRST)) == 1 and _told(harness, SECOND) == [] and len(_complaints(harness)) == 1

    await _open_latest(inspector)  # the reopened card in /tipoffs: who said it, and when
    card = last(inspector)
    assert first_number in card and f"举报人于 {AT} 反映仍未整改（举报 {second_number}）" in card, card
    assert failures.messages() == []


async def test_the_case_s_own_reporter_says_it_and_the_merged_reporter_is_told(harness: Harness,
                                                                              failures: FailureLog) -> None:
    inspector, first, second, first_number, second_number = await merged_then_closed(harness)
    await first.say(f"/track {first_number}")
    await first.press("仍未整改")
    await harness.deliver()

    complaints = _complaints(harness)
    assert len(complaints) == 1 and first_number in complaints[0] and "已并入" not in complaints[0], complaints
    told = _told(harness, SECOND)
    assert len(told) == 1 and second_number in told[0] and first_number not in told[0], told
    assert _told(harness, FIRST) == []
    second_card, _offers = await _track(second, second_number)
    assert OTHER_SAID in second_card, second_card
    first_card, _offers = await _track(first, first_number)
    assert OTHER_SAID not in first_card, first_card

    await _open_latest(inspector)
    assert f"举报人于 {AT} 反映仍未整改（举报 {first_number}）" in last(inspector), last(inspector)
    assert failures.messages() == []
