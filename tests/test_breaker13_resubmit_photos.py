"""Hostile presses on a resubmission's photo list (SQLite, through the dispatcher): removing every photo of the
record, forged removal buttons (another draft, out of range, twice)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.local_chat import Button
from handlers.callbacks import form_data
from storage.models import Draft
from tests.chat_helpers import (
    at_rejection_reason,
    at_resubmission_photos,
    card,
    hazard_row,
    last_text,
    photos_on_record,
)
from tests.conftest import Harness
from tests.forms_flow import PHOTOS, SUBMIT

pytestmark = pytest.mark.sqlite_only
NUMBER = "D001201810150001"


async def test_removing_the_only_record_photo_then_resubmitting_is_refused_and_the_record_keeps_it(
        harness: Harness) -> None:
    h = harness
    inspector, reviewer, hid, [first] = await at_resubmission_photos(h, 2731, 2732, "庚仓库", "照片不清楚", NUMBER)
    await inspector.press("🗑 管理照片/删除照片（1）")
    await inspector.press("🗑 第1张")
    await inspector.press("完成")
    await inspector.press_button(inspector.latest_button(SUBMIT))
    said = last_text(h, inspector)
    assert (await hazard_row(h, hid)).state == "rejected", said
    assert await photos_on_record(h, hid) == [first], said
    assert "隐患照片" in said, said


async def test_a_forged_removal_press_out_of_range_or_on_another_draft_changes_nothing(harness: Harness) -> None:
    h = harness
    inspector, reviewer, hid, [first] = await at_resubmission_photos(h, 2741, 2742, "辛仓库", "照片不清楚", NUMBER)
    await inspector.press("🗑 管理照片/删除照片（1）")
    [press] = [b for b in inspector.buttons() if b.text == "🗑 第1张"]
    assert press.callback_data is not None
    _p, d, k, s, i, a = press.callback_data.split(":")
    for forged in (form_data(int(d), k, int(s), 2, a), form_data(int(d), k, int(s), 0, a),
                   form_data(int(d) + 1, k, int(s), 1, a), form_data(int(d), k, int(s) + 1, 1, a)):
        await inspector.press_button(Button("forged", forged, None, press.message))
    async with h.core.uow() as u:
        draft = (await u.session.exec(select(Draft).where(Draft.id == int(d)))).one()
        assert draft.data["photos"] == [first], draft.data
    await inspector.press_button(press)
    await inspector.press_button(press)  # twice: the second is of an older list
    async with h.core.uow() as u:
        draft = (await u.session.exec(select(Draft).where(Draft.id == int(d)))).one()
        assert draft.data["photos"] == [], draft.data
    assert await photos_on_record(h, hid) == [first]


async def test_a_resubmission_opened_before_the_photo_list_was_kept_still_drops_the_removed_photo(
        harness: Harness) -> None:
    """A resubmission form opened before its context listed the photos offered back (a draft of the previous
    release, still open after the deploy): removing a record photo from it takes it off the record, as the list
    and the receipt say, instead of being refused as unchanged."""
    h = harness
    inspector, reviewer, hid = await at_rejection_reason(h, 2751, 2752, "壬仓库")
    await reviewer.say("照片不清楚")
    await reviewer.press(SUBMIT)
    [first] = await photos_on_record(h, hid)
    await card(inspector, NUMBER)
    await inspector.press("修改后重新提交")
    async with h.core.uow() as u:  # the draft as the previous release opened it: no "photos" in its context
        draft = (await u.session.exec(select(Draft).where(Draft.user_id != 0, Draft.form == "hazard"))).all()[-1]
        context = dict(draft.context)
        context["correction"] = {k: v for k, v in context["correction"].items() if k != "photos"}
        draft.context = context
        u.session.add(draft)
        await u.commit()
    await inspector.press("修改：隐患照片")
    await inspector.photo(PHOTOS / "landscape_2.jpg")
    await inspector.press("🗑 管理照片/删除照片（2）")
    await inspector.press("🗑 第1张")
    await inspector.press("完成")
    await inspector.press_button(inspector.latest_button(SUBMIT))
    said = last_text(h, inspector)
    assert (await hazard_row(h, hid)).state == "pending_review", said
    kept = await photos_on_record(h, hid)
    assert first not in kept and len(kept) == 1, (kept, said)
