"""What a walk through a rejected hazard's correction found, through the dispatcher (SQLite): the form a rejected
hazard is corrected in names the rejection's reason at its top, escaped and bounded; a reason or a tip-off's
description counts only its letters and digits toward its least length; "Done" on an empty photo question
asks for a photo instead of speaking of skipping; the rejection is 驳回 in the form and the notices."""

from __future__ import annotations

import pytest

from tests.chat_helpers import (
    at_rejection_reason,
    bind_cast,
    card,
    hazard_row,
    last_text,
    sent_to,
)
from tests.conftest import Harness
from tests.forms_flow import SUBMIT, fill_hazard_until_photos
from tests.tipoff_helpers import last

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
LONG = "门牌号<不对>" + "请核实" * 300  # 906 characters: more than a prompt should carry


async def test_the_correction_form_of_a_rejected_hazard_names_the_rejection_reason(harness: Harness) -> None:
    h = harness
    inspector, reviewer, hid = await at_rejection_reason(h, 2701, 2702, "丁仓库")
    assert "驳回隐患" in last_text(h, reviewer) and "退回" not in last_text(h, reviewer)  # one word for one act
    for padded in ("？？？？", "不清。。", "不 清 啊", "🔥🔥🔥🔥"):  # fewer than 4 letters or digits
        await reviewer.say(padded)
        said = last_text(h, reviewer)
        assert "请至少写 4 个字（标点和空格不计）" in said and "驳回理由" in said, (padded, said)
    await reviewer.say(LONG)
    await reviewer.press(SUBMIT)
    assert (await hazard_row(h, hid)).state == "rejected"
    assert "已驳回" in last_text(h, reviewer) and "退回" not in last_text(h, reviewer)
    told = [t for t in sent_to(h, 2701) if "驳回理由" in t or "请修改后重新提交" in t]
    assert told and not any("退回" in t for t in told), told

    await card(inspector, "D001201810150001")
    await inspector.press("修改后重新提交")
    said = last_text(h, inspector)
    assert said.startswith("❗ 驳回理由：门牌号<不对>请核实"), said  # at the top, before the card
    assert said.index("驳回理由") < said.index("提交前请核对") and len(said.split("\n")[0]) < 320, said
    raw = [m for m in h.session.requests if getattr(m, "chat_id", None) == 2701][-1]
    assert "门牌号&lt;不对&gt;" in str(getattr(raw, "text", "")), raw  # escaped as sent
    await inspector.press("修改：备注")
    assert "驳回理由：门牌号<不对>" in last_text(h, inspector)  # on the question asked from the card too


async def test_done_on_an_empty_photo_question_asks_for_a_photo(harness: Harness) -> None:
    [inspector] = await bind_cast(harness, {2711: "李检查"})
    await fill_hazard_until_photos(inspector)
    await inspector.press("完成")
    said = last_text(harness, inspector)
    assert "请至少发送一张照片" in said and "跳过" not in said.split("\n")[0], said
    assert "隐患照片" in said  # the same question again


async def test_a_tip_off_description_counts_letters_not_punctuation(harness: Harness) -> None:
    public = harness.chat(2721)
    await public.say("/report")
    await public.say("楼道有问题！！！！！！")  # 5 letters, 11 characters
    assert "请至少写 10 个字" in last(public) and "隐患情况" in last(public), last(public)
    await public.say("楼道里堆满杂物，堵住了出口。")  # an ordinary sentence: 12 letters
    assert "隐患照片" in last(public) or "照片" in last(public), last(public)
