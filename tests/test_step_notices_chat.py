"""Each life cycle step tells the next actor (issue 15, item 1), through the dispatcher on SQLite and PostgreSQL:
a major hazard goes from the inspector's form to 销账 and every person acts only from the button of a notice they
received — reviewer (English), office, re-inspector, the unit's 附件4 contact (English, bound by sharing their
phone) and leader. Each notice reaches the people ``bot.services.step_notices.STEP_NOTICES`` names and never the
one who acted, in the recipient's language, and its button opens the card with the buttons that person may press
now. A second hazard is rejected: the inspector is told the reason with «修改后重新提交»."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiogram.methods import SendMessage
from aiogram.types import Contact as TgContact
from aiogram.types import InlineKeyboardMarkup
from sqlmodel import col, select

from bot.local_chat import Button, LocalChat, plain
from bot.services.step_notices import open_hazard_callback
from handlers.hazard_callbacks import OPEN, HazardCb
from storage.models import Hazard
from storage.models_reminders import Contact, ReminderOutbox
from tests.chat_helpers import KEEP, SUBMIT, reinspect_failed, reinspect_passed, report_rectification
from tests.conftest import Harness
from tests.forms_flow import fill_hazard_until_review
from tests.reminders import factories as f

HOME, OFFICE_UNIT = "建外街道", "区安委会办公室"
INSPECTOR, REVIEWER, OFFICE, REINSPECTOR, LEADER, CONTACT = 601, 602, 603, 604, 605, 606
_OPEN = re.compile(r"^h1:\d+:o$")


@dataclass
class Told:
    """One step notice as the outbox holds it for one person."""

    chat_id: int
    text: str
    button: str | None


async def _told_since(h: Harness, after: int) -> tuple[list[Told], int]:
    """Step notices queued after outbox row ``after``, and the last row id."""
    async with h.core.uow() as u:
        rows = (await u.session.exec(select(ReminderOutbox).where(col(ReminderOutbox.id) > after)
                                     .order_by(col(ReminderOutbox.id)))).all()
    last = max([after, *(r.id or 0 for r in rows)])
    return [Told(int(r.address), plain(r.text), r.button_text) for r in rows if r.rule == "notice.hazard_step"], last


def _notice_button(h: Harness, chat: LocalChat) -> tuple[str, Button]:
    """The latest notice delivered to ``chat`` (its one button opens a card) and that button."""
    for method, result in reversed(h.session.responses):
        if not (isinstance(method, SendMessage) and method.chat_id == chat.user.id):
            continue
        markup = method.reply_markup
        if isinstance(markup, InlineKeyboardMarkup) and len(markup.inline_keyboard) == 1 \
                and len(markup.inline_keyboard[0]) == 1 and _OPEN.match(markup.inline_keyboard[0][0].callback_data or ""):
            b = markup.inline_keyboard[0][0]
            return plain(method.text), Button(b.text, b.callback_data, None, result)
    raise AssertionError(f"no notice delivered to {chat.user.id}")


async def _open_notice(h: Harness, chat: LocalChat) -> tuple[str, list[str]]:
    """Press the button of ``chat``'s latest notice: the card's text and its buttons."""
    _text, button = _notice_button(h, chat)
    await chat.press_button(button)
    return chat.last_text(), [b.text for b in chat.buttons()]


async def _share_phone(h: Harness, chat: LocalChat, phone: str) -> None:
    card = TgContact(phone_number=phone, first_name=chat.user.first_name, user_id=chat.user.id)
    await chat._feed(h.factory.message(chat.user, contact=card))
    assert "已通过手机号码绑定" in chat.last_text() or "bound" in chat.last_text().lower(), chat.last_text()


async def _people(h: Harness) -> dict[str, LocalChat]:
    inspector = await h.bind(INSPECTOR, "inspector", HOME, "李检查")
    await h.bind(REVIEWER, "reviewer", HOME, "Wang Review")
    reviewer = h.chat(REVIEWER, "Wang Review", "en")
    await reviewer.say("/start")  # writes from an English client from now on
    office = await h.bind(OFFICE, "office", OFFICE_UNIT, "张办公室")
    reinspector = await h.bind(REINSPECTOR, "inspector", HOME, "赵复查")
    async with h.core.uow() as u:  # the unit's 附件4 entries; one contact never uses the bot
        unit = await f.unit_id(u.session, HOME)
        await f.contact(u.session, unit, "contact", "Chen Lian", "13901230001")
        await f.contact(u.session, unit, "leader", "刘领导", "13901230002")
        await f.contact(u.session, unit, "contact", "孙未绑", "13901230003")
        await u.commit()
    contact = h.chat(CONTACT, "Chen Lian", "en")
    await _share_phone(h, contact, "13901230001")
    leader = h.chat(LEADER, "刘领导")
    await _share_phone(h, leader, "13901230002")
    return {"inspector": inspector, "reviewer": reviewer, "office": office, "reinspector": reinspector,
            "contact": contact, "leader": leader}


async def _hazard_id(h: Harness, site: str) -> int:
    async with h.core.uow() as u:
        hazard = (await u.session.exec(select(Hazard).where(Hazard.site_name == site))).one()
        assert hazard.id is not None
        return hazard.id


async def test_each_step_tells_the_next_actor_who_acts_from_the_notice(harness: Harness, photos_dir) -> None:  # type: ignore[no-untyped-def]
    h = harness
    p = await _people(h)
    inspector, reviewer, office, reinspector, contact, leader = (
        p["inspector"], p["reviewer"], p["office"], p["reinspector"], p["contact"], p["leader"])
    _told, mark = await _told_since(h, 0)

    # submitted → the unit's reviewer, in English
    await fill_hazard_until_review(inspector, album=1)
    await inspector.press("提交")
    hid = await _hazard_id(h, "张XX出租房")
    told, mark = await _told_since(h, mark)
    assert [t.chat_id for t in told] == [REVIEWER]
    assert "submitted by 李检查" in told[0].text and "Please review it" in told[0].text
    assert told[0].button == "🔎 Open and review"
    card, buttons = await _open_notice(h, reviewer)
    assert "State: awaiting unit review" in card
    assert buttons[:2] == ["✅ Approve", "❌ Reject"]

    # approved → the office (to confirm) and the inspector (informed); not the reviewer
    await reviewer.press("Approve")
    told, mark = await _told_since(h, mark)
    assert sorted(t.chat_id for t in told) == [INSPECTOR, OFFICE]
    to_office = next(t for t in told if t.chat_id == OFFICE)
    assert "Wang Review 审核通过" in to_office.text and "请确认挂账" in to_office.text
    assert to_office.button == "📒 打开确认挂账"
    card, buttons = await _open_notice(h, office)
    assert "📒 确认挂账" in buttons and "❌ 驳回" in buttons

    # 挂账 refused for missing 五落实 offers «填写五落实»; filled in, the answer offers 确认挂账 again
    await office.press("确认挂账")
    assert "缺少：" in office.last_text()
    assert [b.text for b in office.buttons()] == ["📝 填写五落实"]
    await office.press("填写五落实")
    await office.say("房东张三")  # responsibility
    await office.press(KEEP)  # measures
    await office.say("2")  # funds
    await office.press(KEEP)  # deadline
    await office.say("专人值守")  # contingency plan
    await office.press(SUBMIT)  # the review card
    assert "更新五落实" in office.last_text()
    assert (await _told_since(h, mark))[0] == []  # filling them in tells nobody
    answers = office.texts(await office.press("确认挂账"))  # then a 重大隐患's prompt to put it under supervision
    assert any("台账编号：110105001201810150001" in t for t in answers), answers

    # registered → the inspector and the unit's contact (English; bound through 附件4) with number and deadline
    told, mark = await _told_since(h, mark)
    assert sorted(t.chat_id for t in told) == [INSPECTOR, CONTACT]
    to_contact = next(t for t in told if t.chat_id == CONTACT)
    assert "Ledger number: 110105001201810150001" in to_contact.text
    assert "Rectification deadline: 2018-12-31" in to_contact.text
    to_inspector = next(t for t in told if t.chat_id == INSPECTOR)
    assert "整改期限：2018年12月31日" in to_inspector.text
    card, buttons = await _open_notice(h, contact)
    assert "State: registered, being rectified" in card
    assert buttons == ["📜 History and photos", "🖨 Case file (PDF)"]  # a contact only reads
    card, buttons = await _open_notice(h, inspector)
    assert "来源记录" not in card  # entered with /hazard: made from no inspection or tip-off
    assert "🛠 报告整改" in buttons

    # rectification reported → those who may re-inspect (the re-inspector, the reviewer), not the reporter
    await inspector.press("报告整改")
    for _ in range(4):
        await inspector.press(KEEP)  # keep each of the five implementations (the deadline is not asked)
    await inspector.photo(photos_dir / "landscape_2.jpg")
    await inspector.press("完成")
    await inspector.press(SUBMIT)
    told, mark = await _told_since(h, mark)
    assert sorted(t.chat_id for t in told) == [REVIEWER, REINSPECTOR]
    assert all(t.button in ("🔍 打开复查", "🔍 Open and re-inspect") for t in told)
    card, buttons = await _open_notice(h, reinspector)
    assert "✅ 复查合格" in buttons and "❌ 复查不合格" in buttons

    # 复查不合格 → the rectification's reporter and the unit's contact, with the reason and the new deadline
    await reinspect_failed(reinspector, photos_dir / "landscape_3.jpg")
    told, mark = await _told_since(h, mark)
    assert sorted(t.chat_id for t in told) == [INSPECTOR, CONTACT]
    to_inspector = next(t for t in told if t.chat_id == INSPECTOR)
    assert "原因：灭火器未到位" in to_inspector.text and "新的整改期限：2018年11月30日" in to_inspector.text
    to_contact = next(t for t in told if t.chat_id == CONTACT)
    assert "Reason: 灭火器未到位" in to_contact.text and "New deadline: 2018-11-30" in to_contact.text

    card, buttons = await _open_notice(h, inspector)
    await report_rectification(inspector, photos_dir / "landscape_1.jpg")
    _told, mark = await _told_since(h, mark)
    card, buttons = await _open_notice(h, reinspector)
    await reinspect_passed(reinspector)

    # closure requested → the office
    told, mark = await _told_since(h, mark)
    assert [t.chat_id for t in told] == [OFFICE] and "复查合格，请销账" in told[0].text
    card, buttons = await _open_notice(h, office)
    assert "🗂 销账" in buttons and "📌 挂牌督办" in buttons

    # 挂牌督办 → the unit's leader and contact, the inspector and the reviewer who approved it, naming the level
    await office.press("挂牌督办")
    await office.press("区政府")
    await office.say("制订整改方案，按期整改到位")  # requirement
    await office.say("2018-12-20")  # supervision deadline
    await office.say("张主任")  # person responsible
    await office.press(SUBMIT)
    told, mark = await _told_since(h, mark)
    assert sorted(t.chat_id for t in told) == [INSPECTOR, REVIEWER, LEADER, CONTACT]
    assert "督办级别：区政府" in next(t for t in told if t.chat_id == LEADER).text
    assert "Supervision level: 区政府" in next(t for t in told if t.chat_id == REVIEWER).text
    card, buttons = await _open_notice(h, leader)
    assert "挂牌督办：区政府" in card

    # closed → the inspector and the unit's contact; an old notice opens the card as it is now
    _text, old = _notice_button(h, office)
    await office.press_button(old)  # the same notice again: its card now
    await office.press("销账")  # its form: a note and photos, both optional, then the review card confirms
    await office.press("跳过")
    await office.press("跳过")
    await office.press(SUBMIT)
    told, mark = await _told_since(h, mark)
    assert sorted(t.chat_id for t in told) == [INSPECTOR, CONTACT]
    assert all("已销账" in t.text or "closed" in t.text for t in told)
    await office.press_button(old)
    assert "状态：已销账" in office.last_text()
    assert "🗂 销账" not in [b.text for b in office.buttons()]

    # a hazard rejected → its inspector, with the reason and «修改后重新提交», which opens its card
    await fill_hazard_until_review(inspector, site="李XX出租房", album=1)
    await inspector.press("提交")
    _told, mark = await _told_since(h, mark)
    card, buttons = await _open_notice(h, reviewer)
    assert "李XX出租房" in card
    await reviewer.press("Reject")
    await reviewer.say("The address is not precise enough")
    await reviewer.press("Submit")
    told, mark = await _told_since(h, mark)
    assert [t.chat_id for t in told] == [INSPECTOR]
    assert "原因：The address is not precise enough" in told[0].text and "请修改后重新提交" in told[0].text
    assert told[0].button == "✏️ 修改后重新提交"
    second = await _hazard_id(h, "李XX出租房")
    assert _notice_button(h, inspector)[1].callback_data == HazardCb(id=second, a=OPEN).pack()
    card, buttons = await _open_notice(h, inspector)
    assert "李XX出租房" in card and "已驳回" in card

    async with h.core.uow() as u:  # the entry that never used the bot was told nothing, and nothing failed
        unbound = (await u.session.exec(select(Contact).where(Contact.mobile == "13901230003"))).one()
        assert unbound.user_id is None
        statuses = (await u.session.exec(select(ReminderOutbox.status).where(
            ReminderOutbox.rule == "notice.hazard_step"))).all()
    assert set(statuses) == {"sent"}
    assert hid != second


def test_the_notice_button_is_the_cards_open_button() -> None:
    for hazard_id in (1, 2_147_483_647):
        data = open_hazard_callback(hazard_id)
        assert data == HazardCb(id=hazard_id, a=OPEN).pack() and len(data.encode()) <= 64
