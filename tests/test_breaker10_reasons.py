"""Hostile answers to a rejection's reason and to the resubmission of a rejected hazard, through the dispatcher
(SQLite): a reason padded to four characters with invisible or blank characters is asked again; a hazard changed
and changed back before it is sent again is refused as unchanged, as is a photo added and taken back; a photo
added is a change."""

from __future__ import annotations

import pytest

from tests.chat_helpers import at_rejection_reason, card, hazard_row, last_text
from tests.conftest import Harness
from tests.forms_flow import PHOTOS, SUBMIT

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
ZWSP, ZWJ, WJ = "\u200b", "\u200d", "\u2060"
PADDED = (f"x{ZWSP}{ZWSP}{ZWSP}", f"{ZWSP}不{ZWJ}行{WJ}", "不\u3000\u3000行", "x\u0301\u0301\u0301")


async def test_a_reason_padded_to_four_characters_is_asked_again_and_a_change_undone_is_no_change(
        harness: Harness) -> None:
    h = harness
    inspector, reviewer, hid = await at_rejection_reason(h, 2611, 2612, "乙仓库")
    for padded in PADDED:  # one or two characters one can read, the rest invisible, blank or a mark on them
        await reviewer.say(padded)
        said = last_text(h, reviewer)
        assert "内容太短：请至少写 4 个字（标点和空格不计）" in said and "驳回理由" in said, (padded, said)
    await reviewer.say(f"{ZWSP}门牌号不对{ZWSP}")
    await reviewer.press(SUBMIT)
    assert (await hazard_row(h, hid)).state == "rejected"

    await card(inspector, "D001201810150001")
    await inspector.press("修改后重新提交")
    await inspector.press("修改：备注")
    await inspector.say("门牌号已核实")
    await inspector.press_button(inspector.latest_button("修改：备注"))
    await inspector.say("第一批挂账")  # back to what it was when rejected
    await inspector.press_button(inspector.latest_button(SUBMIT))
    said = last_text(h, inspector)
    assert "自驳回以来未作任何修改" in said and said.count("门牌号不对") == 1, said  # the reason once: ❗ 驳回理由
    assert "驳回理由：门牌号不对" in said, said
    assert (await hazard_row(h, hid)).state == "rejected"


async def test_a_photo_added_then_removed_is_no_change_and_a_photo_added_is_one(harness: Harness) -> None:
    h = harness
    inspector, reviewer, hid = await at_rejection_reason(h, 2621, 2622, "丙仓库")
    await reviewer.say("照片看不清楚")
    await reviewer.press(SUBMIT)

    await card(inspector, "D001201810150001")
    await inspector.press("修改后重新提交")
    await inspector.press("修改：隐患照片")
    await inspector.photo(PHOTOS / "landscape_2.jpg")
    await inspector.press("🗑 管理照片/删除照片（2）")
    await inspector.press("🗑 第2张")  # the new photo taken back: the photos are as rejected
    await inspector.press("返回")
    await inspector.press_button(inspector.latest_button(SUBMIT))
    said = last_text(h, inspector)
    assert "自驳回以来未作任何修改" in said and said.count("照片看不清楚") == 1, said
    assert (await hazard_row(h, hid)).state == "rejected"

    await inspector.press("修改：隐患照片")
    await inspector.photo(PHOTOS / "landscape_3.jpg")  # a clearer photo: a change the reviewer can see
    await inspector.press("完成")
    await inspector.press_button(inspector.latest_button(SUBMIT))
    said = last_text(h, inspector)  # the photo is what changed: said so, never "nothing changed" after it
    assert "已修改并重新提交" in said and "新增照片：1 张" in said and "没有修改任何内容" not in said, said
    assert (await hazard_row(h, hid)).state == "pending_review"
