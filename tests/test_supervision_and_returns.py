"""Supervision with substance and returned closures (issue 15 items 4 and 6) through the dispatcher, on SQLite
and PostgreSQL: registering a major hazard prompts the office, whose notice button opens the supervision form
with 区政府 chosen; level, requirement, deadline and person responsible reach the unit, the card, the 一患一案
case file and the 附件2 export's remarks. The office returns a closure request with a reason: the hazard waits for
a new re-inspection and the unit hears why."""

from __future__ import annotations

from sqlmodel import col, select

from bot.domain import HazardState
from bot.services.ledger_export import ExportFilter, hazard_rows
from storage.models import Hazard, HazardEvent, Photo
from storage.models_lifecycle import Supervision, Verification
from tests.chat_helpers import actor_of, bind_cast, last_text, open_first, sent_to, supervise
from tests.chat_script import Tap, answer, refused
from tests.conftest import Harness
from tests.document_reading import pdf_pages
from tests.lifecycle_factories import hazard

HOME, OFFICE = "建外街道", "区安委会办公室"


async def test_a_major_hazard_goes_under_district_government_supervision_from_the_offices_notice(
    harness: Harness,
) -> None:
    h = harness
    inspector, reviewer, office, office2, leader, contact = await bind_cast(h, {
        401: "李检查", 402: "王审核", 403: "张办公室", 404: "孙办公室", 405: "刘领导", 406: "陈联络"})
    hid = await hazard(h.core.uow, await actor_of(h, inspector), state=HazardState.PENDING_CONFIRMATION,
                       level="重大隐患", full_plan=True)

    await open_first(office, "/office")
    await office.press("确认挂账")
    prompt = [t for t in sent_to(h, office2) if "重大隐患已挂账" in t]
    assert prompt and "区政府" in prompt[-1]  # every officer is prompted, not only the one who registered it
    await office2.press("📌 挂牌督办")
    assert "督办级别" in last_text(h, office2) and "区政府" in last_text(h, office2)  # chosen already
    await supervise(office2, "区政府", "制订整改方案，专人负责，全程跟踪督促", "2018-11-15", "刘领导（主管副主任）")
    assert "已由区政府挂牌督办" in last_text(h, office2)
    # the step's notice (bot.services.step_notices); the factory's hazard has no approving reviewer
    for chat in (leader, contact, inspector):
        told = [t for t in sent_to(h, chat) if "督办级别：区政府" in t]
        assert told and "督办期限：2018年11月15日" in told[-1] and "刘领导（主管副主任）" in told[-1], chat.user.id
        assert "督办要求：制订整改方案" in told[-1] and told[-1].count("制订整改方案") == 1  # named once
    assert not [t for t in sent_to(h, reviewer) if "督办级别" in t]  # a reviewer who never handled it

    await leader.press(1)  # the button on the leader's notice opens the card
    card = last_text(h, leader)
    assert "区政府挂牌督办，自2018-10-15起 · 督办期限2018-11-15 · 责任人：刘领导（主管副主任） · 督办中" in card, card
    assert "督办要求：制订整改方案" in card

    pdf = await h.core.services.documents.case_file(await actor_of(h, office), hid)
    text = "".join(pdf_pages(pdf.data))
    for fact in ("挂牌督办", "区政府", "制订整改方案，专人负责，全程跟踪督促", "2018-11-15", "刘领导（主管副主任）"):
        assert fact in text, fact
    async with h.core.uow() as u:
        [row] = [r for r in await hazard_rows(u.session, ExportFilter()) if r["site_name"] == "张XX出租房"]
        sup = (await u.session.exec(select(Supervision).where(Supervision.hazard_id == hid))).one()
    assert "区政府挂牌督办（2018-10-15起，督办期限2018-11-15）" in row["remarks"]
    assert (sup.level, sup.responsible, sup.deadline.isoformat() if sup.deadline else None) == (
        "区政府", "刘领导（主管副主任）", "2018-11-15")

    # the same level twice is refused and nothing is recorded
    await open_first(office2, "/find 张XX出租房")
    await office2.press("挂牌督办")
    await supervise(office2, "区政府", "再次督办", "2018-11-20", "某某")
    assert "已由该层级挂牌督办" in last_text(h, office2)
    async with h.core.uow() as u:
        assert len((await u.session.exec(select(Supervision))).all()) == 1


async def test_the_supervision_deadline_refusals_name_the_supervision_deadline(harness: Harness) -> None:
    """The 督办期限 question refuses a day too far ahead, a past day and today in its own name, never as the
    hazard's 整改时限 (clock 2018-10-15: at most three years ahead, 2021-10-15)."""
    h = harness
    inspector, office = await bind_cast(h, {421: "李检查", 422: "张办公室"})
    await hazard(h.core.uow, await actor_of(h, inspector), state=HazardState.REGISTERED, level="重大隐患",
                 full_plan=True)
    await open_first(office, "/find 张XX出租房")
    await office.press("挂牌督办")
    await answer(office, Tap("区安委会"), "制订整改方案，专人负责")
    for typed, said in (
        ("2099-01-01", "2099-01-01 太远了：督办期限最长三年，即不晚于 2021-10-15。"),
        ("2018-10-01", "2018-10-01 已经过去：督办期限必须晚于今天（2018-10-15），最早可填明天（2018-10-16）。"),
        ("今天", "督办期限必须晚于今天：今天（2018-10-15）不能作为督办期限，最早可填明天（2018-10-16）。"),
    ):
        await refused(office, typed, said, "督办期限")
        assert "整改时限" not in office.last_text(), office.last_text()
    await answer(office, "2021-10-15", "刘领导", Tap("提交"))
    assert "已由区安委会挂牌督办" in last_text(h, office), last_text(h, office)


async def test_the_office_returns_a_closure_request_with_its_reason(harness: Harness) -> None:
    h = harness
    inspector, reinspector, reviewer, office = await bind_cast(h, {
        411: "李检查", 412: "赵复查", 413: "王审核", 414: "张办公室"})
    hid = await hazard(h.core.uow, await actor_of(h, inspector), state=HazardState.CLOSURE_REQUESTED,
                       rectified_by=await actor_of(h, inspector))

    await open_first(reviewer, "/find 张XX出租房")
    assert not [b for b in reviewer.buttons() if "退回销账申请" in b.text]  # the office's alone
    await open_first(office, "/office")
    await office.press("退回销账申请")
    assert "退回理由" in last_text(h, office)
    await office.say("验收照片看不清灭火器位置，请重新复查")
    await office.press("提交")
    assert "已将" in last_text(h, office) and "待重新复查" in last_text(h, office)
    async with h.core.uow() as u:
        row = await u.session.get(Hazard, hid)
        events = (await u.session.exec(select(HazardEvent).where(HazardEvent.hazard_id == hid)
                                       .order_by(col(HazardEvent.id)))).all()
    assert row is not None and row.state == HazardState.RECTIFIED.value
    assert (events[-1].action, events[-1].from_state, events[-1].to_state, events[-1].note) == (
        "return_closure", "closure_requested", "rectified", "验收照片看不清灭火器位置，请重新复查")
    for chat in (inspector, reviewer):
        told = [t for t in sent_to(h, chat) if "销账申请被退回" in t]
        assert told and "验收照片看不清" in told[-1], chat.user.id
    assert not [t for t in sent_to(h, reinspector) if "销账申请被退回" in t]  # no re-inspection was recorded by them

    # the old button again: the hazard is no longer awaiting closure, nothing changes
    await open_first(office, "/find 张XX出租房")
    assert not [b for b in office.buttons() if "退回销账申请" in b.text]
    async with h.core.uow() as u:
        assert len((await u.session.exec(select(HazardEvent).where(HazardEvent.hazard_id == hid))).all()) == len(events)


async def test_closure_and_a_passed_verification_confirm_and_carry_a_note_and_photos(harness: Harness,
                                                                                    photos_dir) -> None:  # type: ignore[no-untyped-def]
    h = harness
    inspector, office = await bind_cast(h, {421: "李检查", 422: "张办公室"})
    hid = await hazard(h.core.uow, await actor_of(h, inspector), state=HazardState.CLOSURE_REQUESTED,
                       rectified_by=await actor_of(h, inspector))
    await open_first(office, "/office")
    await office.press("销账")
    await office.say("现场复核无误，同意销账")
    await office.photo(photos_dir / "landscape_1.jpg")
    await office.press("完成")
    assert "销账说明" in last_text(h, office) and "现场复核无误" in last_text(h, office)  # the review card: confirm
    await office.press("提交")
    assert "已销账" in last_text(h, office)
    assert any("销账" in t for t in sent_to(h, inspector))

    await office.say("/verify")
    passed = next(b for b in office.buttons() if b.text == "1. 合格")
    await office.press_button(passed)
    await office.press("取消")  # cancelled: the check still waits for its result
    async with h.core.uow() as u:
        [check] = (await u.session.exec(select(Verification))).all()
        assert check.result == "pending"
    await office.press_button(passed)  # the same button again, on the message of /verify
    await office.say("抽查现场，未见反弹")
    await office.photo(photos_dir / "landscape_2.jpg")
    await office.press("完成")
    await office.press("提交")
    assert "核查合格" in last_text(h, office)
    await office.press_button(passed)  # a third press: already recorded, nothing changes
    assert "核查" in last_text(h, office) and "张办公室" in last_text(h, office)
    async with h.core.uow() as u:
        [check] = (await u.session.exec(select(Verification))).all()
        events = (await u.session.exec(select(HazardEvent).where(HazardEvent.hazard_id == hid)
                                       .order_by(col(HazardEvent.id)))).all()
        photos = (await u.session.exec(select(Photo).where(Photo.hazard_id == hid))).all()
        row = await u.session.get(Hazard, hid)
    assert (check.result, check.note, len(check.photo_ids)) == ("passed", "抽查现场，未见反弹", 1)
    assert [(e.action, e.note, len(e.data["photos"])) for e in events[-2:]] == [
        ("close", "现场复核无误，同意销账", 1), ("verify_pass", "抽查现场，未见反弹", 1)]
    assert {p.stage for p in photos} == {"verification"} and len(photos) == 2
    assert row is not None and row.state == "closed"


async def test_the_overdue_supervision_reminder_opens_the_supervision_form(harness: Harness) -> None:
    from datetime import date

    from reminders.calendar import WorkCalendar
    from reminders.sender import Sender
    from reminders.service import run_rules
    from reminders.settings import ReminderSettings
    from tests.conftest import TODAY

    h = harness
    inspector, office = await bind_cast(h, {431: "李检查", 432: "张办公室"})
    hid = await hazard(h.core.uow, await actor_of(h, inspector), state=HazardState.REGISTERED, level="重大隐患",
                       deadline=date(2018, 10, 10), full_plan=True)
    cfg = ReminderSettings(per_chat_interval=0.0)
    await run_rules(h.core.uow, date(2018, 10, 15), WorkCalendar.from_file(), cfg, h.core.settings.tz, TODAY)
    await Sender(h.bot, h.core.uow, cfg, h.core.settings.tz, h.core.clock).run_until_done()
    assert any("拟挂牌督办" in t or "挂牌督办" in t for t in sent_to(h, office))
    await office.press(1)  # the reminder's only button
    assert "督办级别" in last_text(h, office)
    await office.press("区政府")
    await office.say("立即整改")
    await office.say("2018-10-31")
    await office.say("王主任")
    await office.press("提交")
    async with h.core.uow() as u:
        sup = (await u.session.exec(select(Supervision).where(Supervision.hazard_id == hid))).one()
    assert (sup.level, sup.requirement, sup.responsible) == ("区政府", "立即整改", "王主任")
