"""管理照片/删除照片: removing one photo of a form's photos question through the real dispatcher, on SQLite and
PostgreSQL — one of three removed (the draft no longer names it, the hazard gets the other two), a list's button
refused once the photos changed, a forged button for another person's draft refused, and a required photos
field emptied from the review card's 修改 refused at submit with its question asked again."""

from __future__ import annotations

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMediaGroup
from sqlmodel import select

from bot.local_chat import Button, LocalChat
from handlers.callbacks import FormCb
from storage.models import Draft, Hazard, Photo
from tests.chat_helpers import SUBMIT, actor_of
from tests.conftest import Harness
from tests.forms_flow import PHOTOS, fill_hazard_until_photos, finish_hazard

pytestmark = pytest.mark.sqlite_only  # words, buttons, files: no SQL the two databases answer differently

MANAGE = "管理照片/删除照片"


async def _at_photos(h: Harness, user_id: int, count: int) -> LocalChat:
    """An inspector at /hazard's 隐患照片 with ``count`` photos sent one by one."""
    chat = await h.bind(user_id, "inspector", "110105001", name="王检查")
    await fill_hazard_until_photos(chat)
    for i in range(1, count + 1):
        await chat.photo(PHOTOS / f"landscape_{i}.jpg")
    assert f"🗑 {MANAGE}（{count}）" in _labels(chat), _labels(chat)
    return chat


def _labels(chat: LocalChat) -> list[str]:
    return [b.text for b in chat.buttons()]


async def _listed(h: Harness, user_id: int, count: int) -> tuple[LocalChat, Button, list[int]]:
    """``_at_photos``, then the list shown: the chat, the list's 🗑 button of photo 1 and the draft's photo ids."""
    chat = await _at_photos(h, user_id, count)
    await chat.press(MANAGE)
    return chat, chat.latest_button("🗑 第1张"), list((await _draft(h, chat)).data["photos"])


async def _draft(h: Harness, chat: LocalChat) -> Draft:
    draft_id = FormCb.unpack(chat.latest_button("取消").callback_data or "").d
    async with h.core.uow() as u:
        draft = await u.session.get(Draft, draft_id)
    assert draft is not None
    return draft


async def _rows(h: Harness, ids: list[int]) -> dict[int, Photo]:
    async with h.core.uow() as u:
        return {p.id or 0: p for p in (await u.session.exec(select(Photo).where(Photo.id.in_(ids)))).all()}  # type: ignore[union-attr]


async def test_removing_the_second_of_three_keeps_the_others_and_the_hazard_gets_two(harness: Harness) -> None:
    h = harness
    chat = await _at_photos(h, 81001, 3)
    ids = list((await _draft(h, chat)).data["photos"])
    sent = await chat.press(MANAGE)
    [album] = [m for m in sent if isinstance(m, SendMediaGroup)]
    assert [m.caption.split(" · ")[0] for m in album.media] == ["#1", "#2", "#3"]  # type: ignore[union-attr]
    assert "共 3 张照片" in chat.last_text() and "3. " in chat.last_text(), chat.last_text()
    texts = chat.texts(await chat.press("🗑 第2张"))
    assert "已从本表删除第 2 张照片" in texts[-1] and "还剩 2 张" in texts[-1], texts
    assert "隐患照片" in texts[-1] and f"🗑 {MANAGE}（2）" in _labels(chat), _labels(chat)
    draft = await _draft(h, chat)
    assert draft.data["photos"] == [ids[0], ids[2]]
    rows = await _rows(h, ids)
    assert rows[ids[1]].draft_id is None and rows[ids[0]].draft_id == draft.id  # the prune may take it now
    await chat.press("完成")
    await finish_hazard(chat)
    assert "隐患照片：2 张" in chat.last_text(), chat.last_text()
    await chat.press(SUBMIT)
    async with h.core.uow() as u:
        hazard = (await u.session.exec(select(Hazard))).one()
        kept = (await u.session.exec(select(Photo.id).where(Photo.hazard_id == hazard.id))).all()
    assert sorted(kept) == sorted([ids[0], ids[2]])


async def test_a_list_shown_before_another_removal_is_refused_and_removes_nothing(harness: Harness) -> None:
    h = harness
    chat = await _at_photos(h, 81002, 3)
    await chat.press(MANAGE)
    old = chat.latest_button("🗑 第2张")  # without the version it would now remove the third photo
    await chat.press("🗑 第1张")
    before = (await _draft(h, chat)).data["photos"]
    assert len(before) == 2
    sent = await chat.press_button(old)
    [note] = [m for m in sent if isinstance(m, AnswerCallbackQuery)]
    assert note.text == "未删除任何照片。", note
    assert "照片已有变化" in chat.last_text() and "隐患照片" in chat.last_text(), chat.last_text()
    assert (await _draft(h, chat)).data["photos"] == before


async def test_a_forged_button_for_another_persons_draft_is_refused(harness: Harness) -> None:
    h = harness
    victim, target, before = await _listed(h, 81003, 2)
    forger = await _at_photos(h, 81004, 1)
    mine = FormCb.unpack(forger.latest_button("取消").callback_data or "")
    theirs = FormCb.unpack(target.callback_data or "")
    for data in (target.callback_data or "", FormCb(d=theirs.d, k="m", s=theirs.s).pack(),
                 FormCb(d=mine.d, k="x", s=theirs.s, i=1, a=theirs.a).pack()):
        sent = await forger.press_button(Button("forged", data, None, forger.buttons()[0].message))
        [note] = [m for m in sent if isinstance(m, AnswerCallbackQuery)]
        assert note.text in ("该按钮已过期，以下是当前问题。", "未删除任何照片。"), (data, note)
    assert (await _draft(h, victim)).data["photos"] == before
    assert len((await _draft(h, forger)).data["photos"]) == 1


async def test_emptying_a_required_photos_field_from_the_review_card_is_refused_at_submit(harness: Harness) -> None:
    h = harness
    chat = await _at_photos(h, 81005, 1)
    await chat.press("完成")
    await finish_hazard(chat)
    await chat.press("修改：隐患照片")
    await chat.press(MANAGE)
    texts = chat.texts(await chat.press("🗑 第1张"))
    assert "还剩 0 张" in texts[-1] and MANAGE not in " ".join(_labels(chat)), texts
    await chat.press("« 返回核对")
    texts = chat.texts(await chat.press(SUBMIT))
    assert "还有必填项未填写：隐患照片" in texts[-1] and "隐患照片" in texts[-1], texts
    assert "提交前请核对" not in texts[-1]  # the photos question is asked again
    async with h.core.uow() as u:
        assert (await u.session.exec(select(Hazard))).all() == []
    await chat.photo(PHOTOS / "landscape_2.jpg")
    await chat.press("完成")
    await chat.press(SUBMIT)
    assert "隐患已提交" in chat.last_text(), chat.last_text()


async def test_the_actor_is_checked_as_they_are_now(harness: Harness) -> None:
    h = harness
    chat, remove, before = await _listed(h, 81006, 2)
    office = await h.bind(81007, "office", "区安委会办公室", "张办公室")
    uid = (await actor_of(h, chat)).user_id
    await office.say(f"/unsetrole {uid} 建外街道 inspector")
    await chat.press_button(remove)
    assert "不再担任" in chat.last_text(), chat.last_text()
    assert (await _draft(h, chat)).data["photos"] == before
    assert all(p.draft_id is not None for p in (await _rows(h, before)).values())
