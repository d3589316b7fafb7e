"""breaker8: 仍未整改 on merged tip-offs (``TipOffService.not_fixed``) through the dispatcher on SQLite and
PostgreSQL: both reporters pressing at once, one after the other, a tip-off merged into a hazard, a root found
untrue; what the verifier's queue and both reporters' /track show after."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.local_chat import Button, LocalChat
from tests import tipoff_helpers
from tests.conftest import FailureLog, Harness
from tests.test_tipoff_verify import (
    FIRST,
    INSPECTOR,
    SECOND,
    merged_then_closed,
    near_a_hazard,
)
from tests.tipoff_helpers import last, sent_to, tipoff

SORRY = "系统出现问题"


async def _merged_and_fixed(h: Harness):  # type: ignore[no-untyped-def]
    """Two reporters, the second's tip-off merged into the first's, which is verified as a hazard then closed;
    both hold a /track card with 仍未整改. (inspector, first, second, first_number, second_number)."""
    inspector, first, second, first_number, second_number = await merged_then_closed(h)
    for chat, number in ((first, first_number), (second, second_number)):
        sent = await chat.say(f"/track {number}")
        assert "已整改完毕" in last(chat) and _offers_not_fixed(sent), last(chat)
    return inspector, first, second, first_number, second_number


def _button(chat: LocalChat, part: str) -> Button:
    found = [b for b in chat.buttons() if part in b.text]
    assert found, [b.text for b in chat.buttons()]
    return found[0]


def _offers_not_fixed(sent: list[Any]) -> bool:
    """Whether the reply ``sent`` (the calls of one update) offers 仍未整改."""
    return any("仍未整改" in b.text for m in sent if isinstance(getattr(m, "reply_markup", None), InlineKeyboardMarkup)
               for row in m.reply_markup.inline_keyboard for b in row)


def _complaints(h: Harness) -> list[str]:
    return [t for t in sent_to(INSPECTOR, h.session) if "仍未整改" in t]


async def test_both_reporters_pressing_at_once_reopen_it_once(harness: Harness, failures: FailureLog) -> None:
    inspector, first, second, first_number, second_number = await _merged_and_fixed(harness)
    b1, b2 = _button(first, "仍未整改"), _button(second, "仍未整改")
    await asyncio.gather(first.press_button(b1), second.press_button(b2))
    await harness.deliver()
    assert (await tipoff(harness, first_number)).status == "verifying"
    assert (await tipoff(harness, second_number)).status == "merged"
    assert len(_complaints(harness)) == 1, _complaints(harness)
    for chat, number in ((first, first_number), (second, second_number)):
        assert SORRY not in last(chat), last(chat)
        sent = await chat.say(f"/track {number}")
        assert "重新核查" in last(chat) or "正在核实" in last(chat), last(chat)
        assert not _offers_not_fixed(sent)
    await inspector.say("/tipoffs")
    assert first_number in last(inspector) and second_number not in last(inspector), last(inspector)
    assert failures.messages() == []


async def test_the_root_s_reporter_then_the_merged_one(harness: Harness, failures: FailureLog) -> None:
    """The root's own reporter says 仍未整改 first; the merged one's card, pressed after, is answered sensibly
    (the case is being verified again), never 'handled' as if closed, nor an error; the township told once."""
    _inspector, first, second, first_number, _second_number = await _merged_and_fixed(harness)
    await first.press("仍未整改")
    assert "重新核查" in last(first), last(first)
    await second.press("仍未整改")
    assert SORRY not in last(second), last(second)
    await harness.deliver()
    assert len(_complaints(harness)) == 1, _complaints(harness)
    assert (await tipoff(harness, first_number)).status == "verifying"
    assert failures.messages() == []
    assert "已处理" not in last(second) and ("重新核查" in last(second) or "核实" in last(second)), last(second)


async def test_a_tipoff_merged_into_a_hazard_then_not_fixed(harness: Harness, failures: FailureLog) -> None:
    """The second tip-off is merged into the hazard the first became (status merged, no merged_into_id); the hazard
    closes; the second's reporter says 仍未整改: the township hears it once, and the first reporter's /track, the
    second's /track and the queue say the same about the one hazard."""
    first, second = harness.chat(FIRST), harness.chat(SECOND)
    inspector, first_number, second_number = await near_a_hazard(harness, first, second)
    merge = [b.text for b in inspector.buttons() if "合并" in b.text]
    assert merge, [b.text for b in inspector.buttons()]
    await inspector.press(merge[0])
    merged = await tipoff(harness, second_number)
    hazard_id = (await tipoff(harness, first_number)).hazard_id
    assert merged.status == "merged" and merged.merged_into_id is None and merged.hazard_id == hazard_id
    assert hazard_id is not None
    await tipoff_helpers.set_hazard_state(harness, hazard_id, "closed")
    await second.say(f"/track {second_number}")
    await second.press("仍未整改")
    assert SORRY not in last(second), last(second)
    await harness.deliver()
    assert len(_complaints(harness)) == 1, _complaints(harness)
    await first.say(f"/track {first_number}")
    await second.say(f"/track {second_number}")
    assert "正在核实" in last(second), last(second)
    assert failures.messages() == []
    assert "已整改完毕" not in last(first), last(first)  # one hazard, one answer to both reporters


async def test_a_stale_not_fixed_on_a_root_found_untrue_is_refused_politely(harness: Harness,
                                                                             failures: FailureLog) -> None:
    _inspector, _first, second, first_number, second_number = await _merged_and_fixed(harness)
    await tipoff_helpers.set_tipoff_status(harness, first_number, "not_confirmed")
    await second.press("仍未整改")
    assert SORRY not in last(second) and "重新核查" not in last(second), last(second)
    assert (await tipoff(harness, first_number)).status == "not_confirmed"
    assert _complaints(harness) == []
    sent = await second.say(f"/track {second_number}")
    assert "不属实" in last(second) and not _offers_not_fixed(sent), last(second)
    assert failures.messages() == []
