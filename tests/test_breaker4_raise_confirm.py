"""确认升级 pressed hostilely, through the real dispatcher on SQLite and PostgreSQL: a double tap and two taps at
once raise the hazard once (one set_level event); the 取消 kept from before the confirmation does not put
升级为重大隐患 back on the card of a hazard already major."""

from __future__ import annotations

import asyncio

from bot.local_chat import LocalChat
from tests.chat_helpers import bind_cast, hazard_row
from tests.conftest import Harness
from tests.test_raise_to_major_confirm import (
    CANCEL,
    CONFIRM,
    MAJOR,
    RAISE,
    _card_of_registered,
    _level_events,
)


async def _asked(h: Harness, inspector_id: int, office_id: int) -> tuple[LocalChat, int]:
    """An office reader who pressed 升级为重大隐患 on a registered hazard's card, and the hazard's id."""
    inspector, office = await bind_cast(h, {inspector_id: "李检查", office_id: "张办公室"})
    hid = await _card_of_registered(h, inspector, office)
    await office.press(RAISE)
    return office, hid


async def test_a_double_tap_on_confirm_raises_once_and_a_kept_cancel_offers_no_raise_again(harness: Harness) -> None:
    h = harness
    office, hid = await _asked(h, 9401, 9404)
    confirm, cancel = office.latest_button(CONFIRM), office.latest_button(CANCEL)
    await office.press_button(confirm)
    await office.press_button(confirm)
    assert (await hazard_row(h, hid)).level == MAJOR and await _level_events(h, hid) == [MAJOR]
    await office.press_button(cancel)
    assert RAISE not in [b.text for b in office.buttons()], [b.text for b in office.buttons()]
    assert await _level_events(h, hid) == [MAJOR]


async def test_two_taps_on_confirm_at_once_raise_once(harness: Harness) -> None:
    h = harness
    inspector, office, office2 = await bind_cast(h, {9501: "李检查", 9504: "张办公室", 9505: "孙办公室"})
    hid = await _card_of_registered(h, inspector, office, office2)
    await office.press(RAISE)
    await office2.press(RAISE)
    first, second = office.latest_button(CONFIRM), office2.latest_button(CONFIRM)
    await asyncio.gather(office.press_button(first), office2.press_button(second))
    assert (await hazard_row(h, hid)).level == MAJOR and await _level_events(h, hid) == [MAJOR]
