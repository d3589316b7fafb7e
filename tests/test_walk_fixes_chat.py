"""What a newcomer's walk through the bot found, through the dispatcher (SQLite): a one-character rejection reason
is asked again; the returned hazard's card says why it was returned; resubmitting it unchanged is refused with the
reason; an album's "manage photos" button does not count its first photo alone; the whole-process record
captions each album with its own stage; a second evidence file of a kind never kept is told its kind; a file
whose bytes contradict its name is kept as what it is, and the sender is told."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.methods import SendMediaGroup, SendMessage, SendPhoto

from tests.chat_helpers import (
    at_rejection_reason,
    bind_cast,
    card,
    hazard_row,
    last_text,
    open_first,
    reinspect_failed,
)
from tests.conftest import Harness
from tests.evidence_chat import at_the_evidence_question
from tests.forms_flow import PHOTOS, SUBMIT, fill_hazard_until_photos
from tests.inbox_helpers import at_quarterly_summary, inbox_harness, make_pdf
from tests.lifecycle_factories import HOME
from tests.test_inbox_chat import NOVEMBER

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
NUMBER = "D001201810150001"


async def test_a_rejection_needs_a_real_reason_shown_on_the_card_and_an_unchanged_resubmission_is_refused(
        harness: Harness) -> None:
    h = harness
    inspector, reviewer, hid = await at_rejection_reason(h, 2601, 2602, "甲仓库")
    for short in ("x", "  不行  "):  # one character, three once trimmed
        await reviewer.say(short)
        said = last_text(h, reviewer)
        assert "内容太短：请至少写 4 个字（标点和空格不计）" in said and "驳回理由" in said, said  # asked again
    await reviewer.say("门牌号<不对>请核实")
    await reviewer.press(SUBMIT)
    assert (await hazard_row(h, hid)).state == "rejected"

    await card(inspector, NUMBER)
    [shown] = [m.text for m in h.session.requests if isinstance(m, SendMessage) and m.chat_id == 2601][-1:]
    assert "驳回理由：门牌号&lt;不对&gt;请核实（王审核，" in (shown or ""), shown  # escaped, with who

    await inspector.press("修改后重新提交")
    await inspector.press(SUBMIT)  # nothing changed
    said = last_text(h, inspector)
    assert "自驳回以来未作任何修改" in said and "备注" in said, said
    assert said.count("门牌号<不对>请核实") == 1 and "驳回理由：门牌号<不对>请核实" in said, said  # the reason once
    assert "提交前请核对" in said  # the form stays on its review card
    assert (await hazard_row(h, hid)).state == "rejected"
    await inspector.press("修改：备注")
    await inspector.say("门牌号已现场核实无误")
    await inspector.press_button(inspector.latest_button(SUBMIT))
    assert "已修改并重新提交" in last_text(h, inspector)
    assert (await hazard_row(h, hid)).state == "pending_review"
    await card(inspector, NUMBER)
    assert "驳回理由" not in last_text(h, inspector)  # only a hazard waiting to be corrected shows it


async def test_an_album_does_not_count_its_first_photo_alone(harness: Harness) -> None:
    h = harness
    [inspector] = await bind_cast(h, {2611: "李检查"})
    await fill_hazard_until_photos(inspector)
    await inspector.album([PHOTOS / "landscape_1.jpg", PHOTOS / "landscape_2.jpg"])
    labels = [b.text for b in inspector.buttons()]
    assert "🗑 管理照片/删除照片" in labels and not any("（1）" in b for b in labels), labels
    await inspector.photo(PHOTOS / "landscape_3.jpg")  # one photo: its count is known
    assert "🗑 管理照片/删除照片（3）" in [b.text for b in inspector.buttons()]


async def test_the_whole_process_record_captions_each_album_with_its_stage(harness: Harness) -> None:
    h = harness
    inspector, hid = await at_the_evidence_question(h, 2621)
    await inspector.album([PHOTOS / "landscape_1.jpg", PHOTOS / "landscape_2.jpg"])
    await inspector.press("完成")
    await inspector.press(SUBMIT)
    checker = await h.bind(2622, "inspector", HOME, "赵复查")
    await open_first(checker, "/rectify")
    await reinspect_failed(checker, PHOTOS / "landscape_3.jpg")
    assert (await hazard_row(h, hid)).state == "registered"

    await card(inspector, (await hazard_row(h, hid)).ledger_number or "")
    before = len(h.session.requests)
    await inspector.press("全过程记录")
    sent = h.session.requests[before:]
    captions = [[m.caption for m in s.media] for s in sent if isinstance(s, SendMediaGroup)]
    captions += [[s.caption] for s in sent if isinstance(s, SendPhoto)]
    assert captions == [["验收", "验收"], ["复查"]], captions  # not one album under the first photo's stage


async def test_a_second_evidence_file_of_no_kind_kept_is_told_its_kind(harness: Harness) -> None:
    h = harness
    chat, _hid = await at_the_evidence_question(h, 2631)
    await chat.file(make_pdf("first"), "一.pdf", "application/pdf")
    texts = chat.texts(await chat.file(b"\x00\x01binary", "数据.bin", "application/octet-stream"))
    assert "文件 数据.bin 不是可接收的类型（PDF" in texts[-1] and "一.pdf 保留不变" in texts[-1], texts
    texts = chat.texts(await chat.file(make_pdf("second"), "二.pdf", "application/pdf"))
    assert "只能附一个文件" in texts[-1] and "一.pdf" in texts[-1], texts  # a kind kept: still one document only


async def test_an_evidence_pdf_that_is_text_is_kept_as_text_and_the_sender_told(harness: Harness) -> None:
    chat, _hid = await at_the_evidence_question(harness, 2641)
    texts = chat.texts(await chat.file("验收情况说明：已整改".encode(), "fake.pdf", "application/pdf"))
    assert "文件 fake.pdf 的实际内容与文件名不符，已按其内容保存为 fake.txt" in texts[-1], texts


async def test_a_submitted_pdf_that_is_text_is_kept_as_text_and_the_sender_told(database_url: str,
                                                                                tmp_path: Path) -> None:
    async with inbox_harness(database_url, tmp_path, NOVEMBER) as (h, _moving):
        contact = await at_quarterly_summary(h, 2642)
        said = contact.texts(await contact.file("第四季度总结".encode(), "总结.pdf", "application/pdf"))
        assert any("文件 总结.pdf 的实际内容与文件名不符，已按其内容保存为 总结.txt" in t for t in said), said
        said = contact.texts(await contact.file(make_pdf("Q4"), "总结2.pdf", "application/pdf"))
        assert not any("不符" in t for t in said), said
