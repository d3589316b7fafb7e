"""Issue 15's conversation, through the dispatcher on SQLite and PostgreSQL: six people take a 重大隐患 from a
群众举报 to 销账, and after their first command each acts ONLY from the button of a notice they received (or the
buttons of the card that button opened, and of the forms those open). On the way: a rejection and resubmission,
an extension request refused then approved, 挂牌督办 with level, requirement, deadline and responsible person, a
复查不合格, and a closure request returned (退回). Every notice is in its recipient's language; the reviewer writes
from an English client. At the end the 附件1 export lists every 复查 of the run, the 附件2 row carries the supervision
in its remarks, and the reporter was told of the closure.

Who does what (first command in brackets):
  reporter (/report) · inspector, township verifier (none: the tip-off notice) · reviewer, English (/bind) ·
  office (none) · re-inspector (none) · leader (none: reads the supervision notice)

Two gaps this walk found, fixed in the product: a rejection unlinked the tip-off from its hazard, so after the
resubmission the reporter never heard of registration or closure (``tipoff_records.on_hazard_state_changed``
keeps the link); the resubmitted hazard's notice only informed the reviewers instead of asking them to review it
(``step_notices.STEP_NOTICES`` row for ``Action.RESUBMIT``).
"""

from __future__ import annotations

import re

from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlmodel import col, select

from bot.domain import Role
from bot.local_chat import Button, LocalChat, plain
from bot.services.ledger_export import ExportFilter, hazard_rows, inspection_rows
from storage.models import Hazard
from storage.models_deadlines import DeadlineExtension
from storage.models_reminders import ReminderOutbox
from tests.conftest import Harness
from tests.test_step_notices_chat import _told_since
from tests.tipoff_helpers import PHOTOS, SANLITUN, report, sent_to, verify_as_hazard

KEEP, SUBMIT = "保持当前值", "✅ 提交"  # a form's "keep the current value" and its review card's submit
OFFICE_UNIT = "区安委会办公室"
INSPECTOR, REVIEWER, OFFICE, REINSPECTOR, LEADER, REPORTER = 901, 902, 903, 904, 905, 880_009_001
SITE = "幸福村中路12号出租房"
WHY = "Give the door number of the basement entrance"  # the reviewer's reason, typed in English
_CJK = re.compile(r"[\u4e00-\u9fff]")

#: every command each person typed; after the first, none may be a polling command
COMMANDS: dict[int, list[str]] = {}


def _notice(h: Harness, chat: LocalChat, label: str) -> tuple[str, Button]:
    """The latest notice sent to ``chat`` whose one button's words contain ``label``, and that button."""
    for method, result in reversed(h.session.responses):
        if not (isinstance(method, SendMessage) and method.chat_id == chat.user.id):
            continue
        markup = method.reply_markup
        if not isinstance(markup, InlineKeyboardMarkup):
            continue
        buttons = [b for row in markup.inline_keyboard for b in row]
        if len(buttons) == 1 and label in buttons[0].text:  # a notice carries one button; a card several
            b = buttons[0]
            return plain(method.text), Button(b.text, b.callback_data, None, result)
    raise AssertionError(f"no notice with {label!r} reached {chat.user.id}")


async def _from_notice(h: Harness, chat: LocalChat, label: str) -> str:
    """``chat`` presses ``label`` on the latest notice it received; the notice's text."""
    words, button = _notice(h, chat, label)
    await chat.press_button(button)
    return words


def _watch(*chats: LocalChat) -> None:
    """Record in ``COMMANDS`` every command these people type from now on."""
    for chat in chats:
        said = chat.say

        async def say(words: str, chat: LocalChat = chat, said=said):  # type: ignore[no-untyped-def]
            if words.startswith("/"):
                COMMANDS.setdefault(chat.user.id, []).append(words.split()[0])
            return await said(words)

        chat.say = say  # type: ignore[method-assign]


def _last(h: Harness, chat: LocalChat) -> str:
    own = [m for m in h.session.requests if getattr(m, "chat_id", None) == chat.user.id]
    texts = chat.texts(own)
    return texts[-1] if texts else ""


async def test_six_people_take_a_major_tipoff_to_closure_each_acting_from_the_notices_they_get(
    harness: Harness,
) -> None:
    h = harness
    COMMANDS.clear()
    inspector = await h.bind(INSPECTOR, "inspector", SANLITUN, "李检查")
    reinspector = await h.bind(REINSPECTOR, "inspector", SANLITUN, "赵复查")
    office = await h.bind(OFFICE, "office", OFFICE_UNIT, "张办公室")
    leader = await h.bind(LEADER, "leader", SANLITUN, "刘领导")
    issued = await h.core.services.invites.issue(Role.REVIEWER, SANLITUN, issuer=None)
    reviewer = h.chat(REVIEWER, "Wang Review", "en")  # an English client
    reporter = h.chat(REPORTER, "王小明")
    _watch(inspector, reinspector, office, leader, reviewer, reporter)  # the others were bound with /bind above
    await reviewer.say(f"/bind {issued.code}")  # the reviewer binds from an English client
    _told, mark = await _told_since(h, 0)

    # 1. the reporter reports → the township's verifiers (inspector, re-inspector) are told, with «Open tip-off»
    number = await report(reporter)
    await _from_notice(h, inspector, "查看举报")
    assert number in _last(h, inspector)

    # 2. the inspector verifies it (查实): the hazard form opens pre-filled from the tip-off; a 重大隐患
    await verify_as_hazard(inspector, site=SITE, level="重大隐患", deadline="2018-12-31")

    # 3. submitted → the reviewer (English) rejects it from the notice
    told, mark = await _told_since(h, mark)
    assert [t.chat_id for t in told] == [REVIEWER] and "Please review it" in told[0].text
    await _from_notice(h, reviewer, "Open and review")
    await reviewer.press("Reject")
    await reviewer.say(WHY)
    await reviewer.press("Submit")

    # 4. rejected → the inspector, with the reason and «修改后重新提交»: corrects the site name and resubmits
    told, mark = await _told_since(h, mark)
    assert [t.chat_id for t in told] == [INSPECTOR]
    assert "原因：Give the door number" in told[0].text and told[0].button == "✏️ 修改后重新提交"
    await _from_notice(h, inspector, "修改后重新提交")  # opens the card, whose button opens the form pre-filled
    assert "已驳回" in _last(h, inspector) and number in _last(h, inspector)  # the card names its tip-off
    await inspector.press("修改后重新提交")
    await inspector.press("修改：单位名称")
    await inspector.say(SITE + "（地下室东入口）")
    await inspector.press_button(inspector.latest_button(SUBMIT))
    assert "已修改并重新提交" in _last(h, inspector), _last(h, inspector)

    # 5. resubmitted → the reviewer, who approves from that notice
    told, mark = await _told_since(h, mark)
    assert [t.chat_id for t in told] == [REVIEWER], told
    assert "corrected and resubmitted by 李检查" in told[0].text and told[0].button == "🔎 Open and review"
    await _from_notice(h, reviewer, "Open and review")
    assert "（地下室东入口）" in _last(h, reviewer)
    await reviewer.press("Approve")

    # 6. approved → the office (to confirm) and the inspector; the office registers, filling the 五落实 it asks for
    told, mark = await _told_since(h, mark)
    assert sorted(t.chat_id for t in told) == [INSPECTOR, OFFICE]
    await _from_notice(h, office, "确认挂账")
    await office.press("确认挂账")  # refused: a 重大隐患 needs all five implementations (附件2 填表说明 15)
    assert "缺少：" in _last(h, office) and [b.text for b in office.buttons()] == ["📝 填写五落实"]
    await office.press("填写五落实")
    await office.say("房东张三")  # responsibility
    await office.press(KEEP)  # measures, from the hazard form
    await office.say("2")  # funds, 万元
    await office.press(KEEP)  # deadline
    await office.say("专人值守，夜间巡查")  # contingency plan
    await office.press(SUBMIT)
    await office.press("确认挂账")
    async with h.core.uow() as u:
        hazard = (await u.session.exec(select(Hazard))).one()
    assert hazard.state == "registered" and hazard.ledger_number, hazard.state

    # 7. registered → the inspector (number and deadline); the office is prompted to put the 重大隐患 under
    #    区政府 supervision: level, requirement, deadline, responsible → leader, inspector, reviewer (English)
    told, mark = await _told_since(h, mark)
    assert INSPECTOR in [t.chat_id for t in told]
    await _from_notice(h, office, "挂牌督办")
    await office.press("区政府")
    await office.say("制订整改方案，专人负责，按期整改到位")
    await office.say("2018-12-20")
    await office.say("刘领导（主管副主任）")
    await office.press(SUBMIT)
    told, mark = await _told_since(h, mark)
    assert sorted(t.chat_id for t in told) == [INSPECTOR, REVIEWER, LEADER]
    assert "督办级别：区政府" in next(t for t in told if t.chat_id == LEADER).text
    assert "Supervision level: 区政府" in next(t for t in told if t.chat_id == REVIEWER).text
    await _from_notice(h, leader, "查看隐患")  # the leader reads the card the notice opens
    assert "挂牌督办：区政府" in _last(h, leader)

    # 8. the inspector asks for an extension from the card its registration notice opens → the office refuses
    await _from_notice(h, inspector, "查看隐患")
    await inspector.press("申请延期")
    await inspector.say("2019-03-31")
    await inspector.say("地下室住户需分批安置")
    await inspector.press("提交")
    assert "地下室住户需分批安置" in await _from_notice(h, office, "审批延期申请")  # the request's notice
    await office.press("不批准")
    await office.say("期限过长，请压缩至一月底前")
    await office.press("提交")
    assert any("延期未获批准" in t and "期限过长" in t for t in sent_to(INSPECTOR, h.session))

    # 9. refused → the inspector asks again from that notice's button → the office approves
    assert "期限过长" in await _from_notice(h, inspector, "查看隐患")
    await inspector.press("申请延期")
    await inspector.say("2019-01-31")
    await inspector.say("压缩工期，一月底前完成")
    await inspector.press("提交")
    assert "压缩工期" in await _from_notice(h, office, "审批延期申请")
    await office.press("批准延期")
    assert any("延期已批准" in t and "2019-01-31" in t for t in sent_to(INSPECTOR, h.session))
    _told, mark = await _told_since(h, mark)

    # 10. the inspector reports the rectification from the approval's notice → the re-inspectors are told
    assert "2019-01-31" in await _from_notice(h, inspector, "查看隐患")
    await _rectify(inspector, "landscape_2.jpg")
    told, mark = await _told_since(h, mark)
    assert REINSPECTOR in [t.chat_id for t in told] and INSPECTOR not in [t.chat_id for t in told]

    # 11. 复查不合格 (reason, new deadline) → the inspector, who rectifies again from that notice
    await _from_notice(h, reinspector, "打开复查")
    await reinspector.press("复查不合格")
    await reinspector.press(KEEP)  # the date: today
    await reinspector.say("赵复查、李检查")  # who went
    await reinspector.say("楼道充电线路未拆除")
    await reinspector.say("2019-01-20")
    await reinspector.photo(PHOTOS / "landscape_3.jpg")
    await reinspector.press("完成")
    await reinspector.press(SUBMIT)
    told, mark = await _told_since(h, mark)
    to_inspector = next(t for t in told if t.chat_id == INSPECTOR)
    assert "原因：楼道充电线路未拆除" in to_inspector.text and "新的整改期限：2019年1月20日" in to_inspector.text
    assert to_inspector.button == "🛠 打开整改"
    await _from_notice(h, inspector, "打开整改")
    await _rectify(inspector, "landscape_4.jpg")
    told, mark = await _told_since(h, mark)
    assert REINSPECTOR in [t.chat_id for t in told]

    # 12. re-inspected again, 复查合格 → the office, asked to close; it returns the request (退回) with a reason
    await _from_notice(h, reinspector, "打开复查")
    await _pass(reinspector)
    told, mark = await _told_since(h, mark)
    assert [t.chat_id for t in told] == [OFFICE] and "请销账" in told[0].text
    await _from_notice(h, office, "打开销账")
    await office.press("退回销账申请")
    await office.say("复查照片看不清楼道，请重新复查")
    await office.press("提交")
    assert "待重新复查" in _last(h, office), _last(h, office)

    # 13. returned → the re-inspector who passed it (and the people on the hazard) re-inspects from that notice
    assert "复查照片看不清楼道" in await _from_notice(h, reinspector, "查看隐患")
    await _pass(reinspector)
    told, mark = await _told_since(h, mark)
    assert [t.chat_id for t in told] == [OFFICE] and "请销账" in told[0].text

    # 14. 复查合格 again → the office closes it (销账) from that notice → inspector, reporter told
    await _from_notice(h, office, "打开销账")
    await office.press("销账")
    await office.press("跳过")  # note
    await office.press("跳过")  # photos
    await office.press(SUBMIT)
    assert "已销账" in _last(h, office), _last(h, office)
    told, mark = await _told_since(h, mark)
    assert INSPECTOR in [t.chat_id for t in told]
    assert "已整改完毕" in sent_to(REPORTER, h.session)[-1]

    # nobody polled: each person's only command was the first one
    assert COMMANDS == {REVIEWER: ["/bind"], REPORTER: ["/report"]}, COMMANDS

    # the 附件1 export lists the three 复查 (failed, passed, passed after the return); the 附件2 row the supervision
    async with h.core.uow() as u:
        rows = await inspection_rows(u.session, ExportFilter())
        ledger = await hazard_rows(u.session, ExportFilter())
        hazard = (await u.session.exec(select(Hazard))).one()
        extensions = (await u.session.exec(select(DeadlineExtension).order_by(col(DeadlineExtension.id)))).all()
    assert [(r["inspection_type"], r["hazard_numbers"], str(r["remarks"])[:4]) for r in rows] == [
        ("复查", hazard.ledger_number, "复查不合"), ("复查", hazard.ledger_number, "复查合格"),
        ("复查", hazard.ledger_number, "复查合格")], rows  # no 核查 or 回头看 in this run
    assert "新整改期限 2019-01-20" in str(rows[0]["remarks"])
    assert hazard.state == "closed" and hazard.level == "重大隐患" and hazard.source == "举报"
    [row] = ledger
    # 附件2 remarks: level, start, deadline, and its end (销账 lifts the supervision)
    assert "区政府挂牌督办（2018-10-15起，督办期限2018-12-20，2018-10-15解除）" in row["remarks"], row["remarks"]
    assert [(e.status, e.new_deadline.isoformat()) for e in extensions] == [
        ("refused", "2019-03-31"), ("approved", "2019-01-31")]

    # the reporter heard each stage of their tip-off, ending with the closure
    news = [t for t in sent_to(REPORTER, h.session) if "有新进展" in t]
    assert "已整改完毕" in news[-1] and any("正在整改" in t for t in news), news

    # every notice in its recipient's language: the English reviewer's buttons in English, everyone else's in Chinese
    async with h.core.uow() as u:
        sent = (await u.session.exec(select(ReminderOutbox))).all()
    buttons = {(int(r.address), r.button_text) for r in sent if r.button_text}
    to_reviewer = {b for c, b in buttons if c == REVIEWER}
    assert {"Open tip-off", "🔎 Open and review", "📂 Open the hazard", "🔍 Open and re-inspect"} <= to_reviewer
    assert not any(_CJK.search(b) for b in to_reviewer), to_reviewer
    assert all(_CJK.search(b) for c, b in buttons if c != REVIEWER), buttons
    english = re.compile(r"[A-Za-z]+ [a-z]+ [a-z]+")  # the words around what people typed (site, reasons)
    assert all(english.search(plain(r.text)) for r in sent if int(r.address) == REVIEWER)
    assert not any(english.search(plain(r.text).replace(WHY, "")) for r in sent if int(r.address) != REVIEWER)
    assert {r.status for r in sent} == {"sent"}


async def _rectify(chat: LocalChat, photo: str) -> None:
    """报告整改 on the open card: the five implementations kept, one photo, submitted."""
    await chat.press("报告整改")
    while any(b.text.endswith(KEEP) for b in chat.buttons()):
        await chat.press(KEEP)
    await chat.photo(PHOTOS / photo)
    await chat.press("完成")
    await chat.press(SUBMIT)


async def _pass(chat: LocalChat) -> None:
    """复查合格 on the open card: today, who went, no photo, submitted."""
    await chat.press("复查合格")
    await chat.press(KEEP)
    await chat.say("赵复查")
    await chat.press("完成")
    await chat.press(SUBMIT)
