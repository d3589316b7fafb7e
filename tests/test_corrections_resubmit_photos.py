"""Correcting a rejected hazard through the dispatcher (SQLite): a photo of the record taken out of the
resubmission form leaves the record when it is resubmitted, counts as a change (an otherwise unchanged
resubmission is sent) and is said to the inspector (删除照片 N 张) and on the card's history the reviewer opens;
cancelled, the record keeps it. An English card names the rejection's reason as such."""

from __future__ import annotations

import pytest

from storage.models import Hazard
from tests.chat_helpers import (
    at_rejection_reason,
    at_resubmission_photos,
    bind_cast,
    card,
    hazard_row,
    last_text,
    open_first,
    photos_on_record,
    stored,
)
from tests.conftest import Harness
from tests.forms_flow import PHOTOS, SUBMIT, fill_hazard_until_review

pytestmark = pytest.mark.sqlite_only
NUMBER = "D001201810150001"


async def test_a_record_photo_removed_in_a_resubmission_leaves_the_record_and_is_a_change(harness: Harness) -> None:
    h = harness
    inspector, reviewer, hid, [first] = await at_resubmission_photos(h, 2631, 2632, "丁仓库", "照片不是本单位现场", NUMBER)
    await inspector.photo(PHOTOS / "landscape_2.jpg")
    await inspector.press("🗑 管理照片/删除照片（2）")
    listing = last_text(h, inspector)
    assert "重新提交时从记录中删除" in listing and "重新提交后从记录中删除" not in listing, listing
    assert "1. 已在记录中，" in listing and "2. 已在记录中" not in listing, listing  # the new photo is not
    labels = [b.text for b in inspector.buttons()]
    assert "🗑 第1张" in labels and "🗑 第2张" in labels, labels
    await inspector.press("🗑 第1张")  # the wrong site's photo: the new one stays
    await inspector.press("完成")
    assert await photos_on_record(h, hid) == [first]  # nothing leaves the record before it is resubmitted
    await inspector.press_button(inspector.latest_button(SUBMIT))
    said = last_text(h, inspector)
    assert "已修改并重新提交" in said and "新增照片：1 张" in said and "删除照片：1 张" in said, said
    assert (await hazard_row(h, hid)).state == "pending_review"
    kept = await photos_on_record(h, hid)
    assert first not in kept and len(kept) == 1, kept

    await card(reviewer, NUMBER)
    sent = await reviewer.press("全过程记录")
    history = "\n".join(reviewer.texts(sent))
    assert "修改后重新提交" in history and "删除照片：1 张" in history, history


async def test_only_removing_a_record_photo_is_a_change_and_cancelling_keeps_it(harness: Harness) -> None:
    h = harness
    inspector, reviewer = await bind_cast(h, {2641: "李检查", 2642: "王审核"})
    await fill_hazard_until_review(inspector, site="戊仓库", album=2)
    await inspector.press("提交")
    [row] = await stored(h, Hazard)
    hid = row.id or 0
    await open_first(reviewer, "/review")
    await reviewer.press("驳回")
    await reviewer.say("第二张照片与隐患无关请删除")
    await reviewer.press(SUBMIT)
    first, second = await photos_on_record(h, hid)

    await card(inspector, NUMBER)
    await inspector.press("修改后重新提交")
    await inspector.press("修改：隐患照片")
    await inspector.press("🗑 管理照片/删除照片（2）")
    await inspector.press("🗑 第2张")
    await inspector.press("取消")
    await inspector.press("确认")
    assert await photos_on_record(h, hid) == [first, second]  # cancelled: the record keeps its photo
    assert (await hazard_row(h, hid)).state == "rejected"

    await card(inspector, NUMBER)
    await inspector.press("修改后重新提交")
    await inspector.press("修改：隐患照片")
    await inspector.press("🗑 管理照片/删除照片（2）")
    await inspector.press("🗑 第2张")
    await inspector.press("返回")
    await inspector.press_button(inspector.latest_button(SUBMIT))
    said = last_text(h, inspector)
    assert "自驳回以来未作任何修改" not in said and "删除照片：1 张" in said, said
    assert (await hazard_row(h, hid)).state == "pending_review"
    assert await photos_on_record(h, hid) == [first]


async def test_an_english_card_calls_it_the_reason_for_rejection(harness: Harness) -> None:
    h = harness
    inspector, reviewer, hid = await at_rejection_reason(h, 2651, 2652, "己仓库")
    await reviewer.say("门牌号不对请核实")
    await reviewer.press(SUBMIT)
    english = h.chat(2651, "李检查", language="en")  # the inspector's Telegram switched to English
    await card(english, NUMBER)
    shown = last_text(h, english)
    assert "Reason for rejection: 门牌号不对请核实 (" in shown and "Reason for return" not in shown, shown
