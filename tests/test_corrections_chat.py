"""Corrections with a trail (issue 15 item 2) through the dispatcher, on SQLite and PostgreSQL: the inspector edits a
hazard waiting for review; a rejected hazard is corrected in the same form, pre-filled, and resubmitted as the same
record with its history; the office corrects a field with a reason (old → new, who, why in the history and in the
case file) and transfers a hazard to another unit (the old unit's reviewers and the new unit's people told)."""

from __future__ import annotations

from datetime import date

from aiogram.methods import SendDocument
from sqlmodel import col, select

from bot.channels import telegram_address
from bot.domain import HazardState
from bot.services.case_view import event_lines
from storage.models import Hazard, HazardEvent, Unit
from storage.models_deadlines import DeadlineExtension
from tests.chat_helpers import bind_cast, card, hazard_row, last_text, open_first, sent_to
from tests.conftest import TODAY, Harness
from tests.document_reading import pdf_pages
from tests.forms_flow import fill_hazard_until_review
from tests.lifecycle_factories import hazard

HOME, OTHER, OFFICE = "建外街道", "朝外街道", "区安委会办公室"


async def _events(h: Harness, hid: int) -> list[HazardEvent]:
    async with h.core.uow() as u:
        return list((await u.session.exec(
            select(HazardEvent).where(HazardEvent.hazard_id == hid).order_by(col(HazardEvent.id)))).all())


async def test_an_edit_while_pending_review_and_a_rejected_hazard_resubmitted_keep_one_record(harness: Harness) -> None:
    h = harness
    inspector, reviewer = await bind_cast(h, {2101: "李检查", 2102: "王审核"})
    await fill_hazard_until_review(inspector, site="甲仓库", album=1)
    await inspector.press("提交")
    async with h.core.uow() as u:
        hid = (await u.session.exec(select(Hazard.id))).one()

    assert "✏️ 修改" in await card(inspector, "D001201810150001")
    await inspector.press("✏️ 修改")
    assert "提交前请核对" in last_text(h, inspector) and "甲仓库" in last_text(h, inspector)  # pre-filled, on the card
    await inspector.press("修改：单位名称")
    await inspector.say("甲仓库（东院）")
    await inspector.press("提交")
    assert "已修改" in last_text(h, inspector) and "单位名称" in last_text(h, inspector)
    row = await hazard_row(h, hid)
    assert (row.site_name, row.state, row.version) == ("甲仓库（东院）", "pending_review", 2)

    await open_first(reviewer, "/review")
    await reviewer.press("驳回")
    await reviewer.say("联系电话不对")
    await reviewer.press("提交")  # the rejection form's review card confirms
    assert (await hazard_row(h, hid)).state == "rejected"

    buttons = await card(inspector, "D001201810150001")
    assert "✏️ 修改后重新提交" in buttons and "✏️ 修改" not in buttons
    await inspector.press("修改后重新提交")
    assert "甲仓库（东院）" in last_text(h, inspector)
    await inspector.press("修改：联系电话")
    await inspector.say("13800001111")
    await inspector.press_button(inspector.latest_button("✅ 提交"))  # the review card (a notice may follow it)
    assert "已修改并重新提交" in last_text(h, inspector)
    row = await hazard_row(h, hid)
    assert (row.id, row.state, row.phone, row.draft_number) == (hid, "pending_review", "13800001111", "D001201810150001")
    events = await _events(h, hid)
    assert [e.action for e in events] == ["submit", "edit", "reject", "resubmit"]
    assert events[1].data["changes"] == {"site_name": ["甲仓库", "甲仓库（东院）"]}
    assert events[3].data["changes"] == {"phone": ["13912345678", "13800001111"]}
    assert (events[3].from_state, events[3].to_state) == ("rejected", "pending_review")
    assert any("修改后重新提交" in t for t in sent_to(h, 2102))  # the reviewer is told it is back

    await card(inspector, "D001201810150001")
    [stale] = [b for b in inspector.buttons() if b.text == "✏️ 修改"]
    await inspector.press_button(stale)
    await inspector.press("修改：备注")
    await inspector.say("东院北侧")  # the form is open while the reviewer approves

    await open_first(reviewer, "/review")
    await reviewer.press("审核通过")  # the same record goes on through the life cycle
    assert (await hazard_row(h, hid)).state == "pending_confirmation"
    # state re-checked when submitted: refused, nothing stored, the draft kept (the approval's notice came after)
    await inspector.press_button(inspector.latest_button("✅ 提交"))
    assert "已由 王审核 完成" in last_text(h, inspector)
    row = await hazard_row(h, hid)
    assert (row.state, row.remarks) == ("pending_confirmation", "第一批挂账")
    assert "✏️ 修改" not in await card(inspector, "D001201810150001")  # no edit once reviewed
    await inspector.press_button(stale)  # and an old button is refused at press time
    assert "提交前请核对" not in last_text(h, inspector)
    await inspector.say("/cancel")
    await inspector.press("确认放弃")

    await card(inspector, "D001201810150001")
    await inspector.press("全过程记录")
    history = "\n".join(sent_to(h, 2101)[-3:])
    assert "联系电话: 13912345678 → 13800001111" in history and "单位名称: 甲仓库 → 甲仓库（东院）" in history


async def test_the_office_corrects_with_a_reason_and_transfers_to_another_unit(harness: Harness) -> None:
    h = harness
    inspector, home_reviewer, other_reviewer, office = await bind_cast(h, {
        2201: "李检查", 2202: "王审核", 2203: "朝外审核", 2204: "张办公室"})
    other_inspector = await h.bind(2205, "inspector", OTHER, "朝外检查")  # who rectifies it from now on
    creator = await h.core.services.users.touch(telegram_address(2201), "李检查", "zh-hans")
    hid = await hazard(h.core.uow, creator, state=HazardState.REGISTERED, full_plan=True)
    # no discovery photo, as a hazard imported from a ledger: a correction does not have to add one
    number = (await hazard_row(h, hid)).ledger_number
    assert number is not None

    buttons = await card(office, number)
    assert "✏️ 更正（需说明原因）" in buttons and "🔀 移交其他单位" in buttons
    assert "✏️ 更正（需说明原因）" not in await card(inspector, number)  # the unit does not correct a registered one
    await card(office, number)
    await office.press("更正")
    await office.press("修改：负责人")
    await office.say("李四")
    assert "更正原因" in last_text(h, office)  # the reason is asked before anything is stored
    assert (await hazard_row(h, hid)).person_in_charge == "张三"
    await office.say("营业执照登记的负责人为李四")
    await office.press("提交")
    assert "已修改" in last_text(h, office)
    row = await hazard_row(h, hid)
    assert (row.person_in_charge, row.state, row.ledger_number) == ("李四", "registered", number)
    event = (await _events(h, hid))[-1]
    assert (event.action, event.note, event.data["changes"]) == (
        "correct", "营业执照登记的负责人为李四", {"person_in_charge": ["张三", "李四"]})

    case = await h.core.services.find.case(creator, hid)
    [line] = [x for x in event_lines(case) if x.action == "更正"]
    assert (line.actor, line.note) == ("张办公室", "营业执照登记的负责人为李四")
    assert "负责人：张三 → 李四" in line.details  # the case file (一患一案) prints old → new with who and why
    await card(office, number)
    sent = await office.press("一患一案")
    [pdf] = [m.document for m in sent if isinstance(m, SendDocument)]
    printed = "".join(pdf_pages(pdf.data))  # type: ignore[attr-defined]
    assert "负责人：张三→李四" in printed and "营业执照登记的负责人为李四" in printed and "更正" in printed

    async with h.core.uow() as u:  # the old unit had asked for more time: the new unit asks for its own
        u.session.add(DeadlineExtension(hazard_id=hid, old_deadline=row.deadline, new_deadline=date(2018, 12, 31),
                                        reason="材料延误", requested_by=creator.user_id, requested_at=TODAY))
        await u.commit()
    await card(office, number)
    await office.press("移交其他单位")
    await office.say(OTHER)
    await office.say("隐患位置在朝外街道辖区")
    await office.press("提交")
    assert "已从建外街道移交给朝外街道" in last_text(h, office)
    row = await hazard_row(h, hid)
    async with h.core.uow() as u:
        other_id = (await u.session.exec(select(Unit.id).where(Unit.name == OTHER))).one()
    assert row.unit_id == other_id and row.state == "registered"
    async with h.core.uow() as u:
        ext = (await u.session.exec(select(DeadlineExtension).where(DeadlineExtension.hazard_id == hid))).one()
    assert ext.status == "refused" and "朝外街道" in (ext.decision_note or "")
    event = (await _events(h, hid))[-1]
    assert (event.action, event.note, event.data["changes"]) == ("transfer", "隐患位置在朝外街道辖区",
                                                                 {"unit": [HOME, OTHER]})
    for chat in (home_reviewer, other_reviewer, other_inspector):
        told = [t for t in sent_to(h, chat.user.id) if "移交" in t]
        assert told and "建外街道移交给朝外街道" in told[-1] and "隐患位置在朝外街道辖区" in told[-1]
    await other_reviewer.say(f"/find {number}")  # the new unit finds it in its scope
    assert "张XX出租房" in last_text(h, other_reviewer)


def test_the_rejection_notice_button_is_the_card_button() -> None:
    from bot.services.corrections import resubmit_button
    from handlers.correction_callbacks import HAZARD_CORRECT, CorrectCb

    words, data = resubmit_button(17)
    assert data == CorrectCb(id=17, a=HAZARD_CORRECT).pack()
    assert words.render("zh") == "✏️ 修改后重新提交" and words.render("en") == "✏️ Correct and resubmit"
