"""A deadline extension request still waiting when the unit reports the rectification done (整改, 方案 四(三))
is moot: the report closes it (``lapsed``) in its own transaction, through the real dispatcher on SQLite and
PostgreSQL. The card no longer says it waits for the office; the office's buttons on it — the notice's
"审批延期申请" and an approve or refuse button fetched before — answer that it is closed and change nothing; the
history names it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from aiogram.methods import AnswerCallbackQuery, SendMessage
from sqlmodel import col, select

from bot.local_chat import LocalChat
from storage.models import HazardEvent
from storage.models_deadlines import DeadlineExtension
from tests.chat_helpers import SUBMIT, actor_of, bind_cast, hazard_row, last_text
from tests.conftest import Harness
from tests.rectify_chat import to_the_evidence_question
from tests.test_deadlines import _card, _requested

PHOTO = Path("tests/data/photos/landscape_1.jpg")
WAITING = "待区安委会办公室审批"


async def _report_rectification(chat: LocalChat) -> None:
    """The unit reports the (only) registered hazard rectified: plan answers kept, one acceptance photo."""
    await to_the_evidence_question(chat)
    await chat.photo(PHOTO)
    await chat.press("完成")
    await chat.press(SUBMIT)


async def _requests(h: Harness, hid: int) -> list[DeadlineExtension]:
    async with h.core.uow() as u:
        return list((await u.session.exec(select(DeadlineExtension).where(DeadlineExtension.hazard_id == hid))).all())


async def test_the_rectification_report_closes_the_waiting_request_and_the_card_says_so(harness: Harness) -> None:
    h = harness
    inspector, office = await bind_cast(h, {381: "李检查", 384: "张办公室"})
    hid = await _requested(h, inspector)
    await _card(h, inspector, hid)
    assert WAITING in last_text(h, inspector)
    await _report_rectification(inspector)
    assert (await hazard_row(h, hid)).state == "rectified"
    [ext] = await _requests(h, hid)
    me = await actor_of(h, inspector)
    assert (ext.status, ext.decided_by, ext.decision_note) == ("lapsed", me.user_id, "已报告整改，延期申请不再需要")
    async with h.core.uow() as u:
        [event] = (await u.session.exec(select(HazardEvent).where(
            HazardEvent.hazard_id == hid, HazardEvent.action == "report_rectification")
            .order_by(col(HazardEvent.id)))).all()
    assert event.data["extension_lapsed"] == {"extension_id": ext.id, "requested": "2018-11-30"}
    for chat in (inspector, office):
        await _card(h, chat, hid)
        assert WAITING not in last_text(h, chat), last_text(h, chat)
    await inspector.press("全过程记录及照片")
    assert any("延期申请（至2018-11-30）随整改报告关闭" in t for t in inspector.texts(h.session.requests[-6:]))


async def test_the_office_can_no_longer_approve_or_refuse_a_request_the_report_closed(harness: Harness) -> None:
    h = harness
    inspector, office = await bind_cast(h, {391: "李检查", 394: "张办公室"})
    hid = await _requested(h, inspector)
    await office.press("审批延期申请")  # opened before the report: its buttons are still on screen
    approve, refuse = office.latest_button("✅ 批准延期"), office.latest_button("❌ 不批准")
    await _report_rectification(inspector)
    for button in (approve, refuse):
        sent = await office.press_button(button)
        alerts = [m.text for m in sent if isinstance(m, AnswerCallbackQuery) and m.text]
        assert alerts == ["该申请已关闭：李检查已报告整改完成，无需再延期。"], (button.text, alerts, office.texts(sent))
    assert (await hazard_row(h, hid)).deadline == date(2018, 10, 20)
    assert [e.status for e in await _requests(h, hid)] == ["lapsed"]
    sent = await office.press_button(office.latest_button("审批延期申请"))  # the notice's button, pressed again
    [shown] = [m for m in sent if isinstance(m, SendMessage)]
    assert "未经审批即已关闭：单位已报告整改完成" in shown.text and shown.reply_markup is None, shown


async def test_a_request_decided_before_the_report_keeps_its_decision(harness: Harness) -> None:
    h = harness
    inspector, office = await bind_cast(h, {396: "李检查", 397: "张办公室"})
    hid = await _requested(h, inspector)
    await office.press("审批延期申请")
    await office.press("✅ 批准延期")
    await _report_rectification(inspector)
    assert [e.status for e in await _requests(h, hid)] == ["approved"]
    assert (await hazard_row(h, hid)).deadline == date(2018, 11, 30)
    async with h.core.uow() as u:
        [event] = (await u.session.exec(select(HazardEvent).where(
            HazardEvent.hazard_id == hid, HazardEvent.action == "report_rectification"))).all()
    assert "extension_lapsed" not in event.data
