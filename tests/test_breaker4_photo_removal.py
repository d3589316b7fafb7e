"""Hostile presses on 管理照片/删除照片 through the real dispatcher, on SQLite and PostgreSQL: a double tap on one
🗑, a list overtaken by an album still arriving, a list button kept after the form moved past its question, forged
numbers and versions, a 🗑 pressed after the form was cancelled, and the same picture sent again after its removal."""

from __future__ import annotations

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMediaGroup
from aiogram.types import Update
from sqlmodel import select

from bot.local_chat import Button, LocalChat
from handlers.callbacks import FormCb
from storage.models import Hazard, Photo
from tests import test_photo_removal as removal
from tests.chat_helpers import SUBMIT, actor_of, correcting_one_photo_hazard
from tests.conftest import Harness
from tests.forms_flow import PHOTOS, fill_hazard_until_photos, finish_hazard

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

MANAGE = "管理照片/删除照片"


async def _at_photos(h: Harness, user_id: int, count: int) -> LocalChat:
    if count:
        return await removal._at_photos(h, user_id, count)
    chat = await h.bind(user_id, "inspector", "110105001", name="王检查")
    await fill_hazard_until_photos(chat)
    return chat


async def _photos(h: Harness, chat: LocalChat) -> list[int]:
    return list((await removal._draft(h, chat)).data.get("photos") or [])


async def _first_bin(h: Harness, user_id: int, count: int) -> tuple[LocalChat, list[int], Button]:
    """``count`` photos sent, their ids, and the list's 🗑 of photo 1."""
    chat = await _at_photos(h, user_id, count)
    ids = await _photos(h, chat)
    await chat.press(MANAGE)
    return chat, ids, chat.latest_button("🗑 第1张")


def _answers(sent: list) -> list[AnswerCallbackQuery]:  # type: ignore[type-arg]
    return [m for m in sent if isinstance(m, AnswerCallbackQuery)]


async def _album_listed(h: Harness, user_id: int) -> tuple[LocalChat, Update]:
    """Two photos of a three-photo album arrived and the list shown; the third photo's update, not fed yet."""
    chat = await _at_photos(h, user_id, 0)
    first, second, third = (chat.photo_update(PHOTOS / f"landscape_{i}.jpg", f"album-{user_id}") for i in (1, 2, 3))
    await chat._feed(first)
    await chat._feed(second)
    await chat.press(MANAGE)  # the album's second photo is acknowledged quietly: the latest count says 1
    return chat, third


async def test_a_double_tap_on_one_bin_removes_one_photo(harness: Harness) -> None:
    h = harness
    chat, ids, bin1 = await _first_bin(h, 84001, 3)
    await chat.press_button(bin1)
    sent = await chat.press_button(bin1)
    assert len(_answers(sent)) == 1 and _answers(sent)[0].text == "未删除任何照片。", sent
    assert await _photos(h, chat) == ids[1:]


async def test_a_list_overtaken_by_an_album_still_arriving_removes_nothing(harness: Harness) -> None:
    h = harness
    chat, third = await _album_listed(h, 84002)
    bin2 = chat.latest_button("🗑 第2张")
    await chat._feed(third)
    ids = await _photos(h, chat)
    assert len(ids) == 3
    sent = await chat.press_button(bin2)
    assert [a.text for a in _answers(sent)] == ["未删除任何照片。"], sent
    assert await _photos(h, chat) == ids
    await chat.press(MANAGE)
    await chat.press("🗑 第3张")
    assert await _photos(h, chat) == ids[:2]


async def test_list_buttons_kept_after_the_question_moved_on_remove_nothing(harness: Harness) -> None:
    h = harness
    chat = await _at_photos(h, 84003, 2)
    manage = chat.latest_button(f"🗑 {MANAGE}（2）")
    await chat.press(MANAGE)
    bin1 = chat.latest_button("🗑 第1张")
    await chat.press("返回")
    await chat.press("完成")
    ids = await _photos(h, chat)
    for button in (bin1, manage):
        sent = await chat.press_button(button)
        assert len(_answers(sent)) == 1 and _answers(sent)[0].text, sent
        assert await _photos(h, chat) == ids
    await finish_hazard(chat)
    assert "隐患照片：2 张" in chat.last_text(), chat.last_text()


async def test_forged_numbers_and_versions_remove_nothing(harness: Harness) -> None:
    h = harness
    chat, ids, _bin1 = await _first_bin(h, 84004, 2)
    real = FormCb.unpack(chat.latest_button("🗑 第1张").callback_data or "")
    forged = [real.model_copy(update=u) for u in ({"i": 0}, {"i": 3}, {"i": -1}, {"a": ""}, {"a": "00000000"},
                                                  {"s": real.s + 1}, {"s": real.s - 1}, {"d": real.d + 1})]
    for data in forged:
        packed = data.pack()
        assert len(packed.encode()) <= 64
        sent = await chat.press_button(Button("forged", packed, None, chat.buttons()[0].message))
        assert len(_answers(sent)) == 1, (data, sent)
        assert await _photos(h, chat) == ids, data


async def test_a_bin_pressed_after_the_form_was_cancelled_removes_nothing(harness: Harness) -> None:
    h = harness
    chat, ids, bin1 = await _first_bin(h, 84005, 2)
    await chat.say("/cancel")
    sent = await chat.press_button(bin1)
    assert len(_answers(sent)) == 1, sent
    async with h.core.uow() as u:
        rows = (await u.session.exec(select(Photo).where(Photo.id.in_(ids)))).all()  # type: ignore[union-attr]
    assert len(rows) == 2


async def test_the_same_picture_sent_again_after_its_removal_reaches_the_hazard(harness: Harness) -> None:
    h = harness
    chat = await _at_photos(h, 84006, 1)
    await chat.press(MANAGE)
    await chat.press("🗑 第1张")
    assert await _photos(h, chat) == []
    await chat.photo(PHOTOS / "landscape_1.jpg")
    [again] = await _photos(h, chat)
    await chat.press("完成")
    await finish_hazard(chat)
    await chat.press(SUBMIT)
    assert "隐患已提交" in chat.last_text(), chat.last_text()
    async with h.core.uow() as u:
        hazard = (await u.session.exec(select(Hazard))).one()
        kept = (await u.session.exec(select(Photo.id).where(Photo.hazard_id == hazard.id))).all()
    assert list(kept) == [again]


async def test_manage_photos_after_the_role_was_taken_away_lists_nothing_and_answers_once(harness: Harness) -> None:
    h = harness
    chat = await _at_photos(h, 84007, 2)
    office = await h.bind(84008, "office", "区安委会办公室", "张办公室")
    uid = (await actor_of(h, chat)).user_id
    await office.say(f"/unsetrole {uid} 建外街道 inspector")
    sent = await chat.press(f"🗑 {MANAGE}（2）")
    assert len(_answers(sent)) == 1, sent
    assert not [m for m in sent if isinstance(m, SendMediaGroup)] and "不再担任" in chat.last_text(), chat.texts(sent)


async def test_a_correction_keeps_the_records_photo_against_a_forged_bin_and_drops_a_new_one(harness: Harness) -> None:
    h = harness
    chat = await h.bind(84009, "inspector", "110105001", name="王检查")
    hazard = await correcting_one_photo_hazard(h, chat)
    async with h.core.uow() as u:
        [on_record] = (await u.session.exec(select(Photo.id).where(Photo.hazard_id == hazard.id))).all()
    await chat.press("修改：隐患照片")
    await chat.photo(PHOTOS / "landscape_2.jpg")
    await chat.press(f"🗑 {MANAGE}（2）")
    labels = [b.text for b in chat.buttons()]
    assert "🗑 第2张" in labels and "🗑 第1张" not in labels, labels
    real = FormCb.unpack(chat.latest_button("🗑 第2张").callback_data or "")
    sent = await chat.press_button(Button("forged", real.model_copy(update={"i": 1}).pack(), None,
                                          chat.buttons()[0].message))
    assert len(_answers(sent)) == 1 and "已在记录中，不能在此删除" in chat.last_text(), chat.texts(sent)
    assert (await _photos(h, chat))[0] == on_record
    await chat.press(f"🗑 {MANAGE}（2）")
    await chat.press("🗑 第2张")
    assert await _photos(h, chat) == [on_record]
    await chat.press("返回")
    await chat.press_button(chat.latest_button("✅ 提交"))
    async with h.core.uow() as u:
        kept = (await u.session.exec(select(Photo.id).where(Photo.hazard_id == hazard.id))).all()
    assert list(kept) == [on_record]


async def test_an_album_photo_arriving_after_a_removal_joins_the_photos_left(harness: Harness) -> None:
    h = harness
    chat, third = await _album_listed(h, 84010)
    ids = await _photos(h, chat)
    await chat.press("🗑 第1张")
    texts = chat.texts(await chat._feed(third))
    after = await _photos(h, chat)
    assert after[:1] == ids[1:] and len(after) == 2, (after, texts)
    await chat.press("完成")
    await finish_hazard(chat)
    assert "隐患照片：2 张" in chat.last_text(), chat.last_text()


async def test_the_list_and_its_bins_work_under_messages_telegram_no_longer_shows(harness: Harness) -> None:
    h = harness
    chat, ids, _bin1 = await _first_bin(h, 84011, 2)
    chat.messages_gone = True  # a press now carries an InaccessibleMessage: its chat and id only
    await chat.press_button(chat.latest_button(f"🗑 {MANAGE}（2）"))
    texts = chat.texts(await chat.press("🗑 第2张"))
    assert "已从本表删除第 2 张照片" in texts[-1], texts
    assert await _photos(h, chat) == ids[:1]
