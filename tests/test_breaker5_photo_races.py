"""Photo removal (🗑) raced through the real dispatcher on SQLite and PostgreSQL: two bins of one list pressed at
once, a bin racing a new photo, the list asked for while a bin runs, and a correction's submit tapped twice at
once: one removal, no photo lost or kept twice, one correction."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.local_chat import Button, LocalChat
from storage.models import HazardEvent, Photo
from tests import test_photo_removal as removal
from tests.chat_helpers import correcting_one_photo_hazard
from tests.conftest import FailureLog, Harness
from tests.forms_flow import PHOTOS

MANAGE = "管理照片/删除照片"


async def _photos(h: Harness, chat: LocalChat) -> list[int]:
    return list((await removal._draft(h, chat)).data.get("photos") or [])


async def _at_once(chat: LocalChat, *updates: object) -> None:
    await asyncio.gather(*(chat._feed(u) for u in updates))


def _tap(chat: LocalChat, button: Button) -> object:
    return chat.factory.callback(chat.user, button.message, button.callback_data or "")


async def test_two_bins_of_one_list_pressed_at_once_remove_one_photo(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await removal._at_photos(h, 85401, 3)
    ids = await _photos(h, chat)
    await chat.press(MANAGE)
    bin1, bin2 = chat.latest_button("🗑 第1张"), chat.latest_button("🗑 第2张")
    await _at_once(chat, _tap(chat, bin1), _tap(chat, bin2))
    assert not failures.records, failures.messages()
    left = await _photos(h, chat)
    assert left in (ids[1:], [ids[0], ids[2]]), (ids, left)  # the second press met a changed list


async def test_a_bin_racing_a_new_photo_loses_neither(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await removal._at_photos(h, 85402, 2)
    ids = await _photos(h, chat)
    await chat.press(MANAGE)
    bin1 = chat.latest_button("🗑 第1张")
    await _at_once(chat, _tap(chat, bin1), chat.photo_update(PHOTOS / "landscape_5.jpg"))
    assert not failures.records, failures.messages()
    left = await _photos(h, chat)
    assert ids[1] in left and len(left) in (2, 3) and len(set(left)) == len(left), (ids, left)
    if len(left) == 2:
        assert ids[0] not in left, (ids, left)


async def test_the_list_asked_while_a_bin_runs_answers_both(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await removal._at_photos(h, 85403, 2)
    manage = chat.latest_button(f"🗑 {MANAGE}（2）")
    await chat.press_button(manage)
    bin2 = chat.latest_button("🗑 第2张")
    await _at_once(chat, _tap(chat, bin2), _tap(chat, manage))
    assert not failures.records, failures.messages()
    assert len(await _photos(h, chat)) == 1


async def test_a_correction_submitted_twice_at_once_is_one_correction(harness: Harness, failures: FailureLog) -> None:
    h = harness
    chat = await h.bind(85404, "inspector", "110105001", name="王检查")
    hazard = await correcting_one_photo_hazard(h, chat)
    await chat.press("修改：隐患照片")
    await chat.photo(PHOTOS / "landscape_2.jpg")
    await chat.press("完成")
    submit = chat.latest_button("✅ 提交")
    await _at_once(chat, _tap(chat, submit), _tap(chat, submit))
    assert not failures.records, failures.messages()
    async with h.core.uow() as u:
        kept = (await u.session.exec(select(Photo.id).where(Photo.hazard_id == hazard.id))).all()
        events = (await u.session.exec(select(HazardEvent.action).where(HazardEvent.hazard_id == hazard.id))).all()
    assert len(kept) == 2, kept
    assert sorted(events) == ["edit", "submit"], events
