"""Deadlines under control (issue 15 item 3) through the dispatcher, on SQLite and PostgreSQL: the overdue
reminder's button starts an extension request; the office hears of it and refuses it (with a reason), then
approves a second one from the button on its notice; the unit hears each decision; only the approved date
moves ``Hazard.deadline`` and the overdue judgement; the five implementations no longer move it after
registration; the history keeps old and new date, reason, who asked and who decided."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aiogram.types import Chat, Message
from sqlmodel import col, select

from bot.channels import telegram_address
from bot.domain import HazardState
from bot.local_chat import LocalChat
from bot.services.lifecycle import FiveImplementations
from bot.services.lifecycle_errors import DeadlineLocked
from bot.services.step_notices import open_hazard_callback
from bot.services.workflow_steps import decide_extension_data, supervise_data
from handlers.deadlines import ExtensionCb
from handlers.hazard_callbacks import HazardCb
from reminders.calendar import WorkCalendar
from reminders.sender import Sender
from reminders.service import run_rules
from reminders.settings import ReminderSettings
from storage.models import Hazard, HazardEvent
from storage.models_deadlines import DeadlineExtension
from storage.models_lifecycle import RectificationPlan
from tests.chat_helpers import (
    actor_of,
    bind_cast,
    hazard_row,
    last_text,
    last_told,
    open_first,
    sent_to,
    stored,
)
from tests.chat_script import Tap, answer
from tests.conftest import TODAY, Harness
from tests.lifecycle_factories import hazard

HOME, OFFICE = "建外街道", "区安委会办公室"
PASSED = date(2018, 10, 10)  # five days before the harness's today, 2018-10-15


async def _card(h: Harness, chat: LocalChat, hid: int) -> None:
    await open_first(chat, f"/find {(await hazard_row(h, hid)).ledger_number}")


async def _registered(h: Harness, chat: LocalChat, deadline: date = PASSED) -> int:
    actor = await actor_of(h, chat)
    return await hazard(h.core.uow, actor, state=HazardState.REGISTERED, deadline=deadline, full_plan=True)


async def _overdue(h: Harness, chat: LocalChat, hid: int) -> bool:
    actor = await actor_of(h, chat)
    return (await h.core.services.find.case(actor, hid)).summary.overdue


def test_the_buttons_the_services_write_unpack_in_the_handlers() -> None:
    assert ExtensionCb.unpack(decide_extension_data(12)) == ExtensionCb(a="o", id=12)
    assert HazardCb.unpack(open_hazard_callback(7)) == HazardCb(id=7, a="o")
    assert HazardCb.unpack(supervise_data(7)) == HazardCb(id=7, a="sv")


async def test_an_extension_is_refused_then_approved_and_only_the_approved_date_counts(harness: Harness) -> None:
    h = harness
    inspector, reviewer, office = await bind_cast(h, {301: "李检查", 303: "王审核", 304: "张办公室"})
    hid = await _registered(h, inspector)
    assert await _overdue(h, office, hid)

    # the overdue reminder carries the button that starts the request
    cfg = ReminderSettings(per_chat_interval=0.0)
    await run_rules(h.core.uow, date(2018, 10, 15), WorkCalendar.from_file(), cfg, h.core.settings.tz, TODAY)
    await Sender(h.bot, h.core.uow, cfg, h.core.settings.tz, h.core.clock).run_until_done()
    overdue = [t for t in sent_to(h, inspector) if "隐患逾期提醒" in t]
    assert overdue and "确需延期的，请点击下方按钮说明原因" in overdue[-1]
    await inspector.press("申请延期")
    assert "申请延期至" in last_text(h, inspector) and "关于：" in last_text(h, inspector)  # names its hazard
    await inspector.say("2018-10-12")  # after today is required by the question itself
    assert "晚于今天" in last_text(h, inspector) or "之后" in last_text(h, inspector)
    await inspector.say("2018-11-30")
    await inspector.say("材料进场延误，需更换全部电线")
    await inspector.press("提交")
    assert "已为" in last_text(h, inspector) and "申请延期至2018-11-30" in last_text(h, inspector)
    # a pending request moves nothing: still overdue, same deadline
    assert (await hazard_row(h, hid)).deadline == PASSED and await _overdue(h, office, hid)

    # one pending request at a time
    await _card(h, inspector, hid)
    card = last_text(h, inspector)
    assert "待区安委会办公室审批" in card and "2018-11-30" in card
    await inspector.press("申请延期")
    assert "正等待区安委会办公室审批" in last_text(h, inspector)

    # the office acts from the notice it received: refuse, with a reason
    assert any("延期申请" in t and "李检查" in t and "材料进场延误" in t for t in sent_to(h, office))
    await office.press("审批延期申请")
    assert "现整改期限：2018-10-10" in last_text(h, office) and "申请延期至：2018-11-30" in last_text(h, office)
    await office.press("❌ 不批准")
    await office.say("延期过长，请压缩至十月底前")
    await office.press("提交")
    assert "已不批准" in last_text(h, office)
    assert (await hazard_row(h, hid)).deadline == PASSED
    for chat in (inspector, reviewer):
        told = [t for t in sent_to(h, chat) if "延期未获批准" in t]
        assert told and "延期过长" in told[-1] and "仍为2018-10-10" in told[-1]

    # a second request, approved from the notice: the deadline moves, the overdue ends
    await _card(h, inspector, hid)
    await inspector.press("申请延期")
    await inspector.say("2018-10-31")
    await inspector.say("压缩工期，十月底前完成")
    await inspector.press("提交")
    await office.press("审批延期申请")
    approve = next(b for b in office.buttons() if b.text == "✅ 批准延期")
    await office.press_button(approve)
    assert "批准延期" in last_text(h, office)
    row = await hazard_row(h, hid)
    assert row.deadline == date(2018, 10, 31) and not await _overdue(h, office, hid)
    assert any("延期已批准" in t and "2018-10-31" in t for t in sent_to(h, inspector))
    assert any("延期已批准" in t for t in sent_to(h, reviewer))

    # a second press of the same approval changes nothing
    await office.press_button(approve)
    assert "已由张办公室审批：已批准延期" in last_text(h, office)
    async with h.core.uow() as u:
        requests = (await u.session.exec(select(DeadlineExtension).order_by(col(DeadlineExtension.id)))).all()
        events = (await u.session.exec(select(HazardEvent).where(HazardEvent.hazard_id == hid)
                                       .order_by(col(HazardEvent.id)))).all()
        plan = (await u.session.exec(select(RectificationPlan).where(RectificationPlan.hazard_id == hid))).one()
    assert [(r.status, r.old_deadline, r.new_deadline) for r in requests] == [
        ("refused", PASSED, date(2018, 11, 30)), ("approved", PASSED, date(2018, 10, 31))]
    assert requests[0].decision_note == "延期过长，请压缩至十月底前"
    assert plan.deadline == date(2018, 10, 31)
    decided = [e for e in events if e.action in ("refuse_extension", "extend_deadline")]
    assert [(e.action, e.data["requested_by"], e.data.get("approved_by") or e.data.get("refused_by"),
             e.data["old_deadline"]) for e in decided] == [
        ("refuse_extension", "李检查", "张办公室", "2018-10-10"), ("extend_deadline", "李检查", "张办公室", "2018-10-10")]
    assert [e.note for e in events if e.action == "request_extension"] == [
        "材料进场延误，需更换全部电线", "压缩工期，十月底前完成"]


async def test_after_registration_the_five_implementations_do_not_move_the_deadline(harness: Harness) -> None:
    h = harness
    inspector = await h.bind(311, "inspector", HOME, "李检查")
    hid = await _registered(h, inspector, date(2018, 10, 20))
    actor = await h.core.services.users.touch(telegram_address(311), "李检查", "zh-hans")
    before = await hazard_row(h, hid)
    try:
        await h.core.services.lifecycle.set_plan(actor, hid, FiveImplementations(deadline=date(2018, 12, 31)))
    except DeadlineLocked as exc:
        assert exc.params["deadline"] == "2018-10-20"
    else:
        raise AssertionError("the five implementations moved a registered hazard's deadline")
    # the same date, or none, is accepted: the other four are still the unit's to fill in
    await h.core.services.lifecycle.set_plan(actor, hid, FiveImplementations(measures="更换电线",
                                                                             deadline=date(2018, 10, 20)))
    after = await hazard_row(h, hid)
    assert (after.deadline, after.measures) == (before.deadline, "更换电线")


async def test_a_request_must_be_later_than_the_current_deadline_and_only_the_unit_asks(harness: Harness) -> None:
    h = harness
    inspector = await h.bind(321, "inspector", HOME, "李检查")
    other = await h.bind(322, "inspector", "朝外街道", "外单位")
    hid = await _registered(h, inspector, date(2018, 11, 30))
    # another unit's inspector has no such button; pressed anyway (forged), it is refused
    message = Message(message_id=1, date=datetime(2018, 10, 15, tzinfo=UTC), chat=Chat(id=other.user.id, type="private"))
    await other._feed(h.factory.callback(other.user, message, HazardCb(id=hid, a="xr").pack()))
    assert "无权" in last_told(other) or "未找到" in last_told(other)
    await _card(h, inspector, hid)
    await answer(inspector, Tap("申请延期"), "2018-11-20", "理由", Tap("提交"))
    assert "须晚于现整改期限（2018-11-30）" in last_text(h, inspector)
    assert await stored(h, DeadlineExtension) == []


async def test_each_officer_reads_the_request_in_their_own_language(harness: Harness) -> None:
    from bot.domain import Role

    h = harness
    inspector, chinese = await bind_cast(h, {331: "李检查", 332: "张办公室"})
    issued = await h.core.services.invites.issue(Role.OFFICE, OFFICE, issuer=None)
    english = h.chat(333, "Olivia", language="en")
    await english.say(f"/bind {issued.code}")
    hid = await _registered(h, inspector)
    await _card(h, inspector, hid)
    await inspector.press("申请延期")
    await inspector.say("2018-11-30")
    await inspector.say("材料进场延误")
    await inspector.press("提交")
    [zh] = [t for t in sent_to(h, chinese) if "延期申请" in t]
    [en] = [t for t in sent_to(h, english) if "Deadline extension requested" in t]
    assert "李检查申请将整改期限由2018-10-10延至2018-11-30" in zh
    assert "asks to move the rectification deadline from 2018-10-10 to 2018-11-30" in en and "材料进场延误" in en
    await english.press("Approve or refuse")
    assert "Current deadline: 2018-10-10" in last_text(h, english)
    await english.press("✅ Approve the extension")
    assert (await hazard_row(h, hid)).deadline == date(2018, 11, 30)
    assert any("延期已批准" in t and "Olivia" in t for t in sent_to(h, inspector))


async def test_a_rejection_asks_to_confirm_and_tells_the_inspector_why(harness: Harness) -> None:
    h = harness
    inspector, reviewer = await bind_cast(h, {341: "李检查", 342: "王审核"})
    actor = await h.core.services.users.touch(telegram_address(341), "李检查", "zh-hans")
    hid = await hazard(h.core.uow, actor)
    await open_first(reviewer, "/review")
    await reviewer.press("驳回")
    await reviewer.say("地址不详，请补充门牌号")
    assert (await hazard_row(h, hid)).state == "pending_review"  # the card asks first
    await reviewer.press("提交")
    assert "当前状态：已驳回" in last_text(h, reviewer)
    assert (await hazard_row(h, hid)).state == "rejected"
    assert any("地址不详，请补充门牌号" in t for t in sent_to(h, inspector))


async def _requested(h: Harness, inspector: LocalChat) -> int:
    """A registered hazard due 2018-10-20 whose unit asked, from its card, to move it to 2018-11-30."""
    hid = await _registered(h, inspector, date(2018, 10, 20))
    await _card(h, inspector, hid)
    await inspector.press("申请延期")
    await inspector.say("2018-11-30")
    await inspector.say("材料进场延误")
    await inspector.press("提交")
    return hid


async def test_a_request_the_deadline_has_overtaken_cannot_be_approved_only_refused(harness: Harness) -> None:
    h = harness
    inspector, office = await bind_cast(h, {351: "李检查", 354: "张办公室"})
    hid = await _requested(h, inspector)
    await office.press("审批延期申请")
    approve = office.latest_button("✅ 批准延期")
    async with h.core.uow() as u:  # meanwhile another route moved the deadline past it (e.g. 复查不合格)
        row = await u.session.get(Hazard, hid)
        assert row is not None
        row.deadline = date(2018, 12, 31)
        u.session.add(row)
        await u.commit()
    await office.press_button(approve)
    assert "晚于现整改期限" in last_text(h, office) or "2018-12-31" in last_text(h, office), last_text(h, office)
    assert (await hazard_row(h, hid)).deadline == date(2018, 12, 31)  # never moved back
    async with h.core.uow() as u:
        ext = (await u.session.exec(select(DeadlineExtension).where(DeadlineExtension.hazard_id == hid))).one()
    assert ext.status == "pending"  # still there to be refused
    await office.press_button(office.latest_button("❌ 不批准"))
    await office.say("整改期限已另行调整")
    await office.press("提交")
    assert "已不批准" in last_text(h, office)


async def test_a_refusal_form_overtaken_by_another_officers_approval_ends(harness: Harness) -> None:
    h = harness
    inspector, office, office2 = await bind_cast(h, {361: "李检查", 364: "张办公室", 365: "孙办公室"})
    hid = await _requested(h, inspector)
    await office.press("审批延期申请")
    await office.press("❌ 不批准")
    await office.say("延期过长")  # the refusal form, on its review card
    await office2.press("审批延期申请")
    await office2.press("✅ 批准延期")
    assert (await hazard_row(h, hid)).deadline == date(2018, 11, 30)
    await office.press_button(office.latest_button("✅ 提交"))
    assert "孙办公室" in last_text(h, office)  # decided by the other officer
    await office.say("/resume")  # nothing can mend that refusal: the form ended
    assert last_text(h, office).startswith("当前没有正在填写的表单"), last_text(h, office)
