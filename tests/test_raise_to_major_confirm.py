"""升级为重大隐患 is asked first (issue: one tap raised it), through the real dispatcher on SQLite and PostgreSQL:
the card's button puts 确认升级 / 取消 on the same card and changes nothing; 确认升级 raises it, checking the
roles held and the hazard's state and level as they are at that tap — a confirmation left on screen while
another officer raised it, or after the role was taken away, answers so and changes nothing; 取消 gives the
card its buttons back."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, TelegramMethod
from sqlalchemy import delete
from sqlmodel import col, select

from bot.domain import HazardState
from bot.local_chat import Button, LocalChat
from storage.models import Hazard, HazardEvent, Membership
from tests.chat_helpers import actor_of, bind_cast, hazard_row, open_first
from tests.conftest import Harness
from tests.lifecycle_factories import hazard

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

RAISE, CONFIRM, CANCEL = "升级为重大隐患", "确认升级", "取消"
MAJOR, GENERAL = "重大隐患", "一般隐患"


async def _card_of_registered(h: Harness, inspector: LocalChat, *offices: LocalChat) -> int:
    hid = await hazard(h.core.uow, await actor_of(h, inspector), state=HazardState.REGISTERED, full_plan=True)
    number = (await hazard_row(h, hid)).ledger_number
    for office in offices:
        await open_first(office, f"/find {number}")
        assert RAISE in [b.text for b in office.buttons()], [b.text for b in office.buttons()]
    return hid


def _alerts(sent: list[TelegramMethod[Any]]) -> list[str]:
    return [m.text for m in sent if isinstance(m, AnswerCallbackQuery) and m.text and m.show_alert]


async def _level_events(h: Harness, hid: int) -> list[str]:
    async with h.core.uow() as u:
        rows = (await u.session.exec(select(HazardEvent).where(
            HazardEvent.hazard_id == hid, HazardEvent.action == "set_level").order_by(col(HazardEvent.id)))).all()
    return [e.data["to"] for e in rows]


async def test_the_first_tap_asks_on_the_same_card_and_the_second_raises(harness: Harness) -> None:
    h = harness
    inspector, office = await bind_cast(h, {9101: "李检查", 9104: "张办公室"})
    hid = await _card_of_registered(h, inspector, office)
    card = office.latest_button(RAISE).message
    sent = await office.press(RAISE)
    [edit] = [m for m in sent if isinstance(m, EditMessageReplyMarkup)]
    assert edit.message_id == card.message_id  # the same card, its buttons replaced
    assert [b.text for b in office.buttons()] == [CONFIRM, CANCEL]
    assert all(len((b.callback_data or "").encode()) <= 64 for b in office.buttons())
    [asked] = [m.text for m in sent if isinstance(m, AnswerCallbackQuery)]
    assert asked and "确认升级" in asked, asked
    assert (await hazard_row(h, hid)).level == GENERAL and await _level_events(h, hid) == []
    await office.press(CONFIRM)
    assert (await hazard_row(h, hid)).level == MAJOR and await _level_events(h, hid) == [MAJOR]


async def test_cancel_gives_the_card_its_buttons_back_and_changes_nothing(harness: Harness) -> None:
    h = harness
    inspector, office = await bind_cast(h, {9201: "李检查", 9204: "张办公室"})
    hid = await _card_of_registered(h, inspector, office)
    await office.press(RAISE)
    await office.press(CANCEL)
    assert RAISE in [b.text for b in office.buttons()] and CONFIRM not in [b.text for b in office.buttons()]
    assert (await hazard_row(h, hid)).level == GENERAL and await _level_events(h, hid) == []


async def test_a_confirmation_overtaken_by_another_officer_says_so_and_changes_nothing(harness: Harness) -> None:
    h = harness
    inspector, office, office2 = await bind_cast(h, {9301: "李检查", 9304: "张办公室", 9305: "孙办公室"})
    hid = await _card_of_registered(h, inspector, office, office2)
    await office.press(RAISE)
    confirm = office.latest_button(CONFIRM)
    await office2.press(RAISE)
    await office2.press(CONFIRM)
    sent = await office.press_button(confirm)
    assert _alerts(sent) == ["该隐患已是重大隐患（由孙办公室调整），本次点击未作更改。"], sent
    assert await _level_events(h, hid) == [MAJOR]


async def _confirmation_on_screen(h: Harness, first_id: int) -> tuple[LocalChat, int, Button]:
    """An officer (user ``first_id + 3``) who pressed 升级为重大隐患 on a registered hazard's card: the officer's
    chat, the hazard, and the 确认升级 button not pressed yet."""
    inspector, office = await bind_cast(h, {first_id: "李检查", first_id + 3: "张办公室"})
    hid = await _card_of_registered(h, inspector, office)
    await office.press(RAISE)
    return office, hid, office.latest_button(CONFIRM)


async def test_a_confirmation_after_the_role_was_taken_away_is_refused(harness: Harness) -> None:
    h = harness
    office, hid, confirm = await _confirmation_on_screen(h, 9401)
    uid = (await actor_of(h, office)).user_id
    async with h.core.uow() as u:  # the office role taken away while the confirmation is on screen
        await u.session.exec(delete(Membership).where(col(Membership.user_id) == uid))  # type: ignore[call-overload]
        await u.commit()
    sent = await office.press_button(confirm)
    [alert] = _alerts(sent)
    assert "尚未绑定单位" in alert, alert  # no role left: the tap is refused, however the card looked
    assert (await hazard_row(h, hid)).level == GENERAL and await _level_events(h, hid) == []


async def test_a_confirmation_on_a_hazard_closed_since_is_refused(harness: Harness) -> None:
    h = harness
    office, hid, confirm = await _confirmation_on_screen(h, 9501)
    async with h.core.uow() as u:  # meanwhile the hazard left the states a level may change in
        row = await u.session.get(Hazard, hid)
        assert row is not None
        row.state = HazardState.CLOSED.value
        u.session.add(row)
        await u.commit()
    sent = await office.press_button(confirm)
    [alert] = _alerts(sent)
    assert "已销账" in alert or "销账" in alert, alert
    assert (await hazard_row(h, hid)).level == GENERAL and await _level_events(h, hid) == []
