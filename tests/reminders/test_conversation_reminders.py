"""Reminders through the whole application: a contact binds by sharing their phone number, receives
a reminder from the sender, presses its button and submits work information, which clears it; the
office uploads the contact form (附件4) to the bot."""

from __future__ import annotations

from datetime import date

from aiogram.methods import SendMessage
from aiogram.types import Contact as TgContact
from aiogram.types import InlineKeyboardMarkup
from sqlmodel import select

from reminders.calendar import WorkCalendar
from reminders.sender import Sender
from reminders.service import run_rules
from reminders.settings import ReminderSettings
from storage.models import Membership
from storage.models_reminders import Contact, WorkSubmission
from tests.chat_helpers import stored
from tests.chat_script import Tap, answer, shows
from tests.conftest import TODAY, Harness
from tests.reminders import factories as f

CSV = "单位名称,类别,姓名,部门及职务,办公电话,手机号码\n建外街道,联系人员,王联系,安全科,010-65001235,13901234568\n"


async def _registry(harness: Harness) -> int:
    async with harness.core.uow() as u:
        unit = await f.unit_id(u.session, "建外街道")
        await f.contact(u.session, unit, "contact", "王联系", "13901234568")
        await u.commit()
    return unit


async def share_phone(harness: Harness, chat, phone: str, owner: int | None = None) -> None:  # type: ignore[no-untyped-def]
    card = TgContact(phone_number=phone, first_name="王", user_id=owner if owner is not None else chat.user.id)
    await chat._feed(harness.factory.message(chat.user, contact=card))


async def test_a_contact_binds_by_sharing_their_own_number(harness: Harness) -> None:
    unit = await _registry(harness)
    chat = harness.chat(9101, "王联系")
    await chat.say("/phone")
    assert "工作联系表" in chat.last_text()
    await share_phone(harness, chat, "13800000000", owner=9999)  # someone else's card
    assert "本人的手机号码" in chat.last_text()
    await share_phone(harness, chat, "13800000000")
    assert "不在任何单位的工作联系表" in chat.last_text()
    await share_phone(harness, chat, "+86 139-0123-4568")
    assert "已通过手机号码绑定" in chat.last_text() and "建外街道" in chat.last_text()
    async with harness.core.uow() as u:
        entry = (await u.session.exec(select(Contact))).one()
        roles = (await u.session.exec(select(Membership.unit_id, Membership.role))).all()
    assert entry.user_id is not None
    assert list(roles) == [(unit, "contact")]


async def test_reminder_button_leads_to_report_info_and_the_submission_clears_it(harness: Harness) -> None:
    unit = await _registry(harness)
    chat = harness.chat(9102, "王联系")
    await share_phone(harness, chat, "13901234568")
    cfg, tz = ReminderSettings(per_chat_interval=0.05), harness.core.settings.tz
    cal = WorkCalendar.from_file()
    day = date(2018, 10, 25)  # work information for October missing on the 25th
    await run_rules(harness.core.uow, day, cal, cfg, tz, TODAY)
    await Sender(harness.bot, harness.core.uow, cfg, tz, harness.core.clock).run_until_done()
    sent = [m for m in harness.session.requests if isinstance(m, SendMessage) and m.chat_id == chat.user.id]
    info = next(m for m in sent if "尚未报送2018年10月的工作信息" in m.text)
    button = info.reply_markup.inline_keyboard[0][0]  # type: ignore[union-attr]
    assert button.text == "报送工作信息"
    await chat._feed(harness.factory.callback(chat.user, chat._message_for(info), button.callback_data))
    assert "请现在发送建外街道的工作信息或典型案例" in chat.last_text()
    await chat.say("本月开展出租房专项检查12家次，发现隐患5处，已整改3处。")
    assert "已收到2018-10的工作信息或典型案例" in chat.last_text()
    async with harness.core.uow() as u:
        row = (await u.session.exec(select(WorkSubmission))).one()
        assert (row.kind, row.period) == ("work_info", "2018-10")
    # the leader's reminder on the month's last working day is no longer due for this unit
    result = await run_rules(harness.core.uow, date(2018, 10, 31), cal, cfg, tz, TODAY)
    due = {r.rule for r in result.due if r.unit_id == unit}
    assert "ledger_stale.contact" in due and not {r for r in due if r.startswith("work_info")}


async def test_report_info_without_a_unit_is_refused_and_cancel_stops(harness: Harness) -> None:
    stranger = harness.chat(9103)
    await stranger.say("/report_info")
    assert "/bind" in stranger.last_text()
    chat = await harness.bind(9104, "contact", "110105001")
    await answer(chat, "/report_info", Tap("季度工作总结"))
    await shows(chat, "/cancel", "未报送任何内容")
    assert await stored(harness, WorkSubmission) == []


async def test_the_office_uploads_the_contact_form(harness: Harness) -> None:
    inspector = await harness.bind(9105, "inspector", "110105001")
    await inspector.say("/contacts_import")
    assert "无权" in inspector.last_text()
    office = await harness.bind(9106, "office", "区安委会办公室")
    await office.say("/contacts_import")
    await office.file(CSV.replace("13901234568", "12345").encode("utf-8"), "附件4.csv", "text/csv")
    assert "未导入任何数据" in office.last_text() and "第2行 手机号码" in office.last_text()
    await office.file(CSV.encode("utf-8"), "附件4.csv", "text/csv")
    assert "已导入1个单位的1名联系人" in office.last_text()


async def test_reminders_are_written_in_each_recipients_language(harness: Harness) -> None:
    unit = await _registry(harness)
    async with harness.core.uow() as u:
        await f.contact(u.session, unit, "contact", "Wang Lian", "13901234569")
        await u.commit()
    chinese = harness.chat(9111, "王联系")
    english = harness.chat(9112, "Wang Lian", language="en")
    await share_phone(harness, chinese, "13901234568")
    await share_phone(harness, english, "13901234569")
    cfg, tz = ReminderSettings(per_chat_interval=0.05), harness.core.settings.tz
    await run_rules(harness.core.uow, date(2018, 10, 25), WorkCalendar.from_file(), cfg, tz, TODAY)
    await Sender(harness.bot, harness.core.uow, cfg, tz, harness.core.clock).run_until_done()

    def work_info(chat) -> SendMessage:  # type: ignore[no-untyped-def]
        sent = [m for m in harness.session.requests if isinstance(m, SendMessage) and m.chat_id == chat.user.id]
        return next(m for m in sent if isinstance(m.reply_markup, InlineKeyboardMarkup))

    zh, en = work_info(chinese), work_info(english)
    assert "尚未报送2018年10月的工作信息" in zh.text, zh.text
    assert zh.reply_markup.inline_keyboard[0][0].text == "报送工作信息"  # type: ignore[union-attr]
    assert "has not yet sent its work information or a typical case for 2018-10" in en.text, en.text
    assert "建外街道" in en.text and not any("\u4e00" <= c <= "\u9fff" for c in en.text.replace("建外街道", ""))
    assert en.reply_markup.inline_keyboard[0][0].text == "Send work information"  # type: ignore[union-attr]
